// An opened UDF volume through the driver contract.
// Node ids: an ICB's address, partition reference number × 2^32 + logical block (below 2^48,
// a safe integer), so every FID naming the same ICB (a hard link, or a hostile loop) yields the
// same id; the root is the root directory ICB's id.
import { MAX_READ_BYTES, type BlockDevice } from '../../block/device.js';
import { corrupt, GloveboxError, invalid, limit, notFound, unsupported } from '../../errors.js';
import type { DirEntry, Extent, NodeId, NodeStat, NodeType, Volume, VolumeNote } from '../types.js';
import type { Anchor, VolumeDescriptors } from './descriptors.js';
import { parseFids } from './fid.js';
import { AD_EMBEDDED, allocationExtents, FT_DIRECTORY, FT_FILE, FT_METADATA, FT_METADATA_MIRROR, FT_SYMLINK, FT_VAT20, parseIcb, type Icb, type RawExtent } from './icb.js';
import { readExact, u16, u32 } from './io.js';
import { MetadataPartition, PhysicalPartition, SparablePartition, VirtualPartition, type MetadataRun, type Partition } from './partitions.js';
import { pathComponents } from './symlink.js';
import { readTag, TAG_FSD } from './tag.js';

const MAX_DIR_BYTES = 64 * 1024 * 1024;
const MAX_SYMLINK_BYTES = 64 * 1024;
const MAX_VAT_BYTES = 16 * 1024 * 1024;
const MAX_SPARING_ENTRIES = 65536;
const MAX_CACHED_ICBS = 4096;
/** Bytes per device read when reading a run of adjacent sectors. */
const MAX_RUN_BYTES = 1024 * 1024;
/** Sectors before the last one searched for the VAT ICB (an image may end in padding). */
const MAX_VAT_SEARCH = 64;
const MAX_NOTES = 100;

interface DataExtent {
  fileOffset: number;
  length: number;
  recorded: boolean;
  partition: number;
  block: number;
}

interface FileData {
  inline: Uint8Array | null;
  extents: DataExtent[];
}

const nodeIdOf = (partition: number, block: number): NodeId => partition * 0x1_0000_0000 + block;

function nodeTypeOf(fileType: number): NodeType {
  if (fileType === FT_DIRECTORY) return 'dir';
  if (fileType === FT_FILE || fileType === 0) return 'file';
  if (fileType === FT_SYMLINK) return 'symlink';
  return 'other';
}

export class UdfVolume implements Volume {
  readonly fs = 'udf';
  readonly caseInsensitive = false;
  readonly label: string | null;
  private readonly bs: number;
  private readonly parts: Partition[] = [];
  private rootId: NodeId = 0;
  private readonly icbs = new Map<NodeId, Promise<Icb>>();
  private readonly volumeNotes: VolumeNote[] = [];

  private constructor(
    private readonly device: BlockDevice,
    private readonly d: VolumeDescriptors,
    notes: VolumeNote[],
  ) {
    this.bs = d.blockSize;
    const label = d.logicalVolumeIdentifier !== '' ? d.logicalVolumeIdentifier : d.volumeIdentifier;
    this.label = label === '' ? null : label;
    for (const n of notes) this.note(n.severity, n.message);
  }

  static async open(device: BlockDevice, anchor: Anchor, d: VolumeDescriptors, notes: VolumeNote[]): Promise<UdfVolume> {
    if (d.blockSize !== anchor.sectorSize) throw unsupported(`logical block size ${d.blockSize} on ${anchor.sectorSize}-byte sectors`);
    const v = new UdfVolume(device, d, notes);
    await v.loadPartitions();
    const fsdSector = v.sectorOf(d.fsd.partition, d.fsd.block);
    const fsd = await v.readSector(fsdSector);
    readTag(fsd, 0, `file set descriptor (block ${d.fsd.block})`, TAG_FSD, d.fsd.block);
    const rootPartition = u16(fsd, 400 + 8);
    const rootBlock = u32(fsd, 400 + 4);
    v.rootId = nodeIdOf(rootPartition, rootBlock);
    const root = await v.icb(v.rootId);
    if (root.fileType !== FT_DIRECTORY) throw corrupt('root ICB is not a directory', { found: `file type ${root.fileType}` });
    return v;
  }

