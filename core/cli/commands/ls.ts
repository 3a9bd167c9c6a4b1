import { GloveboxError } from '../../errors.js';
import type { ImageSession, WalkEntry } from '../../sandbox/host/session.js';
import { terminalSafe } from '../format.js';
import type { Output } from '../output.js';

export interface LsOptions {
  path: string;
  volume: number | undefined;
  recursive: boolean;
  all: boolean;
  json: boolean;
  warn: (message: string) => void;
}

export async function lsCommand(session: ImageSession, o: LsOptions, out: Output): Promise<void> {
  const vol = await session.volume(o.volume);
  const target = await session.lookup(vol.index, o.path);
  const base = normalise(o.path);
  const print = async (e: Pick<WalkEntry, 'path' | 'type' | 'size' | 'mtime' | 'pathEscaped' | 'node' | 'stream' | 'system'>) => {
    const target = e.type === 'symlink' ? await readlinkOrNull(session, vol.index, e.node, o.warn, e.path) : undefined;
    if (o.json) {
      const obj: Record<string, unknown> = { path: e.path, type: e.type, size: e.size, mtime: e.mtime };
      if (target !== undefined && target !== null) obj.target = target;
      if (e.pathEscaped) obj.escaped = true;
      if (e.stream === true) obj.stream = true;
      if (e.system === true) obj.system = true;
      await out.line(JSON.stringify(obj));
    } else {
      const t = { file: '-', dir: 'd', symlink: 'l', other: '?' }[e.type];
      const when = e.mtime === null ? '-'.padEnd(19) : e.mtime.replace('T', ' ').slice(0, 19);
      const link = target ? ` -> ${terminalSafe(target)}` : '';
      await out.line(`${t} ${String(e.size).padStart(12)} ${when} ${terminalSafe(e.path)}${link}`);
    }
  };
  if (target.type !== 'dir') {
    await print({ path: base, type: target.type, size: target.size, mtime: target.mtime, pathEscaped: false, node: target.node });
    return;
  }
  let problems = 0;
  const walk = session.walk(vol.index, { node: target.node, path: base }, {
    recursive: o.recursive,
    all: o.all,
    onProblem: (p) => {
      problems++;
      o.warn(`${terminalSafe(p.path)}: ${p.message}`);
    },
  });
  for await (const e of walk) await print(e);
  // The listing above is complete except for what was reported; the exit status says so.
  if (problems > 0) throw new GloveboxError('Corrupt', `${problems} ${problems === 1 ? 'directory' : 'directories'} could not be listed (see above)`);
}

async function readlinkOrNull(session: ImageSession, volume: number, node: number, warn: (m: string) => void, path: string): Promise<string | null> {
  try {
    return await session.supervisor.readlink(volume, node);
  } catch (e) {
    if (!(e instanceof GloveboxError)) throw e;
    warn(`${terminalSafe(path)}: ${e.message}`);
    return null;
  }
}

export function normalise(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return `/${parts.join('/')}`;
}
