// Asking for permission to read one device: on Linux, `pkexec` runs the reader helper as root
// (polkit asks the user: a graphical agent, or pkexec's own text prompt on a terminal). Only
// where a prompt can be shown (a terminal or a graphical session); elsewhere, and on other OSes
// (authopen, UAC: see README.md), the caller keeps its "permission denied" message.

import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { PrivilegedReaderSource, ReaderError } from './client.js';

/** The hidden CLI command that runs the helper (`glovebox __reader <device> <st_rdev>`). */
export const READER_COMMAND = '__reader';

/** pkexec's path, where elevation can be asked for here; else null. */
export async function elevationAvailable(env: NodeJS.ProcessEnv = process.env, interactive = process.stdin.isTTY === true, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  if (platform !== 'linux') return null;
  if (!interactive && !env.DISPLAY && !env.WAYLAND_DISPLAY) return null;
  for (const dir of (env.PATH ?? '').split(delimiter).slice(0, 64)) {
    if (!dir.startsWith('/')) continue;
    const candidate = join(dir, 'pkexec');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Whether what pkexec would run as root can be trusted: the program, the script and every
 * directory above them owned by root and not writable by anyone else (a sticky directory
 * excepted). Otherwise anything running as the user could change what runs as root after the
 * user approves the prompt. Returns the first path that fails, or null.
 */
export async function untrustedForElevation(paths: readonly string[]): Promise<string | null> {
  for (const p of paths) {
    let at = await realpath(p);
    for (let level = 0; level < 64; level++) {
      const st = await stat(at);
      const writableByOthers = (st.mode & 0o022) !== 0 && !(st.isDirectory() && (st.mode & 0o1000) !== 0);
      if (st.uid !== 0 || writableByOthers) return at;
      const parent = dirname(at);
      if (parent === at) break;
      at = parent;
    }
  }
  return null;
}

/** What pkexec's exit status means when the helper never said hello. */
function pkexecFailure(code: number | null): string {
  if (code === 126) return 'the authorization was dismissed or refused';
  if (code === 127) return 'not authorized (or no polkit authentication agent is running)';
  return code === null ? 'the helper was killed' : `pkexec ended with status ${code}`;
}

/**
 * Starts `pkexec <node> <cliScript> __reader <device> <st_rdev>` and returns the device as a
 * HostSource. The device number is taken now, before the prompt, so that the helper refuses a
 * path that names another device by the time it runs.
 */
export async function openElevated(path: string, o: { pkexec: string; cliScript: string }): Promise<PrivilegedReaderSource> {
  const untrusted = await untrustedForElevation([process.execPath, o.cliScript]);
  if (untrusted !== null) throw new ReaderError(`not asking for root: ${untrusted} could be changed by users other than root (install Glovebox system-wide)`, -2);
  const device = await realpath(path);
  const st = await stat(device);
  if (!st.isBlockDevice()) throw new ReaderError('not a block device', -1);
  const child = spawn(o.pkexec, [process.execPath, o.cliScript, READER_COMMAND, device, String(st.rdev)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let exit: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code) => {
      exit = code;
      resolve();
    });
    child.on('error', () => {
      exit = 127;
      resolve();
    });
  });
  try {
    return await PrivilegedReaderSource.start({ stdin: child.stdin, stdout: child.stdout, kill: () => child.kill() });
  } catch (e) {
    // The helper never said hello: the reason is pkexec's.
    if (e instanceof ReaderError && e.status === -1) {
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
      if (exit !== undefined && exit !== 0) throw new ReaderError(pkexecFailure(exit), -1);
    }
    throw e;
  }
}
