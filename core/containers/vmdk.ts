// VMware VMDK (Virtual Disk Format 1.1): one hosted sparse extent that is the whole disk —
// monolithicSparse, and streamOptimized (deflate-compressed grains behind grain markers, the
// grain directory possibly named by a footer). Detected by content only.
//
// Never opened: another file named inside an image. A text descriptor (monolithicFlat,
// twoGbMaxExtent*, vmfs...) is refused naming its extent files; a differencing disk naming its
// parent; an ESX sparse extent (COWD) is refused.
import type { BlockDevice } from '../block/device.js';
import { MAX_READ_BYTES } from '../block/device.js';
import { corrupt, unsupported } from '../errors.js';
import { ascii, Lru, MappedDevice, printableName, readExact, u32, u64, type Mapping } from './common.js';
import { unzlibExact } from './decompress.js';
import {
  COMPRESSION_DEFLATE,
  COMPRESSION_NONE,
  COWD_MAGIC,
  decodeMarker,
  decodeSparseHeader,
  FLAG_MARKERS,
  FLAG_NEWLINE_TEST,
  FLAG_REDUNDANT_GT,
  GRAIN_MARKER_BYTES,
  isChild,
  isDescriptorText,
  MARKER_EOS,
  MARKER_FOOTER,
  parseDescriptor,
  SECTOR,
  SPARSE_MAGIC,
  type Descriptor,
  type SparseExtentHeader,
} from './vmdk-structures.js';

/** Bytes of a descriptor read (embedded or a descriptor file); the rest is not looked at. */
const MAX_DESCRIPTOR_BYTES = 64 * 1024;
/** The format fixes 512 entries per grain table. */
const GTES_PER_GT = 512;
/** Largest grain accepted: 2 MiB (VMware writes 64 KiB; qemu up to 64 MiB, never by default). */
const MAX_GRAIN_SECTORS = 4096;
/** Grain directory entries read at open (4 bytes each). */
const MAX_GD_ENTRIES = MAX_READ_BYTES / 4;
/** Grain tables kept in memory (2 KiB each). */
const GT_CACHE_ENTRIES = 1024;
/** Bytes of decompressed grains kept in memory (at least two grains). */
const GRAIN_CACHE_BYTES = 4 * 1024 * 1024;
/** Extent files named in a refusal message. */
const MAX_NAMED_EXTENTS = 4;

const nameOf = printableName;

export async function isVmdk(device: BlockDevice): Promise<boolean> {
  if (device.size < 4) return false;
  const head = await readExact(device, 0, Math.min(device.size, 64));
  const magic = ascii(head, 0, 4);
  return magic === SPARSE_MAGIC || magic === COWD_MAGIC || isDescriptorText(head);
}

export async function openVmdk(source: BlockDevice): Promise<BlockDevice> {
  const head = await readExact(source, 0, Math.min(source.size, SECTOR));
  const magic = ascii(head, 0, 4);
  if (magic === COWD_MAGIC) throw unsupported('VMDK ESX sparse extent (COWD)');
  if (magic !== SPARSE_MAGIC) {
    const text = await readExact(source, 0, Math.min(source.size, MAX_DESCRIPTOR_BYTES));
    throw refuseDescriptor(parseDescriptor(text));
  }
  return openSparse(source, head);
}

/** Why a descriptor file (data in other files) is not opened, naming those files. */
function refuseDescriptor(d: Descriptor): Error {
  const type = d.createType === null ? '' : ` (${nameOf(d.createType)})`;
  if (isChild(d)) return refuseChild(d);
  const files = d.extents.filter((e) => e.file !== null).map((e) => nameOf(e.file!));
  if (files.length === 0) return unsupported(`VMDK descriptor${type} with no extent file`);
  if (files.length === 1) return unsupported(`VMDK descriptor${type}: the data is in ${files[0]!}; open that file instead`);
  const named = files.slice(0, MAX_NAMED_EXTENTS).join(', ');
  const more = files.length > MAX_NAMED_EXTENTS ? ` and ${files.length - MAX_NAMED_EXTENTS} more` : '';
  return unsupported(`VMDK descriptor${type}: the data is in ${files.length} extent files (${named}${more}), which are not opened`);
}

