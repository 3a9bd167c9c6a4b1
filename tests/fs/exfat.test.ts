// The exFAT driver against images made by mkfs.exfat and exfat-fuse (tests/fixtures/make-exfat.sh):
// the tree that went in must come out exactly; then damage, one field at a time, must give
// exactly the expected outcome.
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { exfatDriver } from '../../core/fs/exfat/index.js';
import { exfatTime } from '../../core/fs/exfat/time.js';
import { fixtureImage as fatFixture, sha256, walk, type Listed } from './fat-helpers.js';
import {
  errorOf,
  expectedListing,
  exfatLayout,
  fixSetChecksum,
  fixtureImage,
  lookup,
  open,
  put32,
  put64,
  volumeBytes,
} from './exfat-helpers.js';

const FIXTURES = [
  { name: 'exfat', label: 'GLOVE EXFAT' },
  { name: 'exfat-mbr', label: 'GLOVE PART' },
] as const;

const byPath = (a: Listed, b: Listed): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
const strip = ({ path, type, size, mtime, sha256: digest }: Listed): Listed =>
  digest === undefined ? { path, type, size, mtime } : { path, type, size, mtime, sha256: digest };

/** A copy of the bare fixture volume, and its layout. */
function copy(): { img: Uint8Array; g: ReturnType<typeof exfatLayout> } {
  const img = fixtureImage('exfat').slice();
  return { img, g: exfatLayout(img) };
}

describe.each(FIXTURES)('fixture $name', ({ name, label }) => {
  it('reproduces the source tree exactly: paths, types, sizes, mtimes, bytes', async () => {
    const bytes = volumeBytes(name);
    expect(await exfatDriver.probe(new MemoryDevice(bytes))).toBe(true);
    const volume = await open(bytes);
    expect(volume.fs).toBe('exfat');
    expect(volume.label).toBe(label);
    expect(volume.caseInsensitive).toBe(true);
    expect(volume.notes!()).toEqual([]);
    const { items } = await walk(volume);
    expect(items.map(strip).sort(byPath)).toEqual(expectedListing(name).sort(byPath));
    for (const item of items.filter((_, i) => i % 11 === 0)) {
      const st = await volume.stat(item.node);
      expect({ type: st.type, size: st.size, mtime: st.mtime }).toEqual({ type: item.type, size: item.size, mtime: item.mtime });
    }
  });

  it('extents cover each file in order and hold the same bytes as read()', async () => {
    const bytes = volumeBytes(name);
    const volume = await open(bytes);
    const { items } = await walk(volume, { readData: false });
    const problems: string[] = [];
    for (const item of items.filter((i) => i.type === 'file')) {
      const extents = (await volume.extents!(item.node))!;
      let at = 0;
      const parts: Uint8Array[] = [];
      for (const x of extents) {
        if (x.fileOffset !== at || x.length <= 0) problems.push(`${item.path}: extent at ${x.fileOffset}+${x.length}, expected ${at}`);
        parts.push(bytes.subarray(x.deviceOffset, x.deviceOffset + x.length));
        at += x.length;
      }
      if (at !== item.size) problems.push(`${item.path}: extents cover ${at} of ${item.size} bytes`);
      if (sha256(Buffer.concat(parts)) !== sha256(await volume.read(item.node, 0, item.size))) problems.push(`${item.path}: bytes differ`);
    }
    expect(problems).toEqual([]);
  });
});

