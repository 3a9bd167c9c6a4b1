// One volume of an ImageSession, answering the operations of a FUSE file system: getattr,
// readdir, open, read, readlink, statfs, release. Every write-type operation answers EROFS.
// Paths are made of the names the sandbox lists (escaped where a stored name could not be a
// path component), so what readdir shows is exactly what lookup finds.

import { GloveboxError } from '../errors.js';
import { MAX_PATH_DEPTH, type NodeStat } from '../fs/types.js';
import type { ListedEntry, SourceExtent } from '../sandbox/protocol/api.js';
import type { CallOptions } from '../sandbox/host/supervisor.js';
import type { ImageSession } from '../sandbox/host/session.js';
import { toAttr, type MountAttr, type Owner } from './attr.js';
import { BoundedCache } from './cache.js';
import { Errno, MountError } from './errno.js';

/** Directory entries kept in the listing cache, over all cached directories. */
export const MAX_CACHED_DIR_ENTRIES = 200_000;
/** Node stats kept. */
export const MAX_CACHED_STATS = 16_384;
/** Files whose extents are kept (the runs of a fragmented file count one each). */
export const MAX_CACHED_EXTENT_RUNS = 262_144;
/** Files open at once through the mount. */
export const MAX_OPEN_FILES = 1024;
/** Bytes one handle asks the sandbox for ahead of a read, when data is relayed (not extents). */
export const READ_AHEAD_BYTES = 1024 * 1024;
/** Largest read the kernel is answered in one call (FUSE asks for at most 128 KiB by default). */
export const MAX_READ_BYTES = 8 * 1024 * 1024;
/** Longest path component in bytes (Linux NAME_MAX). */
export const NAME_MAX_BYTES = 255;
/** statfs block size. */
const STATFS_BLOCK_BYTES = 4096;
/** statfs flags: ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC. */
const STATFS_FLAGS = 1 | 2 | 4 | 8;

/** open(2) flags that ask for writing (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND). */
const WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000;
const utf8 = new TextEncoder();

export interface MountedVolumeOptions {
  /** The 1-based volume index (ImageSession.volume()). */
  volume: number;
  /** Shown as the owner of every file (default: this process's user). */
  owner?: Owner;
  /** Deadline of each sandbox request (ms); a hung sandbox is killed and the call fails with EIO. */
  requestTimeoutMs?: number;
}

export interface MountStatfs {
  bsize: number;
  frsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  favail: number;
  fsid: number;
  flag: number;
  namemax: number;
}

interface Resolved {
  node: number;
  type: ListedEntry['type'];
}

interface Handle {
  node: number;
  size: number;
  type: ListedEntry['type'];
  /** The file's plain-data runs; null when the sandbox must relay the bytes; undefined until asked. */
  extents: SourceExtent[] | null | undefined;
  /** The last relayed chunk, served to the reads that follow it. */
  ahead: { offset: number; bytes: Uint8Array } | null;
}

/** The write-type operations of FUSE: all answer EROFS. */
export const WRITE_OPERATIONS = [
  'write', 'create', 'mknod', 'mkdir', 'unlink', 'rmdir', 'rename', 'link', 'symlink',
  'truncate', 'ftruncate', 'chmod', 'chown', 'utimens', 'setxattr', 'removexattr',
] as const;

export class MountedVolume {
  readonly volume: number;
  private readonly owner: Owner;
  private readonly call: CallOptions;
  private root: Resolved | null = null;
  private readonly dirs = new BoundedCache<number, Map<string, ListedEntry>>(MAX_CACHED_DIR_ENTRIES, (m) => m.size);
  private readonly stats = new BoundedCache<number, NodeStat>(MAX_CACHED_STATS);
  private readonly extents = new BoundedCache<number, SourceExtent[] | null>(MAX_CACHED_EXTENT_RUNS, (r) => (r ? r.length : 1));
  private readonly handles = new Map<number, Handle>();
  private nextHandle = 1;

