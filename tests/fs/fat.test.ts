// The FAT driver against images made by mkfs.fat and mtools (tests/fixtures/make-fat.sh): the
// tree that went in must come out exactly; then damage, one field at a time, must give exactly
// the expected error kind.
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { parseBootSector } from '../../core/fs/fat/bootsector.js';
import { fatDriver } from '../../core/fs/fat/index.js';
import type { NodeId, Volume } from '../../core/fs/types.js';
import { CountingDevice, expectedListing, fixtureImage, sha256, walk, type Listed } from './fat-helpers.js';
import { errorOf, lookup } from '../support/driver-helpers.js';

const FIXTURES = [
  { name: 'fat12', fs: 'fat12', label: 'GLOVE FAT12' },
  { name: 'fat16', fs: 'fat16', label: 'GLOVE FAT16' },
  { name: 'fat32', fs: 'fat32', label: 'GLOVE FAT32' },
] as const;

const open = (image: Uint8Array): Promise<Volume> => fatDriver.open(new MemoryDevice(image));

const put16 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
};
const put32 = (b: Uint8Array, o: number, v: number): void => {
  put16(b, o, v & 0xffff);
  put16(b, o + 2, v >>> 16);
};
/** Sets a FAT entry in the first FAT (the one the driver reads). */
function setFatEntry(image: Uint8Array, cluster: number, value: number): void {
  const g = parseBootSector(image.subarray(0, 512));
  if (g.fatType === 'fat16') put16(image, g.fatOffset + 2 * cluster, value);
  else if (g.fatType === 'fat32') put32(image, g.fatOffset + 4 * cluster, value);
  else throw new Error('FAT12 patching not needed here');
}
function clusterOf(image: Uint8Array, deviceOffset: number): number {
  const g = parseBootSector(image.subarray(0, 512));
  return (deviceOffset - g.dataOffset) / g.bytesPerCluster + 2;
}

describe.each(FIXTURES)('fixture $name', ({ name, fs, label }) => {
  it('reproduces the source tree exactly: paths, types, sizes, mtimes, bytes', async () => {
    const image = fixtureImage(name);
    expect(await fatDriver.probe(new MemoryDevice(image))).toBe(true);
    const volume = await open(image);
    expect(volume.fs).toBe(fs);
    expect(volume.label).toBe(label);
    expect(volume.caseInsensitive).toBe(true);

    const { items } = await walk(volume);
    const strip = ({ path, type, size, mtime, sha256: digest }: Listed): Listed =>
      digest === undefined ? { path, type, size, mtime } : { path, type, size, mtime, sha256: digest };
    const byPath = (a: Listed, b: Listed): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
    const got = items.map(strip).sort(byPath);
    const expected = expectedListing(name).sort(byPath);
    expect(got.length).toBe(expected.length);
    expect(got).toEqual(expected);
    expect(expected.length).toBeGreaterThan(2050);
    expect(expected.filter((e) => e.path.startsWith('/many/')).length).toBe(2050);
    // stat agrees with readdir for every node.
    for (const item of items.filter((_, i) => i % 7 === 0)) {
      const st = await volume.stat(item.node);
      expect({ type: st.type, size: st.size, mtime: st.mtime }).toEqual({ type: item.type, size: item.size, mtime: item.mtime });
    }
  });

  it('extents cover each file in order and hold the same bytes as read()', async () => {
    const image = fixtureImage(name);
    const volume = await open(image);
    const { items } = await walk(volume, { readData: false });
    const problems: string[] = [];
    for (const item of items.filter((i) => i.type === 'file')) {
      const extents = (await volume.extents!(item.node))!;
      let at = 0;
      const parts: Uint8Array[] = [];
      for (const x of extents) {
        if (x.fileOffset !== at || x.length <= 0) problems.push(`${item.path}: extent at ${x.fileOffset}+${x.length}, expected ${at}`);
        parts.push(image.subarray(x.deviceOffset, x.deviceOffset + x.length));
        at += x.length;
      }
      if (at !== item.size) problems.push(`${item.path}: extents cover ${at} of ${item.size} bytes`);
      if (sha256(Buffer.concat(parts)) !== sha256(await volume.read(item.node, 0, item.size))) problems.push(`${item.path}: bytes differ`);
    }
    expect(problems).toEqual([]);
    const big = items.find((i) => i.path === '/frag/big.bin')!;
    expect((await volume.extents!(big.node))!.length).toBeGreaterThanOrEqual(2);
  });

  it('reads any range: across clusters and runs, clipped at end of file', async () => {
    const volume = await open(fixtureImage(name));
    for (const path of ['/frag/big.bin', '/binary/64k-plus-one.bin']) {
      const file = await lookup(volume, path);
      const whole = await volume.read(file.node, 0, file.size);
      expect(whole.length).toBe(file.size);
      let seed = 7;
      for (let i = 0; i < 40; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const offset = seed % (file.size + 10);
        const length = (seed >>> 8) % 9000;
        const part = await volume.read(file.node, offset, length);
        expect(Buffer.from(part).equals(Buffer.from(whole.subarray(offset, offset + length)))).toBe(true);
      }
      expect((await volume.read(file.node, file.size, 10)).length).toBe(0);
      expect((await volume.read(file.node, file.size - 1, 10)).length).toBe(1);
    }
  });
});

