// Shared by the partition and probe tests: fixtures and their expectations, devices that count
// or corrupt reads, a seeded PRNG, and a tiny FAT-recognising driver (the real one lives in
// core/fs/fat and is tested there).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { checkRead, type BlockDevice } from '../../core/block/device.js';
import { unsupported } from '../../core/errors.js';
import type { FsDriver, Volume } from '../../core/fs/types.js';
import { gunzipSync } from 'node:zlib';

const FIXTURES = fileURLToPath(new URL('../fixtures/partitions/', import.meta.url));

/** Every image made by tests/fixtures/make-partitions.sh. */
export const FIXTURE_NAMES = [
  'mbr-ext',
  'gpt',
  'gpt-4k',
  'gpt-bad-primary',
  'gpt-bad-both',
  'pmbr-only',
  'superfloppy',
  'superfloppy-mbr',
] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

export interface ExpectedVolume {
  partition: number | null;
  offset: number;
  size: number;
  partitionType?: string;
  partitionTypeName?: string;
  partitionName?: string;
  fs: string | null;
  label: string | null;
}

export interface Expected {
  note: string;
  size: number;
  partitioning: 'mbr' | 'gpt' | 'none';
  sectorSize: number;
  volumes: ExpectedVolume[];
}

/** The image as a plain Uint8Array (a Buffer's slice() would share memory). */
export function loadFixture(name: FixtureName): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(`${FIXTURES}${name}.img.gz`)));
}

export function loadExpected(name: FixtureName): Expected {
  return JSON.parse(readFileSync(`${FIXTURES}${name}.expected.json`, 'utf8')) as Expected;
}

/** dfvfs's MBR image with an extended partition (public corpus, not in this repository). */
export const CORPUS_MBR = fileURLToPath(new URL('../../../shared/corpus/dfvfs/test_data_history/mbr.raw__99021ea', import.meta.url));
export const corpusAvailable = existsSync(CORPUS_MBR);

/** Its layout, as `sfdisk --json` reads it: 1 (0x83) at 1+350, extended 2 at 351+2529, logical 5 (0x83) at 352+2528. */
export const CORPUS_MBR_EXPECTED = {
  size: 1474560,
  partitions: [
    { number: 1, offset: 1 * 512, size: 350 * 512, type: '0x83' },
    { number: 5, offset: 352 * 512, size: 2528 * 512, type: '0x83' },
  ],
};

export function loadCorpusMbr(): Uint8Array {
  return new Uint8Array(readFileSync(CORPUS_MBR));
}

/** Device over bytes that records every read. */
export class CountingDevice implements BlockDevice {
  readonly size: number;
  readonly sourceOffset = 0;
  readonly reads: { offset: number; length: number }[] = [];
  constructor(private readonly bytes: Uint8Array, size = bytes.length) {
    this.size = size;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRead(this.size, offset, length);
    this.reads.push({ offset, length });
    return this.bytes.slice(offset, offset + length);
  }
  get largestRead(): number {
    return Math.max(0, ...this.reads.map((r) => r.length));
  }
}

/** A device over `base` with bytes XOR-ed by `flips` (offset -> mask) and cut to `size`, without copying the image. */
export class PatchedDevice implements BlockDevice {
  readonly sourceOffset = 0;
  constructor(
    private readonly base: Uint8Array,
    private readonly flips: ReadonlyMap<number, number>,
    readonly size: number,
  ) {}
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRead(this.size, offset, length);
    const out = this.base.slice(offset, offset + length);
    for (const [at, mask] of this.flips) if (at >= offset && at < offset + length) out[at - offset]! ^= mask;
    return out;
  }
}

/** mulberry32: small, seeded, good enough to pick offsets. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- building and patching tables --------------------------------------------------------

export interface RecordSpec {
  status?: number;
  type: number;
  start: number;
  size: number;
}

/** Writes an MBR/EBR sector (records at 0x1BE, signature 0x55AA) into `bytes` at `offset`. */
export function writeMbrSector(bytes: Uint8Array, offset: number, records: RecordSpec[], signature = true): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  bytes.fill(0, offset + 0x1be, offset + 0x1fe);
  records.forEach((r, i) => {
    const at = offset + 0x1be + 16 * i;
    bytes[at] = r.status ?? 0;
    bytes[at + 4] = r.type;
    v.setUint32(at + 8, r.start, true);
    v.setUint32(at + 12, r.size, true);
  });
  bytes[offset + 0x1fe] = signature ? 0x55 : 0;
  bytes[offset + 0x1ff] = signature ? 0xaa : 0;
}

