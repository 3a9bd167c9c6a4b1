// QCOW2 (QEMU copy-on-write, versions 2 and 3): the active image through its L1/L2 tables,
// compressed clusters included (zlib as raw deflate, or zstd; docs/interop/qcow2.txt).
// Snapshots are not read. Never opened: backing files (refused, named), encrypted images,
// external data files. Extended L2 entries (subclusters) are read.
import type { BlockDevice } from '../block/device.js';
import { corrupt, unsupported } from '../errors.js';
import { ascii, be32, be64, Lru, MappedDevice, readExact, sanitize, type Mapping } from './common.js';
import { inflateExact, zstdExact } from './decompress.js';

const MAGIC = 'QFI\xfb';
/** L1 entries read at open (8 bytes each). */
const MAX_L1_ENTRIES = 2 * 1024 * 1024;
/** Bytes of L2 tables kept in memory. */
const L2_CACHE_BYTES = 8 * 1024 * 1024;
/** A backing file name is at most 1023 bytes (the QCOW2 spec); longer is corrupt. */
const MAX_BACKING_NAME = 1023;
/** Subclusters per cluster with extended L2 entries. */
const SUBCLUSTERS = 32;
/** Bytes of decompressed clusters kept in memory (at least two clusters). */
const DECODED_CACHE_BYTES = 4 * 1024 * 1024;
const SECTOR = 512;

type Compression = 'zlib' | 'zstd';

export async function isQcow2(device: BlockDevice): Promise<boolean> {
  if (device.size < 72) return false;
  return ascii(await readExact(device, 0, 4), 0, 4) === MAGIC;
}

/** Bits 9..55 of a 64-bit big-endian table entry: a host offset (Infinity when past 2^53). */
function offsetBits(b: Uint8Array, o: number): number {
  const hi = be32(b, o) & 0x00ffffff;
  const lo = be32(b, o + 4) & 0xfffffe00;
  if (hi >= 0x200000) return Infinity;
  return hi * 0x1_0000_0000 + (lo >>> 0);
}