describe('fat16 fixture details', () => {
  it('stores lowercase 8.3 names with NT case bits, not long names (so the bits are tested)', () => {
    const image = fixtureImage('fat16');
    for (const [stored, ntRes] of [['LOWER   TXT', 0x18], ['README  TXT', 0x08], ['NOTES   TXT', 0x10], ['DOCS       ', 0x08]] as const) {
      const bytes = Buffer.from(stored, 'latin1');
      const at = Buffer.from(image).indexOf(bytes);
      expect(at % 32, stored).toBe(0);
      expect(image[at + 12], stored).toBe(ntRes);
      expect(image[at - 32 + 11], `${stored} has no long name`).not.toBe(0x0f);
    }
  });

  it('reports attributes, creation and access times', async () => {
    const volume = await open(fixtureImage('fat16'));
    const attrs = async (path: string): Promise<string[] | undefined> => (await volume.stat((await lookup(volume, path)).node)).attributes;
    expect(await attrs('/attrs/hidden.txt')).toEqual(['hidden', 'archive']);
    expect(await attrs('/attrs/readonly.txt')).toEqual(['readonly']);
    expect(await attrs('/attrs/system.txt')).toEqual(['hidden', 'system', 'archive']);
    expect(await attrs('/docs')).toEqual([]);
    // mtools writes the source's mtime as creation time and its date as access date.
    const hello = await volume.stat((await lookup(volume, '/hello.txt')).node);
    expect(hello.mtime).toBe('2021-03-03T16:00:40');
    expect(hello.birthtime).toBe('2021-03-03T16:00:40');
    expect(hello.atime).toBe('2021-03-03T00:00:00');
    const root = await volume.stat(volume.root());
    expect(root).toMatchObject({ type: 'dir', size: 0, mtime: null });
  });

  it('answers requests that make no sense with Invalid, unknown nodes with NotFound', async () => {
    const volume = await open(fixtureImage('fat16'));
    const file = await lookup(volume, '/hello.txt');
    const dir = await lookup(volume, '/docs');
    expect((await errorOf(volume.readdir(file.node))).kind).toBe('Invalid');
    expect((await errorOf(volume.read(dir.node, 0, 1))).kind).toBe('Invalid');
    expect((await errorOf(volume.read(volume.root(), 0, 1))).kind).toBe('Invalid');
    expect((await errorOf(volume.extents!(dir.node))).kind).toBe('Invalid');
    expect((await errorOf(volume.readlink(file.node))).kind).toBe('Invalid');
    expect((await errorOf(volume.readlink(dir.node))).kind).toBe('Invalid');
    expect((await errorOf(volume.read(file.node, -1, 1))).kind).toBe('Invalid');
    expect((await errorOf(volume.read(file.node, 0, 0.5))).kind).toBe('Invalid');
    expect((await errorOf(volume.stat(file.node + 1))).kind).toBe('NotFound');
    expect((await errorOf(volume.read(123_456, 0, 1))).kind).toBe('NotFound');
    expect((await errorOf(volume.readdir(99))).kind).toBe('NotFound');
  });

  it('reads sequentially with one device read per run, walking the chain once', async () => {
    const device = new CountingDevice(fixtureImage('fat16'));
    const volume = await fatDriver.open(device);
    const big = await lookup(volume, '/binary/big.bin');
    const frag = await lookup(volume, '/frag/big.bin');
    const chunk = 65_536;
    const readAll = async (node: NodeId, size: number): Promise<number> => {
      device.reads = [];
      for (let at = 0; at < size; at += chunk) await volume.read(node, at, chunk);
      return device.reads.length;
    };
    const chunks = Math.ceil(big.size / chunk);
    expect(await readAll(big.node, big.size)).toBeLessThanOrEqual(chunks + 1); // + at most one FAT page
    expect(await readAll(big.node, big.size)).toBe(chunks); // chain cached: data reads only
    device.reads = [];
    await volume.read(frag.node, 0, frag.size);
    await volume.read(frag.node, 0, frag.size);
    const extents = (await volume.extents!(frag.node))!;
    expect(device.reads.length).toBe(2 * extents.length);
  });
});

