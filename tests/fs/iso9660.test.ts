import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { GloveboxError } from '../../core/errors.js';
import { iso9660Driver } from '../../core/fs/iso9660/index.js';
import type { BlockDevice } from '../../core/block/device.js';
import type { FsDriver } from '../../core/fs/types.js';
import { probeImage } from '../../core/probe.js';
import { expectedRows, fixtureImage, listAll, lookup, open, rootRecordOffset } from './iso9660-helpers.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function readAll(v: Awaited<ReturnType<typeof open>>, node: number, size: number): Promise<Uint8Array> {
  return v.read(node, 0, size);
}

describe('iso9660: fixtures list exactly the tree xorriso reads back', () => {
  for (const name of ['plain', 'joliet', 'rockridge', 'boot', 'multiextent', 'hybrid', 'bridge']) {
    it(name, async () => {
      const v = await open(fixtureImage(name));
      expect(v.fs).toBe('iso9660');
      expect(v.caseInsensitive).toBe(false);
      expect(await listAll(v)).toEqual(expectedRows(name));
    });
  }
});

describe('iso9660: names', () => {
  it('plain ISO names: ";1" stripped, "FILE." becomes "FILE", uppercase 8.3 kept', async () => {
    const v = await open(fixtureImage('plain'));
    const root = (await v.readdir(v.root())).map((e) => e.name);
    expect(root).toContain('HELLO.TXT');
    expect(root).toContain('README'); // stored as "README.;1"
    expect(root.some((n) => n.includes(';'))).toBe(false);
    expect(v.notes!().map((n) => n.message)).toContain('directory tree: ISO 9660 names');
  });

  it('Joliet names are preferred over the plain ones (long, Unicode, case kept)', async () => {
    const v = await open(fixtureImage('joliet'));
    expect(v.label).toBe('GLOVE_JOLIET');
    const root = (await v.readdir(v.root())).map((e) => e.name);
    expect(root).toContain('Café menü.txt');
    expect(root).toContain('日本語.txt');
    expect(root).toContain('A file name of seventy characters, longer than Joliet allows.....txt');
    expect(v.notes!().map((n) => n.message)).toContain('directory tree: Joliet level 3');
  });

  it('Rock Ridge is preferred over Joliet when both exist (names past 103 characters, symlinks)', async () => {
    const v = await open(fixtureImage('boot'));
    expect(v.notes!().map((n) => n.message)).toContain('directory tree: Rock Ridge');
    const root = (await v.readdir(v.root())).map((e) => e.name);
    expect(root).toContain(`${'R'.repeat(140)} long.txt`);
    expect(root).toContain('link-to-hello');
  });
});

describe('iso9660: Rock Ridge', () => {
  it('symlink targets: relative, parent and absolute', async () => {
    const v = await open(fixtureImage('rockridge'));
    const link = await lookup(v, 'link-to-hello');
    expect(link.type).toBe('symlink');
    expect(await v.readlink(link.node)).toBe('hello.txt');
    expect(await v.readlink((await lookup(v, 'data/link-up')).node)).toBe('../docs/readme.md');
    expect(await v.readlink((await lookup(v, 'link-absolute')).node)).toBe('/etc/hostname');
    await expect(v.readlink((await lookup(v, 'hello.txt')).node)).rejects.toMatchObject({ kind: 'Invalid' });
  });

  it('relocated directories: CL followed, RE hidden, rr_moved hidden', async () => {
    const v = await open(fixtureImage('rockridge'));
    expect((await v.readdir(v.root())).map((e) => e.name)).not.toContain('rr_moved');
    const deep = 'level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/bottom.txt';
    const bottom = await lookup(v, deep);
    expect(new TextDecoder().decode(await v.read(bottom.node, 0, bottom.size))).toBe('the bottom of a deep path\n');
    const st = await v.stat((await lookup(v, 'hello.txt')).node);
    expect(st.mode).toBe(0o644);
    expect(st.mtime).toBe('2021-01-12T11:00:11Z');
  });

  it('a CE continuation that points at itself ends with a note, not a loop', async () => {
    const { continuationLoop } = await import('../conformance/iso9660-damage.js');
    const v = await open(continuationLoop(fixtureImage('rockridge')));
    await listAll(v);
    expect(v.notes!().some((n) => /visited twice|continuation/.test(n.message))).toBe(true);
  });
});

