// An opened image as the host uses it: the read-only source, its sandbox, and the operations
// the CLI and the app share (choose a volume, resolve a path, walk a tree, stream file data).

import { GloveboxError, invalid } from '../../errors.js';
import { MAX_PATH_DEPTH, type NodeStat } from '../../fs/types.js';
import { joinPath } from '../../fs/names.js';
import type { ImageInfo, ListedEntry, ScanPage, SelfTestResult, SourceExtent, VolumeSummary } from '../protocol/api.js';
import { layoutFindings } from '../../scan/layout.js';
import type { Finding, ScanNote } from '../../scan/types.js';
import { digest, type HashAlgorithm, type HashProgress } from './hash.js';
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

/** Findings one session scan keeps at most (more are counted, not kept). */
export const MAX_SCAN_FINDINGS = 100_000;
const MAX_SCAN_NOTES = 10_000;

export interface ScanProgress {
  /** Entries visited, file bytes read, findings so far, steps (sandbox requests) so far. */
  entries: number;
  bytes: number;
  findings: number;
  steps: number;
}

/** Errors that mean the sandbox was stopped while it scanned (it is restarted for the next step). */
const STOPPED_SANDBOX: readonly string[] = ['Crashed', 'Timeout'];
/** Sandboxes one scan may lose to hostile content before it gives up. */
const MAX_SCAN_CRASHES = 16;
/** One-move steps taken after a stop (the kernel's default step is at most this many moves). */
const CAREFUL_SCAN_STEPS = 4000;
/** Stops in a row inside one directory before the directory itself is skipped (its listing may be what stops the sandbox). */
const STOPS_BEFORE_SKIPPING_DIRECTORY = 3;

type Cursor = NonNullable<ScanPage['next']>;

/** The cursor past the move that stopped the sandbox: the entry at the top frame's position, or the whole directory. */
function skipAfterStop(
  cursor: Cursor,
  inFrame: { key: string; crashes: number },
  e: GloveboxError,
): { cursor: Cursor | null; inFrame: { key: string; crashes: number }; note: ScanNote; entry?: { dir: string; node: number; index: number } } {
  const frames = cursor.frames.map((f) => ({ ...f }));
  const top = frames[frames.length - 1]!;
  const dir = `/${frames.slice(1).map((f) => f.name).join('/')}`;
  const key = `${frames.length}:${top.node}`;
  const count = inFrame.key === key ? inFrame.crashes + 1 : 1;
  if (count >= STOPS_BEFORE_SKIPPING_DIRECTORY) {
    frames.pop();
    const note = { path: dir, message: `directory not scanned: the sandbox stopped ${count} times in it (${e.message})` };
    return { cursor: frames.length > 0 ? { frames, visited: cursor.visited } : null, inFrame: { key: '', crashes: 0 }, note };
  }
  const note = { path: dir, message: `entry ${top.index + 1} of this directory not checked: the sandbox stopped while checking it (${e.message})` };
  const entry = { dir, node: top.node, index: top.index };
  top.index++;
  return { cursor: { frames, visited: cursor.visited + 1 }, inFrame: { key, crashes: count }, note, entry };
}

export interface ScanOptions {
  signal?: AbortSignal;
  onProgress?: (p: ScanProgress) => void;
  /** Each step's findings as they arrive (for a display that fills in while the scan runs). */
  onFindings?: (findings: Finding[]) => void;
}

export interface ScanReport {
  volume: number;
  findings: Finding[];
  /** What could not be checked (a directory that could not be listed, a limit reached). */
  notes: ScanNote[];
  entries: number;
  bytes: number;
  /** Findings beyond MAX_SCAN_FINDINGS, counted but not kept. */
  dropped: number;
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