export async function openQcow2(source: BlockDevice): Promise<BlockDevice> {
  const h = await readExact(source, 0, Math.min(source.size, 112));
  const version = be32(h, 4);
  if (version !== 2 && version !== 3) throw unsupported(`QCOW2 version ${version}`);
  if (version === 3 && h.length < 104) throw corrupt('QCOW2 v3 header', { expected: '104 bytes', found: `${h.length}` });
  const backingOffset = be64(h, 8);
  const backingSize = be32(h, 16);
  if (backingOffset !== 0) {
    if (!Number.isSafeInteger(backingOffset) || backingSize > MAX_BACKING_NAME || backingOffset + backingSize > source.size) {
      throw corrupt('QCOW2 backing file name', { where: `byte ${backingOffset}`, found: `${backingSize} bytes` });
    }
    const name = await readExact(source, backingOffset, backingSize);
    throw unsupported(`QCOW2 with a backing file: ${sanitize(name)} is not opened`);
  }
  const clusterBits = be32(h, 20);
  if (clusterBits < 9 || clusterBits > 21) throw corrupt('QCOW2 cluster bits', { expected: '9 to 21', found: String(clusterBits) });
  const size = be64(h, 24);
  if (!Number.isSafeInteger(size)) throw corrupt('QCOW2 virtual size', { found: String(size) });
  const crypt = be32(h, 32);
  if (crypt !== 0) throw unsupported(`encrypted QCOW2 (method ${crypt})`);
  const l1Size = be32(h, 36);
  const l1Offset = be64(h, 40);
  let compression: Compression = 'zlib';
  let extendedL2 = false;
  if (version === 3) {
    const incompatHi = be32(h, 72);
    const incompat = be32(h, 76);
    // bit 0 dirty and bit 1 corrupt do not stop a reader; bit 3 names the compression type.
    if (incompat & 0x4) throw unsupported('QCOW2 external data file');
    extendedL2 = (incompat & 0x10) !== 0;
    if (incompatHi !== 0 || (incompat & ~0x1f) !== 0) throw unsupported(`QCOW2 incompatible features 0x${incompatHi.toString(16)}${incompat.toString(16).padStart(8, '0')}`);
    if (incompat & 0x8) {
      // The compression_type byte (offset 104) exists when header_length covers it.
      const headerLength = be32(h, 100);
      if (headerLength < 105 || h.length < 105) throw corrupt('QCOW2 header length', { expected: 'at least 105 bytes (compression type)', found: String(headerLength) });
      const type = h[104]!;
      if (type === 1) compression = 'zstd';
      else if (type !== 0) throw unsupported(`QCOW2 compression type ${type}`);
    }
  }
  const clusterSize = 2 ** clusterBits;
  // Extended L2 entries (incompatible bit 4) are 16 bytes: the entry and a subcluster bitmap.
  if (extendedL2 && clusterSize / SUBCLUSTERS < SECTOR) throw corrupt('QCOW2 cluster size with extended L2 entries', { expected: 'at least 16 KiB', found: String(clusterSize) });
  const l2Entries = clusterSize / (extendedL2 ? 16 : 8);
  const needed = Math.ceil(size / (clusterSize * l2Entries));
  if (l1Size < needed) throw corrupt('QCOW2 L1 table size', { expected: `at least ${needed} entries`, found: String(l1Size) });
  if (needed > MAX_L1_ENTRIES) throw corrupt('QCOW2 L1 table size', { expected: `at most ${MAX_L1_ENTRIES} entries`, found: String(needed) });
  if (needed > 0 && (!Number.isSafeInteger(l1Offset) || l1Offset % clusterSize !== 0 || l1Offset + needed * 8 > source.size)) {
    throw corrupt('QCOW2 L1 table offset', { expected: `cluster-aligned within ${source.size} bytes`, found: String(l1Offset) });
  }
  const l1Raw = needed > 0 ? await readExact(source, l1Offset, needed * 8) : new Uint8Array(0);
  const l1: number[] = [];
  for (let i = 0; i < needed; i++) {
    const o = offsetBits(l1Raw, i * 8);
    if (o !== 0 && (!Number.isSafeInteger(o) || o % clusterSize !== 0 || o + clusterSize > source.size)) {
      throw corrupt('QCOW2 L1 entry past the end of the file', { where: `L1 entry ${i}`, found: `offset ${o}` });
    }
    l1.push(o);
  }
  return new Qcow2Device(source, size, clusterBits, version, compression, extendedL2, l1);
}

class Qcow2Device extends MappedDevice {
  private readonly clusterSize: number;
  private readonly l2Entries: number;
  private readonly cache: Lru<number, Uint8Array>;
  private readonly decoded: Lru<number, Uint8Array>;
  /** Bits of a compressed cluster descriptor that hold the host offset (the rest: sectors). */
  private readonly offsetBitsCompressed: number;

  constructor(
    source: BlockDevice,
    readonly size: number,
    clusterBits: number,
    private readonly version: number,
    private readonly compression: Compression,
    private readonly extendedL2: boolean,
    private readonly l1: readonly number[],
  ) {
    super(source, 'QCOW2');
    this.clusterSize = 2 ** clusterBits;
    this.l2Entries = this.clusterSize / (extendedL2 ? 16 : 8);
    this.cache = new Lru(Math.max(1, Math.floor(L2_CACHE_BYTES / this.clusterSize)));
    this.decoded = new Lru(Math.max(2, Math.floor(DECODED_CACHE_BYTES / this.clusterSize)));
    this.offsetBitsCompressed = 62 - (clusterBits - 8);
  }