function refuseChild(d: Descriptor): Error {
  const parent = d.parentFileNameHint === null ? 'its parent is not named' : `the parent ${nameOf(d.parentFileNameHint)} is not opened`;
  return unsupported(`differencing VMDK: ${parent}`);
}

/** The header whose fields are used: the one at 0, or for a grain directory "at end", the footer's. */
async function footerHeader(source: BlockDevice): Promise<SparseExtentHeader> {
  // The stream ends: footer marker, footer (a header copy naming the grain directory), end-of-stream marker.
  if (source.size < 4 * SECTOR) throw corrupt('VMDK footer', { expected: 'a footer at the end of the file', found: `a ${source.size}-byte file` });
  const tail = await readExact(source, source.size - 3 * SECTOR, 3 * SECTOR);
  const where = `byte ${source.size - 3 * SECTOR}`;
  const marker = decodeMarker(tail, 0);
  if (marker.size !== 0 || marker.type !== MARKER_FOOTER) throw corrupt('VMDK footer marker', { where, expected: `type ${MARKER_FOOTER}`, found: `size ${marker.size}, type ${marker.type}` });
  const eos = decodeMarker(tail, 2 * SECTOR);
  if (eos.size !== 0 || eos.type !== MARKER_EOS) throw corrupt('VMDK end-of-stream marker', { where: `byte ${source.size - SECTOR}`, found: `size ${eos.size}, type ${eos.type}` });
  const footer = decodeSparseHeader(tail, SECTOR, `byte ${source.size - 2 * SECTOR}`);
  if (footer.gdAtEnd) throw corrupt('VMDK footer grain directory offset', { where: `byte ${source.size - 2 * SECTOR}`, found: 'at end again' });
  return footer;
}

async function openSparse(source: BlockDevice, head: Uint8Array): Promise<BlockDevice> {
  const first = decodeSparseHeader(head, 0, 'byte 0');
  const h = first.gdAtEnd ? await footerHeader(source) : first;
  if (h.version < 1 || h.version > 3) throw unsupported(`VMDK sparse extent version ${h.version}`);
  if (h.flags & FLAG_NEWLINE_TEST && h.newlineBytes !== '\n \r\n') {
    throw corrupt('VMDK header end-of-line bytes (a text-mode transfer damages the file)', { where: 'byte 73', expected: JSON.stringify('\n \r\n'), found: JSON.stringify(h.newlineBytes) });
  }
  if (h.compressAlgorithm !== COMPRESSION_NONE && h.compressAlgorithm !== COMPRESSION_DEFLATE) throw unsupported(`VMDK compression algorithm ${h.compressAlgorithm}`);
  const { grainSize, capacity } = h;
  if (!Number.isSafeInteger(grainSize) || grainSize < 1 || grainSize > MAX_GRAIN_SECTORS || (grainSize & (grainSize - 1)) !== 0) {
    throw corrupt('VMDK grain size', { expected: `a power of two from 1 to ${MAX_GRAIN_SECTORS} sectors`, found: String(grainSize) });
  }
  if (h.numGTEsPerGT !== GTES_PER_GT) throw corrupt('VMDK grain table entries', { expected: String(GTES_PER_GT), found: String(h.numGTEsPerGT) });
  const size = capacity * SECTOR;
  if (!Number.isSafeInteger(size)) throw corrupt('VMDK capacity', { found: `${capacity} sectors` });

  if (h.descriptorOffset !== 0 && h.descriptorSize !== 0) await checkEmbeddedDescriptor(source, first, capacity);

  const gdEntries = Math.ceil(capacity / (GTES_PER_GT * grainSize));
  if (gdEntries > MAX_GD_ENTRIES) throw corrupt('VMDK grain directory size', { expected: `at most ${MAX_GD_ENTRIES} entries`, found: `${gdEntries} for ${capacity} sectors` });
  const primary = await readDirectory(source, h.gdOffset, gdEntries);
  const redundant = h.flags & FLAG_REDUNDANT_GT && h.rgdOffset !== 0 ? await readDirectory(source, h.rgdOffset, gdEntries) : null;
  if (gdEntries > 0 && primary === null && redundant === null) {
    throw corrupt('VMDK grain directory past the end of the file', { where: `sector ${h.gdOffset}`, expected: `${gdEntries} entries within ${source.size} bytes` });
  }
  const compressed = h.compressAlgorithm === COMPRESSION_DEFLATE;
  return new VmdkDevice(source, size, grainSize * SECTOR, compressed, (h.flags & FLAG_MARKERS) !== 0, primary, redundant);
}