  /**
   * Scans a volume for traps (autorun files, shortcuts, programs, macros, name tricks: see
   * core/scan/README.md). The sandbox scans in bounded steps; this drives them, with progress
   * and cancellation. Findings about the image's layout (hidden partitions, volumes sharing
   * bytes) come first, then the volume's in walk order (depth-first, listing order).
   */
  async scan(volume: number, o: ScanOptions = {}): Promise<ScanReport> {
    const call: CallOptions = o.signal ? { signal: o.signal } : {};
    // The image's layout first (hidden partitions, shared bytes): from the volume list alone.
    const layout = layoutFindings((await this.info(call)).volumes);
    const report: ScanReport = { volume, findings: [...layout], notes: [], entries: 0, bytes: 0, dropped: 0 };
    if (layout.length > 0) o.onFindings?.(layout);
    let cursor: ScanPage['next'] = null;
    let steps = 0;
    // After a step stops the sandbox (a crash, a hang), its range is redone one move at a time;
    // the move that stops it again is skipped and noted, so one hostile file cannot hide the rest.
    let crashes = 0;
    let careful = 0;
    let inFrame = { key: '', crashes: 0 };
    for (;;) {
      if (o.signal?.aborted) throw new GloveboxError('Cancelled', 'cancelled');
      let page: ScanPage;
      try {
        page = await this.supervisor.scan(volume, cursor, call, careful > 0 ? 1 : undefined);
      } catch (e) {
        if (!(e instanceof GloveboxError) || !STOPPED_SANDBOX.includes(e.kind) || o.signal?.aborted || ++crashes > MAX_SCAN_CRASHES) throw e;
        if (careful === 0) {
          careful = CAREFUL_SCAN_STEPS;
          continue;
        }
        cursor ??= { frames: [{ node: (await this.supervisor.root(volume, call)).node, name: '', index: 0 }], visited: 0 };
        const skip = skipAfterStop(cursor, inFrame, e);
        inFrame = skip.inFrame;
        const culprit = skip.entry ? await this.entryAt(volume, skip.entry, call) : null;
        if (culprit && skip.entry) {
          const path = joinPath(skip.entry.dir, culprit.name);
          const f: Finding = {
            severity: 'warning',
            kind: 'malformed',
            path,
            title: 'Checking this entry stopped the sandbox',
            evidence: [e.message.slice(0, 1000)],
            why: 'Its structures crashed or hung the parser that read them: it may be crafted to attack the programs that open such files. It was not checked; do not open it.',
          };
          if (culprit.type === 'file') Object.assign(f, { node: culprit.node, size: culprit.size });
          report.findings.push(f);
          o.onFindings?.([f]);
        } else report.notes.push(skip.note);
        cursor = skip.cursor;
        if (cursor === null) break;
        continue;
      }
      if (careful > 0) careful--;
      inFrame = { key: '', crashes: 0 };
      steps++;
      if (page.next !== null && cursor !== null && JSON.stringify(page.next) === JSON.stringify(cursor)) {
        throw new GloveboxError('Protocol', 'the scan did not advance');
      }
      const room = Math.max(0, MAX_SCAN_FINDINGS - report.findings.length);
      report.findings.push(...page.findings.slice(0, room));
      report.dropped += Math.max(0, page.findings.length - room);
      report.notes.push(...page.notes.slice(0, Math.max(0, MAX_SCAN_NOTES - report.notes.length)));
      report.entries += page.entries;
      report.bytes += page.bytes;
      if (page.findings.length > 0) o.onFindings?.(page.findings);
      o.onProgress?.({ entries: report.entries, bytes: report.bytes, findings: report.findings.length + report.dropped, steps });
      cursor = page.next;
      if (cursor === null) break;
    }
    return report;
  }

  /** The entry at `index` of a directory, or null when even that cannot be had. */
  private async entryAt(volume: number, at: { node: number; index: number }, call: CallOptions): Promise<ListedEntry | null> {
    try {
      return (await this.supervisor.readdir(volume, at.node, at.index, 1, call)).entries[0] ?? null;
    } catch (e) {
      if (e instanceof GloveboxError && e.kind === 'Cancelled') throw e;
      return null;
    }
  }

  /** Digests of one file's bytes, streamed from the image (ImageSession.data), with progress. */
  async hash(
    volume: number,
    node: number,
    size: number,
    algorithms: readonly HashAlgorithm[] = ['sha256'],
    o: { signal?: AbortSignal; onProgress?: (p: HashProgress) => void } = {},
  ): Promise<Partial<Record<HashAlgorithm, string>>> {
    const call: CallOptions = o.signal ? { signal: o.signal } : {};
    return digest(this.data(volume, node, size, call), algorithms, { total: size, ...o });
  }

  async close(): Promise<void> {
    await this.current.supervisor.close();
    for (const c of this.closeLater.splice(0)) await c();
  }
}
