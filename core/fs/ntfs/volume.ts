// An opened NTFS volume through the driver contract.
//
// Node ids: a file or directory is its MFT record number (the root is 5); hard links share it.
// An alternate data stream (a named $DATA) is  index × 2^32 + record number, where index
// (1, 2, …) is the stream's position among the file's named $DATA attributes in attribute
// order; record numbers are below 2^32 (the MFT is capped there), so the two never collide and
// every id is a safe integer.
import type { BlockDevice } from '../../block/device.js';
import { corrupt, GloveboxError, invalid, limit, notFound, unsupported } from '../../errors.js';
import type { DirEntry, Extent, NodeId, NodeStat, NodeType, Volume, VolumeNote } from '../types.js';
import {
  FILE_ATTR_DUP_FILE_NAME_INDEX_PRESENT,
  FILE_ATTRIBUTE_ARCHIVE,
  FILE_ATTRIBUTE_COMPRESSED,
  FILE_ATTRIBUTE_DIRECTORY,
  FILE_ATTRIBUTE_ENCRYPTED,
  FILE_ATTRIBUTE_HIDDEN,
  FILE_ATTRIBUTE_READONLY,
  FILE_ATTRIBUTE_REPARSE_POINT,
  FILE_ATTRIBUTE_SPARSE_FILE,
  FILE_ATTRIBUTE_SYSTEM,
  FILE_NAME_DOS,
  IO_REPARSE_TAG_MOUNT_POINT,
  IO_REPARSE_TAG_SYMLINK,
  parseFileName,
  parseReparsePoint,
  parseStandardInformation,
  type FileName,
  type StandardInformation,
} from './attributes.js';
import type { NtfsGeometry } from './boot.js';
import { readIndex, type IndexEntry } from './dirindex.js';
import { hasLoneSurrogate, utf16 } from './io.js';
import { Mft, type Inode } from './mft.js';
import { AT_DATA, AT_FILE_NAME, AT_INDEX_ALLOCATION, AT_INDEX_ROOT, AT_REPARSE_POINT, AT_STANDARD_INFORMATION, AT_VOLUME_NAME, parseMftRecord, type Attribute } from './record.js';
import { plainExtents, readStream, streamOf, type Stream } from './stream.js';

const ROOT_RECORD = 5;
/** Records 0..23 are reserved for the file system's own metadata ($MFT … $Extend and spares). */
const FIRST_USER_RECORD = 24;
const STREAM_ID_UNIT = 0x1_0000_0000;
const MAX_STREAMS_PER_FILE = 0x1f_ffff;
/** Records examined when a damaged index forces a scan of the MFT. */
const MAX_SCAN_RECORDS = 1 << 21;
const MAX_NOTES = 100;
const I30 = '$I30';
/** "IntxLNK" and 0x01: the magic of an Interix symbolic link. */
const INTERIX_SYMLINK = [0x49, 0x6e, 0x74, 0x78, 0x4c, 0x4e, 0x4b, 0x01];
/** Longest symlink target read (UTF-16 bytes). */
const MAX_SYMLINK_BYTES = 64 * 1024;

const ATTRIBUTE_WORDS: ReadonlyArray<readonly [number, string]> = [
  [FILE_ATTRIBUTE_READONLY, 'readonly'],
  [FILE_ATTRIBUTE_HIDDEN, 'hidden'],
  [FILE_ATTRIBUTE_SYSTEM, 'system'],
  [FILE_ATTRIBUTE_DIRECTORY, 'directory'],
  [FILE_ATTRIBUTE_ARCHIVE, 'archive'],
  [FILE_ATTRIBUTE_SPARSE_FILE, 'sparse'],
  [FILE_ATTRIBUTE_REPARSE_POINT, 'reparse'],
  [FILE_ATTRIBUTE_COMPRESSED, 'compressed'],
  [FILE_ATTRIBUTE_ENCRYPTED, 'encrypted'],
];

