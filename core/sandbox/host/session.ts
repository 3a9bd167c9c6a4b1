// An opened image as the host uses it: the read-only source, its sandbox, and the operations
// the CLI and the app share (choose a volume, resolve a path, walk a tree, stream file data).

import { GloveboxError, invalid } from '../../errors.js';
import { MAX_PATH_DEPTH, type NodeStat } from '../../fs/types.js';
import { joinPath } from '../../fs/names.js';
import type { ImageInfo, ListedEntry, SelfTestResult, SourceExtent, VolumeSummary } from '../protocol/api.js';
import { platformConfinement } from '../confine/platform.js';
import type { Confinement } from '../protocol/messages.js';
import type { KernelLauncher } from './launcher.js';
import { NodeLauncher } from './node-launcher.js';
import type { HostSource } from './source.js';
import { Supervisor, type CallOptions } from './supervisor.js';
import { expandImage, type ExpandOptions } from './expanded-image.js';

/** Bytes per data request when relaying file contents or copying extents. */
export const DATA_CHUNK_BYTES = 4 * 1024 * 1024;
/** Entries per directory page. */
const PAGE_ENTRIES = 4096;
/** Most entries one walk will visit. */
export const MAX_WALK_ENTRIES = 20_000_000;

export interface WalkEntry extends ListedEntry {
  /** Absolute path inside the volume, of listed (escaped where needed) names. */
  path: string;
  /** This name or one of its ancestors' was escaped. */
  pathEscaped: boolean;
  depth: number;
}

export interface WalkProblem {
  path: string;
  message: string;
}

interface WalkState {
  volume: number;
  options: { recursive: boolean; all?: boolean; onProblem?: (p: WalkProblem) => void };
  visited: number;
  call: CallOptions;
  /** Directories already entered, by node, with the path where they were. */
  entered: Map<number, string>;
}

/** Errors that spoil one directory, not the walk. */
const RECOVERABLE: readonly string[] = ['Corrupt', 'Io', 'NotFound', 'Invalid', 'Unsupported'];

export interface SessionOptions {
  launcher?: KernelLauncher;
  requestTimeoutMs?: number;
  /** Accept a kernel without Node's permission model (only when the runtime lacks it). */
  allowUnconfined?: boolean;
  /** Refuse to work unless OS confinement is in force and the self-test found everything blocked. */
  requireIsolation?: boolean;
  /** Told once per distinct message when the isolation is weaker than it should be. */
  onWarning?: (message: string) => void;
  /**
   * The kernel runs where Node's permission model does not exist (Electron's utility process):
   * the OS layer and the self-test stand in for it. Default false (the CLI requires it).
   */
  withoutNodePermission?: boolean;
  /** How a compressed image is expanded (temporary folder, size cap, progress). */
  expand?: ExpandOptions;
}

/**
 * The CLI's confinement policy. Node's permission model is required. Where Glovebox has OS
 * confinement for the platform and its addon is installed, that OS layer is required too; when
 * the addon is missing the sandbox runs with the remaining layers and the user is warned
 * (or, with `requireIsolation`, refused). The self-test must find files and processes blocked.
 */
export function isolationPolicy(launcher: KernelLauncher, options: Pick<SessionOptions, 'allowUnconfined' | 'requireIsolation' | 'onWarning' | 'withoutNodePermission'>) {
  const warned = new Set<string>();
  const warn = (m: string) => {
    if (warned.has(m)) return;
    warned.add(m);
    options.onWarning?.(m);
  };
  const confinementPolicy = (c: Confinement): string | null => {
    if (options.allowUnconfined) return null;
    if (!c.nodePermission && options.withoutNodePermission !== true) return 'Node permission model is not active';
    if (c.os !== null) return null;
    const why = c.problems.length > 0 ? c.problems.join('; ') : 'no OS-level confinement was applied';
    if (options.requireIsolation) return `${why} (--require-isolation)`;
    // The addon is there and the platform has an OS layer: it should have worked.
    if (launcher.confineAddon && platformConfinement(process.platform)) return `OS-level confinement failed: ${why}`;
    warn(`the sandbox runs without OS-level confinement (${why}); it is confined by Node's permission model only`);
    return null;
  };
  const selfTestPolicy = (t: SelfTestResult, c: Confinement): string | null => {
    if (options.allowUnconfined) return null;
    const open = (['file', 'socket', 'spawn'] as const).filter((k) => t[k] !== 'blocked');
    const names = { file: 'open files', socket: 'open sockets', spawn: 'start processes' };
    if (open.includes('file') || open.includes('spawn') || (open.length > 0 && (options.requireIsolation || c.os !== null))) {
      return `the self-test found the sandbox could ${open.map((k) => names[k]).join(', ')}`;
    }
    if (open.length > 0) warn(`the sandbox can ${open.map((k) => names[k]).join(', ')} (no OS-level confinement)`);
    return null;
  };
  return { confinementPolicy, selfTestPolicy };
}

