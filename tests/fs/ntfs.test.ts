// The NTFS driver against its fixtures (made by mkntfs and ntfs-3g, see tests/fixtures/ntfs)
// and against patched copies of them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { parseBootSector } from '../../core/fs/ntfs/boot.js';
import { ntfsDriver } from '../../core/fs/ntfs/index.js';
import { lznt1Decompress } from '../../core/fs/ntfs/lznt1.js';
import { ntfsTime } from '../../core/fs/ntfs/time.js';
import type { NodeId, Volume } from '../../core/fs/types.js';
import { ntfsAttributeLengthPastRecord, ntfsBrokenFixups, ntfsIndexLoop, ntfsRunPastDevice } from '../conformance/ntfs-damage.js';
import {
  attributes,
  editRecord,
  errorOf,
  expectedListing,
  fixtureImage,
  lookup,
  ntfsLayout,
  open,
  put32,
  readAll,
  replaceAttribute,
  residentAttribute,
  utf16le,
  type Listed,
} from './ntfs-helpers.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface Item extends Listed {
  node: NodeId;
}

/** Every entry of the volume (skipping system files and streams unless `all`). */
async function walk(volume: Volume, all = false): Promise<Item[]> {
  const out: Item[] = [];
  const visit = async (dir: NodeId, path: string): Promise<void> => {
    for (const e of await volume.readdir(dir)) {
      if (!all && (e.system || e.stream)) continue;
      const p = path === '/' ? `/${e.name}` : `${path}/${e.name}`;
      const item: Item = { path: p, type: e.type, size: e.type === 'dir' ? 0 : e.size, mtime: e.mtime, node: e.node };
      if (e.type === 'file' && !e.stream) item.sha256 = sha(await readAll(volume, e.node, e.size));
      if (e.type === 'symlink') item.target = await volume.readlink(e.node);
      out.push(item);
      if (e.type === 'dir' && !e.system) await visit(e.node, p);
    }
  };
  await visit(volume.root(), '/');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const strip = (items: Item[]): Listed[] => items.map(({ node: _n, ...rest }) => rest);
const sorted = (items: Listed[]): Listed[] => [...items].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

/** The NTFS volume inside an image: the bare volume, or the GPT disk's partition. */
const volumeBytes = (image: Uint8Array): Uint8Array => image.subarray(ntfsLayout(image).base);

describe('ntfs: fixtures', () => {
  for (const name of ['ntfs', 'ntfs-gpt']) {
    it(`${name}: reproduces the tree exactly (names, types, sizes, mtimes, bytes, targets)`, async () => {
      const volume = await open(volumeBytes(fixtureImage(name)));
      expect(volume.fs).toBe('ntfs');
      expect(volume.caseInsensitive).toBe(true);
      expect(strip(await walk(volume))).toEqual(sorted(expectedListing(name)));
    });
  }

  it('labels', async () => {
    expect((await open(fixtureImage('ntfs'))).label).toBe('GLOVE NTFS');
    expect((await open(volumeBytes(fixtureImage('ntfs-gpt')))).label).toBe('GLOVE GPT');
  });

  it('extents give the same bytes as read(), and the fragmented file has many', async () => {
    const image = fixtureImage('ntfs');
    const volume = await open(image);
    let checked = 0;
    for (const item of await walk(volume)) {
      if (item.type !== 'file') continue;
      const extents = await volume.extents!(item.node);
      if (extents === null) continue;
      const bytes = new Uint8Array(item.size);
      let at = 0;
      for (const x of extents) {
        expect(x.fileOffset).toBe(at);
        bytes.set(image.subarray(x.deviceOffset, x.deviceOffset + x.length), at);
        at += x.length;
      }
      expect(at, item.path).toBe(item.size);
      expect(sha(bytes), item.path).toBe(item.sha256);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
    const big = await lookup(volume, '/frag/big.bin');
    expect((await volume.extents!(big.node))!.length).toBeGreaterThanOrEqual(8);
  });

  it('compressed files decompress (LZNT1) and have no extents', async () => {
    const volume = await open(fixtureImage('ntfs'));
    const expected = new Map(expectedListing('ntfs').map((e) => [e.path, e]));
    for (const name of ['text.txt', 'random.bin', 'mixed.bin']) {
      const e = await lookup(volume, `/compressed/${name}`);
      expect((await volume.stat(e.node)).attributes).toContain('compressed');
      expect(await volume.extents!(e.node)).toBeNull();
      expect(sha(await readAll(volume, e.node, e.size))).toBe(expected.get(`/compressed/${name}`)!.sha256);
      // An unaligned read in the middle of a compression unit.
      const all = await readAll(volume, e.node, e.size);
      expect(await volume.read(e.node, 70_001, 9_000)).toEqual(all.subarray(70_001, 79_001));
    }
  });

  it('sparse files read zeros in the holes and have no extents', async () => {
    const volume = await open(fixtureImage('ntfs'));
    const e = await lookup(volume, '/sparse.bin');
    expect(e.size).toBe(3 * 1024 * 1024);
    expect((await volume.stat(e.node)).attributes).toContain('sparse');
    expect(await volume.extents!(e.node)).toBeNull();
    expect(new TextDecoder().decode(await volume.read(e.node, 0, 11))).toBe('sparse head');
    expect(await volume.read(e.node, 500_000, 4096)).toEqual(new Uint8Array(4096));
    expect(new TextDecoder().decode(await volume.read(e.node, 1024 * 1024 + 100, 6))).toBe('middle');
    expect(new TextDecoder().decode(await volume.read(e.node, e.size - 5, 100))).toBe('tail\n');
  });

  it('alternate data streams are listed after their file, flagged, and readable', async () => {
    const volume = await open(fixtureImage('ntfs'));
    const root = await volume.readdir(volume.root());
    const i = root.findIndex((e) => e.name === 'hello.txt');
    const stream = root[i + 1]!;
    expect(stream).toMatchObject({ name: 'hello.txt:secret', stream: true, type: 'file', size: 28 });
    expect(stream.node).not.toBe(root[i]!.node);
    expect(new TextDecoder().decode(await volume.read(stream.node, 0, 100))).toBe('a hidden stream on hello.txt');
    expect((await volume.stat(stream.node)).size).toBe(28);
    const dirStream = root.find((e) => e.name === 'docs:dirstream')!;
    expect(dirStream.stream).toBe(true);
    expect(new TextDecoder().decode(await volume.read(dirStream.node, 0, 100))).toBe('a stream on a directory');
  });

  it('attributes spread over extension records ($ATTRIBUTE_LIST): 40 streams, all readable', async () => {
    const image = fixtureImage('ntfs');
    const volume = await open(image);
    const file = await lookup(volume, '/docs/notes.txt');
    const rec = image.subarray(ntfsLayout(image).records[file.node]!);
    expect(attributes(rec).some(([, t]) => t === 0x20)).toBe(true); // the fixture really has a list
    const docs = await volume.readdir((await lookup(volume, '/docs')).node);
    const streams = docs.filter((e) => e.name.startsWith('notes.txt:'));
    expect(streams.map((e) => e.name)).toEqual(Array.from({ length: 40 }, (_, i) => `notes.txt:s${String(i + 1).padStart(2, '0')}`));
    expect(new Set(streams.map((e) => e.node)).size).toBe(40);
    for (const [i, s] of streams.entries()) {
      const n = String(i + 1).padStart(2, '0');
      expect(new TextDecoder().decode(await volume.read(s.node, 0, 200))).toBe(`stream ${n} ${String(i + 1).padStart(90, '0')}`);
    }
  });

  it('hard links share the node id; symlinks (Interix, as ntfs-3g writes them) give their targets', async () => {
    const volume = await open(fixtureImage('ntfs'));
    const a = await lookup(volume, '/hello.txt');
    const b = await lookup(volume, '/hard link to hello.txt');
    expect(a.node).toBe(b.node);
    const link = await lookup(volume, '/link to hello');
    expect(link.type).toBe('symlink');
    expect(await volume.readlink(link.node)).toBe('hello.txt');
    expect((await errorOf(volume.read(link.node, 0, 10))).kind).toBe('Invalid');
    expect((await errorOf(volume.readlink(a.node))).kind).toBe('Invalid');
  });

  it('metadata files are listed at the root flagged system; "." is not listed; DOS names are hidden', async () => {
    const volume = await open(fixtureImage('ntfs'));
    const root = await volume.readdir(volume.root());
    const system = root.filter((e) => e.system && !e.stream).map((e) => e.name).sort();
    expect(system).toEqual(['$AttrDef', '$BadClus', '$Bitmap', '$Boot', '$Extend', '$LogFile', '$MFT', '$MFTMirr', '$Secure', '$UpCase', '$Volume']);
    expect(root.some((e) => e.name === '.')).toBe(false);
    expect(root.some((e) => e.node === volume.root())).toBe(false);
    // ntfs-3g stores POSIX names only; no 8.3 alias may appear for the long name either.
    expect(root.filter((e) => e.name.includes('~'))).toEqual([]);
    const many = await lookup(volume, '/many');
    expect((await volume.readdir(many.node)).length).toBe(3000);
  });

  it('stat: times and attributes', async () => {
    const volume = await open(fixtureImage('ntfs'));
    const e = await lookup(volume, '/hello.txt');
    const st = await volume.stat(e.node);
    expect(st).toMatchObject({ node: e.node, type: 'file', size: 18, mtime: '2021-04-02T06:00:30Z' });
    expect(st.birthtime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{7})?Z$/);
    expect(st.ctime).toMatch(/Z$/);
    expect(st.atime).not.toBeUndefined();
    expect((await volume.stat(volume.root())).type).toBe('dir');
    expect((await volume.stat(volume.root())).attributes).toContain('directory');
  });

  it('NTFS times: 100 ns since 1601, seven fractional digits only when needed', () => {
    expect(ntfsTime(0n)).toBeNull();
    expect(ntfsTime(116_444_736_000_000_000n)).toBe('1970-01-01T00:00:00Z');
    expect(ntfsTime(116_444_736_000_000_001n)).toBe('1970-01-01T00:00:00.0000001Z');
    expect(ntfsTime(0xffff_ffff_ffff_ffffn)).toBeNull();
  });
});

describe('ntfs: hostile and patched images', () => {
  it('a reparse-point symlink and a junction give their print names, never followed', async () => {
    const image = fixtureImage('ntfs').slice();
    const volume0 = await open(image);
    const link = await lookup(volume0, '/link to hello');
    const docsLink = await lookup(volume0, '/link to docs');
    // IO_REPARSE_TAG_SYMLINK with substitute "\??\C:\x\hello.txt", print "hello.txt", relative.
    const symlink = (tag: number, print: string, subst: string, flagsField: boolean): Uint8Array => {
      const p = utf16le(print);
      const s = utf16le(subst);
      const head = flagsField ? 12 : 8;
      const v = new Uint8Array(8 + head + s.length + p.length);
      put32(v, 0, tag);
      v[4] = (head + s.length + p.length) & 0xff;
      v[5] = (head + s.length + p.length) >> 8;
      v[8] = 0; // substitute name offset 0
      v[10] = s.length;
      v[12] = s.length; // print name after it
      v[14] = p.length;
      if (flagsField) put32(v, 16, 1);
      v.set(s, 8 + head);
      v.set(p, 8 + head + s.length);
      return v;
    };
    editRecord(image, link.node, (rec) => replaceAttribute(rec, 0x80, residentAttribute(0xc0, symlink(0xa000000c, 'hello.txt', '\\??\\C:\\x\\hello.txt', true))));
    editRecord(image, docsLink.node, (rec) => replaceAttribute(rec, 0x80, residentAttribute(0xc0, symlink(0xa0000003, '', '\\??\\C:\\docs', false))));
    const volume = await open(image);
    const a = await lookup(volume, '/link to hello');
    expect(a.type).toBe('symlink');
    expect(await volume.readlink(a.node)).toBe('hello.txt');
    const b = await lookup(volume, '/link to docs');
    expect(b.type).toBe('symlink');
    expect(await volume.readlink(b.node)).toBe('\\??\\C:\\docs');
  });

  it('an unknown reparse tag is listed as a plain file with a note', async () => {
    const image = fixtureImage('ntfs').slice();
    const link = await lookup(await open(image), '/link to hello');
    const v = new Uint8Array(12);
    put32(v, 0, 0x80000017); // IO_REPARSE_TAG_WOF
    v[4] = 4;
    editRecord(image, link.node, (rec) => replaceAttribute(rec, 0x80, residentAttribute(0xc0, v)));
    const volume = await open(image);
    expect((await lookup(volume, '/link to hello')).type).toBe('file');
    expect(volume.notes!().some((n) => n.message.includes('0x80000017'))).toBe(true);
  });

  it('an EFS-encrypted file is listed with "encrypted" and read() is Unsupported', async () => {
    const image = fixtureImage('ntfs').slice();
    const node = (await lookup(await open(image), '/binary/200000.bin')).node;
    editRecord(image, node, (rec) => {
      const [si] = attributes(rec).find(([, t]) => t === 0x10)!;
      const value = si + (rec[si + 20]! | (rec[si + 21]! << 8));
      rec[value + 0x21] = rec[value + 0x21]! | 0x40; // FILE_ATTRIBUTE_ENCRYPTED (0x4000)
      return rec;
    });
    const volume = await open(image);
    const e = await lookup(volume, '/binary/200000.bin');
    expect(e.size).toBe(200000);
    expect((await volume.stat(e.node)).attributes).toContain('encrypted');
    const err = await errorOf(volume.read(e.node, 0, 10));
    expect(err.kind).toBe('Unsupported');
    expect(err.message).toContain('encrypted with EFS');
    expect(await volume.extents!(e.node)).toBeNull();
  });

  it('a fixup mismatch makes that record Corrupt; the directory still lists its name, with a note', async () => {
    const image = fixtureImage('ntfs').slice();
    const node = (await lookup(await open(image), '/hello.txt')).node;
    const at = ntfsLayout(image).records[node]!;
    image[at + 510] = image[at + 510]! ^ 0xff;
    const volume = await open(image);
    const e = await lookup(volume, '/hello.txt');
    expect(e.node).toBe(node);
    const err = await errorOf(volume.read(node, 0, 10));
    expect(err.kind).toBe('Corrupt');
    expect(err.message).toContain('update sequence');
    expect((await errorOf(volume.stat(node))).kind).toBe('Corrupt');
    expect(volume.notes!().some((n) => n.message.includes('unreadable'))).toBe(true);
  });

  it('a broken index block fixup: the directory is listed from an MFT scan, with a note', async () => {
    const image = fixtureImage('ntfs').slice();
    // Tear every INDX block (stride 2's check bytes).
    for (let b = 0; b < image.length; b += 4096) {
      if (String.fromCharCode(...image.subarray(b, b + 4)) === 'INDX') image[b + 1022] = image[b + 1022]! ^ 0xff;
    }
    const volume = await open(image);
    const many = await lookup(volume, '/many');
    const names = (await volume.readdir(many.node)).map((e) => e.name);
    expect(names.length).toBe(3000);
    expect(names).toContain('file 2999.txt');
    expect(volume.notes!().some((n) => n.message.includes('scan of the MFT') && n.message.includes('update sequence'))).toBe(true);
  });

  it('an index that loops back is caught; the MFT scan lists the directory', async () => {
    const volume = await open(ntfsIndexLoop(fixtureImage('ntfs')));
    const many = await lookup(volume, '/many');
    expect((await volume.readdir(many.node)).length).toBe(3000);
    expect(volume.notes!().some((n) => n.message.includes('loops back'))).toBe(true);
  });

  it('a run past the device is Corrupt; an attribute length past the record is Corrupt', async () => {
    const a = await open(ntfsRunPastDevice(fixtureImage('ntfs')));
    const big = await lookup(a, '/frag/big.bin');
    const err = await errorOf(a.read(big.node, 0, 10));
    expect(err.kind).toBe('Corrupt');
    expect(err.message).toContain('past the end of the volume');
    const b = await open(ntfsAttributeLengthPastRecord(fixtureImage('ntfs')));
    const hello = (await b.readdir(b.root())).find((e) => e.name === 'hello.txt')!;
    const err2 = await errorOf(b.stat(hello.node));
    expect(err2.kind).toBe('Corrupt');
    expect(err2.message).toContain('attribute length past the record');
  });

  it('broken fixups on many records: listing continues, damaged files are Corrupt', async () => {
    const volume = await open(ntfsBrokenFixups(fixtureImage('ntfs')));
    const items = await volume.readdir(volume.root());
    expect(items.length).toBeGreaterThan(20);
    expect(volume.notes!().length).toBeGreaterThan(0);
  });

  it('probe: only NTFS', async () => {
    const fat = new Uint8Array(gunzipSync(readFileSync(new URL('../fixtures/fat/fat16.img.gz', import.meta.url))));
    const exfat = new Uint8Array(gunzipSync(readFileSync(new URL('../fixtures/exfat/exfat.img.gz', import.meta.url))));
    const random = new Uint8Array(65536).map((_, i) => (i * 2654435761) >>> 24);
    for (const bytes of [fat, exfat, new Uint8Array(65536), random, new Uint8Array(100)]) {
      expect(await ntfsDriver.probe(new MemoryDevice(bytes))).toBe(false);
    }
    expect(await ntfsDriver.probe(new MemoryDevice(fixtureImage('ntfs')))).toBe(true);
    const broken = { size: 1 << 20, read: () => Promise.reject(new Error('boom')) };
    expect(await ntfsDriver.probe(broken)).toBe(false);
  });

  it('boot sector: negative-shift cluster and record sizes; bad fields are Corrupt', () => {
    const boot = fixtureImage('ntfs').slice(0, 512);
    const g = parseBootSector(boot, 24 << 20);
    expect(g).toMatchObject({ bytesPerSector: 512, bytesPerCluster: 4096, mftRecordBytes: 1024, indexBlockBytes: 4096 });
    const big = boot.slice();
    big[13] = 0xf7; // 2^9 sectors: 256 KiB clusters
    big[0x40] = 0xf6; // 2^10-byte records
    big[0x44] = 0xf4; // 2^12-byte index blocks
    for (let i = 0x30; i < 0x40; i++) big[i] = 0;
    big[0x30] = 1;
    big[0x38] = 2;
    expect(parseBootSector(big, 1 << 30)).toMatchObject({ bytesPerCluster: 256 * 1024, mftRecordBytes: 1024 });
    const bad = boot.slice();
    bad[0x40] = 0x03; // 3 clusters: not a power of two
    expect(() => parseBootSector(bad, 24 << 20)).toThrow(/MFT record size/);
    const past = boot.slice();
    past[0x35] = 0x10; // $MFT LCN far past the device
    expect(() => parseBootSector(past, 24 << 20)).toThrow(/past the volume/);
  });

  it('LZNT1: literals, back references, and a reference before the chunk is Corrupt', () => {
    // "abcabcabc": flags 0b1000 (token 4 is a reference), a b c, then offset 3 length 6.
    // At position 3 the split is 12 length bits: token = (3-1) << 12 | (6-3).
    const token = (2 << 12) | 3;
    const src = new Uint8Array([0, 0, 0x08, 0x61, 0x62, 0x63, token & 0xff, token >> 8]);
    const size = src.length - 2 - 1;
    src[0] = size & 0xff;
    src[1] = 0x80 | ((size >> 8) & 0x0f) | 0x30;
    src[1] = 0xb0 | (size >> 8);
    const out = new Uint8Array(16);
    lznt1Decompress(src, out, 'test');
    expect(new TextDecoder().decode(out.subarray(0, 9))).toBe('abcabcabc');
    const bad = new Uint8Array([2, 0xb0, 0x01, 0x00, 0x10]);
    expect(() => lznt1Decompress(bad, new Uint8Array(16), 'test')).toThrow(/before the chunk/);
  });
});

describe('ntfs: public corpus', () => {
  const testfs1 = '/work/shared/corpus/extras/ntfs-rs/testdata/testfs1';
  it.skipIf(!existsSync(testfs1))('ntfs-rs testfs1: a sparse file and 512 subdirectories', async () => {
    const volume = await open(new Uint8Array(readFileSync(testfs1)));
    expect(volume.label).toBe('mylabel');
    const all = await walk(volume);
    expect(all.filter((e) => e.path.startsWith('/many_subdirs/') && e.type === 'dir').length).toBe(512);
    const sparse = await lookup(volume, '/sparse-file');
    expect(sparse.size).toBe(500005);
    expect((await volume.stat(sparse.node)).attributes).toContain('sparse');
    expect(await volume.extents!(sparse.node)).toBeNull();
    expect((await readAll(volume, sparse.node, sparse.size)).length).toBe(500005);
    const small = await lookup(volume, '/file-with-12345');
    expect(new TextDecoder().decode(await volume.read(small.node, 0, 100))).toBe('12345');
    expect((await lookup(volume, '/1000-bytes-file')).size).toBe(1000);
  });
  it.skipIf(existsSync(testfs1))('ntfs-rs testfs1 (corpus absent: skipped)', () => {
    console.warn(`skipped: ${testfs1} not found`);
  });
});