  constructor(
    private readonly session: ImageSession,
    o: MountedVolumeOptions,
  ) {
    this.volume = o.volume;
    this.owner = o.owner ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    this.call = o.requestTimeoutMs !== undefined ? { timeoutMs: o.requestTimeoutMs } : {};
  }

  get openFiles(): number {
    return this.handles.size;
  }

  // ---- FUSE operations -----------------------------------------------------------------------

  async getattr(path: string): Promise<MountAttr> {
    const r = await this.resolve(path);
    return toAttr(await this.stat(r.node), this.owner);
  }

  /** Names in the directory (".." and "." are the kernel's business). */
  async readdir(path: string): Promise<string[]> {
    const r = await this.resolve(path);
    if (r.type !== 'dir') throw new MountError(Errno.ENOTDIR, `${path}: not a directory`);
    return [...(await this.listing(r.node)).keys()];
  }

  async readlink(path: string): Promise<string> {
    const r = await this.resolve(path);
    if (r.type !== 'symlink') throw new MountError(Errno.EINVAL, `${path}: not a symbolic link`);
    // The target is passed on as stored: the kernel resolves it inside the mount, or out of it
    // (an absolute target points into the host's tree, as it would on any mounted stick).
    return this.session.supervisor.readlink(this.volume, r.node, this.call);
  }

  async open(path: string, flags: number): Promise<number> {
    if ((flags & WRITE_FLAGS) !== 0) throw new MountError(Errno.EROFS, `${path}: read-only file system`);
    const r = await this.resolve(path);
    if (r.type === 'dir') throw new MountError(Errno.EISDIR, `${path}: is a directory`);
    if (this.handles.size >= MAX_OPEN_FILES) throw new MountError(Errno.EMFILE, `more than ${MAX_OPEN_FILES} open files`);
    const st = await this.stat(r.node);
    const size = st.type === 'file' ? st.size : 0;
    const fh = this.nextHandle++;
    this.handles.set(fh, { node: r.node, size, type: st.type, extents: undefined, ahead: null });
    return fh;
  }

  /** Up to `length` bytes at `position`; fewer only at the end of the file. */
  async read(fh: number, position: number, length: number): Promise<Uint8Array> {
    const h = this.handles.get(fh);
    if (!h) throw new MountError(Errno.EBADF, `no open file ${fh}`);
    if (!Number.isSafeInteger(position) || position < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new MountError(Errno.EINVAL, `bad read range ${position}+${length}`);
    }
    if (h.type !== 'file' || position >= h.size) return new Uint8Array(0);
    const n = Math.min(length, h.size - position, MAX_READ_BYTES);
    if (n === 0) return new Uint8Array(0);
    // Asked at the first read, not at open: a failed request (a crash) is asked again next time.
    h.extents ??= await this.extentsOf(h.node);
    if (h.extents) return this.readExtents(h.extents, position, n);
    return this.readRelayed(h, position, n);
  }

  async release(fh: number): Promise<void> {
    this.handles.delete(fh);
  }

  async statfs(): Promise<MountStatfs> {
    const info = await this.session.info(this.call);
    const v = info.volumes.find((x) => x.index === this.volume);
    const blocks = Math.ceil((v?.size ?? 0) / STATFS_BLOCK_BYTES);
    return { bsize: STATFS_BLOCK_BYTES, frsize: STATFS_BLOCK_BYTES, blocks, bfree: 0, bavail: 0, files: 0, ffree: 0, favail: 0, fsid: 0, flag: STATFS_FLAGS, namemax: NAME_MAX_BYTES };
  }

  /** Every write-type operation. */
  refuseWrite(op: string): never {
    throw new MountError(Errno.EROFS, `${op}: read-only file system`);
  }

  // ---- path → node ---------------------------------------------------------------------------