describe('damage to one field gives exactly the expected error', () => {
  const patched = async (name: string, patch: (image: Uint8Array, volume: Volume) => Promise<void>): Promise<Volume> => {
    const image = fixtureImage(name).slice();
    await patch(image, await open(image));
    return open(image);
  };

  it('a long name with a wrong checksum falls back to the 8.3 name', async () => {
    const volume = await patched('fat16', async (image, before) => {
      const mixed = await lookup(before, '/MiXeD.Txt');
      expect(image[mixed.node - 32 + 11]).toBe(0x0f);
      image[mixed.node - 32 + 13] = image[mixed.node - 32 + 13]! ^ 0x01; // LDIR_Chksum
    });
    const names = (await volume.readdir(volume.root())).map((e) => e.name);
    expect(names).toContain('MIXED.TXT');
    expect(names).not.toContain('MiXeD.Txt');
    expect(names).toContain('Café menü.txt');
  });

  it('a long name with a part missing falls back to the 8.3 name', async () => {
    const volume = await patched('fat32', async (image, before) => {
      const long = await lookup(before, '/A long file name that needs several VFAT entries to store.txt');
      image[long.node - 3 * 32] = 0xe5; // delete the third-nearest part
    });
    const names = (await volume.readdir(volume.root())).map((e) => e.name);
    expect(names.some((n) => /^ALONGF~\d\.TXT$/.test(n))).toBe(true);
  });

  it('a FAT cycle is Corrupt; data before the cycle is still readable', async () => {
    const volume = await patched('fat16', async (image, before) => {
      const big = await lookup(before, '/binary/big.bin');
      const [first] = (await before.extents!(big.node))!;
      const c = clusterOf(image, first!.deviceOffset);
      setFatEntry(image, c + 3, c + 1);
    });
    const big = await lookup(volume, '/binary/big.bin');
    const e = await errorOf(volume.read(big.node, 0, big.size));
    expect(e.kind).toBe('Corrupt');
    expect(e.message).toMatch(/loops/);
    expect((await errorOf(volume.extents!(big.node))).kind).toBe('Corrupt');
    expect((await volume.read(big.node, 0, 4 * 2048)).length).toBe(4 * 2048);
  });

  it('a first cluster out of range is Corrupt', async () => {
    const volume = await patched('fat32', async (image, before) => {
      const hello = await lookup(before, '/hello.txt');
      put16(image, hello.node + 20, 0x0fff); // DIR_FstClusHI
    });
    const e = await errorOf(volume.read((await lookup(volume, '/hello.txt')).node, 0, 10));
    expect(e.kind).toBe('Corrupt');
    expect(e.message).toMatch(/out of range/);
  });

  it('a next cluster out of range, a free cluster in a chain, a short chain are Corrupt', async () => {
    const cases: Array<[number, RegExp]> = [
      [0xfff0, /out of range/],
      [0x0000, /free cluster/],
      [0xfff7, /bad cluster/],
      [0xffff, /shorter than the file/],
    ];
    for (const [value, message] of cases) {
      const volume = await patched('fat16', async (image, before) => {
        const big = await lookup(before, '/binary/big.bin');
        setFatEntry(image, clusterOf(image, (await before.extents!(big.node))![0]!.deviceOffset) + 5, value);
      });
      const big = await lookup(volume, '/binary/big.bin');
      const e = await errorOf(volume.read(big.node, 0, big.size));
      expect(e.kind).toBe('Corrupt');
      expect(e.message).toMatch(message);
    }
  });

  it('a directory chain longer than 65,536 entries without an end is a Limit', async () => {
    const volume = await patched('fat32', async (image, before) => {
      const dir = await lookup(before, '/empty dir');
      const g = parseBootSector(image.subarray(0, 512));
      const start = 30_000;
      const count = (65_536 * 32) / g.bytesPerCluster + 4;
      for (let i = 0; i < count; i++) setFatEntry(image, start + i, i === count - 1 ? 0x0fffffff : start + i + 1);
      const from = g.dataOffset + (start - 2) * g.bytesPerCluster;
      image.fill(0xe5, from, from + count * g.bytesPerCluster); // all free slots: no end marker
      // A directory's node id is 2 × its first cluster + 1: find its entry in the root by cluster.
      const cluster = (dir.node - 1) / 2;
      const rootDir = g.dataOffset + (g.rootCluster - 2) * g.bytesPerCluster;
      let entry = -1;
      for (let o = rootDir; o < rootDir + g.bytesPerCluster && entry < 0; o += 32) {
        const c = ((image[o + 21]! << 24) | (image[o + 20]! << 16) | (image[o + 27]! << 8) | image[o + 26]!) >>> 0;
        if ((image[o + 11]! & 0x10) !== 0 && image[o + 11] !== 0x0f && c === cluster) entry = o;
      }
      expect(entry).toBeGreaterThan(0);
      put16(image, entry + 20, start >>> 16);
      put16(image, entry + 26, start & 0xffff);
    });
    expect((await errorOf(volume.readdir((await lookup(volume, '/empty dir')).node))).kind).toBe('Limit');
  });

  it('the root label entry wins over the BPB label; without it the BPB label is used', async () => {
    const image = fixtureImage('fat16').slice();
    const root = parseBootSector(image.subarray(0, 512)).rootDirOffset;
    expect(Buffer.from(image.subarray(root, root + 11)).toString('latin1')).toBe('GLOVE FAT16');
    image.set(Buffer.from('ROOT LABEL ', 'latin1'), root);
    expect((await open(image)).label).toBe('ROOT LABEL');
    image[root] = 0xe5;
    expect((await open(image)).label).toBe('GLOVE FAT16');
    image.set(Buffer.from('NO NAME    ', 'latin1'), 43); // BS_VolLab
    expect((await open(image)).label).toBe(null);
  });
});