  /**
   * A compressed cluster (L2 entry bit 62). The descriptor's low bits give the byte offset of the
   * data (not aligned), the rest how many 512-byte sectors follow the one holding that offset.
   * The data may run past the end of the file by less than a sector (the writer counts whole
   * sectors); what lies past the stream's end is ignored.
   */
  private async compressed(cluster: number, hi: number, lo: number): Promise<Uint8Array> {
    const cached = this.decoded.get(cluster);
    if (cached !== undefined) return cached;
    const descriptor = ((BigInt(hi) << 32n) | BigInt(lo)) & ((1n << 62n) - 1n);
    const x = BigInt(this.offsetBitsCompressed);
    const offsetBig = descriptor & ((1n << x) - 1n);
    const sectorsBig = descriptor >> x;
    const where = `cluster ${cluster}`;
    if (offsetBig >= BigInt(this.source.size)) {
      throw corrupt('QCOW2 compressed cluster past the end of the file', { where, found: `offset ${offsetBig}`, expected: `below ${this.source.size}` });
    }
    const offset = Number(offsetBig);
    // At most 2^(cluster_bits - 8) - 1 more sectors: the field has cluster_bits - 8 bits.
    const end = (Math.floor(offset / SECTOR) + 1 + Number(sectorsBig)) * SECTOR;
    if (end - SECTOR >= this.source.size) {
      throw corrupt('QCOW2 compressed cluster past the end of the file', { where, found: `bytes ${offset} to ${end}`, expected: `within ${this.source.size} bytes` });
    }
    const data = await readExact(this.source, offset, Math.min(end, this.source.size) - offset);
    const what = `QCOW2 compressed cluster (${this.compression})`;
    const bytes = this.compression === 'zstd' ? zstdExact(data, this.clusterSize, what, where) : inflateExact(data, this.clusterSize, what, where);
    this.decoded.set(cluster, bytes);
    return bytes;
  }

  private async l2(offset: number): Promise<Uint8Array> {
    let t = this.cache.get(offset);
    if (t === undefined) {
      t = await readExact(this.source, offset, this.clusterSize);
      this.cache.set(offset, t);
    }
    return t;
  }

  protected async locate(offset: number): Promise<Mapping> {
    const cluster = Math.floor(offset / this.clusterSize);
    const within = offset - cluster * this.clusterSize;
    const length = this.clusterSize - within;
    const l1Index = Math.floor(cluster / this.l2Entries);
    const l2Offset = this.l1[l1Index]!;
    if (l2Offset === 0) return { host: null, length };
    const t = await this.l2(l2Offset);
    const o = (cluster % this.l2Entries) * (this.extendedL2 ? 16 : 8);
    const hi = be32(t, o);
    const lo = be32(t, o + 4);
    if (hi & 0x40000000) {
      const bytes = await this.compressed(cluster, hi, lo);
      return { host: null, length, bytes: bytes.subarray(within) };
    }
    if (this.extendedL2) return this.subclusters(t, o, cluster, within);
    if (this.version === 3 && lo & 1) return { host: null, length };
    const host = this.hostCluster(t, o, cluster);
    if (host === 0) return { host: null, length };
    return { host: host + within, length };
  }

  /**
   * The cluster's offset in the file from an L2 entry (0: not allocated), checked: its first
   * `used` bytes must lie in the file (with subclusters, the file may end after the last
   * allocated one).
   */
  private hostCluster(t: Uint8Array, o: number, cluster: number, used = this.clusterSize): number {
    const host = offsetBits(t, o);
    if (host !== 0 && (!Number.isSafeInteger(host) || host % this.clusterSize !== 0 || host + used > this.source.size)) {
      throw corrupt('QCOW2 L2 entry past the end of the file', { where: `cluster ${cluster}`, found: `offset ${host}` });
    }
    return host;
  }

  /**
   * An extended L2 entry: 32 subclusters, each allocated (bits 0-31 of the bitmap: data in the
   * cluster), all zeros (bits 32-63), or neither (unallocated: zeros, there being no backing
   * file). A run of subclusters in the same state is one mapping.
   */
  private subclusters(t: Uint8Array, o: number, cluster: number, within: number): Mapping {
    const zeroBits = be32(t, o + 8);
    const allocBits = be32(t, o + 12);
    const subSize = this.clusterSize / SUBCLUSTERS;
    const first = Math.floor(within / subSize);
    const state = (i: number): number => (((allocBits >>> i) & 1) << 1) | ((zeroBits >>> i) & 1);
    const s = state(first);
    if (s === 3) throw corrupt('QCOW2 subcluster both allocated and zero', { where: `cluster ${cluster}, subcluster ${first}` });
    let end = first + 1;
    while (end < SUBCLUSTERS && state(end) === s) end++;
    const length = end * subSize - within;
    if (s !== 2) return { host: null, length };
    const host = this.hostCluster(t, o, cluster, end * subSize);
    if (host === 0) throw corrupt('QCOW2 allocated subcluster in an unallocated cluster', { where: `cluster ${cluster}, subcluster ${first}` });
    return { host: host + within, length };
  }
}