/** A grain directory, or null when it does not lie inside the file (then the other copy is used). */
async function readDirectory(source: BlockDevice, sector: number, entries: number): Promise<Uint32Array | null> {
  if (entries === 0) return new Uint32Array(0);
  const at = sector * SECTOR;
  if (sector === 0 || !Number.isSafeInteger(at) || at + entries * 4 > source.size) return null;
  const raw = await readExact(source, at, entries * 4);
  const gd = new Uint32Array(entries);
  for (let i = 0; i < entries; i++) gd[i] = u32(raw, i * 4);
  return gd;
}

/**
 * The descriptor inside a sparse extent: the disk must be this one extent, not a child and not
 * several files. An empty one (an extent file of a split disk, as qemu writes it) names nothing.
 */
async function checkEmbeddedDescriptor(source: BlockDevice, h: SparseExtentHeader, capacity: number): Promise<void> {
  const at = h.descriptorOffset * SECTOR;
  const bytes = h.descriptorSize * SECTOR;
  if (!Number.isSafeInteger(at) || !Number.isSafeInteger(bytes) || at + bytes > source.size) {
    throw corrupt('VMDK embedded descriptor past the end of the file', { where: `sector ${h.descriptorOffset}`, found: `${h.descriptorSize} sectors` });
  }
  const d = parseDescriptor(await readExact(source, at, Math.min(bytes, MAX_DESCRIPTOR_BYTES)));
  if (isChild(d)) throw refuseChild(d);
  // qemu leaves the descriptor area of a split disk's extent files empty: read that extent alone.
  if (d.extents.length === 0 && d.createType === null && d.parentCID === null) return;
  if (d.extents.length === 0) throw corrupt('VMDK embedded descriptor', { where: `sector ${h.descriptorOffset}`, expected: 'one extent line', found: 'none' });
  if (d.extents.length > 1) throw refuseDescriptor(d);
  const e = d.extents[0]!;
  if (e.type !== 'SPARSE') throw corrupt('VMDK embedded descriptor extent type', { expected: 'SPARSE', found: nameOf(e.type) });
  if (e.sectors !== capacity) throw corrupt('VMDK capacity', { where: 'header vs descriptor', expected: `${e.sectors} sectors (the extent line)`, found: `${capacity}` });
}

class VmdkDevice extends MappedDevice {
  private readonly gts = new Lru<number, Uint32Array>(GT_CACHE_ENTRIES);
  private readonly grains: Lru<number, Uint8Array>;

  constructor(
    source: BlockDevice,
    readonly size: number,
    private readonly grainBytes: number,
    private readonly compressed: boolean,
    private readonly markers: boolean,
    private readonly gd: Uint32Array | null,
    private readonly rgd: Uint32Array | null,
  ) {
    super(source, 'VMDK');
    this.grains = new Lru(Math.max(2, Math.floor(GRAIN_CACHE_BYTES / grainBytes)));
  }

  private gtInFile(sector: number): boolean {
    return sector !== 0 && (sector + 4) * SECTOR <= this.source.size;
  }