/** What a file is, decoded once from its attributes. */
interface FileInfo {
  inode: Inode;
  si: StandardInformation | null;
  type: NodeType;
  isDirectory: boolean;
  /** Symlink or junction target. */
  target: string | null;
  reparseTag: number | null;
  data: Attribute[];
  /** Named $DATA streams, in attribute order (index + 1 is the stream's id part). */
  streams: Array<{ name: string; extents: Attribute[] }>;
}

export class NtfsVolume implements Volume {
  readonly fs = 'ntfs';
  readonly caseInsensitive = true;
  label: string | null = null;
  private readonly volumeNotes: VolumeNote[] = [];
  private readonly noted = new Set<string>();

  private constructor(
    private readonly device: BlockDevice,
    private readonly geometry: NtfsGeometry,
    private readonly mft: Mft,
  ) {}

  static async open(device: BlockDevice, geometry: NtfsGeometry): Promise<NtfsVolume> {
    const mft = new Mft(device, geometry);
    await mft.load();
    const volume = new NtfsVolume(device, geometry, mft);
    if (geometry.totalSectors * geometry.bytesPerSector > device.size) {
      volume.note('warning', `device (${device.size} bytes) is shorter than the volume (${geometry.totalSectors * geometry.bytesPerSector} bytes)`);
    }
    try {
      const vol = await mft.inode(3);
      const name = vol.attributes.find((a) => a.type === AT_VOLUME_NAME && a.resident !== null);
      if (name?.resident) volume.label = utf16(name.resident, 0, Math.floor(name.resident.length / 2));
    } catch (e) {
      if (!(e instanceof GloveboxError)) throw e;
      volume.note('warning', `$Volume unreadable: ${e.message}`);
    }
    return volume;
  }

  notes(): VolumeNote[] {
    return [...this.volumeNotes];
  }

  root(): NodeId {
    return ROOT_RECORD;
  }

  async readdir(id: NodeId): Promise<DirEntry[]> {
    const { record, stream } = splitId(id);
    if (stream !== 0) throw invalid(`readdir: node ${id} is a stream`);
    const info = await this.info(record);
    if (!info.isDirectory) throw invalid(`readdir: node ${id} is not a directory`);
    let entries: IndexEntry[];
    try {
      entries = await this.indexEntries(info);
    } catch (e) {
      if (!(e instanceof GloveboxError) || e.kind === 'Limit') throw e;
      this.note('warning', `directory ${record}: index damaged (${e.message}); listed from a scan of the MFT`);
      entries = await this.scanForChildren(record);
    }
    return this.entriesOf(record, entries);
  }

  async stat(id: NodeId): Promise<NodeStat> {
    const { record, stream } = splitId(id);
    const info = await this.info(record);
    const si = info.si;
    const out: NodeStat = {
      node: id,
      type: stream === 0 ? info.type : 'file',
      size: stream === 0 ? this.sizeOf(info) : this.streamOf(info, stream).dataSize,
      mtime: si?.lastDataChangeTime ?? null,
      atime: si?.lastAccessTime ?? null,
      ctime: si?.lastMftChangeTime ?? null,
      birthtime: si?.creationTime ?? null,
    };
    const bits = (si?.fileAttributes ?? 0) | (info.isDirectory ? FILE_ATTRIBUTE_DIRECTORY : 0);
    out.attributes = ATTRIBUTE_WORDS.filter(([bit]) => (bits & bit) !== 0).map(([, word]) => word);
    return out;
  }

