// An opened ext2/3/4 volume through the driver contract. Node ids are inode numbers (the root is
// 2), so hard links share an id and a directory entry naming its own directory is seen at once.
import { MAX_READ_BYTES, type BlockDevice } from '../../block/device.js';
import { corrupt, GloveboxError, invalid, limit, notFound, unsupported } from '../../errors.js';
import { MAX_DIR_ENTRIES, type DirEntry, type Extent, type NodeId, type NodeStat, type NodeType, type Volume, type VolumeNote } from '../types.js';
import { blockMapRuns } from './blockmap.js';
import { direntTailOk, parseDirents, type RawDirent } from './dirent.js';
import { extentRuns } from './extents.js';
import { GroupTable } from './groups.js';
import { EXT4_MIN_INLINE_DATA_SIZE, inlineData, inlineXattr } from './inline.js';
import { EXT4_ENCRYPT_FL, EXT4_EXTENTS_FL, EXT4_INLINE_DATA_FL, inodeCsumSeed, inodeTime, parseInode, type Inode } from './inode.js';
import { decodeName, readExact } from './io.js';
import type { MapContext, Run } from './runs.js';
import { labelOf, type ExtFsType, type Superblock } from './superblock.js';

const EXT4_ROOT_INO = 2;
const RO_COMPAT_HUGE_FILE = 0x8;
/** A directory larger than this is refused (Limit): 128 MiB holds millions of entries. */
const MAX_DIR_BYTES = 128 * 1024 * 1024;
/** A symlink target longer than PATH_MAX is damage. */
const MAX_SYMLINK_BYTES = 4096;
const MAX_NOTES = 100;
const MAX_CACHED_INODES = 8192;
const MAX_CACHED_RUNS = 64;
const MAX_CACHED_ITABLE_BLOCKS = 256;
/**
 * Files larger than this many times the volume (and than MIN_SPARSE_CAP_BYTES) can only be holes
 * past the volume's capacity; their data is refused (Limit) rather than expanded into zeros
 * without end: a flipped i_size_high bit must not turn into terabytes to read or extract.
 */
const SPARSE_CAP_VOLUMES = 16;
const MIN_SPARSE_CAP_BYTES = 256 * 1024 * 1024;

/** File types of ext4_dir_entry_2 (EXT4_FT_*), used when an entry's inode cannot be read. */
const DIRENT_TYPES: Record<number, NodeType> = { 1: 'file', 2: 'dir', 7: 'symlink' };

export class ExtVolume implements Volume {
  readonly fs: ExtFsType;
  readonly label: string | null;
  readonly caseInsensitive = false;
  private readonly noteList: VolumeNote[] = [];
  private readonly noteSeen = new Set<string>();
  private readonly groups: GroupTable;
  private readonly inodes = new Map<number, Inode>();
  private readonly runs = new Map<number, Promise<Run[]>>();
  private readonly itable = new Map<number, Promise<Uint8Array>>();
  private readonly bs: number;
  private readonly maxFileBytes: number;

  constructor(
    private readonly device: BlockDevice,
    private readonly sb: Superblock,
    gdtBlock: number,
    notes: VolumeNote[],
  ) {
    this.fs = sb.fsType;
    this.label = labelOf(sb);
    this.bs = sb.blockSize;
    this.maxFileBytes = Math.max(SPARSE_CAP_VOLUMES * sb.s_blocks_count * sb.blockSize, MIN_SPARSE_CAP_BYTES);
    for (const n of notes) this.addNote(n.severity, n.message);
    this.groups = new GroupTable(device, sb, gdtBlock, (m) => this.addNote('warning', m));
  }

  notes(): VolumeNote[] {
    return this.noteList.slice();
  }

  root(): NodeId {
    return EXT4_ROOT_INO;
  }