  /** The grain table for a directory entry (null: not allocated, zeros); the redundant copy when the primary one points outside the file. */
  private async table(index: number): Promise<Uint32Array | null> {
    const cached = this.gts.get(index);
    if (cached !== undefined) return cached;
    const primary = this.gd?.[index];
    const backup = this.rgd?.[index];
    let sector: number;
    if (primary !== undefined && (primary === 0 || this.gtInFile(primary))) sector = primary;
    else if (backup !== undefined && (backup === 0 || this.gtInFile(backup))) sector = backup;
    else throw corrupt('VMDK grain directory entry past the end of the file', { where: `entry ${index}`, found: `sector ${primary ?? backup}` });
    if (sector === 0) return null;
    const raw = await readExact(this.source, sector * SECTOR, GTES_PER_GT * 4);
    const gt = new Uint32Array(GTES_PER_GT);
    for (let i = 0; i < GTES_PER_GT; i++) gt[i] = u32(raw, i * 4);
    this.gts.set(index, gt);
    return gt;
  }

  protected async locate(offset: number): Promise<Mapping> {
    const grain = Math.floor(offset / this.grainBytes);
    const within = offset - grain * this.grainBytes;
    const length = this.grainBytes - within;
    const gt = await this.table(Math.floor(grain / GTES_PER_GT));
    if (gt === null) return { host: null, length };
    const gte = gt[grain % GTES_PER_GT]!;
    // 0: never written; 1: a zeroed grain (no parent here, so both read as zeros).
    if (gte <= 1) return { host: null, length };
    const at = gte * SECTOR;
    // The last grain may be cut short by the capacity.
    const needed = Math.min(this.grainBytes, this.size - grain * this.grainBytes);
    if (!this.compressed) {
      if (at + needed > this.source.size) throw corrupt('VMDK grain past the end of the file', { where: `grain ${grain}`, found: `sector ${gte}` });
      return { host: at + within, length };
    }
    const bytes = await this.decompressed(grain, at, needed);
    return { host: null, length, bytes: bytes.subarray(within) };
  }

  /** A compressed grain: a grain marker (LBA, size) then a zlib stream, or the stream alone. */
  private async decompressed(grain: number, at: number, needed: number): Promise<Uint8Array> {
    const cached = this.grains.get(grain);
    if (cached !== undefined) return cached;
    const where = `grain ${grain}`;
    // zlib never grows data by more than a few bytes per 16 KiB: more than this is not a grain.
    const maxCompressed = this.grainBytes + this.grainBytes / 8 + 1024;
    let data: Uint8Array;
    if (this.markers) {
      if (at + GRAIN_MARKER_BYTES > this.source.size) throw corrupt('VMDK grain marker past the end of the file', { where, found: `byte ${at}` });
      const marker = await readExact(this.source, at, GRAIN_MARKER_BYTES);
      const markerLba = u64(marker, 0);
      const markerSize = u32(marker, 8);
      const lba = grain * (this.grainBytes / SECTOR);
      if (markerLba !== lba) throw corrupt('VMDK grain marker', { where, expected: `LBA ${lba}`, found: `LBA ${markerLba}` });
      if (markerSize === 0 || markerSize > maxCompressed) throw corrupt('VMDK grain marker size', { where, expected: `1 to ${maxCompressed} bytes`, found: String(markerSize) });
      if (at + GRAIN_MARKER_BYTES + markerSize > this.source.size) {
        throw corrupt('VMDK compressed grain past the end of the file', { where, found: `${markerSize} bytes at byte ${at + GRAIN_MARKER_BYTES}` });
      }
      data = await readExact(this.source, at + GRAIN_MARKER_BYTES, markerSize);
    } else {
      if (at >= this.source.size) throw corrupt('VMDK compressed grain past the end of the file', { where, found: `byte ${at}` });
      data = await readExact(this.source, at, Math.min(maxCompressed, this.source.size - at));
    }
    const bytes = unzlibExact(data, this.grainBytes, 'VMDK compressed grain', where, needed);
    this.grains.set(grain, bytes);
    return bytes;
  }
}