describe('iso9660: El Torito', () => {
  it('the boot image is [BOOT]/Boot-NoEmul.img with the bytes of boot/boot.img', async () => {
    const v = await open(fixtureImage('boot'));
    const img = await lookup(v, '[BOOT]/Boot-NoEmul.img');
    const src = await lookup(v, 'boot/boot.img');
    expect(img.size).toBe(2048);
    expect(sha(await v.read(img.node, 0, img.size))).toBe(sha(await v.read(src.node, 0, src.size)));
    expect((await v.stat(img.node)).attributes).toContain('synthetic');
    expect(await v.extents!(img.node)).toEqual(await v.extents!(src.node));
  });
});

describe('iso9660: data', () => {
  it('multi-extent files are the concatenation of their records, with one extent each', async () => {
    const plain = await open(fixtureImage('plain'));
    const multi = await open(fixtureImage('multiextent'));
    const a = await lookup(plain, 'DATA/THREE_SE.BIN');
    const b = await lookup(multi, 'DATA/THREE_SE.BIN');
    expect(b.size).toBe(6244);
    expect(sha(await readAll(multi, b.node, b.size))).toBe(sha(await readAll(plain, a.node, a.size)));
    const x = await multi.extents!(b.node);
    expect(x).toHaveLength(2);
    expect(x![0]!.length).toBe(4096);
    expect(x![1]).toMatchObject({ fileOffset: 4096, length: 2148, deviceOffset: x![0]!.deviceOffset + 4096 });
    // A read across the seam.
    const mid = await multi.read(b.node, 4000, 200);
    expect(mid).toEqual((await plain.read(a.node, 4000, 200)));
  });

  it('interleaved files (file unit size set) are Unsupported on read and extents', async () => {
    const img = fixtureImage('plain').slice();
    img[rootRecordOffset(img, 'HELLO.TXT;1') + 26] = 1;
    const v = await open(img);
    const e = await lookup(v, 'HELLO.TXT');
    await expect(v.read(e.node, 0, 10)).rejects.toMatchObject({ kind: 'Unsupported' });
    await expect(v.extents!(e.node)).rejects.toMatchObject({ kind: 'Unsupported' });
  });

  it('a directory whose extent is its parent gets the parent id (walkers see the loop)', async () => {
    const { directoryPointsAtParent } = await import('../conformance/iso9660-damage.js');
    const v = await open(directoryPointsAtParent(fixtureImage('plain')));
    const docs = (await v.readdir(v.root())).find((e) => e.name === 'DOCS')!;
    expect(docs.node).toBe(v.root());
  });

  it('a record running past its sector is a note, and the rest of the directory is kept', async () => {
    const { recordPastSector } = await import('../conformance/iso9660-damage.js');
    const v = await open(recordPastSector(fixtureImage('plain')));
    await v.readdir(v.root());
    expect(v.notes!().some((n) => n.message.includes('runs past its sector'))).toBe(true);
  });
});