  notes(): VolumeNote[] {
    return [...this.volumeNotes];
  }

  root(): NodeId {
    return this.rootId;
  }

  async readdir(id: NodeId): Promise<DirEntry[]> {
    const dir = await this.known(id);
    if (dir.fileType !== FT_DIRECTORY) throw invalid(`readdir: node ${id} is not a directory`);
    if (dir.size > MAX_DIR_BYTES) throw limit(`directory node ${id}: ${dir.size} bytes exceeds ${MAX_DIR_BYTES}`);
    const where = `directory node ${id}`;
    const data = await this.fileData(dir, where);
    const bytes = await this.readData(data, 0, dir.size);
    const out: DirEntry[] = [];
    let locationNoted = false;
    for (const fid of parseFids(bytes, where)) {
      // 4/14.4.1: a FID's tag location is the block it starts in (the ICB's, when embedded).
      const expectedBlock = fidBlock(dir, data, fid.offset, this.bs);
      if (!locationNoted && expectedBlock !== null && fid.tagLocation !== expectedBlock) {
        locationNoted = true;
        this.note('warning', `${where}: FID at byte ${fid.offset} records tag location ${fid.tagLocation}, not ${expectedBlock}`);
      }
      if (fid.partition >= this.parts.length) {
        this.note('warning', `${where}: "${fid.name}" names partition ${fid.partition}, which does not exist`);
        continue;
      }
      const childId = nodeIdOf(fid.partition, fid.block);
      let child: Icb;
      try {
        child = await this.icb(childId);
      } catch (e) {
        if (!(e instanceof GloveboxError)) throw e;
        this.note('warning', `${where}: "${fid.name}": ${e.message}`);
        continue;
      }
      const type = nodeTypeOf(child.fileType);
      const entry: DirEntry = { name: fid.name, node: childId, type, size: type === 'dir' ? 0 : child.size, mtime: child.mtime };
      if (fid.undecodable) entry.undecodable = true;
      out.push(entry);
    }
    return out;
  }

  async stat(id: NodeId): Promise<NodeStat> {
    const icb = await this.known(id);
    const type = nodeTypeOf(icb.fileType);
    const p = icb.permissions;
    return {
      node: id,
      type,
      size: type === 'dir' ? 0 : icb.size,
      mtime: icb.mtime,
      atime: icb.atime,
      ctime: icb.ctime,
      birthtime: icb.birthtime,
      // ECMA-167 4/14.9.5: other in bits 0-2, group in 5-7, owner in 10-12 (x, w, r).
      mode: (((p >>> 10) & 7) << 6) | (((p >>> 5) & 7) << 3) | (p & 7),
    };
  }