  async readdir(id: NodeId): Promise<DirEntry[]> {
    const dir = await this.inode(id);
    if (dir.type !== 'dir') throw invalid(`readdir: node ${id} is not a directory`);
    this.refuseEncrypted(dir);
    const raw = await this.direntsOf(dir);
    const out: DirEntry[] = [];
    for (const d of raw) {
      if (isDot(d.name)) continue;
      // Reserved inodes (the journal, resize inode, ...) are never listed; the root only as a loop.
      if (d.ino < this.sb.s_first_ino && d.ino !== EXT4_ROOT_INO) continue;
      if (d.ino > this.sb.s_inodes_count) {
        this.addNote('warning', `directory ${id}: entry names inode ${d.ino}, past s_inodes_count ${this.sb.s_inodes_count}`);
        continue;
      }
      if (out.length >= MAX_DIR_ENTRIES) throw limit(`directory ${id}: more than ${MAX_DIR_ENTRIES} entries`);
      const { name, undecodable } = decodeName(d.name);
      let entry: DirEntry;
      try {
        const child = await this.inode(d.ino);
        entry = { name, node: d.ino, type: child.type, size: sizeOf(child), mtime: inodeTime(child, 'mtime') };
      } catch (e) {
        if (!(e instanceof GloveboxError) || e.kind === 'Io') throw e;
        // The entry is shown from what the directory says; reading it will report the damage.
        this.addNote('warning', `directory ${id}: entry "${name}" (inode ${d.ino}): ${e.message}`);
        entry = { name, node: d.ino, type: DIRENT_TYPES[d.fileType] ?? 'other', size: 0, mtime: null };
      }
      if (undecodable) entry.undecodable = true;
      out.push(entry);
    }
    return out;
  }

  async stat(id: NodeId): Promise<NodeStat> {
    const inode = await this.inode(id);
    return {
      node: id,
      type: inode.type,
      size: sizeOf(inode),
      mtime: inodeTime(inode, 'mtime'),
      atime: inodeTime(inode, 'atime'),
      ctime: inodeTime(inode, 'ctime'),
      birthtime: inodeTime(inode, 'crtime'),
      mode: inode.i_mode & 0o7777,
    };
  }