describe('iso9660: probe', () => {
  const fixtures: Array<[string, string]> = [
    ['fat', 'fat16'],
    ['ext', 'ext4'],
    ['exfat', 'exfat'],
  ];
  for (const [dir, name] of fixtures) {
    it(`is false on ${name}`, async () => {
      expect(await iso9660Driver.probe(new MemoryDevice(fixtureImage(name, dir)))).toBe(false);
    });
  }
  it('is false on zeros, random bytes and a tiny device; open of those is Corrupt', async () => {
    const zeros = new MemoryDevice(new Uint8Array(64 * 1024));
    let seed = 7;
    const random = new Uint8Array(64 * 1024).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    for (const d of [zeros, new MemoryDevice(random), new MemoryDevice(new Uint8Array(100))]) {
      expect(await iso9660Driver.probe(d)).toBe(false);
      await expect(iso9660Driver.open(d)).rejects.toBeInstanceOf(GloveboxError);
    }
  });
});

describe('iso9660: hybrid images in probeImage', () => {
  /** A stand-in UDF driver: an NSR02/NSR03 descriptor in the volume recognition sequence. */
  const fakeUdf: FsDriver = {
    name: 'udf',
    async probe(d: BlockDevice) {
      for (let s = 16; s < 32 && (s + 1) * 2048 <= d.size; s++) {
        const id = new TextDecoder().decode((await d.read(s * 2048 + 1, 5)));
        if (id === 'NSR02' || id === 'NSR03') return true;
      }
      return false;
    },
    async open() {
      return {
        fs: 'udf', label: 'FAKE', caseInsensitive: false, root: () => 0,
        readdir: async () => [], stat: async () => ({ node: 0, type: 'dir' as const, size: 0, mtime: null }),
        read: async () => new Uint8Array(0), readlink: async () => '',
      };
    },
  };

  it('a UDF bridge disc is two volumes over the same bytes, UDF first, and pins keep them', async () => {
    const dev = new MemoryDevice(fixtureImage('bridge'));
    const result = await probeImage(dev, [iso9660Driver, fakeUdf]);
    expect(result.volumes.map((v) => [v.index, v.fs, v.driver, v.offset, v.size])).toEqual([
      [1, 'udf', 'udf', 0, dev.size],
      [2, 'iso9660', 'iso9660', 0, dev.size],
    ]);
    const pinned = new Map(result.volumes.map((v) => [v.index, v.driver] as [number, string | null]));
    const again = await probeImage(dev, [iso9660Driver, fakeUdf], pinned);
    expect(again.volumes.map((v) => [v.index, v.driver])).toEqual([[1, 'udf'], [2, 'iso9660']]);
  });

  it('a plain ISO stays one volume', async () => {
    const result = await probeImage(new MemoryDevice(fixtureImage('rockridge')), [fakeUdf, iso9660Driver]);
    expect(result.volumes.map((v) => v.fs)).toEqual(['iso9660']);
  });

  it('an isohybrid image lists the whole-disk ISO 9660 volume besides its partition table', async () => {
    const dev = new MemoryDevice(fixtureImage('hybrid'));
    const result = await probeImage(dev, [iso9660Driver]);
    expect(result.partitioning).toBe('mbr');
    const iso = result.volumes.find((v) => v.fs === 'iso9660');
    expect(iso).toMatchObject({ partition: null, offset: 0, size: dev.size, label: 'GLOVE_HYBRID' });
    const pinned = new Map(result.volumes.map((v) => [v.index, v.driver] as [number, string | null]));
    const again = await probeImage(dev, [iso9660Driver], pinned);
    expect(again.volumes.map((v) => [v.index, v.fs])).toEqual(result.volumes.map((v) => [v.index, v.fs]));
  });
});

const corpus = '/work/shared/corpus/dfvfs/test_data/iso9660.raw';
describe('iso9660: corpus', () => {
  it.skipIf(!existsSync(corpus))(`lists ${corpus}`, async () => {
    const v = await open(new Uint8Array(readFileSync(corpus)));
    const rows = await listAll(v);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows.filter((x) => x.type === 'file')) {
      const e = await lookup(v, r.path);
      expect((await v.read(e.node, 0, e.size)).length).toBe(e.size);
    }
  });
  if (!existsSync(corpus)) console.warn(`iso9660 corpus test skipped: ${corpus} is absent`);
});