  async read(id: NodeId, offset: number, length: number): Promise<Uint8Array> {
    const icb = await this.known(id);
    if (icb.fileType === FT_DIRECTORY) throw invalid(`read: node ${id} is a directory`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) throw invalid(`read: bad range ${offset}+${length}`);
    const end = Math.min(icb.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    if (end - offset > MAX_READ_BYTES) throw limit(`read of ${end - offset} bytes exceeds the ${MAX_READ_BYTES}-byte limit`);
    const data = await this.fileData(icb, `node ${id}`);
    return this.readData(data, offset, end);
  }

  async readlink(id: NodeId): Promise<string> {
    const icb = await this.known(id);
    if (icb.fileType !== FT_SYMLINK) throw invalid(`readlink: node ${id} is not a symbolic link`);
    if (icb.size > MAX_SYMLINK_BYTES) throw limit(`symbolic link node ${id}: ${icb.size} bytes`);
    const data = await this.fileData(icb, `node ${id}`);
    return pathComponents(await this.readData(data, 0, icb.size), `symbolic link node ${id}`);
  }

  async extents(id: NodeId): Promise<Extent[] | null> {
    const icb = await this.known(id);
    if (icb.fileType === FT_DIRECTORY) throw invalid(`extents: node ${id} is a directory`);
    const data = await this.fileData(icb, `node ${id}`);
    if (data.inline !== null) return null;
    const out: Extent[] = [];
    for (const x of data.extents) {
      if (!x.recorded || this.parts[x.partition]?.kind !== 'physical') return null;
      const deviceOffset = this.sectorOf(x.partition, x.block) * this.bs;
      this.sectorOf(x.partition, x.block + Math.ceil(x.length / this.bs) - 1);
      if (deviceOffset + x.length > this.device.size) throw corrupt(`node ${id}: extent past the end of the device`, { found: `${deviceOffset}+${x.length}` });
      out.push({ fileOffset: x.fileOffset, deviceOffset, length: x.length });
    }
    return out;
  }

  // --- partitions -----------------------------------------------------------------------

  private async loadPartitions(): Promise<void> {
    const { maps, partitions } = this.d;
    const pdOf = (n: number): PhysicalPartition => {
      const pd = partitions.get(n);
      if (pd === undefined) throw corrupt('partition map names a partition without a descriptor', { found: String(n) });
      return new PhysicalPartition(pd);
    };
    // Physical, sparable and virtual maps first: metadata partitions lie on top of them.
    for (const m of maps) {
      if (m.kind === 'physical') this.parts.push(pdOf(m.partitionNumber));
      else if (m.kind === 'sparable') this.parts.push(await this.loadSparable(pdOf(m.partitionNumber), m));
      else if (m.kind === 'virtual') this.parts.push(await this.loadVat(pdOf(m.partitionNumber)));
      else this.parts.push(pdOf(m.partitionNumber)); // replaced below
    }
    for (let i = 0; i < maps.length; i++) {
      const m = maps[i]!;
      if (m.kind !== 'metadata') continue;
      const below = maps.findIndex((x) => x.kind !== 'metadata' && x.partitionNumber === m.partitionNumber);
      const base = below >= 0 ? this.parts[below]! : this.parts[i]!;
      this.parts[i] = await this.loadMetadata(base, m.fileLocation, m.mirrorLocation);
    }
  }

  private async loadSparable(base: PhysicalPartition, m: { packetLength: number; tableSize: number; tables: number[] }): Promise<Partition> {
    if (m.packetLength === 0) throw corrupt('sparable partition: packet length 0');
    const sectors = Math.ceil(Math.min(m.tableSize, 56 + MAX_SPARING_ENTRIES * 8) / this.bs);
    let firstError: GloveboxError | null = null;
    for (const location of m.tables) {
      try {
        if ((location + sectors) * this.bs > this.device.size) throw corrupt('sparing table past the device', { found: `sector ${location}` });
        const b = await readExact(this.device, location * this.bs, Math.max(1, sectors) * this.bs);
        readTag(b, 0, `sparing table at sector ${location}`, 0, location);
        const n = u16(b, 48);
        if (56 + n * 8 > b.length) throw corrupt('sparing table length', { where: `sector ${location}`, found: String(n) });
        const remap = new Map<number, number>();
        for (let i = 0; i < n; i++) {
          const original = u32(b, 56 + i * 8);
          if (original < 0xfffffff0) remap.set(original, u32(b, 60 + i * 8));
        }
        return new SparablePartition(base.pd, m.packetLength, remap);
      } catch (e) {
        if (!(e instanceof GloveboxError)) throw e;
        firstError ??= e;
        this.note('warning', `sparing table unusable: ${e.message}`);
      }
    }
    throw firstError ?? corrupt('sparable partition without sparing tables');
  }

  /**
   * The VAT's ICB is the last recorded sector (UDF 2.2.10); in an image, the last sector, or
   * failing that one of the MAX_VAT_SEARCH sectors before it (padding after the last session).
   */
  private async loadVat(base: PhysicalPartition): Promise<Partition> {
    const last = Math.floor(this.device.size / this.bs) - 1;
    let firstError: GloveboxError | null = null;
    for (let sector = last; sector >= Math.max(base.pd.start, last - MAX_VAT_SEARCH); sector--) {
      try {
        const vat = await this.vatAt(base, sector);
        if (sector !== last) this.note('info', `VAT ICB found at sector ${sector}, ${last - sector} sectors before the end`);
        return vat;
      } catch (e) {
        if (!(e instanceof GloveboxError)) throw e;
        firstError ??= e;
      }
    }
    throw firstError ?? corrupt('no sector for the VAT ICB');
  }

  private async vatAt(base: PhysicalPartition, sector: number): Promise<Partition> {
    const where = `VAT ICB at sector ${sector}`;
    const b = await this.readSector(sector);
    const icb = parseIcb(b, -1, sector - base.pd.start, where);
    if (icb.size > MAX_VAT_BYTES) throw limit(`VAT of ${icb.size} bytes`);
    if (icb.fileType !== FT_VAT20 && icb.fileType !== 0) throw corrupt('not a VAT ICB', { where, found: `file type ${icb.fileType}` });
    const data = await this.fileDataWith(icb, where, () => base);
    const bytes = await this.readDataWith(data, 0, icb.size, () => base);
    let start: number;
    let end: number;
    if (icb.fileType === FT_VAT20) {
      start = bytes.length >= 2 ? u16(bytes, 0) : 0;
      end = bytes.length;
      if (start < 152 || start > end) throw corrupt('VAT header length', { where, found: String(start) });
    } else if (bytes.length >= 36 && String.fromCharCode(...bytes.subarray(bytes.length - 35, bytes.length - 13)) === '*UDF Virtual Alloc Tbl') {
      start = 0;
      end = bytes.length - 36;
    } else throw corrupt('no virtual allocation table', { where, found: `file type ${icb.fileType} without the VAT identifier` });
    const vat = new Uint32Array(Math.floor((end - start) / 4));
    for (let i = 0; i < vat.length; i++) vat[i] = u32(bytes, start + i * 4);
    return new VirtualPartition(base, vat);
  }

  private async loadMetadata(base: Partition, fileLocation: number, mirrorLocation: number): Promise<Partition> {
    const tries: Array<[number, string, number]> = [
      [fileLocation, 'metadata file', FT_METADATA],
      [mirrorLocation, 'metadata mirror file', FT_METADATA_MIRROR],
    ];
    let firstError: GloveboxError | null = null;
    for (const [location, what, fileType] of tries) {
      try {
        const b = await this.readSector(base.sector(location));
        const icb = parseIcb(b, -1, location, `${what} ICB at block ${location}`);
        if (icb.fileType !== fileType) throw corrupt(`${what}: file type`, { expected: String(fileType), found: String(icb.fileType) });
        if (icb.adType === AD_EMBEDDED) throw corrupt(`${what}: embedded data`);
        const raw = await allocationExtents(icb, (_p, block, length) => this.readBlocks(base, block, length), what);
        const runs: MetadataRun[] = [];
        let at = 0;
        for (const x of raw) {
          const blocks = Math.ceil(x.length / this.bs);
          if (x.type === 0) runs.push({ firstBlock: at, blocks, physicalBlock: x.block });
          at += blocks;
        }
        if (firstError !== null) this.note('warning', `metadata file unusable (${firstError.message}); using the metadata mirror file`);
        return new MetadataPartition(base, runs);
      } catch (e) {
        if (!(e instanceof GloveboxError)) throw e;
        firstError ??= e;
      }
    }
    throw firstError ?? corrupt('no metadata file');
  }

  private partition(index: number): Partition {
    const p = this.parts[index];
    if (p === undefined) throw corrupt('partition reference number', { expected: `< ${this.parts.length}`, found: String(index) });
    return p;
  }

  private sectorOf(partition: number, block: number): number {
    return this.partition(partition).sector(block);
  }

  private async readSector(sector: number): Promise<Uint8Array> {
    if ((sector + 1) * this.bs > this.device.size) throw corrupt('sector past the end of the device', { found: String(sector) });
    return readExact(this.device, sector * this.bs, this.bs);
  }

  /** `length` bytes from `block` on, mapping block by block and reading runs of adjacent sectors. */
  private async readBlocks(part: Partition, block: number, length: number, skip = 0): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let pos = 0;
    let b = block + Math.floor(skip / this.bs);
    let within = skip % this.bs;
    while (pos < length) {
      const first = part.sector(b);
      let sectors = 1;
      const wanted = Math.ceil((within + length - pos) / this.bs);
      const most = Math.min(wanted, Math.max(1, Math.floor(MAX_RUN_BYTES / this.bs)));
      while (sectors < most && part.sector(b + sectors) === first + sectors) sectors++;
      const n = Math.min(length - pos, sectors * this.bs - within);
      const offset = first * this.bs + within;
      if (offset + n > this.device.size) throw corrupt('extent past the end of the device', { found: `sector ${first}` });
      out.set(await readExact(this.device, offset, n), pos);
      pos += n;
      b += sectors;
      within = 0;
    }
    return out;
  }

