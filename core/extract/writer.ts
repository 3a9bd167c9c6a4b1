// The host's extraction writer: entries from a walk of an untrusted image → files under one
// folder the user chose, and nowhere else. See README.md in this folder for the rules.
//
// Threat model: the image is hostile (names, link targets, duplicates, data that fails
// mid-file); the target folder's existing content is the user's and is not raced against
// while we write (Node has no openat(), so a local process swapping a verified directory for
// a link between our check and our write is out of scope).
import { constants } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { lstat, lutimes, mkdir, open, realpath, symlink, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { markerFor } from './mark.js';
import type { MarkFailure, UntrustedMarker } from './mark.js';
import { nameKey, numberedName, quoteName, sanitiseName, suffixedName } from './names.js';
import type { SafeName } from './names.js';
import { linkTargetProblem } from './symlink.js';
import { parseTimestamp } from './time.js';

export interface ExtractOptions {
  /** Replace existing regular files (never directories, links or anything else). Default false. */
  overwrite?: boolean;
  /** Mark written files as from an untrusted source (see mark.ts). Default true. */
  markUntrusted?: boolean;
  /** Checked before every entry and between the chunks of a file. */
  signal?: AbortSignal;
  /** The OS whose rules apply (case folding, links, marks). For tests; default the host's. */
  platform?: NodeJS.Platform;
  /** How files are marked. For tests; default chosen from `platform`. */
  marker?: UntrustedMarker;
}

export type ExtractAction =
  | 'sanitised' // the name was changed to be safe (see names.ts)
  | 'renamed' // the name was taken; written as "name (n).ext"
  | 'replaced' // overwrite: an existing regular file was replaced
  | 'skipped' // nothing written (no free name, or the host refused the name)
  | 'symlink-as-file' // the link was written as "name.symlink.txt" holding its target
  | 'error' // the entry's data could not be read; the partial file was removed
  | 'mark-failed'; // written, but the untrusted-source mark could not be set

export interface ExtractReport {
  /** The in-image path, raw: quote it (quoteName) before showing it. */
  path: string;
  /** Where it was written, relative to the folder and "/"-separated; null when nothing was. */
  written: string | null;
  action: ExtractAction;
  reason: string;
}

export interface ExtractSummary {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  reports: ExtractReport[];
}

/** An opaque directory of the extraction; only handles this writer returned are accepted. */
export interface DirHandle {
  /** Relative to the folder, "/"-separated; "" for the folder itself. */
  readonly written: string;
}

interface DirState {
  abs: string;
  written: string;
  depth: number;
  /** Names (folded by nameKey) this run created here, so no two entries share one. */
  taken: Set<string>;
  /** Created by this run (so ours to set times on), or a merged pre-existing directory. */
  created: boolean;
  mtime: Date | null;
}

/** How many "name (n)" variants to try before giving up on an entry. */
export const MAX_RENAME_ATTEMPTS = 10_000;
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;
// O_NOFOLLOW does not exist on Windows; O_EXCL alone already refuses an existing link.
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
/** Errors about one name on this host, not about the disk: the entry is skipped, the run goes on. */
const NAME_ERRORS = new Set(['ENAMETOOLONG', 'EINVAL', 'EILSEQ']);
const LINKS_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

const errorCode = (e: unknown): string | undefined =>
  e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const inodeKey = (st: BigIntStats): string => `${st.dev}:${st.ino}`;

function abortError(): Error {
  const e = new Error('extraction cancelled');
  e.name = 'AbortError';
  return e;
}

/** A file created under its final name, not yet filled. */
interface CreatedFile {
  p: DirState;
  naming: Naming;
  fh: FileHandle;
  candidate: string;
  replaced: boolean;
  inode: string;
}

/** Ends a data source that will not be read (its entry was skipped). */
async function drain(data: AsyncIterable<Uint8Array>): Promise<void> {
  await data[Symbol.asyncIterator]().return?.().catch(() => undefined);
}

/** Why an entry's name differs from the image's, for its report. */
interface Naming {
  safe: SafeName;
  /** Why the safe name could not be used (the first reason met); a numbered one was. */
  takenBy: 'entry' | 'target' | null;
}

export class ExtractWriter {
  readonly reports: ExtractReport[] = [];
  private readonly dirs = new WeakMap<DirHandle, DirState>();
  private readonly createdDirs: DirState[] = [];
  /** dev:ino of everything this run created or merged: guards against host-side name aliasing. */
  private readonly claimed = new Set<string>();
  private readonly rootHandle: DirHandle;
  private readonly caseInsensitive: boolean;
  private readonly platform: NodeJS.Platform;
  private readonly marker: UntrustedMarker | null;
  private counts = { files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  private finished = false;
  private tail: Promise<unknown> = Promise.resolve();
  /** Files created and still being filled. */
  private readonly inflight = new Set<Promise<string | null>>();

  private constructor(
    /** The extraction folder's real path. */
    readonly folder: string,
    private readonly options: ExtractOptions,
  ) {
    this.platform = options.platform ?? process.platform;
    // Windows and macOS (APFS/HFS+ by default) compare names case-insensitively.
    this.caseInsensitive = this.platform === 'win32' || this.platform === 'darwin';
    this.marker = options.markUntrusted === false ? null : (options.marker ?? markerFor(this.platform));
    this.rootHandle = { written: '' };
    this.dirs.set(this.rootHandle, { abs: folder, written: '', depth: 0, taken: new Set(), created: false, mtime: null });
  }

  /** Creates `dir` if missing (the user chose it) and resolves its real path once. */
  static async open(dir: string, options: ExtractOptions = {}): Promise<ExtractWriter> {
    await mkdir(dir, { recursive: true });
    const folder = await realpath(dir);
    if (!(await lstat(folder)).isDirectory()) throw new Error(`not a directory: ${dir}`);
    return new ExtractWriter(folder, options);
  }

  /** Totals so far, for progress displays. */
  get totals(): { files: number; dirs: number; symlinks: number; bytes: number } {
    return { ...this.counts };
  }

  root(): DirHandle {
    return this.rootHandle;
  }

  /**
   * Creates (or merges into a real pre-existing) directory and returns its handle; null when
   * nothing could be created, and the caller skips its children.
   */
  dir(parent: DirHandle, name: string, imagePath: string, mtime: string | null): Promise<DirHandle | null> {
    return this.serial(() => this.writeDir(parent, name, imagePath, mtime));
  }

  /**
   * Writes a regular file; returns where (relative), or null if it was skipped or failed.
   * Choosing and creating the name is serialised with every other entry; copying the bytes is
   * not, so a caller may keep several files in flight (their data round trips and file system
   * calls then overlap). finish() waits for all of them.
   */
  async file(
    parent: DirHandle,
    name: string,
    imagePath: string,
    mtime: string | null,
    data: AsyncIterable<Uint8Array>,
  ): Promise<string | null> {
    const created = await this.serial(async () => {
      const p = await this.begin(parent);
      return this.createFor(p, { safe: sanitiseName(name), takenBy: null }, imagePath);
    });
    if (created === null) {
      await drain(data);
      return null;
    }
    const copy = this.fill(created, imagePath, mtime, data, null);
    this.inflight.add(copy);
    try {
      return await copy;
    } finally {
      this.inflight.delete(copy);
    }
  }

  /** Creates a link if its target provably stays inside, else a "name.symlink.txt" file. */
  symlink(parent: DirHandle, name: string, imagePath: string, target: string, mtime: string | null): Promise<string | null> {
    return this.serial(() => this.writeSymlink(parent, name, imagePath, target, mtime));
  }

  /**
   * Applies directory times deepest first, sets the batched untrusted marks and returns the
   * totals. Call it in a `finally` even after an error or a cancel: files already written
   * still get their marks.
   */
  async finish(): Promise<ExtractSummary> {
    // Files still being filled must be complete before their directories' times are set.
    await Promise.allSettled([...this.inflight]);
    return this.serial(async () => {
      if (!this.finished) {
        this.finished = true;
        const byDepth = [...this.createdDirs].sort((a, b) => b.depth - a.depth);
        for (const d of byDepth) {
          if (d.mtime !== null) await lutimes(d.abs, new Date(), d.mtime).catch(() => undefined);
        }
        await this.flushMarks();
      }
      return { ...this.counts, reports: this.reports };
    });
  }

  // One entry at a time: name choice is check-then-create, so calls must not interleave.
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async begin(parent: DirHandle): Promise<DirState> {
    if (this.finished) throw new Error('the extraction is finished');
    if (this.options.signal?.aborted) {
      await this.flushMarks();
      throw abortError();
    }
    const p = this.dirs.get(parent);
    if (p === undefined) throw new Error('unknown directory handle');
    return p;
  }

  private async writeDir(parent: DirHandle, name: string, imagePath: string, mtime: string | null): Promise<DirHandle | null> {
    const p = await this.begin(parent);
    const naming: Naming = { safe: sanitiseName(name), takenBy: null };
    for (const candidate of this.candidates(p, naming)) {
      const abs = path.join(p.abs, candidate);
      let created = true;
      try {
        await mkdir(abs, DIR_MODE);
      } catch (e) {
        if (errorCode(e) !== 'EEXIST') return this.refused(e, imagePath, this.rel(p, candidate));
        const st = await lstat(abs, { bigint: true });
        // Merge only into a real directory that was there before: never through a link,
        // and never into one this run made (the host may alias names we thought distinct).
        if (!st.isDirectory() || this.claimed.has(inodeKey(st))) {
          naming.takenBy ??= this.claimed.has(inodeKey(st)) ? 'entry' : 'target';
          continue;
        }
        created = false;
      }
      this.claimed.add(inodeKey(await lstat(abs, { bigint: true })));
      p.taken.add(nameKey(candidate, this.caseInsensitive));
      const state: DirState = {
        abs, written: this.rel(p, candidate), depth: p.depth + 1, taken: new Set(), created, mtime: parseTimestamp(mtime),
      };
      if (created) {
        this.createdDirs.push(state);
        this.counts.dirs++;
      }
      this.noteNaming(naming, imagePath, state.written, candidate);
      const handle: DirHandle = { written: state.written };
      this.dirs.set(handle, state);
      return handle;
    }
    return this.noFreeName(naming, imagePath);
  }

  private async writeSymlink(parent: DirHandle, name: string, imagePath: string, target: string, mtime: string | null): Promise<string | null> {
    const p = await this.begin(parent);
    const naming: Naming = { safe: sanitiseName(name), takenBy: null };
    let problem =
      this.platform === 'win32' ? 'links are not created on Windows' : linkTargetProblem(target, p.depth);
    if (problem === null) {
      const made = await this.createLink(p, naming, imagePath, target, mtime);
      if (made === null || typeof made === 'string') return made;
      problem = made.problem;
      naming.takenBy = null;
    }
    const asFile: Naming = {
      safe: { name: suffixedName(naming.safe.name, '.symlink.txt'), problems: naming.safe.problems },
      takenBy: null,
    };
    const bytes = Buffer.from(target, 'utf8');
    const data = (async function* () {
      yield bytes;
    })();
    return this.writeFile(p, asFile, imagePath, mtime, data, `${problem}: ${quoteName(target)}`);
  }

  /** The link's relative path, null if skipped, or why the host cannot hold links here. */
  private async createLink(
    p: DirState,
    naming: Naming,
    imagePath: string,
    target: string,
    mtime: string | null,
  ): Promise<string | null | { problem: string }> {
    for (const candidate of this.candidates(p, naming)) {
      const abs = path.join(p.abs, candidate);
      try {
        await symlink(target, abs);
      } catch (e) {
        const code = errorCode(e);
        if (code === 'EEXIST') {
          naming.takenBy ??= 'target';
          continue;
        }
        // FAT and exFAT targets, or no privilege for links: the text stand-in still works.
        if (code !== undefined && LINKS_UNSUPPORTED.has(code)) {
          return { problem: `the folder does not take links (${code})` };
        }
        return this.refused(e, imagePath, this.rel(p, candidate));
      }
      this.claimed.add(inodeKey(await lstat(abs, { bigint: true })));
      p.taken.add(nameKey(candidate, this.caseInsensitive));
      const time = parseTimestamp(mtime);
      if (time !== null) await lutimes(abs, new Date(), time).catch(() => undefined);
      this.counts.symlinks++;
      const written = this.rel(p, candidate);
      this.noteNaming(naming, imagePath, written, candidate);
      return written;
    }
    return this.noFreeName(naming, imagePath);
  }

  /** `linkProblem` set: the file stands in for a link that could not be made. */
  private async writeFile(
    p: DirState,
    naming: Naming,
    imagePath: string,
    mtime: string | null,
    data: AsyncIterable<Uint8Array>,
    linkProblem: string | null,
  ): Promise<string | null> {
    const created = await this.createFor(p, naming, imagePath);
    return created === null ? null : this.fill(created, imagePath, mtime, data, linkProblem);
  }

  /** Picks a free name and creates the file there (O_EXCL); null when the entry is skipped. */
  private async createFor(p: DirState, naming: Naming, imagePath: string): Promise<CreatedFile | null> {
    let fh: FileHandle | null = null;
    let candidate = '';
    let replaced = false;
    for (candidate of this.candidates(p, naming)) {
      const opened = await this.createFile(p, candidate, imagePath);
      if (opened === 'taken' || opened === 'ours') {
        naming.takenBy ??= opened === 'ours' ? 'entry' : 'target';
        continue;
      }
      if (opened === null) return null;
      ({ fh, replaced } = opened);
      break;
    }
    if (fh === null) return this.noFreeName(naming, imagePath);
    const inode = inodeKey(await fh.stat({ bigint: true }));
    this.claimed.add(inode);
    p.taken.add(nameKey(candidate, this.caseInsensitive));
    return { p, naming, fh, candidate, replaced, inode };
  }

  /** Copies the bytes into a created file, sets its time, and reports. */
  private async fill(
    created: CreatedFile,
    imagePath: string,
    mtime: string | null,
    data: AsyncIterable<Uint8Array>,
    linkProblem: string | null,
  ): Promise<string | null> {
    const { p, naming, fh, candidate, replaced, inode } = created;
    const abs = path.join(p.abs, candidate);
    const written = this.rel(p, candidate);

    const outcome = await this.copyData(fh, data, parseTimestamp(mtime));
    if (outcome.kind !== 'done') {
      // A partial file looks like a whole one: never leave it behind.
      await unlink(abs).catch(() => undefined);
      this.claimed.delete(inode);
      p.taken.delete(nameKey(candidate, this.caseInsensitive));
      if (outcome.kind === 'aborted') {
        await this.flushMarks();
        throw abortError();
      }
      if (outcome.kind === 'source') {
        this.report(imagePath, null, 'error', `the data could not be read (${message(outcome.error)}); partial file removed`);
        return null;
      }
      this.report(imagePath, null, 'error', `cannot write ${quoteName(written)}: ${message(outcome.error)}`);
      await this.flushMarks();
      throw new Error(`cannot write ${quoteName(path.join(this.folder, written))}: ${message(outcome.error)}`, {
        cause: outcome.error,
      });
    }

    this.counts.files++;
    this.counts.bytes += outcome.bytes;
    if (linkProblem !== null) {
      this.report(imagePath, written, 'symlink-as-file', [linkProblem, ...this.namingReasons(naming, candidate)].join('; '));
    } else if (replaced) {
      this.report(imagePath, written, 'replaced', ['an existing file was replaced', ...this.namingReasons(naming, candidate)].join('; '));
    } else {
      this.noteNaming(naming, imagePath, written, candidate);
    }
    if (this.marker !== null) this.markFailed(await this.marker.add({ abs, written, imagePath }));
    return written;
  }

  /**
   * O_EXCL create: an existing path of any kind is never opened, so never written through.
   * 'taken' / 'ours': the name exists (in the target / made by this run); null: skipped.
   */
  private async createFile(
    p: DirState,
    name: string,
    imagePath: string,
  ): Promise<{ fh: FileHandle; replaced: boolean } | 'taken' | 'ours' | null> {
    const abs = path.join(p.abs, name);
    try {
      return { fh: await open(abs, CREATE_FLAGS, FILE_MODE), replaced: false };
    } catch (e) {
      if (errorCode(e) !== 'EEXIST') return this.refused(e, imagePath, this.rel(p, name));
    }
    const st = await lstat(abs, { bigint: true });
    if (this.claimed.has(inodeKey(st))) return 'ours';
    if (!this.options.overwrite || !st.isFile()) return 'taken';
    // Unlink, then create afresh: a hard-linked file elsewhere keeps its bytes.
    await unlink(abs);
    try {
      return { fh: await open(abs, CREATE_FLAGS, FILE_MODE), replaced: true };
    } catch (e) {
      if (errorCode(e) === 'EEXIST') return 'taken'; // someone recreated it: leave it alone
      return this.refused(e, imagePath, this.rel(p, name));
    }
  }

  private async copyData(
    fh: FileHandle,
    data: AsyncIterable<Uint8Array>,
    mtime: Date | null,
  ): Promise<{ kind: 'done'; bytes: number } | { kind: 'source' | 'write'; error: unknown } | { kind: 'aborted' }> {
    const it = data[Symbol.asyncIterator]();
    let bytes = 0;
    let done = false;
    let result: { kind: 'source' | 'write'; error: unknown } | { kind: 'aborted' } | null = null;
    try {
      while (result === null) {
        let step: IteratorResult<Uint8Array>;
        try {
          step = await it.next();
        } catch (error) {
          result = { kind: 'source', error };
          done = true; // a throwing iterator is finished
          break;
        }
        if (step.done === true) {
          done = true;
          break;
        }
        if (!(step.value instanceof Uint8Array)) {
          result = { kind: 'source', error: new TypeError('the data source yielded something other than bytes') };
          break;
        }
        if (this.options.signal?.aborted) {
          result = { kind: 'aborted' };
          break;
        }
        await writeAll(fh, step.value);
        bytes += step.value.length;
      }
      if (result === null && mtime !== null) await fh.utimes(new Date(), mtime);
    } catch (error) {
      result = { kind: 'write', error };
    } finally {
      if (!done) await it.return?.().catch(() => undefined);
      try {
        await fh.close();
      } catch (error) {
        result ??= { kind: 'write', error };
      }
    }
    return result ?? { kind: 'done', bytes };
  }

  private *candidates(p: DirState, naming: Naming): Generator<string> {
    for (let n = 0; n <= MAX_RENAME_ATTEMPTS; n++) {
      const name = n === 0 ? naming.safe.name : numberedName(naming.safe.name, n);
      if (p.taken.has(nameKey(name, this.caseInsensitive))) {
        naming.takenBy ??= 'entry';
        continue;
      }
      yield name;
    }
  }

  private rel(p: DirState, name: string): string {
    return p.written === '' ? name : `${p.written}/${name}`;
  }

  /** The host refused a name: skip the entry; any other failure is the disk's and is thrown. */
  private refused(e: unknown, imagePath: string, written: string): null {
    const code = errorCode(e);
    if (code !== undefined && NAME_ERRORS.has(code)) {
      this.report(imagePath, null, 'skipped', `the host refused ${quoteName(written)}: ${message(e)}`);
      return null;
    }
    this.report(imagePath, null, 'error', `cannot create ${quoteName(written)}: ${message(e)}`);
    throw new Error(`cannot create ${quoteName(path.join(this.folder, written))}: ${message(e)}`, { cause: e });
  }

  private noFreeName(naming: Naming, imagePath: string): null {
    this.report(imagePath, null, 'skipped', `no free name after ${MAX_RENAME_ATTEMPTS} attempts for ${quoteName(naming.safe.name)}`);
    return null;
  }

  private namingReasons(naming: Naming, final: string): string[] {
    const reasons: string[] = [];
    if (naming.safe.problems.length > 0) {
      reasons.push(`name sanitised (${naming.safe.problems.join(', ')})`);
    }
    if (naming.takenBy !== null) {
      const by = naming.takenBy === 'entry' ? 'an earlier entry' : 'an existing entry in the folder';
      reasons.push(`${quoteName(naming.safe.name)} is taken by ${by}; renamed to ${quoteName(final)}`);
    }
    return reasons;
  }

  private noteNaming(naming: Naming, imagePath: string, written: string, final: string): void {
    const reasons = this.namingReasons(naming, final);
    if (reasons.length === 0) return;
    this.report(imagePath, written, naming.takenBy !== null ? 'renamed' : 'sanitised', reasons.join('; '));
  }

  private report(path: string, written: string | null, action: ExtractAction, reason: string): void {
    this.reports.push({ path, written, action, reason });
  }

  private markFailed(failures: MarkFailure[]): void {
    for (const f of failures) this.report(f.file.imagePath, f.file.written, 'mark-failed', f.message);
  }

  private async flushMarks(): Promise<void> {
    if (this.marker !== null) this.markFailed(await this.marker.flush());
  }
}

/** Awaits every write (backpressure) and loops over short writes. */
async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.length - offset);
    if (bytesWritten <= 0) throw new Error('the write made no progress');
    offset += bytesWritten;
  }
}