export class ImageSession {
  private current: { supervisor: Supervisor; source: HostSource };
  /** What the source was before expansion (a compressed image), once expanded. */
  private outer: ImageInfo | null = null;
  private expanding: Promise<void> | null = null;

  constructor(
    source: HostSource,
    private readonly options: SessionOptions = {},
  ) {
    this.current = { supervisor: this.supervise(source), source };
  }

  private supervise(source: HostSource): Supervisor {
    const launcher = this.options.launcher ?? new NodeLauncher();
    return new Supervisor({
      launcher,
      source,
      ...(this.options.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.options.requestTimeoutMs } : {}),
      ...isolationPolicy(launcher, this.options),
    });
  }

  /** The sandbox serving the image (after info(), the one reading the expanded image, if any). */
  get supervisor(): Supervisor {
    return this.current.supervisor;
  }

  /** What the host reads file data from: the image, or its expanded copy. */
  get source(): HostSource {
    return this.current.source;
  }

  /**
   * Containers, partitions and volumes. A compressed image is expanded first (once): a first
   * sandbox decompresses it into a private temporary file, read by a second sandbox from then on.
   */
  async info(o?: CallOptions): Promise<ImageInfo> {
    await (this.expanding ??= this.expandIfCompressed(o));
    const info = await this.current.supervisor.info(o);
    if (!this.outer) return info;
    const { stream: _stream, ...rest } = info;
    return { ...rest, container: this.outer.container, ...(info.container !== 'raw' ? { inner: info.container } : {}), warnings: [...this.outer.warnings, ...info.warnings] };
  }

  private async expandIfCompressed(o?: CallOptions): Promise<void> {
    const first = await this.current.supervisor.info(o);
    if (!first.stream) return;
    const expanded = await expandImage(this.current.supervisor, first.stream, { ...this.options.expand, ...(o?.signal ? { signal: o.signal } : {}) });
    const decompressor = this.current.supervisor;
    // The decompressing sandbox is done; the source file stays open until the session closes.
    this.current = { supervisor: this.supervise(expanded), source: expanded };
    this.outer = first;
    this.closeLater.push(() => decompressor.close());
  }

  private readonly closeLater: Array<() => Promise<void>> = [];

  /** The isolation in force for the current sandbox (see Supervisor.isolation). */
  get isolation(): string[] {
    return this.supervisor.isolation;
  }

  /** The volume asked for (1-based), or the first with a recognised file system. */
  async volume(index?: number): Promise<VolumeSummary> {
    const info = await this.info();
    if (index !== undefined) {
      const v = info.volumes.find((x) => x.index === index);
      if (!v) throw invalid(`no volume ${index} (the image has ${info.volumes.length})`);
      if (v.fs === null) throw new GloveboxError('Unsupported', `volume ${index} has no recognised file system`);
      if (v.error) throw new GloveboxError('Corrupt', `volume ${index} (${v.fs}) cannot be opened: ${v.error}`);
      return v;
    }
    const v = info.volumes.find((x) => x.fs !== null && !x.error);
    if (v) return v;
    const broken = info.volumes.find((x) => x.fs !== null);
    if (broken) throw new GloveboxError('Corrupt', `volume ${broken.index} (${broken.fs}) cannot be opened: ${broken.error}`);
    throw new GloveboxError('Unsupported', 'no recognised file system in this image');
  }

  lookup(volume: number, path: string, o?: CallOptions): Promise<NodeStat> {
    return this.supervisor.lookup(volume, path, o);
  }

  /** All entries of one directory, page by page. */
  async *list(volume: number, node: number, o?: CallOptions): AsyncGenerator<ListedEntry> {
    let start: number | null = 0;
    while (start !== null) {
      const page = await this.supervisor.readdir(volume, node, start, PAGE_ENTRIES, o);
      yield* page.entries;
      if (page.next !== null && page.next <= start) throw new GloveboxError('Protocol', 'directory paging did not advance');
      start = page.next;
    }
  }

  /**
   * Depth-first walk below `dir` (pre-order). A directory that is its own ancestor (a loop in
   * a hostile image), or that was already entered by another path, is listed but not entered,
   * and reported through `onProblem`.
   */
  async *walk(
    volume: number,
    dir: { node: number; path: string; escaped?: boolean },
    options: { recursive: boolean; all?: boolean; onProblem?: (p: WalkProblem) => void; signal?: AbortSignal } = { recursive: true },
  ): AsyncGenerator<WalkEntry> {
    const state: WalkState = { volume, options, visited: 0, call: options.signal ? { signal: options.signal } : {}, entered: new Map([[dir.node, dir.path]]) };
    yield* this.below(state, dir.node, dir.path, dir.escaped ?? false, new Set([dir.node]), 0);
  }

  private async *below(s: WalkState, node: number, path: string, escaped: boolean, ancestors: Set<number>, depth: number): AsyncGenerator<WalkEntry> {
    const entries: ListedEntry[] = [];
    for await (const e of this.list(s.volume, node, s.call)) entries.push(e);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      // Metadata files and alternate streams are shown only when asked for.
      if ((e.system === true || e.stream === true) && s.options.all !== true) continue;
      if (++s.visited > MAX_WALK_ENTRIES) throw new GloveboxError('Limit', `more than ${MAX_WALK_ENTRIES} entries`);
      const entry: WalkEntry = { ...e, path: joinPath(path, e.name), pathEscaped: escaped || e.escaped, depth };
      yield entry;
      if (!s.options.recursive || e.type !== 'dir') continue;
      if (ancestors.has(e.node)) {
        s.options.onProblem?.({ path: entry.path, message: 'directory loop: this directory contains itself; not entered' });
        continue;
      }
      // Entering each directory once bounds the walk by the number of directories, even when
      // a hostile image links the same directory from many places (a DAG can be exponential).
      const seenAt = s.entered.get(e.node);
      if (seenAt !== undefined) {
        s.options.onProblem?.({ path: entry.path, message: `the same directory as ${seenAt}; not entered again` });
        continue;
      }
      s.entered.set(e.node, entry.path);
      if (depth + 1 >= MAX_PATH_DEPTH) {
        s.options.onProblem?.({ path: entry.path, message: `deeper than ${MAX_PATH_DEPTH} levels; not entered` });
        continue;
      }
      ancestors.add(e.node);
      try {
        yield* this.below(s, e.node, entry.path, entry.pathEscaped, ancestors, depth + 1);
      } catch (err) {
        // A damaged directory is reported and skipped; the sandbox failing is not.
        if (!(err instanceof GloveboxError) || !RECOVERABLE.includes(err.kind)) throw err;
        s.options.onProblem?.({ path: entry.path, message: err.message });
      } finally {
        ancestors.delete(e.node);
      }
    }
  }

  /**
   * A file's bytes. Plain data is copied by the host from the source at the extents the
   * sandbox named (checked to lie inside the source); anything else is relayed by the sandbox.
   */
  async *data(
    volume: number,
    node: number,
    size: number,
    o?: CallOptions,
    /** The file's extents if already asked for (extraction asks ahead to overlap the round trips). */
    prefetched?: Promise<SourceExtent[] | null>,
  ): AsyncGenerator<Uint8Array> {
    const extents = await (prefetched ?? this.supervisor.extents(volume, node, o));
    if (extents) {
      for (const e of extents) {
        for (let done = 0; done < e.length; done += DATA_CHUNK_BYTES) {
          if (o?.signal?.aborted) throw new GloveboxError('Cancelled', 'cancelled');
          const n = Math.min(DATA_CHUNK_BYTES, e.length - done);
          yield await this.source.read(e.sourceOffset + done, n);
        }
      }
      return;
    }
    let offset = 0;
    while (offset < size) {
      const chunk = await this.supervisor.read(volume, node, offset, Math.min(DATA_CHUNK_BYTES, size - offset), o);
      if (chunk.length === 0) throw new GloveboxError('Corrupt', `file data ends at ${offset} of ${size} bytes`);
      offset += chunk.length;
      yield chunk;
    }
  }

  async close(): Promise<void> {
    await this.current.supervisor.close();
    for (const c of this.closeLater.splice(0)) await c();
  }
}