  // --- ICBs and file data ----------------------------------------------------------------

  private icb(id: NodeId): Promise<Icb> {
    const cached = this.icbs.get(id);
    if (cached !== undefined) return cached;
    const partition = Math.floor(id / 0x1_0000_0000);
    const block = id % 0x1_0000_0000;
    const pending = (async () => parseIcb(await this.readSector(this.sectorOf(partition, block)), partition, block, `ICB node ${id}`))();
    this.icbs.set(id, pending);
    pending.catch(() => this.icbs.delete(id));
    if (this.icbs.size > MAX_CACHED_ICBS) {
      const oldest = this.icbs.keys().next().value;
      if (oldest !== undefined) this.icbs.delete(oldest);
    }
    return pending;
  }

  /** An id handed out by root() or readdir(); anything else is NotFound. */
  private async known(id: NodeId): Promise<Icb> {
    if (!Number.isSafeInteger(id) || id < 0 || Math.floor(id / 0x1_0000_0000) >= this.parts.length) throw notFound(`node ${id}`);
    return this.icb(id);
  }

  private fileData(icb: Icb, where: string): Promise<FileData> {
    return this.fileDataWith(icb, where, (p) => this.partition(p));
  }

  private async fileDataWith(icb: Icb, where: string, partOf: (p: number) => Partition): Promise<FileData> {
    if (icb.adType === AD_EMBEDDED) {
      if (icb.size > icb.ads.length) throw corrupt('embedded data shorter than the file', { where, expected: String(icb.size), found: String(icb.ads.length) });
      return { inline: icb.ads.subarray(0, icb.size), extents: [] };
    }
    const raw: RawExtent[] = await allocationExtents(icb, (p, block, length) => this.readBlocks(partOf(p), block, length), where);
    const extents: DataExtent[] = [];
    let fileOffset = 0;
    for (const x of raw) {
      if (fileOffset >= icb.size) break;
      const length = Math.min(x.length, icb.size - fileOffset);
      extents.push({ fileOffset, length, recorded: x.type === 0, partition: x.partition, block: x.block });
      fileOffset += length;
    }
    if (fileOffset < icb.size) throw corrupt('allocation descriptors cover less than the file', { where, expected: `${icb.size} bytes`, found: `${fileOffset}` });
    return { inline: null, extents };
  }

