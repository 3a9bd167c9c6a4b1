import { describe, expect, it } from 'vitest';
import { MemoryDevice, type BlockDevice } from '../../core/block/device.js';
import { openContainer } from '../../core/containers/index.js';
import { crc32c } from '../../core/containers/crc32c.js';
import { GloveboxError } from '../../core/errors.js';
import { drivers } from '../../core/fs/registry.js';
import { probeImage } from '../../core/probe.js';
import { fixture, summary, view } from '../support/container-helpers.js';


const KiB = 1024;
const MiB = 1024 * KiB;
const RAW = 'containers/disk.img.gz';
// tests/fixtures/make-containers.sh: qemu-img convert -O vhdx, dynamic (8 MiB blocks, two of
// them allocated) and fixed.
const DYNAMIC = 'containers/disk.vhdx.gz';
const FIXED = 'containers/disk-fixed.vhdx.gz';
const HEADERS = [64 * KiB, 128 * KiB];
const REGION_TABLES = [192 * KiB, 256 * KiB];
const GUID_BAT = '2dc27766-f623-4200-9d64-115e9bfd4a08';
const GUID_METADATA = '8b7ca206-4790-4b9a-b8fe-575f050f886e';
const GUID_FILE_PARAMETERS = 'caa16737-fa36-4d43-b3b6-33f0aa44e76b';
const GUID_VIRTUAL_DISK_SIZE = '2fa54224-cd1b-4876-b211-5dbed83bf4b8';
const GUID_LOGICAL_SECTOR_SIZE = '8141bf1d-a96f-4709-ba47-f233a8faab5f';
const GUID_PHYSICAL_SECTOR_SIZE = 'cda348c7-445d-4471-9cc9-e9885251c556';
const GUID_PAGE_83_DATA = 'beca12ab-b2e6-4523-93ef-c309e000c746';
const GUID_PARENT_LOCATOR = 'a8d35f2b-b30b-454d-abf7-d3d84834ab0c';

const le16set = (b: Uint8Array, o: number, v: number) => view(b).setUint16(o, v, true);
const le32set = (b: Uint8Array, o: number, v: number) => view(b).setUint32(o, v >>> 0, true);
const le64set = (b: Uint8Array, o: number, v: bigint) => view(b).setBigUint64(o, v, true);
const le32 = (b: Uint8Array, o: number) => view(b).getUint32(o, true);
const le64 = (b: Uint8Array, o: number) => Number(view(b).getBigUint64(o, true));

/** A GUID in its on-disk form (first three fields little-endian). */
function guidBytes(text: string): Uint8Array {
  const h = text.replace(/-/g, '');
  const b = Uint8Array.from({ length: 16 }, (_, i) => parseInt(h.slice(i * 2, i * 2 + 2), 16));
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

/** Recomputes the CRC-32C at byte 4 of the structure at `at` (`len` bytes, field zeroed). */
function fixCrc(img: Uint8Array, at: number, len: number): void {
  le32set(img, at + 4, 0);
  le32set(img, at + 4, crc32c(img.subarray(at, at + len)));
}
const fixHeader = (img: Uint8Array, at: number) => fixCrc(img, at, 4 * KiB);
const fixRegionTable = (img: Uint8Array, at: number) => fixCrc(img, at, 64 * KiB);

/** Region table entry offsets of the fixture, by GUID (from the first copy). */
function regionOffset(img: Uint8Array, guid: string): number {
  const want = guidBytes(guid);
  const count = le32(img, REGION_TABLES[0]! + 8);
  for (let i = 0; i < count; i++) {
    const o = REGION_TABLES[0]! + 16 + i * 32;
    if (Buffer.from(img.subarray(o, o + 16)).equals(Buffer.from(want))) return le64(img, o + 16);
  }
  throw new Error(`no region ${guid}`);
}

/** The byte where the metadata item `guid` lies, and its table entry. */
function metadataItem(img: Uint8Array, guid: string): { entry: number; data: number } {
  const region = regionOffset(img, GUID_METADATA);
  const want = guidBytes(guid);
  const count = view(img).getUint16(region + 10, true);
  for (let i = 0; i < count; i++) {
    const entry = region + 32 + i * 32;
    if (Buffer.from(img.subarray(entry, entry + 16)).equals(Buffer.from(want))) return { entry, data: region + le32(img, entry + 16) };
  }
  throw new Error(`no metadata item ${guid}`);
}

async function errorOf(p: Promise<unknown>): Promise<GloveboxError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  if (!(e instanceof GloveboxError)) throw new Error(`expected a GloveboxError, got ${String(e)}`);
  return e;
}
const open = async (img: Uint8Array): Promise<BlockDevice> => (await openContainer(new MemoryDevice(img))).device;