  async read(id: NodeId, offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw invalid(`read: bad range ${offset}+${length}`);
    }
    const { record, stream } = splitId(id);
    const info = await this.info(record);
    if (stream === 0 && info.type !== 'file') throw invalid(`read: node ${id} is not a file`);
    if (((info.si?.fileAttributes ?? 0) & FILE_ATTRIBUTE_ENCRYPTED) !== 0) throw unsupported('files encrypted with EFS');
    const s = this.streamOf(info, stream);
    return readStream(this.device, this.geometry.bytesPerCluster, s, offset, length);
  }

  async readlink(id: NodeId): Promise<string> {
    const { record, stream } = splitId(id);
    const info = await this.info(record);
    if (stream !== 0 || info.type !== 'symlink' || info.target === null) throw invalid(`readlink: node ${id} is not a symbolic link`);
    return info.target;
  }

  async extents(id: NodeId): Promise<Extent[] | null> {
    const { record, stream } = splitId(id);
    const info = await this.info(record);
    if (stream === 0 && info.type !== 'file') throw invalid(`extents: node ${id} is not a file`);
    if (((info.si?.fileAttributes ?? 0) & FILE_ATTRIBUTE_ENCRYPTED) !== 0) return null;
    if (stream !== 0) return null;
    return plainExtents(this.streamOf(info, 0), this.geometry.bytesPerCluster);
  }

  private note(severity: VolumeNote['severity'], message: string): void {
    if (this.noted.has(message)) return;
    if (this.volumeNotes.length < MAX_NOTES) {
      this.noted.add(message);
      this.volumeNotes.push({ severity, message });
    } else if (this.volumeNotes.length === MAX_NOTES) {
      this.volumeNotes.push({ severity: 'warning', message: 'more problems found; further notes omitted' });
    }
  }

  private async info(record: number): Promise<FileInfo> {
    const inode = await this.mft.inode(record);
    const where = `MFT record ${record}`;
    const siAttr = inode.attributes.find((a) => a.type === AT_STANDARD_INFORMATION && a.resident !== null);
    const si = siAttr ? parseStandardInformation(siAttr.resident!, `${where} $STANDARD_INFORMATION`) : null;
    const isDirectory = inode.base.isDirectory || inode.attributes.some((a) => a.type === AT_INDEX_ROOT && a.name === I30);
    let type: NodeType = isDirectory ? 'dir' : 'file';
    let target: string | null = null;
    let reparseTag: number | null = null;
    const reparse = inode.attributes.find((a) => a.type === AT_REPARSE_POINT);
    if (reparse !== undefined) {
      const value = reparse.resident ?? (await readStream(this.device, this.geometry.bytesPerCluster, streamOf([reparse], `${where} $REPARSE_POINT`), 0, Math.min(reparse.dataSize, 16 * 1024)));
      const point = parseReparsePoint(value, `${where} $REPARSE_POINT`);
      reparseTag = point.tag;
      if ((point.tag === IO_REPARSE_TAG_SYMLINK || point.tag === IO_REPARSE_TAG_MOUNT_POINT) && point.target !== null) {
        type = 'symlink';
        target = point.target;
      } else {
        this.note('info', `${where}: reparse point with tag 0x${point.tag.toString(16)} listed as a plain ${type === 'dir' ? 'directory' : 'file'}`);
      }
    }
    const data: Attribute[] = [];
    const streams: FileInfo['streams'] = [];
    for (const a of inode.attributes) {
      if (a.type !== AT_DATA) continue;
      if (a.name === '') data.push(a);
      else {
        const s = streams.find((x) => x.name === a.name);
        if (s) s.extents.push(a);
        else if (streams.length < MAX_STREAMS_PER_FILE) streams.push({ name: a.name, extents: [a] });
      }
    }
    if (type === 'file' && si !== null && (si.fileAttributes & FILE_ATTRIBUTE_SYSTEM) !== 0 && data.length > 0) {
      target = await this.interixTarget(streamOf(data, `${where} $DATA`));
      if (target !== null) type = 'symlink';
    }
    return { inode, si, type, isDirectory, target, reparseTag, data, streams };
  }

  /**
   * An Interix symbolic link (what ntfs-3g creates for a POSIX symlink by default): a file with
   * the system attribute whose data is "IntxLNK\x01" and the target in UTF-16LE.
   */
  private async interixTarget(s: Stream): Promise<string | null> {
    if (s.dataSize < INTERIX_SYMLINK.length + 2 || s.dataSize > INTERIX_SYMLINK.length + MAX_SYMLINK_BYTES || s.dataSize % 2 !== 0) return null;
    const bytes = await readStream(this.device, this.geometry.bytesPerCluster, s, 0, s.dataSize);
    for (let i = 0; i < INTERIX_SYMLINK.length; i++) if (bytes[i] !== INTERIX_SYMLINK[i]) return null;
    return utf16(bytes, INTERIX_SYMLINK.length, (bytes.length - INTERIX_SYMLINK.length) / 2);
  }

  private sizeOf(info: FileInfo): number {
    if (info.type === 'dir') return 0;
    if (info.type === 'symlink') return new TextEncoder().encode(info.target ?? '').length;
    if (info.data.length === 0) return 0;
    return streamOf(info.data, `MFT record ${info.inode.number} $DATA`).dataSize;
  }

  private streamOf(info: FileInfo, stream: number): Stream {
    const where = `MFT record ${info.inode.number}`;
    if (stream === 0) {
      if (info.data.length === 0) return { resident: new Uint8Array(0), runs: [], dataSize: 0, initializedSize: 0, allocatedSize: 0, compressionUnit: 0, compressed: false, sparse: false, encrypted: false, where };
      return streamOf(info.data, `${where} $DATA`);
    }
    const s = info.streams[stream - 1];
    if (s === undefined) throw notFound(`stream ${stream} of MFT record ${info.inode.number}`);
    return streamOf(s.extents, `${where} $DATA:${s.name}`);
  }

  private async indexEntries(info: FileInfo): Promise<IndexEntry[]> {
    const where = `directory ${info.inode.number}`;
    const rootAttr = info.inode.attributes.find((a) => a.type === AT_INDEX_ROOT && a.name === I30);
    if (rootAttr?.resident == null) throw corrupt('directory has no resident $INDEX_ROOT', { where });
    const alloc = info.inode.attributes.filter((a) => a.type === AT_INDEX_ALLOCATION && a.name === I30);
    const stream = alloc.length > 0 ? streamOf(alloc, `${where} $INDEX_ALLOCATION`) : null;
    const bpc = this.geometry.bytesPerCluster;
    return readIndex(rootAttr.resident, {
      bytesPerCluster: bpc,
      allocationSize: stream?.dataSize ?? 0,
      readAllocation: stream === null ? null : (offset, length) => readStream(this.device, bpc, stream, offset, length),
    }, where);
  }

  /** The fallback for a damaged index: every in-use base record with a $FILE_NAME whose parent is `dir`. */
  private async scanForChildren(dir: number): Promise<IndexEntry[]> {
    const out: IndexEntry[] = [];
    const count = Math.min(this.mft.recordCount, MAX_SCAN_RECORDS);
    if (this.mft.recordCount > MAX_SCAN_RECORDS) this.note('warning', `MFT scan stopped after ${MAX_SCAN_RECORDS} records`);
    for (let n = 0; n < count; n++) {
      let rec;
      try {
        rec = parseMftRecord(await this.mft.rawRecord(n), n, this.mft.ctx);
      } catch (e) {
        if (!(e instanceof GloveboxError)) throw e;
        continue;
      }
      if (!rec.inUse || rec.base.record !== 0) continue;
      for (const a of rec.attributes) {
        if (a.type !== AT_FILE_NAME || a.resident === null) continue;
        let fn: FileName;
        try {
          fn = parseFileName(a.resident, `MFT record ${n} $FILE_NAME`);
        } catch (e) {
          if (!(e instanceof GloveboxError)) throw e;
          continue;
        }
        if (fn.parent.record === dir) out.push({ ref: { record: n, sequence: rec.sequence }, fileName: fn });
      }
    }
    return out;
  }

  private async entriesOf(dir: number, entries: IndexEntry[]): Promise<DirEntry[]> {
    if (entries.length > 1_000_000) throw limit(`directory ${dir}: more than 1000000 entries`);
    // Names per record in this directory: a DOS-only (8.3) name is an alias when the record has another.
    const named = new Map<number, FileName[]>();
    for (const e of entries) {
      const r = e.ref.record;
      if (r === dir) continue; // the root's "." entry names itself
      let list = named.get(r);
      if (list === undefined) named.set(r, (list = []));
      if (!list.some((f) => f.name === e.fileName.name && f.namespace === e.fileName.namespace)) list.push(e.fileName);
    }
    const out: DirEntry[] = [];
    const refs = new Map(entries.map((e) => [e.ref.record, e.ref]));
    for (const [record, names] of named) {
      const shown = names.some((f) => f.namespace !== FILE_NAME_DOS) ? names.filter((f) => f.namespace !== FILE_NAME_DOS) : names;
      const seen = new Set<string>();
      let info: FileInfo | null = null;
      try {
        info = await this.info(record);
        const seq = refs.get(record)!.sequence;
        if (seq !== 0 && seq !== info.inode.base.sequence) {
          this.note('warning', `directory ${dir}: entry "${shown[0]!.name}" names record ${record} with sequence ${seq}, but the record has ${info.inode.base.sequence} (stale entry skipped)`);
          continue;
        }
      } catch (e) {
        if (!(e instanceof GloveboxError) || e.kind === 'Limit') throw e;
        this.note('warning', `directory ${dir}: "${shown[0]!.name}" (MFT record ${record}) unreadable: ${e.message}`);
      }
      for (const fn of shown) {
        if (seen.has(fn.name)) continue;
        seen.add(fn.name);
        out.push(...this.direntsFor(record, fn, info));
      }
    }
    return out;
  }

  /** The entry for one name of a record, then its alternate streams. */
  private direntsFor(record: number, fn: FileName, info: FileInfo | null): DirEntry[] {
    const base: DirEntry = { name: fn.name, node: record, type: 'file', size: 0, mtime: null };
    if (hasLoneSurrogate(fn.name)) base.undecodable = true;
    if (record < FIRST_USER_RECORD) base.system = true;
    if (info === null) {
      // The record is unreadable: what the index key says, so the name is still seen.
      base.type = (fn.fileAttributes & FILE_ATTR_DUP_FILE_NAME_INDEX_PRESENT) !== 0 ? 'dir' : 'file';
      base.size = base.type === 'file' ? fn.dataSize : 0;
      base.mtime = fn.lastDataChangeTime;
      return [base];
    }
    base.type = info.type;
    base.mtime = info.si?.lastDataChangeTime ?? null;
    try {
      base.size = this.sizeOf(info);
    } catch (e) {
      if (!(e instanceof GloveboxError)) throw e;
      this.note('warning', `"${fn.name}" (MFT record ${record}): ${e.message}`);
    }
    const out = [base];
    info.streams.forEach((s, i) => {
      let size = 0;
      try {
        size = streamOf(s.extents, `MFT record ${record} $DATA:${s.name}`).dataSize;
      } catch (e) {
        if (!(e instanceof GloveboxError)) throw e;
      }
      const entry: DirEntry = { name: `${fn.name}:${s.name}`, node: (i + 1) * STREAM_ID_UNIT + record, type: 'file', size, mtime: base.mtime, stream: true };
      if (base.system) entry.system = true;
      if (base.undecodable || hasLoneSurrogate(s.name)) entry.undecodable = true;
      out.push(entry);
    });
    return out;
  }
}

function splitId(id: NodeId): { record: number; stream: number } {
  if (!Number.isSafeInteger(id) || id < 0) throw notFound(`node ${id}`);
  return { record: id % STREAM_ID_UNIT, stream: Math.floor(id / STREAM_ID_UNIT) };
}