  async read(id: NodeId, offset: number, length: number): Promise<Uint8Array> {
    const file = await this.inode(id);
    if (file.type !== 'file') throw invalid(`read: node ${id} is not a regular file`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw invalid(`read: bad range ${offset}+${length}`);
    }
    this.refuseEncrypted(file);
    const end = Math.min(file.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    if (end - offset > MAX_READ_BYTES) throw limit(`read of ${end - offset} bytes exceeds the ${MAX_READ_BYTES}-byte limit`);
    if ((file.i_flags & EXT4_INLINE_DATA_FL) !== 0) return inlineData(file).slice(offset, end);
    this.refuseOversized(file);
    return this.readRuns(await this.runsOf(file), offset, end);
  }

  async readlink(id: NodeId): Promise<string> {
    const link = await this.inode(id);
    if (link.type !== 'symlink') throw invalid(`readlink: node ${id} is not a symbolic link`);
    this.refuseEncrypted(link);
    if (link.size > MAX_SYMLINK_BYTES) {
      throw corrupt(`symlink ${id}: target too long`, { where: `inode ${id} i_size`, expected: `<= ${MAX_SYMLINK_BYTES}`, found: String(link.size) });
    }
    let bytes: Uint8Array;
    if ((link.i_flags & EXT4_INLINE_DATA_FL) !== 0) bytes = inlineData(link);
    else if (isFastSymlink(link, this.bs)) bytes = link.i_block.subarray(0, link.size);
    else bytes = await this.readRuns(await this.runsOf(link), 0, link.size);
    const end = bytes.indexOf(0);
    return new TextDecoder('utf-8').decode(end < 0 ? bytes : bytes.subarray(0, end));
  }

  async extents(id: NodeId): Promise<Extent[] | null> {
    const file = await this.inode(id);
    if (file.type !== 'file') throw invalid(`extents: node ${id} is not a regular file`);
    this.refuseEncrypted(file);
    if ((file.i_flags & EXT4_INLINE_DATA_FL) !== 0) return file.size === 0 ? [] : null;
    this.refuseOversized(file);
    const runs = await this.runsOf(file);
    const out: Extent[] = [];
    let next = 0;
    for (const r of runs) {
      const fileOffset = r.lblk * this.bs;
      if (fileOffset >= file.size) break;
      // A hole or an uninitialised extent: the data is not stored plainly; read() relays it.
      if (r.lblk !== next || r.uninit) return null;
      out.push({ fileOffset, deviceOffset: r.pblk * this.bs, length: Math.min(r.len * this.bs, file.size - fileOffset) });
      next = r.lblk + r.len;
    }
    if (next * this.bs < file.size) return null;
    return out;
  }

  // ---- inodes ----

  /** The inode `ino`, read through the inode table (cached); NotFound when unused. */
  async inode(ino: NodeId): Promise<Inode> {
    if (!Number.isSafeInteger(ino) || ino < 1 || ino > this.sb.s_inodes_count) throw notFound(`node ${ino}`);
    const cached = this.inodes.get(ino);
    if (cached !== undefined) return cached;
    const sb = this.sb;
    const group = Math.floor((ino - 1) / sb.s_inodes_per_group);
    const index = (ino - 1) % sb.s_inodes_per_group;
    const desc = await this.groups.get(group);
    if (desc.inodeUninit) throw notFound(`node ${ino} (its group's inode table is not initialised)`);
    const tableBlocks = Math.ceil((sb.s_inodes_per_group * sb.s_inode_size) / this.bs);
    if (desc.bg_inode_table < sb.s_first_data_block || desc.bg_inode_table + tableBlocks > sb.s_blocks_count) {
      throw corrupt(`group ${group}: inode table outside the volume`, {
        where: `group descriptor ${group} bg_inode_table`,
        expected: `blocks ${sb.s_first_data_block}..${sb.s_blocks_count - tableBlocks}`,
        found: String(desc.bg_inode_table),
      });
    }
    const byteInTable = index * sb.s_inode_size;
    const block = desc.bg_inode_table + Math.floor(byteInTable / this.bs);
    const bytes = await this.itableBlock(block);
    const at = byteInTable % this.bs;
    const raw = bytes.slice(at, at + sb.s_inode_size);
    const hugeFile = (sb.s_feature_ro_compat & RO_COMPAT_HUGE_FILE) !== 0;
    const inode = parseInode(raw, ino, hugeFile, this.bs, sb.metadataCsum ? sb.csumSeed : null);
    if (inode.i_mode === 0 && inode.i_links_count === 0 && ino !== EXT4_ROOT_INO) throw notFound(`node ${ino} (unused inode)`);
    if (!inode.checksumOk) this.addNote('warning', `inode ${ino}: checksum mismatch`);
    this.inodes.set(ino, inode);
    if (this.inodes.size > MAX_CACHED_INODES) {
      const oldest = this.inodes.keys().next().value;
      if (oldest !== undefined) this.inodes.delete(oldest);
    }
    return inode;
  }

  private itableBlock(block: number): Promise<Uint8Array> {
    const cached = this.itable.get(block);
    if (cached !== undefined) return cached;
    const pending = readExact(this.device, block * this.bs, this.bs);
    this.itable.set(block, pending);
    pending.catch(() => this.itable.delete(block));
    if (this.itable.size > MAX_CACHED_ITABLE_BLOCKS) {
      const oldest = this.itable.keys().next().value;
      if (oldest !== undefined) this.itable.delete(oldest);
    }
    return pending;
  }

  private refuseEncrypted(inode: Inode): void {
    if ((inode.i_flags & EXT4_ENCRYPT_FL) !== 0) throw unsupported(`ext encryption (fscrypt): inode ${inode.ino} is encrypted`);
  }

  // ---- data ----

  private refuseOversized(file: Inode): void {
    if (file.size > this.maxFileBytes) {
      throw limit(`inode ${file.ino}: ${file.size} bytes, more than ${SPARSE_CAP_VOLUMES} times the volume: only holes could fill it, and they are not expanded`);
    }
  }

  /** The block runs of a file, directory or slow symlink (cached, LRU). */
  private runsOf(inode: Inode): Promise<Run[]> {
    const cached = this.runs.get(inode.ino);
    if (cached !== undefined) return cached;
    const needed = Math.ceil(inode.size / this.bs);
    const ctx: MapContext = {
      blockSize: this.bs,
      blocksCount: this.sb.s_blocks_count,
      firstDataBlock: this.sb.s_first_data_block,
      readBlock: (b) => readExact(this.device, b * this.bs, this.bs),
      note: (m) => this.addNote('warning', m),
      where: `inode ${inode.ino}`,
    };
    const pending =
      (inode.i_flags & EXT4_EXTENTS_FL) !== 0
        ? extentRuns(ctx, inode.i_block, needed, this.sb.metadataCsum ? inodeCsumSeed(this.sb.csumSeed, inode) : null)
        : blockMapRuns(ctx, inode.i_block, needed);
    this.runs.set(inode.ino, pending);
    pending.catch(() => {
      if (this.runs.get(inode.ino) === pending) this.runs.delete(inode.ino);
    });
    if (this.runs.size > MAX_CACHED_RUNS) {
      const oldest = this.runs.keys().next().value;
      if (oldest !== undefined) this.runs.delete(oldest);
    }
    return pending;
  }

  /** Bytes [start, end) of mapped data: one device read per run; holes and uninit runs are zeros. */
  private async readRuns(runs: Run[], start: number, end: number): Promise<Uint8Array> {
    const out = new Uint8Array(end - start);
    const bs = this.bs;
    for (let i = firstRunEndingAfter(runs, Math.floor(start / bs)); i < runs.length; i++) {
      const r = runs[i]!;
      const runStart = r.lblk * bs;
      if (runStart >= end) break;
      const from = Math.max(start, runStart);
      const to = Math.min(end, runStart + r.len * bs);
      if (to <= from || r.uninit) continue;
      out.set(await readExact(this.device, r.pblk * bs + (from - runStart), to - from), from - start);
    }
    return out;
  }

  /** A directory's raw entries: inline, or every block read linearly (htree blocks included). */
  private async direntsOf(dir: Inode): Promise<RawDirent[]> {
    const where = `directory inode ${dir.ino}`;
    const out: RawDirent[] = [];
    if ((dir.i_flags & EXT4_INLINE_DATA_FL) !== 0) {
      // i_block: the parent's inode number (4 bytes), then entries; system.data: more entries.
      const head = dir.i_block.subarray(4, EXT4_MIN_INLINE_DATA_SIZE);
      parseDirents(head, this.bs, `${where} inline i_block`, out);
      const extra = inlineXattr(dir);
      if (extra.length > 0) parseDirents(extra, this.bs, `${where} inline system.data`, out);
      return out;
    }
    if (dir.size > MAX_DIR_BYTES) throw limit(`${where}: larger than ${MAX_DIR_BYTES} bytes`);
    const runs = await this.runsOf(dir);
    const seed = this.sb.metadataCsum ? inodeCsumSeed(this.sb.csumSeed, dir) : null;
    const maxChunkBlocks = Math.max(1, Math.floor(MAX_READ_BYTES / this.bs));
    const needed = Math.ceil(dir.size / this.bs);
    for (const r of runs) {
      if (r.uninit) continue;
      for (let b = 0; b < r.len && r.lblk + b < needed; b += maxChunkBlocks) {
        const count = Math.min(maxChunkBlocks, r.len - b, needed - r.lblk - b);
        const bytes = await readExact(this.device, (r.pblk + b) * this.bs, count * this.bs);
        for (let k = 0; k < count; k++) {
          const block = bytes.subarray(k * this.bs, (k + 1) * this.bs);
          const lblk = r.lblk + b + k;
          if (seed !== null && direntTailOk(block, seed) === false) this.addNote('warning', `${where} block ${lblk}: checksum mismatch`);
          parseDirents(block, this.bs, `${where} block ${lblk}`, out);
          if (out.length > MAX_DIR_ENTRIES + 2) throw limit(`${where}: more than ${MAX_DIR_ENTRIES} entries`);
        }
      }
    }
    return out;
  }

  private addNote(severity: VolumeNote['severity'], message: string): void {
    if (this.noteSeen.has(message) || this.noteList.length > MAX_NOTES) return;
    this.noteSeen.add(message);
    if (this.noteList.length === MAX_NOTES) {
      this.noteList.push({ severity: 'warning', message: `more than ${MAX_NOTES} notes; the rest are not shown` });
      return;
    }
    this.noteList.push({ severity, message });
  }
}

function isDot(name: Uint8Array): boolean {
  return (name.length === 1 && name[0] === 0x2e) || (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e);
}

/** Listing size: bytes for files and symlinks, 0 for directories and special files. */
function sizeOf(inode: Inode): number {
  return inode.type === 'file' || inode.type === 'symlink' ? inode.size : 0;
}

/** A fast symlink keeps its target in i_block: shorter than 60 bytes and no data blocks. */
function isFastSymlink(inode: Inode, blockSize: number): boolean {
  const eaBlocks = inode.i_file_acl !== 0 ? blockSize / 512 : 0;
  return inode.size < EXT4_MIN_INLINE_DATA_SIZE && inode.blocks512 - eaBlocks <= 0;
}

/** Index of the first run whose end lies past logical block `lblk` (binary search). */
function firstRunEndingAfter(runs: readonly Run[], lblk: number): number {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = runs[mid]!;
    if (r.lblk + r.len > lblk) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
