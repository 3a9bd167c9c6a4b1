import { basename } from 'node:path';
import { ExtractWriter, type DirHandle, type ExtractSummary } from '../../extract/index.js';
import { GloveboxError } from '../../errors.js';
import type { ImageSession, WalkEntry } from '../../sandbox/host/session.js';
import type { SourceExtent } from '../../sandbox/protocol/api.js';
import { terminalSafe } from '../format.js';
import { normalise } from './ls.js';

/** Files whose extents are asked for ahead of writing, and files being filled at once. */
const LOOKAHEAD = 16;
const FILES_IN_FLIGHT = 8;

/** At most `size` promises at once; the first failure is thrown by the next add() or drain(). */
class Window {
  private readonly running = new Set<Promise<unknown>>();
  private failure: { error: unknown } | null = null;
  constructor(private readonly size: number) {}

  async add(p: Promise<unknown>): Promise<void> {
    const tracked = p.then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= { error };
      },
    );
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
    while (this.running.size >= this.size) await Promise.race(this.running);
    this.rethrow();
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
    this.rethrow();
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error;
  }
}

interface Ahead {
  e: WalkEntry;
  extents?: Promise<SourceExtent[] | null>;
}

export interface ExtractCliOptions {
  paths: string[];
  volume: number | undefined;
  output: string;
  overwrite: boolean;
  warn: (message: string) => void;
  /** Stops the walk, the reads and the writer (the app's Cancel). */
  signal?: AbortSignal;
  /** Told as each file's bytes arrive, and when each entry is done (the app's progress). */
  onBytes?: (n: number) => void;
  onEntry?: (path: string, type: WalkEntry['type']) => void;
}

export interface ExtractOutcome {
  summary: ExtractSummary;
  failures: number;
}

async function* counted(data: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of data) {
    onBytes(chunk.length);
    yield chunk;
  }
}

/** Copies the named paths (default: the whole volume) into `output`, like `cp -r`. */
export async function extractCommand(session: ImageSession, o: ExtractCliOptions): Promise<ExtractOutcome> {
  const vol = await session.volume(o.volume);
  const writer = await ExtractWriter.open(o.output, { overwrite: o.overwrite, ...(o.signal ? { signal: o.signal } : {}) });
  const call = o.signal ? { signal: o.signal } : undefined;
  let failures = 0;
  const fail = (path: string, message: string) => {
    failures++;
    o.warn(`${terminalSafe(path)}: ${message}`);
  };
  const writeFile = async (parent: DirHandle, name: string, path: string, node: number, size: number, mtime: string | null, extents?: Promise<SourceExtent[] | null>) => {
    const data = session.data(vol.index, node, size, call, extents);
    await writer.file(parent, name, path, mtime, o.onBytes ? counted(data, o.onBytes) : data);
    o.onEntry?.(path, 'file');
  };
  const writeLink = async (parent: DirHandle, name: string, path: string, node: number, mtime: string | null) => {
    try {
      const target = await session.supervisor.readlink(vol.index, node);
      await writer.symlink(parent, name, path, target, mtime);
    } catch (e) {
      if (!(e instanceof GloveboxError)) throw e;
      fail(path, e.message);
    }
  };

  const inflight = new Window(FILES_IN_FLIGHT);
  for (const requested of o.paths.length > 0 ? o.paths : ['/']) {
    const path = normalise(requested);
    const st = await session.lookup(vol.index, path, call);
    const name = basename(path);
    let top: DirHandle | null = writer.root();
    if (st.type === 'file') {
      await writeFile(writer.root(), name, path, st.node, st.size, st.mtime);
      continue;
    }
    if (st.type === 'symlink') {
      await writeLink(writer.root(), name, path, st.node, st.mtime);
      continue;
    }
    if (st.type !== 'dir') {
      o.warn(`${terminalSafe(path)}: not a file, directory or link; skipped`);
      continue;
    }
    if (path !== '/') top = await writer.dir(writer.root(), name, path, st.mtime);
    if (!top) continue;
    const handles = new Map<string, DirHandle>([[path, top]]);
    const write = async ({ e, extents }: Ahead) => {
      const parentPath = e.path.slice(0, e.path.lastIndexOf('/')) || '/';
      const parent = handles.get(parentPath);
      if (!parent) return; // its directory was skipped
      if (e.type === 'dir') {
        const h = await writer.dir(parent, e.name, e.path, e.mtime);
        if (h) handles.set(e.path, h);
        o.onEntry?.(e.path, 'dir');
      } else if (e.type === 'file') {
        await inflight.add(writeFile(parent, e.name, e.path, e.node, e.size, e.mtime, extents));
      } else if (e.type === 'symlink') {
        await writeLink(parent, e.name, e.path, e.node, e.mtime);
      } else {
        o.warn(`${terminalSafe(e.path)}: device node, FIFO or socket; skipped`);
      }
    };
    // Ask the sandbox where the next few files lie while the current one is written, so that
    // its round trips overlap the writer's file system calls. Entries are written in walk order.
    const ahead: Ahead[] = [];
    const walk = session.walk(vol.index, { node: st.node, path }, { recursive: true, onProblem: (p) => fail(p.path, p.message), ...(call ?? {}) });
    for await (const e of walk) {
      const item: Ahead = { e };
      if (e.type === 'file') {
        item.extents = session.supervisor.extents(vol.index, e.node, call);
        item.extents.catch(() => undefined); // reported when the file is written
      }
      ahead.push(item);
      if (ahead.length > LOOKAHEAD) await write(ahead.shift()!);
    }
    for (const item of ahead.splice(0)) await write(item);
    await inflight.drain();
  }
  const summary = await writer.finish();
  for (const r of summary.reports) {
    if (r.action === 'error') failures++;
    o.warn(`${terminalSafe(r.path)}: ${r.action}${r.written !== null ? ` as ${terminalSafe(r.written)}` : ''}: ${r.reason}`);
  }
  return { summary, failures };
}