describe('crc32c', () => {
  it('matches the RFC 3720 check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });
});

describe('vhdx: virtual bytes equal the raw disk', () => {
  const raw = fixture(RAW);
  for (const file of [DYNAMIC, FIXED]) {
    it(`${file}: byte for byte, in uneven chunks`, async () => {
      const opened = await openContainer(new MemoryDevice(fixture(file)));
      expect(opened.container).toBe('vhdx');
      const d = opened.device;
      expect(d.size).toBe(raw.length);
      expect(d.sourceOffset).toBeUndefined();
      const chunk = 1_000_003; // straddles the 8 MiB blocks
      for (let off = 0; off < d.size; off += chunk) {
        const n = Math.min(chunk, d.size - off);
        expect(Buffer.from(await d.read(off, n)).equals(Buffer.from(raw.subarray(off, off + n)))).toBe(true);
      }
      const edge = 8 * MiB - 1000;
      expect(Buffer.from(await d.read(edge, 3000)).equals(Buffer.from(raw.subarray(edge, edge + 3000)))).toBe(true);
    });

    it(`${file}: probeImage names vhdx and finds the raw disk's volumes`, async () => {
      const want = await probeImage(new MemoryDevice(raw), drivers);
      const got = await probeImage(new MemoryDevice(fixture(file)), drivers);
      expect(got.container).toBe('vhdx');
      expect(got.warnings).toEqual([]);
      expect(summary(got)).toEqual(summary(want));
      expect(got.volumes.map((v) => v.fs)).toEqual(['fat16', 'ext4']);
    });
  }
});

/**
 * A small VHDX written here, for what qemu-img's fixtures cannot show cheaply: 1 MiB blocks
 * and a virtual size past one chunk (4096 payload blocks at 512-byte sectors), so that the BAT
 * holds a sector bitmap entry between payload blocks 4095 and 4096.
 */
function buildVhdx(opts: { virtualSize: number; blockSize: number; entries: Array<[number, number, number]>; fileSize: number; fills: Array<[number, number]> }): Uint8Array {
  const chunkRatio = (2 ** 23 * 512) / opts.blockSize;
  const dataBlocks = Math.ceil(opts.virtualSize / opts.blockSize);
  const batEntries = dataBlocks + Math.floor((dataBlocks - 1) / chunkRatio);
  const batLength = Math.ceil((batEntries * 8) / MiB) * MiB;
  const img = new Uint8Array(opts.fileSize);
  img.set(new TextEncoder().encode('vhdxfile'), 0);
  for (const [i, at] of HEADERS.entries()) {
    img.set(new TextEncoder().encode('head'), at);
    le64set(img, at + 8, BigInt(i + 1));
    le16set(img, at + 66, 1); // version
    le32set(img, at + 68, MiB); // log length: the file's last MiB (unused: LogGuid is zero)
    le64set(img, at + 72, BigInt(opts.fileSize - MiB));
    fixHeader(img, at);
  }
  const metadataAt = MiB + batLength;
  for (const at of REGION_TABLES) {
    img.set(new TextEncoder().encode('regi'), at);
    le32set(img, at + 8, 2);
    img.set(guidBytes(GUID_BAT), at + 16);
    le64set(img, at + 32, BigInt(MiB));
    le32set(img, at + 40, batLength);
    le32set(img, at + 44, 1);
    img.set(guidBytes(GUID_METADATA), at + 48);
    le64set(img, at + 64, BigInt(metadataAt));
    le32set(img, at + 72, MiB);
    le32set(img, at + 76, 1);
    fixRegionTable(img, at);
  }
  img.set(new TextEncoder().encode('metadata'), metadataAt);
  const items: Array<[string, Uint8Array]> = [
    [GUID_FILE_PARAMETERS, new Uint8Array(8)],
    [GUID_VIRTUAL_DISK_SIZE, new Uint8Array(8)],
    [GUID_LOGICAL_SECTOR_SIZE, new Uint8Array(4)],
    [GUID_PHYSICAL_SECTOR_SIZE, new Uint8Array(4)],
    [GUID_PAGE_83_DATA, guidBytes('676c6f76-6562-6f78-2076-6864782e7473')],
  ];
  le32set(items[0]![1], 0, opts.blockSize);
  le64set(items[1]![1], 0, BigInt(opts.virtualSize));
  le32set(items[2]![1], 0, 512);
  le32set(items[3]![1], 0, 4096);
  view(img).setUint16(metadataAt + 10, items.length, true);
  let dataAt = 64 * KiB;
  for (const [i, [guid, data]] of items.entries()) {
    const e = metadataAt + 32 + i * 32;
    img.set(guidBytes(guid), e);
    le32set(img, e + 16, dataAt);
    le32set(img, e + 20, data.length);
    le32set(img, e + 24, 4); // IsRequired
    img.set(data, metadataAt + dataAt);
    dataAt += data.length;
  }
  for (const [index, state, fileOffsetMB] of opts.entries) le64set(img, MiB + index * 8, (BigInt(fileOffsetMB) << 20n) | BigInt(state));
  for (const [fileOffsetMB, fill] of opts.fills) img.fill(fill, fileOffsetMB * MiB, fileOffsetMB * MiB + opts.blockSize);
  return img;
}

describe('vhdx: the BAT past one chunk', () => {
  // 4 GiB + 2 MiB in 1 MiB blocks: payload blocks 0..4097; BAT entry 4096 is a sector bitmap.
  const synthetic = () =>
    buildVhdx({
      virtualSize: 4 * 1024 * MiB + 2 * MiB,
      blockSize: MiB,
      entries: [
        [0, 6, 3], // block 0: data at 3 MiB
        [1, 2, 0], // ZERO
        [2, 3, 0], // UNMAPPED
        [3, 1, 0], // UNDEFINED
        [4095, 6, 5], // block 4095 (last of chunk 0)
        [4096, 6, 4], // sector bitmap entry: never read as data
        [4097, 6, 4], // block 4096
        [4098, 6, 6], // block 4097
      ],
      fileSize: 8 * MiB,
      fills: [
        [3, 0x11],
        [4, 0x22],
        [5, 0x55],
        [6, 0x33],
      ],
    });

  it('maps payload blocks around the sector bitmap entry; other states read as zeros', async () => {
    const d = await open(synthetic());
    expect(d.size).toBe(4 * 1024 * MiB + 2 * MiB);
    expect(d.sourceOffset).toBeUndefined();
    expect(Array.from(new Set(await d.read(0, MiB)))).toEqual([0x11]);
    expect(Array.from(new Set(await d.read(MiB, 3 * MiB)))).toEqual([0]);
    expect(Array.from(new Set(await d.read(4 * MiB, MiB)))).toEqual([0]); // NOT_PRESENT
    const boundary = 4096 * MiB;
    const across = await d.read(boundary - 100, 200);
    expect(Array.from(new Set(across.subarray(0, 100)))).toEqual([0x55]);
    expect(Array.from(new Set(across.subarray(100)))).toEqual([0x22]);
    const last = await d.read(boundary + MiB - 10, 20);
    expect(Array.from(last)).toEqual([...Array<number>(10).fill(0x22), ...Array<number>(10).fill(0x33)]);
  });

  it('a 64 TiB disk opens without reading its whole BAT, and reads zeros at its end', async () => {
    const size = 64 * 1024 * 1024 * MiB;
    // 256 MiB blocks: 262144 payload entries + 16383 sector bitmap entries, in a 3 MiB BAT region.
    const img = buildVhdx({ virtualSize: size, blockSize: 256 * MiB, entries: [[278526, 2, 0]], fileSize: 6 * MiB, fills: [] });
    const d = await open(img);
    expect(d.size).toBe(size);
    expect(Array.from(new Set(await d.read(size - 4096, 4096)))).toEqual([0]);
    expect((await errorOf(d.read(size - 4096, 4097))).kind).toBe('Io');
  });

  it('a BAT region too small for the virtual size is Corrupt', async () => {
    const img = synthetic();
    const metadataAt = 2 * MiB;
    le64set(img, metadataAt + 64 * KiB + 8, BigInt(1024 * 1024 * MiB)); // 1 TiB: 1 Mi entries
    const e = await errorOf(open(img));
    expect(e.kind).toBe('Corrupt');
    expect(e.message).toContain('BAT region too small');
  });
});

describe('vhdx: headers', () => {
  it('a bad CRC-32C in one header: the other is used', async () => {
    // Header 1 is made current (a larger sequence number) with a log to replay: refused while
    // its CRC holds, ignored once it does not.
    const img = fixture(DYNAMIC);
    le64set(img, HEADERS[0]! + 8, 0xfffffffffffffff0n);
    img[HEADERS[0]! + 48] = 1;
    fixHeader(img, HEADERS[0]!);
    const e = await errorOf(open(img));
    expect(e.kind).toBe('Unsupported');
    img[HEADERS[0]! + 100]! ^= 0xff; // a reserved byte: the CRC no longer matches
    const d = await open(img);
    expect(Buffer.from(await d.read(0, 65536)).equals(Buffer.from(fixture(RAW).subarray(0, 65536)))).toBe(true);
  });

  it('equal sequence numbers: the first header is current', async () => {
    const img = fixture(DYNAMIC);
    le64set(img, HEADERS[1]! + 8, view(img).getBigUint64(HEADERS[0]! + 8, true));
    img[HEADERS[1]! + 48] = 1; // a log to replay, in the second header only
    fixHeader(img, HEADERS[1]!);
    expect((await open(img)).size).toBe(fixture(RAW).length);
    le64set(img, HEADERS[1]! + 8, view(img).getBigUint64(HEADERS[0]! + 8, true) + 1n);
    fixHeader(img, HEADERS[1]!);
    expect((await errorOf(open(img))).kind).toBe('Unsupported');
  });

  it('both headers bad is Corrupt', async () => {
    const img = fixture(DYNAMIC);
    img[HEADERS[0]! + 4]! ^= 1;
    img.set(new TextEncoder().encode('HEAD'), HEADERS[1]!);
    const e = await errorOf(open(img));
    expect(e.kind).toBe('Corrupt');
    expect(e.message).toContain('VHDX headers');
    const r = await probeImage(new MemoryDevice(img), drivers);
    expect(r.container).toBe('vhdx');
    expect(r.volumes).toEqual([]);
    expect(r.warnings.join(' ')).toContain('VHDX headers');
  });

  it('a non-zero LogGuid is refused with the replay message', async () => {
    const img = fixture(DYNAMIC);
    for (const at of HEADERS) {
      img[at + 60] = 0x5a;
      fixHeader(img, at);
    }
    const e = await errorOf(open(img));
    expect(e.kind).toBe('Unsupported');
    expect(e.message).toContain('VHDX log needs replay (open it once in Hyper-V or qemu-img check -r all to replay)');
  });

  it('a version other than 1 is Unsupported; a file shorter than its header section is Corrupt', async () => {
    const img = fixture(DYNAMIC);
    for (const at of HEADERS) {
      le16set(img, at + 66, 2);
      fixHeader(img, at);
    }
    expect((await errorOf(open(img))).kind).toBe('Unsupported');
    expect((await errorOf(open(fixture(DYNAMIC).subarray(0, 512 * KiB)))).kind).toBe('Corrupt');
  });
});

describe('vhdx: region table', () => {
  it('a bad CRC-32C in the first copy: the second is used; both bad is Corrupt', async () => {
    const img = fixture(DYNAMIC);
    img[REGION_TABLES[0]! + 40]! ^= 0x10; // BAT length
    const d = await open(img);
    expect(d.size).toBe(fixture(RAW).length);
    img[REGION_TABLES[1]! + 40]! ^= 0x10;
    const e = await errorOf(open(img));
    expect(e.kind).toBe('Corrupt');
    expect(e.message).toContain('region tables');
  });

  it('an unknown region marked required is Unsupported; not required, it is ignored', async () => {
    const img = fixture(DYNAMIC);
    for (const at of REGION_TABLES) {
      le32set(img, at + 8, 3);
      const e = at + 16 + 2 * 32;
      img.set(guidBytes('01234567-89ab-cdef-0123-456789abcdef'), e);
      le64set(img, e + 16, BigInt(20 * MiB));
      le32set(img, e + 24, MiB);
      fixRegionTable(img, at);
    }
    expect((await open(img)).size).toBe(fixture(RAW).length);
    for (const at of REGION_TABLES) {
      le32set(img, at + 16 + 2 * 32 + 28, 1);
      fixRegionTable(img, at);
    }
    const e = await errorOf(open(img));
    expect(e.kind).toBe('Unsupported');
    expect(e.message).toContain('01234567-89ab-cdef-0123-456789abcdef');
  });

  it('an entry count past 2047, a region past the file or misaligned is Corrupt', async () => {
    const cases: Array<(img: Uint8Array, at: number) => void> = [
      (img, at) => le32set(img, at + 8, 0xffffffff),
      (img, at) => le64set(img, at + 32, BigInt(1024 * MiB)),
      (img, at) => le64set(img, at + 32, BigInt(MiB + 4096)),
      (img, at) => le32set(img, at + 8, 1), // no metadata region
    ];
    for (const damage of cases) {
      const img = fixture(DYNAMIC);
      for (const at of REGION_TABLES) {
        damage(img, at);
        fixRegionTable(img, at);
      }
      expect((await errorOf(open(img))).kind).toBe('Corrupt');
    }
  });
});

describe('vhdx: metadata', () => {
  it('a huge metadata entry count is Corrupt, at once', async () => {
    const img = fixture(DYNAMIC);
    view(img).setUint16(regionOffset(img, GUID_METADATA) + 10, 0xffff, true);
    const e = await errorOf(open(img));
    expect(e.kind).toBe('Corrupt');
    expect(e.message).toContain('metadata entry count');
  });

  it('an item outside the metadata region, or missing, is Corrupt', async () => {
    const a = fixture(DYNAMIC);
    le32set(a, metadataItem(a, GUID_VIRTUAL_DISK_SIZE).entry + 16, 0xfffffff0);
    expect((await errorOf(open(a))).kind).toBe('Corrupt');
    const b = fixture(DYNAMIC);
    b[metadataItem(b, GUID_LOGICAL_SECTOR_SIZE).entry]! ^= 0xff; // now an unknown, required item
    expect((await errorOf(open(b))).kind).toBe('Unsupported');
    const c = fixture(DYNAMIC);
    const lss = metadataItem(c, GUID_LOGICAL_SECTOR_SIZE).entry;
    le32set(c, lss + 24, 0); // the unknown item is not required: then the sector size is missing
    c[lss]! ^= 0xff;
    const e = await errorOf(open(c));
    expect(e.kind).toBe('Corrupt');
    expect(e.message).toContain('Logical Sector Size');
  });

  it('a block size or virtual size that lies is Corrupt', async () => {
    const sizes: Array<[string, (img: Uint8Array, at: number) => void, string]> = [
      [GUID_FILE_PARAMETERS, (img, at) => le32set(img, at, 3 * MiB), 'block size'],
      [GUID_FILE_PARAMETERS, (img, at) => le32set(img, at, 512 * MiB), 'block size'],
      [GUID_VIRTUAL_DISK_SIZE, (img, at) => le64set(img, at, 0xffffffffffffff00n), 'virtual disk size'],
      [GUID_VIRTUAL_DISK_SIZE, (img, at) => le64set(img, at, BigInt(14 * MiB + 1)), 'virtual disk size'],
      [GUID_VIRTUAL_DISK_SIZE, (img, at) => le64set(img, at, BigInt(64 * 1024 * 1024 * MiB)), 'BAT region too small'],
      [GUID_LOGICAL_SECTOR_SIZE, (img, at) => le32set(img, at, 1000), 'logical sector size'],
    ];
    for (const [guid, damage, message] of sizes) {
      const img = fixture(DYNAMIC);
      damage(img, metadataItem(img, guid).data);
      const e = await errorOf(open(img));
      expect(e.kind).toBe('Corrupt');
      expect(e.message).toContain(message);
    }
  });

  it('HasParent is refused as Unsupported, naming the parent (sanitized), never opening it', async () => {
    const img = fixture(DYNAMIC);
    img[metadataItem(img, GUID_FILE_PARAMETERS).data + 4]! |= 2;
    let e = await errorOf(open(img));
    expect(e.kind).toBe('Unsupported');
    expect(e.message).toContain('differencing VHDX');
    // A parent locator item: a header (type GUID, count) and key/value pairs in UTF-16LE.
    const region = regionOffset(img, GUID_METADATA);
    const count = view(img).getUint16(region + 10, true);
    const entry = region + 32 + count * 32;
    view(img).setUint16(region + 10, count + 1, true);
    const itemAt = 128 * KiB;
    img.set(guidBytes(GUID_PARENT_LOCATOR), entry);
    le32set(img, entry + 16, itemAt);
    le32set(img, entry + 24, 4);
    const utf16 = (s: string) => new Uint8Array(Buffer.from(s, 'utf16le'));
    const pairs: Array<[string, string]> = [
      ['parent_linkage', '{00000000-0000-0000-0000-000000000000}'],
      ['relative_path', '..\\base\x1b[31m\u202e.vhdx'],
    ];
    const loc = new Uint8Array(4096);
    loc.set(guidBytes('b04aefb7-d19e-4a81-b789-25b8e9445913'), 0);
    le16set(loc, 18, pairs.length);
    let at = 20 + pairs.length * 12;
    for (const [i, [k, v]] of pairs.entries()) {
      const key = utf16(k);
      const value = utf16(v);
      loc.set(key, at);
      loc.set(value, at + key.length);
      le32set(loc, 20 + i * 12, at);
      le32set(loc, 20 + i * 12 + 4, at + key.length);
      le16set(loc, 20 + i * 12 + 8, key.length);
      le16set(loc, 20 + i * 12 + 10, value.length);
      at += key.length + value.length;
    }
    le32set(img, entry + 20, at);
    img.set(loc.subarray(0, at), region + itemAt);
    e = await errorOf(open(img));
    expect(e.kind).toBe('Unsupported');
    expect(e.message).toContain('"..\\\\base?[31m?.vhdx"');
    const r = await probeImage(new MemoryDevice(img), drivers);
    expect(r.container).toBe('vhdx');
    expect(r.volumes).toEqual([]);
    expect(r.warnings.join(' ')).toContain('differencing VHDX');
  });
});

describe('vhdx: BAT entries', () => {
  it('a payload block past the end of the file is Corrupt on read; probeImage reports it', async () => {
    const img = fixture(DYNAMIC);
    const bat = regionOffset(img, GUID_BAT);
    le64set(img, bat, (BigInt(0xfffff) << 20n) | 6n);
    const d = await open(img);
    const e = await errorOf(d.read(0, 512));
    expect(e.kind).toBe('Corrupt');
    expect(e.message).toContain('BAT entry past the end of the file');
    const r = await probeImage(new MemoryDevice(img), drivers);
    expect(r.container).toBe('vhdx');
    expect(r.volumes).toEqual([]);
    expect(r.warnings.join(' ')).toContain('BAT entry past the end');
    // Within the file but in the header section, or a block whose end passes the file's: Corrupt.
    le64set(img, bat, 6n);
    expect((await errorOf((await open(img)).read(0, 512))).kind).toBe('Corrupt');
    le64set(img, bat, (BigInt(img.length / MiB - 1) << 20n) | 6n);
    expect((await errorOf((await open(img)).read(0, 512))).kind).toBe('Corrupt');
  });

  it('PARTIALLY_PRESENT in a disk without a parent, or an unknown state, is Corrupt', async () => {
    for (const state of [7n, 4n, 5n]) {
      const img = fixture(DYNAMIC);
      const bat = regionOffset(img, GUID_BAT);
      le64set(img, bat + 8, (8n << 20n) | state);
      const d = await open(img);
      expect(Buffer.from(await d.read(0, 4096)).equals(Buffer.from(fixture(RAW).subarray(0, 4096)))).toBe(true);
      expect((await errorOf(d.read(8 * MiB, 512))).kind).toBe('Corrupt');
    }
  });
});

describe('vhdx: never a crash', () => {
  it('probeImage only ever reports damage in the header section, metadata and BAT', async () => {
    const base = fixture(DYNAMIC);
    const bat = regionOffset(base, GUID_BAT);
    const meta = regionOffset(base, GUID_METADATA);
    const spots = [0, 64 * KiB, 64 * KiB + 8, 64 * KiB + 66, 192 * KiB + 8, 192 * KiB + 32, meta + 10, meta + 48, meta + 64 * KiB, bat, bat + 8];
    for (const at of spots) {
      for (const v of [0xff, 0x00, 0x80]) {
        const img = base.slice();
        img.fill(v, at, at + 4);
        // Past the CRC too, so that damage reaches the fields.
        for (const h of HEADERS) fixHeader(img, h);
        for (const t of REGION_TABLES) fixRegionTable(img, t);
        const r = await probeImage(new MemoryDevice(img), drivers);
        expect(typeof r.container).toBe('string');
      }
    }
  });
});