describe('exfat fixture details', () => {
  it('the fixture has a 3,000-entry directory, a 255-unit name, non-ASCII names and an empty directory', async () => {
    const volume = await open(volumeBytes('exfat'));
    const many = await lookup(volume, '/many');
    expect((await volume.readdir(many.node)).length).toBe(3000);
    const root = await volume.readdir(volume.root());
    expect(root.some((e) => e.name.length === 255)).toBe(true);
    expect(root.map((e) => e.name)).toEqual(expect.arrayContaining(['🎉 party.txt', '日本語のファイル.txt', 'Café menü.txt']));
    expect(await volume.readdir((await lookup(volume, '/empty dir')).node)).toEqual([]);
  });

  it('the fragmented file has >= 3 extents and reads any range across runs', async () => {
    const volume = await open(volumeBytes('exfat'));
    const big = await lookup(volume, '/frag/big.bin');
    expect((await volume.extents!(big.node))!.length).toBeGreaterThanOrEqual(3);
    const whole = await volume.read(big.node, 0, big.size);
    let seed = 7;
    for (let i = 0; i < 40; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const offset = seed % (big.size + 10);
      const length = (seed >>> 8) % 9000;
      const part = await volume.read(big.node, offset, length);
      expect(Buffer.from(part).equals(Buffer.from(whole.subarray(offset, offset + length)))).toBe(true);
    }
    expect((await volume.read(big.node, big.size, 10)).length).toBe(0);
  });

  it('NoFatChain files are read without the FAT', async () => {
    const { img, g } = copy();
    const volume0 = await open(img);
    const file = await lookup(volume0, '/binary/200000.bin');
    expect(img[file.node + 33]! & 0x02).toBe(0x02); // exfat-fuse wrote it contiguous, NoFatChain
    const before = await volume0.read(file.node, 0, file.size);
    // Free every FAT entry of the file's clusters: a reader that follows the FAT must fail.
    const first = new DataView(img.buffer).getUint32(file.node + 52, true);
    for (let c = first; c < first + Math.ceil(file.size / g.bytesPerCluster); c++) put32(img, g.fatStart + 4 * c, 0);
    const volume = await open(img);
    const again = await lookup(volume, '/binary/200000.bin');
    expect(sha256(await volume.read(again.node, 0, again.size))).toBe(sha256(before));
  });

  it('reports attributes, creation and access times', async () => {
    const volume = await open(volumeBytes('exfat'));
    const st = await volume.stat((await lookup(volume, '/hello.txt')).node);
    expect(st.attributes).toEqual(['archive']);
    expect(st.mtime).toMatch(/Z$/);
    expect(st.birthtime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    expect((await volume.stat((await lookup(volume, '/docs')).node)).attributes).toContain('directory');
    expect((await volume.stat(volume.root())).type).toBe('dir');
  });

  it('answers requests that make no sense with Invalid, unknown nodes with NotFound', async () => {
    const volume = await open(volumeBytes('exfat'));
    const docs = await lookup(volume, '/docs');
    const hello = await lookup(volume, '/hello.txt');
    expect((await errorOf(volume.read(docs.node, 0, 1))).kind).toBe('Invalid');
    expect((await errorOf(volume.readdir(hello.node))).kind).toBe('Invalid');
    expect((await errorOf(volume.readlink(hello.node))).kind).toBe('Invalid');
    expect((await errorOf(volume.read(hello.node, -1, 1))).kind).toBe('Invalid');
    expect((await errorOf(volume.stat(123456))).kind).toBe('NotFound');
  });
});

describe('damage to one field gives exactly the expected outcome', () => {
  it('ValidDataLength < DataLength: zeros past it, no extents', async () => {
    const { img } = copy();
    const volume0 = await open(img);
    const file = await lookup(volume0, '/hello.txt'); // a root set, whole in one cluster
    expect(Buffer.from(await volume0.read(file.node, 0, file.size)).toString()).toBe('Hello from exFAT.\n');
    put64(img, file.node + 40, 5); // ValidDataLength
    fixSetChecksum(img, file.node);
    const volume = await open(img);
    const patched = await lookup(volume, '/hello.txt');
    expect(patched.size).toBe(18);
    expect(Buffer.from(await volume.read(patched.node, 0, patched.size))).toEqual(Buffer.from('Hello\0\0\0\0\0\0\0\0\0\0\0\0\0'));
    expect(Buffer.from(await volume.read(patched.node, 3, 4))).toEqual(Buffer.from('lo\0\0'));
    expect(Buffer.from(await volume.read(patched.node, 10, 100))).toEqual(Buffer.alloc(8));
    expect(await volume.extents!(patched.node)).toBeNull();
  });

  it('a bad boot checksum: the backup boot region is used, with a note; both bad: Corrupt', async () => {
    const { img, g } = copy();
    img[2 * g.bytesPerSector + 7] = img[2 * g.bytesPerSector + 7]! ^ 0xff; // main extended boot sector 2
    const volume = await open(img);
    expect(volume.label).toBe('GLOVE EXFAT');
    expect(volume.notes!().map((n) => n.message).join('\n')).toMatch(/backup boot region/);
    img[14 * g.bytesPerSector + 7] = img[14 * g.bytesPerSector + 7]! ^ 0xff; // backup, same sector
    const error = await errorOf(open(img));
    expect(error.kind).toBe('Corrupt');
    expect(error.message).toMatch(/checksum/);
  });

  it('a damaged main boot sector field (sector size) also falls back to the backup', async () => {
    const { img } = copy();
    img[108] = 12;
    const volume = await open(img);
    expect(volume.notes!().some((n) => /backup/.test(n.message))).toBe(true);
    expect((await walk(volume)).items.length).toBe(expectedListing('exfat').length);
  });

  it('VolumeFlags and PercentInUse are not part of the checksum', async () => {
    const { img } = copy();
    img[106] = 0x02; // VolumeDirty
    img[112] = 42;
    const volume = await open(img);
    expect(volume.notes!().map((n) => n.message)).toEqual(['VolumeDirty is set: the volume was not cleanly unmounted']);
  });

  it('a set with a bad SetChecksum is skipped, with a note naming its directory', async () => {
    const { img } = copy();
    const volume0 = await open(img);
    const notes = await lookup(volume0, '/docs/notes.txt');
    img[notes.node + 40] = img[notes.node + 40]! ^ 1; // ValidDataLength, without fixing the checksum
    const volume = await open(img);
    const docs = await lookup(volume, '/docs');
    expect((await volume.readdir(docs.node)).map((e) => e.name)).toEqual(['readme.md']);
    expect(volume.notes!().map((n) => n.message)).toEqual([expect.stringMatching(/directory "docs".*SetChecksum.*skipped/)]);
  });

  it('a FAT cycle is Corrupt; data before the cycle is still readable', async () => {
    const { img, g } = copy();
    const volume0 = await open(img);
    const big = await lookup(volume0, '/frag/big.bin');
    const extents = (await volume0.extents!(big.node))!;
    const firstCluster = (extents[0]!.deviceOffset - g.heapStart) / g.bytesPerCluster + 2;
    const lastOfFirstRun = firstCluster + extents[0]!.length / g.bytesPerCluster - 1;
    put32(img, g.fatStart + 4 * lastOfFirstRun, firstCluster);
    const volume = await open(img);
    const patched = await lookup(volume, '/frag/big.bin');
    const error = await errorOf(volume.read(patched.node, 0, patched.size));
    expect(error.kind).toBe('Corrupt');
    expect(error.message).toMatch(/loops/);
    expect((await volume.read(patched.node, 0, extents[0]!.length)).length).toBe(extents[0]!.length);
    expect((await errorOf(volume.extents!(patched.node))).kind).toBe('Corrupt');
  });

  it('a DataLength past the device is Corrupt on read and extents, listed all the same', async () => {
    const { img } = copy();
    const hello = await lookup(await open(img), '/hello.txt');
    put64(img, hello.node + 40, 2 ** 40);
    put64(img, hello.node + 56, 2 ** 40);
    fixSetChecksum(img, hello.node);
    const volume = await open(img);
    const patched = await lookup(volume, '/hello.txt');
    expect(patched.size).toBe(2 ** 40);
    expect((await errorOf(volume.read(patched.node, 0, 100))).kind).toBe('Corrupt');
    expect((await errorOf(volume.extents!(patched.node))).kind).toBe('Corrupt');
  });
});

describe('exFAT timestamps', () => {
  const ts = (y: number, mo: number, d: number, h: number, mi: number, s: number): number =>
    (((y - 1980) << 25) | (mo << 21) | (d << 16) | (h << 11) | (mi << 5) | (s >> 1)) >>> 0;
  it('converts local time at a valid UTC offset to UTC with Z', () => {
    expect(exfatTime(ts(2021, 1, 1, 1, 0, 0), 0, 0x80 | 4)).toBe('2021-01-01T00:00:00Z'); // +01:00
    expect(exfatTime(ts(2020, 12, 31, 19, 0, 0), 0, 0x80 | (0x80 - 20))).toBe('2021-01-01T00:00:00Z'); // -05:00
    expect(exfatTime(ts(2021, 1, 1, 0, 0, 0), 137, 0x80)).toBe('2021-01-01T00:00:01.370Z');
  });
  it('reports wall-clock time without a zone when OffsetValid is clear', () => {
    expect(exfatTime(ts(2021, 1, 1, 0, 0, 2), 100, 0x00)).toBe('2021-01-01T00:00:03');
    expect(exfatTime(ts(2021, 1, 1, 0, 0, 2), 5, 0x7f)).toBe('2021-01-01T00:00:02.050');
  });
  it('gives null for fields out of range', () => {
    expect(exfatTime(ts(2021, 13, 1, 0, 0, 0), 0, 0x80)).toBeNull();
    expect(exfatTime(ts(2021, 2, 29, 0, 0, 0), 0, 0x80)).toBeNull();
    expect(exfatTime(ts(2021, 1, 1, 24, 0, 0), 0, 0x80)).toBeNull();
    expect(exfatTime(ts(2021, 1, 1, 0, 0, 0), 200, 0x80)).toBeNull();
  });
});

describe('probe and open on things that are not exFAT volumes', () => {
  it('probe is false on zeros, random bytes, a tiny device, FAT and NTFS boot sectors', async () => {
    let seed = 1;
    const random = new Uint8Array(1 << 16).map(() => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed >>> 16;
    });
    const fat = fatFixture('fat16').slice(0, 65_536); // a real FAT boot sector and FAT
    const ntfs = fixtureImage('exfat').slice(0, 65_536);
    ntfs.set(Buffer.from('NTFS    ', 'latin1'), 3);
    for (const bytes of [new Uint8Array(1 << 20), random, new Uint8Array(100), new Uint8Array(0), fat, ntfs]) {
      expect(await exfatDriver.probe(new MemoryDevice(bytes))).toBe(false);
      expect((await errorOf(exfatDriver.open(new MemoryDevice(bytes)))).kind).toBe('Corrupt');
    }
  });

  it('rejects inconsistent boot sector fields with Corrupt (main and backup alike)', async () => {
    const fields: Array<[string, number, (b: Uint8Array, at: number) => void]> = [
      ['BytesPerSectorShift 8', 108, (b, at) => (b[at] = 8)],
      ['SectorsPerClusterShift 17 (sum 26)', 109, (b, at) => (b[at] = 17)],
      ['FatOffset 0', 80, (b, at) => put32(b, at, 0)],
      ['FatLength too small', 84, (b, at) => put32(b, at, 1)],
      ['ClusterHeapOffset inside the FAT', 88, (b, at) => put32(b, at, 2049)],
      ['ClusterCount past VolumeLength', 92, (b, at) => put32(b, at, 40_000)],
      ['root cluster out of range', 96, (b, at) => put32(b, at, 99_999)],
      ['MustBeZero', 20, (b, at) => (b[at] = 1)],
    ];
    for (const [what, at, patch] of fields) {
      const { img, g } = copy();
      patch(img, at);
      patch(img, 12 * g.bytesPerSector + at);
      const error = await errorOf(open(img));
      expect(error.kind, what).toBe('Corrupt');
    }
  });

  it('a device that ends before the cluster heap is Corrupt; a truncated heap opens', async () => {
    const { img, g } = copy();
    expect((await errorOf(open(img.slice(0, g.heapStart - 512)))).kind).toBe('Corrupt');
    const truncated = await open(img.slice(0, g.heapStart + 256 * 1024));
    expect(truncated.notes!().some((n) => /shorter than the volume/.test(n.message))).toBe(true);
    const { errors } = await walk(truncated, { tolerant: true });
    expect(errors.every((e) => e.kind === 'Io' || e.kind === 'Corrupt')).toBe(true);
  });
});