  private readData(data: FileData, start: number, end: number): Promise<Uint8Array> {
    return this.readDataWith(data, start, end, (p) => this.partition(p));
  }

  private async readDataWith(data: FileData, start: number, end: number, partOf: (p: number) => Partition): Promise<Uint8Array> {
    if (data.inline !== null) return data.inline.slice(start, end);
    const out = new Uint8Array(end - start);
    for (const x of data.extents) {
      const xs = Math.max(start, x.fileOffset);
      const xe = Math.min(end, x.fileOffset + x.length);
      if (xs >= xe || !x.recorded) continue; // unrecorded extents read as zeros
      out.set(await this.readBlocks(partOf(x.partition), x.block, xe - xs, xs - x.fileOffset), xs - start);
    }
    return out;
  }

  private note(severity: VolumeNote['severity'], message: string): void {
    if (this.volumeNotes.some((n) => n.message === message)) return;
    if (this.volumeNotes.length < MAX_NOTES) this.volumeNotes.push({ severity, message });
  }
}

function fidBlock(dir: Icb, data: FileData, offset: number, blockSize: number): number | null {
  if (data.inline !== null) return dir.block;
  for (const x of data.extents) {
    if (offset >= x.fileOffset && offset < x.fileOffset + x.length) return x.block + Math.floor((offset - x.fileOffset) / blockSize);
  }
  return null;
}