  private async rootNode(): Promise<Resolved> {
    if (!this.root) {
      const st = await this.session.supervisor.root(this.volume, this.call);
      if (st.type !== 'dir') throw new GloveboxError('Corrupt', 'the root is not a directory');
      this.root = { node: st.node, type: 'dir' };
    }
    return this.root;
  }

  async resolve(path: string): Promise<Resolved> {
    if (!path.startsWith('/')) throw new MountError(Errno.EINVAL, `not an absolute path: ${path}`);
    const parts = path.split('/').filter((p) => p !== '');
    if (parts.length > MAX_PATH_DEPTH) throw new MountError(Errno.ENAMETOOLONG, `deeper than ${MAX_PATH_DEPTH} levels`);
    let at = await this.rootNode();
    for (const name of parts) {
      if (at.type !== 'dir') throw new MountError(Errno.ENOTDIR, `${path}: not a directory`);
      // The kernel resolves "." and ".." itself; listed names never are these (they are escaped).
      const e = (await this.listing(at.node)).get(name);
      if (!e) throw new MountError(Errno.ENOENT, `${path}: no such file or directory`);
      at = { node: e.node, type: e.type };
    }
    return at;
  }

  /** A directory's visible entries by name: metadata files and alternate streams are left out. */
  private async listing(node: number): Promise<Map<string, ListedEntry>> {
    const cached = this.dirs.get(node);
    if (cached) return cached;
    const byName = new Map<string, ListedEntry>();
    for await (const e of this.session.list(this.volume, node, this.call)) {
      if (e.system === true || e.stream === true) continue;
      // Two entries with one name (a damaged or hostile directory): the first one is shown.
      if (!byName.has(e.name) && utf8.encode(e.name).length <= NAME_MAX_BYTES) byName.set(e.name, e);
    }
    this.dirs.set(node, byName);
    return byName;
  }

  private async stat(node: number): Promise<NodeStat> {
    const cached = this.stats.get(node);
    if (cached) return cached;
    const st = await this.session.supervisor.stat(this.volume, node, this.call);
    this.stats.set(node, st);
    return st;
  }

  // ---- file data -----------------------------------------------------------------------------

  private async extentsOf(node: number): Promise<SourceExtent[] | null> {
    const cached = this.extents.get(node);
    if (cached !== undefined) return cached;
    const runs = await this.session.supervisor.extents(this.volume, node, this.call);
    this.extents.set(node, runs);
    return runs;
  }

  /** Plain data: the host reads the source itself at the ranges the sandbox named (checked). */
  private async readExtents(runs: SourceExtent[], position: number, n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    const end = position + n;
    for (const e of runs) {
      const from = Math.max(position, e.fileOffset);
      const to = Math.min(end, e.fileOffset + e.length);
      if (from >= to) continue;
      const bytes = await this.session.source.read(e.sourceOffset + (from - e.fileOffset), to - from);
      out.set(bytes.subarray(0, to - from), from - position);
    }
    // Ranges no run covers are holes: they read as zeros, as in a sparse file.
    return out;
  }

  /** Data the sandbox relays (compressed, inline, encoded): one chunk ahead, served in order. */
  private async readRelayed(h: Handle, position: number, n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const at = position + done;
      const a = h.ahead;
      if (a && at >= a.offset && at < a.offset + a.bytes.length) {
        const take = Math.min(n - done, a.offset + a.bytes.length - at);
        out.set(a.bytes.subarray(at - a.offset, at - a.offset + take), done);
        done += take;
        continue;
      }
      const want = Math.min(Math.max(n - done, READ_AHEAD_BYTES), h.size - at);
      const bytes = await this.session.supervisor.read(this.volume, h.node, at, want, this.call);
      if (bytes.length === 0) throw new GloveboxError('Corrupt', `file data ends at ${at} of ${h.size} bytes`);
      h.ahead = { offset: at, bytes };
    }
    return out;
  }
}