describe('probe and open on things that are not (whole) FAT volumes', () => {
  it('probe is false on zeros, random bytes, a tiny device, exFAT and NTFS boot sectors', async () => {
    let seed = 1;
    const random = new Uint8Array(1 << 16).map(() => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed >>> 16;
    });
    const exfat = fixtureImage('fat32').slice(0, 65_536);
    exfat.set(Buffer.from('EXFAT   ', 'latin1'), 3);
    const ntfs = fixtureImage('fat16').slice(0, 65_536);
    ntfs.set(Buffer.from('NTFS    ', 'latin1'), 3);
    for (const bytes of [new Uint8Array(1 << 20), random, new Uint8Array(100), new Uint8Array(0), fixtureImage('fat12').slice(0, 511), exfat, ntfs]) {
      expect(await fatDriver.probe(new MemoryDevice(bytes))).toBe(false);
      expect((await errorOf(fatDriver.open(new MemoryDevice(bytes)))).kind).toBe('Corrupt');
    }
  });

  it('rejects insane BPB fields with Corrupt', async () => {
    const fields: Array<[string, (b: Uint8Array) => void]> = [
      ['BPB_BytsPerSec 3000', (b) => put16(b, 11, 3000)],
      ['BPB_BytsPerSec 256', (b) => put16(b, 11, 256)],
      ['BPB_SecPerClus 3', (b) => (b[13] = 3)],
      ['BPB_SecPerClus 0', (b) => (b[13] = 0)],
      ['BPB_RsvdSecCnt 0', (b) => put16(b, 14, 0)],
      ['BPB_NumFATs 0', (b) => (b[16] = 0)],
      ['BPB_Media 0x12', (b) => (b[21] = 0x12)],
      ['BPB_TotSec 0', (b) => (put16(b, 19, 0), put32(b, 32, 0))],
      ['BPB_FATSz32 0', (b) => put32(b, 36, 0)],
      ['BPB_RootClus 1', (b) => put32(b, 44, 1)],
      ['BPB_RootClus past the end', (b) => put32(b, 44, 0x0ffffff0)],
      ['BPB_RootEntCnt on FAT32', (b) => put16(b, 17, 512)],
      ['FAT too small', (b) => put32(b, 36, 8)],
      ['no jump, no signature', (b) => (b[0] = 0, b[510] = 0)],
    ];
    for (const [what, patch] of fields) {
      const image = fixtureImage('fat32').slice(0, 1 << 20);
      patch(image);
      expect(await fatDriver.probe(new MemoryDevice(image)), what).toBe(false);
      expect((await errorOf(fatDriver.open(new MemoryDevice(image)))).kind, what).toBe('Corrupt');
    }
  });

  it('a device larger than the volume is fine', async () => {
    const image = fixtureImage('fat12');
    const bigger = new Uint8Array(image.length + 1_000_000);
    bigger.set(image);
    const { items } = await walk(await open(bigger));
    expect(items.length).toBe(expectedListing('fat12').length);
  });

  it('a truncated image opens, and what is missing is an Io error, never a crash', async () => {
    const image = fixtureImage('fat32');
    const g = parseBootSector(image.subarray(0, 512));
    const volume0 = await open(image);
    const { items } = await walk(volume0, { readData: false });
    let dataEnd = 0;
    for (const item of items.filter((i) => i.type === 'file')) {
      for (const x of (await volume0.extents!(item.node))!) dataEnd = Math.max(dataEnd, x.deviceOffset + x.length);
    }
    // In the boot sector's sector, in the FAT, in the root directory's cluster, and in file data.
    for (const size of [600, g.fatOffset + 1000, g.dataOffset + 100, (g.dataOffset + dataEnd) >>> 1, dataEnd - 1]) {
      const volume = await open(image.slice(0, size));
      expect(volume.fs).toBe('fat32');
      expect(volume.label).toBe('GLOVE FAT32');
      const { errors } = await walk(volume, { tolerant: true });
      expect(errors.length, `truncated at ${size}`).toBeGreaterThan(0);
      expect(errors.every((e) => e.kind === 'Io'), `truncated at ${size}`).toBe(true);
    }
  });
});