/** A FAT12 boot sector's first bytes as mkfs.fat writes them (jump, OEM name, BPB). */
export function writeFatBpb(bytes: Uint8Array, offset = 0): void {
  const bpb = [0xeb, 0x3c, 0x90, ...'mkfs.fat'.split('').map((c) => c.charCodeAt(0)), 0x00, 0x02, 0x04, 0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x08, 0xf8];
  bytes.set(bpb, offset);
}

const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const setU32 = (b: Uint8Array, at: number, n: number): void => new DataView(b.buffer, b.byteOffset).setUint32(at, n >>> 0, true);

/**
 * Recomputes PartitionEntryArrayCRC32 and HeaderCRC32 of the GPT header at byte `headerAt` with
 * node:zlib's CRC (not ours), so that a test can change a field and still pass the CRC checks.
 */
export function resealGpt(bytes: Uint8Array, headerAt: number, sectorSize: number): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entryLba = Number(v.getBigUint64(headerAt + 72, true));
  const count = u32(bytes, headerAt + 80);
  const entrySize = u32(bytes, headerAt + 84);
  const arrayBytes = count * entrySize;
  if (arrayBytes <= 1024 * 1024 && entryLba * sectorSize + arrayBytes <= bytes.length) {
    setU32(bytes, headerAt + 88, crc32(bytes.subarray(entryLba * sectorSize, entryLba * sectorSize + arrayBytes)));
  }
  const headerSize = u32(bytes, headerAt + 12);
  setU32(bytes, headerAt + 16, 0);
  setU32(bytes, headerAt + 16, crc32(bytes.subarray(headerAt, headerAt + headerSize)));
}

// ---- a tiny FAT-recognising driver -------------------------------------------------------

const ascii = (b: Uint8Array, from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));

/** BS_FilSysType ("FAT12   " at 0x36, "FAT32   " at 0x52) lower-cased, or null. */
function fatType(boot: Uint8Array): { fs: string; labelAt: number } | null {
  if (boot[510] !== 0x55 || boot[511] !== 0xaa) return null;
  const t16 = ascii(boot, 0x36, 0x3e).trim();
  if (t16 === 'FAT12' || t16 === 'FAT16') return { fs: t16.toLowerCase(), labelAt: 0x2b };
  if (ascii(boot, 0x52, 0x5a).trim() === 'FAT32') return { fs: 'fat32', labelAt: 0x47 };
  return null;
}

export interface FakeDriverLog {
  probes: number;
  opens: number;
}

/**
 * A driver that recognises FAT by BS_FilSysType and reads BS_VolLab as the label: enough to
 * see that each volume's device starts at the right byte.
 */
export function fakeFatDriver(log: FakeDriverLog = { probes: 0, opens: 0 }, name = 'fakefat'): FsDriver {
  return {
    name,
    async probe(device: BlockDevice): Promise<boolean> {
      log.probes++;
      if (device.size < 512) return false;
      return fatType(await device.read(0, 512)) !== null;
    },
    async open(device: BlockDevice): Promise<Volume> {
      log.opens++;
      const boot = await device.read(0, 512);
      const type = fatType(boot);
      if (type === null) throw unsupported('not FAT');
      const label = ascii(boot, type.labelAt, type.labelAt + 11).trimEnd();
      return stubVolume(type.fs, label === 'NO NAME' ? null : label);
    },
  };
}

export function stubVolume(fs: string, label: string | null): Volume {
  return {
    fs,
    label,
    caseInsensitive: true,
    root: () => 0,
    readdir: () => Promise.reject(unsupported('stub')),
    stat: () => Promise.reject(unsupported('stub')),
    read: () => Promise.reject(unsupported('stub')),
    readlink: () => Promise.reject(unsupported('stub')),
  };
}
