// `glovebox mount <image|device> <mountpoint>` and `glovebox unmount <mountpoint>`: a read-only
// FUSE file system served by the sandbox (core/mount). Without --foreground the command starts
// the serving process in the background, waits until the mount is up, and returns.

import { execFile, spawn } from 'node:child_process';
import { realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { GloveboxError, invalid } from '../../errors.js';
import { loadFuseBinding, mountedType, type FuseMount } from '../../mount/fuse.js';
import { serveVolume } from '../../mount/serve.js';
import type { ImageSession } from '../../sandbox/host/session.js';

/** The file system type a Glovebox mount shows in /proc/mounts. */
export const MOUNT_TYPE = 'fuse.glovebox';
/** How often the serving process checks that it is still mounted (an outside unmount). */
const MOUNTED_POLL_MS = 500;
/** How long the starting command waits for the background process to mount (ms). */
const START_TIMEOUT_MS = 60_000;
/** Set in the background serving process: it reports to the command that started it. */
const CHILD_ENV = 'GLOVEBOX_MOUNT_CHILD';

type ChildReport = { ready: true } | { error: string } | { warning: string };

export interface MountCommandOptions {
  image: string;
  mountpoint: string;
  volume: number | undefined;
  foreground: boolean;
  allowOther: boolean;
  /** The glovebox script to start the background process with. */
  cliScript: string;
  /** Options the background process must be given too (--require-isolation, --expand-limit). */
  passOn?: string[];
  openSession(): Promise<ImageSession>;
  warn(message: string): void;
}

/** In the background serving process: passes a warning to the starting command (true if it did). */
export function relayedToMountStarter(message: string): boolean {
  if (process.env[CHILD_ENV] !== '1' || !process.send || !process.connected) return false;
  process.send({ warning: message } satisfies ChildReport);
  return true;
}

async function mountpointDir(path: string): Promise<string> {
  const refuse = (e: NodeJS.ErrnoException): never => {
    // A FUSE mount whose process was killed: it stays until unmounted.
    if (e.code === 'ENOTCONN') throw invalid(`${path}: a mount whose process has ended is still there: glovebox unmount ${path}`);
    throw invalid(`${path}: no such directory`);
  };
  const abs = await realpath(path).catch(refuse);
  if (!(await stat(abs).catch(refuse)).isDirectory()) throw invalid(`${path}: not a directory`);
  const type = await mountedType(abs);
  if (type === MOUNT_TYPE) throw invalid(`${path}: a Glovebox volume is already mounted there`);
  return abs;
}

export async function mountCommand(o: MountCommandOptions): Promise<string> {
  const mountpoint = await mountpointDir(o.mountpoint);
  // Where FUSE is missing, say so before anything starts.
  const binding = await loadFuseBinding();
  if (!o.foreground && process.env[CHILD_ENV] !== '1') return startInBackground(o, mountpoint);
  let session: ImageSession | null = null;
  let mounted: FuseMount | null = null;
  try {
    session = await o.openSession();
    const served = await serveVolume(binding, session, { volume: o.volume, mountpoint, source: o.image, allowOther: o.allowOther });
    mounted = served.fuse;
    const what = `volume ${served.index} (${served.fs ?? 'unknown'}) of ${o.image} at ${mountpoint}`;
    if (process.env[CHILD_ENV] === '1' && process.send) {
      process.send({ ready: true } satisfies ChildReport);
      process.disconnect();
    } else process.stderr.write(`glovebox: mounted ${what} (read-only); stop with Ctrl-C or glovebox unmount\n`);
    await untilUnmounted(mountpoint);
    return what;
  } catch (e) {
    if (process.env[CHILD_ENV] === '1' && process.send && process.connected) {
      process.send({ error: e instanceof Error ? e.message : String(e) } satisfies ChildReport);
    }
    throw e;
  } finally {
    await mounted?.unmount().catch(() => undefined);
    await session?.close();
  }
}

/** Resolves on SIGINT/SIGTERM/SIGHUP, or when someone else unmounted (glovebox unmount, umount). */
function untilUnmounted(mountpoint: string): Promise<void> {
  return new Promise<void>((done) => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const finish = () => {
      clearInterval(timer);
      for (const s of signals) process.off(s, finish);
      done();
    };
    for (const s of signals) process.on(s, finish);
    const timer = setInterval(() => {
      void mountedType(mountpoint).then((t) => {
        if (t !== MOUNT_TYPE) finish();
      });
    }, MOUNTED_POLL_MS);
  });
}

/** Starts the serving process (detached, in its own session) and waits until it has mounted. */
async function startInBackground(o: MountCommandOptions, mountpoint: string): Promise<string> {
  const args = [...process.execArgv, o.cliScript, 'mount', resolve(o.image), mountpoint];
  if (o.volume !== undefined) args.push('--volume', String(o.volume));
  if (o.allowOther) args.push('--allow-other');
  args.push(...(o.passOn ?? []));
  const child = spawn(process.execPath, args, {
    cwd: '/',
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, [CHILD_ENV]: '1' },
  });
  const outcome = await new Promise<{ ready: true } | { error: string } | { exited: string }>((settle) => {
    const timer = setTimeout(() => settle({ error: 'the mount did not come up in time' }), START_TIMEOUT_MS);
    child.on('message', (m: unknown) => {
      const r = m as Partial<Record<'ready' | 'error' | 'warning', unknown>>;
      if (typeof r.warning === 'string') o.warn(r.warning);
      else if (r.ready === true || typeof r.error === 'string') {
        clearTimeout(timer);
        settle(r.ready === true ? { ready: true } : { error: String(r.error) });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      settle({ exited: `the mount process ended (${signal ?? `exit ${code}`})` });
    });
  });
  if ('ready' in outcome) {
    if (child.connected) child.disconnect();
    child.unref();
    return `${mountpoint} (process ${child.pid})`;
  }
  if (child.exitCode === null) child.kill();
  throw new GloveboxError('Io', 'error' in outcome ? outcome.error : outcome.exited);
}

const run = promisify(execFile);

/** Unmounts a Glovebox mount (only those: any other file system is refused). */
export async function unmountCommand(path: string): Promise<string> {
  const mountpoint = await realpath(path).catch(() => resolve(path));
  const type = await mountedType(mountpoint);
  if (type === null) throw invalid(`${path}: nothing is mounted there`);
  if (type !== MOUNT_TYPE) throw invalid(`${path}: not a Glovebox mount (${type})`);
  const attempts: Array<[string, string[]]> =
    process.platform === 'darwin' ? [['umount', [mountpoint]]] : [['fusermount', ['-u', mountpoint]], ['fusermount3', ['-u', mountpoint]], ['umount', [mountpoint]]];
  const why: string[] = [];
  for (const [cmd, args] of attempts) {
    try {
      await run(cmd, args, { timeout: 15_000 });
      return mountpoint;
    } catch (e) {
      const err = e as { stderr?: unknown; message?: unknown };
      why.push(`${cmd}: ${typeof err.stderr === 'string' && err.stderr.trim() !== '' ? err.stderr.trim() : String(err.message)}`);
    }
  }
  throw new GloveboxError('Io', `cannot unmount ${path}: ${why.join('; ')}`);
}
