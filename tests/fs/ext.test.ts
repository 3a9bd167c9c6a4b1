// The ext driver against images made by mke2fs -d, debugfs and e2fsck (tests/fixtures/make-ext.sh):
// the tree that went in must come out exactly; then damage to one field at a time, on a copy,
// must give exactly the expected note or error.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { crc32c } from '../../core/fs/ext/crc32c.js';
import { extDriver } from '../../core/fs/ext/index.js';
import type { NodeId, Volume } from '../../core/fs/types.js';
import { fixtureImage as fatImage } from './fat-helpers.js';
import { errorOf } from '../support/driver-helpers.js';
import {
  blockSize,
  expectedListing,
  extImage,
  firstExtentBlock,
  get16,
  get32,
  inodeOffset,
  lookup,
  openExt,
  put16,
  put32,
  SB,
  type ExpectedItem,
} from './ext-helpers.js';

const CHUNK = 1 << 20;

async function readAll(volume: Volume, node: NodeId, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  for (let at = 0; at < size; at += CHUNK) out.set(await volume.read(node, at, CHUNK), at);
  return out;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Every path under the root, shaped like the expected listing (plus the node id). */
async function listAll(volume: Volume): Promise<Array<ExpectedItem & { node: NodeId }>> {
  const out: Array<ExpectedItem & { node: NodeId }> = [];
  const visit = async (dir: NodeId, path: string, depth: number): Promise<void> => {
    for (const e of await volume.readdir(dir)) {
      const p = path === '/' ? `/${e.name}` : `${path}/${e.name}`;
      const item: ExpectedItem & { node: NodeId } = { path: p, type: e.type, size: e.size, mtime: e.mtime, node: e.node };
      if (e.type === 'file') item.sha256 = sha(await readAll(volume, e.node, e.size));
      if (e.type === 'symlink') item.target = await volume.readlink(e.node);
      out.push(item);
      if (e.type === 'dir' && depth < 20) await visit(e.node, p, depth + 1);
    }
  };
  await visit(volume.root(), '/', 0);
  return out;
}

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Rewrites the superblock checksum after a patch (metadata_csum images). */
function fixSuperblockCsum(img: Uint8Array): void {
  if ((get32(img, SB + 100) & 0x400) === 0) return;
  put32(img, SB + 1020, crc32c(0xffffffff, img.subarray(SB, SB + 1020)));
}

const FIXTURES = [
  { name: 'ext2', fs: 'ext2', label: 'glove ext2' },
  { name: 'ext3', fs: 'ext3', label: 'glove ext3' },
  { name: 'ext4', fs: 'ext4', label: 'glove ext4' },
  { name: 'inline', fs: 'ext4', label: 'glove inline' },
] as const;

describe.each(FIXTURES)('fixture $name', ({ name, fs, label }) => {
  it('reproduces the source tree exactly: paths, types, sizes, mtimes, bytes, targets', async () => {
    const image = extImage(name);
    expect(await extDriver.probe(new MemoryDevice(image))).toBe(true);
    const volume = await openExt(image);
    expect(volume.fs).toBe(fs);
    expect(volume.label).toBe(label);
    expect(volume.caseInsensitive).toBe(false);
    expect(volume.notes!()).toEqual([]);
    const got = (await listAll(volume)).map(({ node: _n, ...rest }) => rest).sort(byPath);
    expect(got).toEqual(expectedListing(name).sort(byPath));
  });

  it('extents cover each file in order and hold the same bytes as read(); holes give null', async () => {
    const image = extImage(name);
    const volume = await openExt(image);
    const problems: string[] = [];
    for (const item of (await listAll(volume)).filter((i) => i.type === 'file')) {
      const extents = await volume.extents!(item.node);
      if (extents === null) {
        if (!/sparse|inline|tiny|sixty|two-hundred/.test(`${name}${item.path}`)) problems.push(`${item.path}: null extents`);
        continue;
      }
      let at = 0;
      const parts: Uint8Array[] = [];
      for (const x of extents) {
        if (x.fileOffset !== at || x.length <= 0) problems.push(`${item.path}: extent at ${x.fileOffset}+${x.length}, expected ${at}`);
        parts.push(image.subarray(x.deviceOffset, x.deviceOffset + x.length));
        at += x.length;
      }
      if (at !== item.size) problems.push(`${item.path}: extents cover ${at} of ${item.size}`);
      if (sha(Buffer.concat(parts)) !== item.sha256) problems.push(`${item.path}: bytes differ`);
    }
    expect(problems).toEqual([]);
  });
});

describe('ext4 fixture details', () => {
  it('a fragmented file has at least 3 extents; reads across them match', async () => {
    const volume = await openExt(extImage('ext4'));
    const big = await lookup(volume, '/frag/big.bin');
    const extents = (await volume.extents!(big.node))!;
    expect(extents.length).toBeGreaterThanOrEqual(3);
    const whole = await volume.read(big.node, 0, big.size);
    for (const [offset, length] of [[0, 1], [16383, 2], [16000, 20000], [big.size - 5, 100]] as const) {
      expect(Buffer.from(await volume.read(big.node, offset, length)).equals(Buffer.from(whole.subarray(offset, offset + length)))).toBe(true);
    }
  });

  it('sparse files: holes read as zeros, extents() is null', async () => {
    const volume = await openExt(extImage('ext4'));
    const holes = await lookup(volume, '/sparse/holes.bin');
    expect(holes.size).toBe(4 * 1024 * 1024);
    expect(await volume.extents!(holes.node)).toBeNull();
    const gap = await volume.read(holes.node, 8192, 1024 * 1024 - 8192);
    expect(gap.every((b) => b === 0)).toBe(true);
    const data = await volume.read(holes.node, 1024 * 1024, 8192);
    expect(data.some((b) => b !== 0)).toBe(true);
    const trailing = await lookup(volume, '/sparse/trailing-hole.bin');
    expect(await volume.extents!(trailing.node)).toBeNull();
    expect((await volume.read(trailing.node, 4096, 65536)).every((b) => b === 0)).toBe(true);
  });

  it('symlinks (fast and slow) are symlinks with their targets; hard links share a node id', async () => {
    const volume = await openExt(extImage('ext4'));
    const short = await lookup(volume, '/link-short');
    const long = await lookup(volume, '/link-long');
    expect(short.type).toBe('symlink');
    expect(await volume.readlink(short.node)).toBe('hello.txt');
    expect(long.size).toBeGreaterThan(60);
    expect(await volume.readlink(long.node)).toMatch(/^docs\/nested\/a-very-long-symlink-target-component\/.*deep\.txt$/);
    expect(await volume.readlink((await lookup(volume, '/link-absolute')).node)).toBe('/absolute/target/outside');
    expect((await lookup(volume, '/hard-link-to-hello.txt')).node).toBe((await lookup(volume, '/hello.txt')).node);
    expect((await lookup(volume, '/special/fifo')).type).toBe('other');
    expect((await lookup(volume, '/special/null')).type).toBe('other');
    expect((await errorOf(volume.read(short.node, 0, 1))).kind).toBe('Invalid');
    expect((await errorOf(volume.readlink((await lookup(volume, '/hello.txt')).node))).kind).toBe('Invalid');
  });

  it('timestamps after 2038 and before 1970, nanoseconds, and stat fields', async () => {
    const volume = await openExt(extImage('ext4'));
    const after = await volume.stat((await lookup(volume, '/times/after-2038.txt')).node);
    expect(after.mtime).toBe('2040-01-01T03:30:45.123456789Z');
    expect((await lookup(volume, '/times/before-1970.txt')).mtime).toBe('1960-06-15T11:43:53Z');
    expect((await lookup(volume, '/times/nanoseconds.txt')).mtime).toBe('2023-11-14T22:13:20.500000000Z');
    expect(after).toMatchObject({ type: 'file', size: 21, mode: 0o644, ctime: '2022-02-22T22:22:22Z', birthtime: '2022-02-22T22:22:22Z' });
    const root = await volume.stat(volume.root());
    expect(root).toMatchObject({ node: 2, type: 'dir', size: 0, mode: 0o755 });
    // 128-byte inodes have no creation time.
    const ext2 = await openExt(extImage('ext2'));
    expect((await ext2.stat((await lookup(ext2, '/hello.txt')).node)).birthtime).toBeNull();
  });

  it('the htree directory lists every entry once; lost+found is listed, reserved inodes are not', async () => {
    for (const name of ['ext2', 'ext3', 'ext4']) {
      const volume = await openExt(extImage(name));
      const many = await lookup(volume, '/many');
      const entries = await volume.readdir(many.node);
      expect(entries.length).toBe(3000);
      expect(new Set(entries.map((e) => e.name)).size).toBe(3000);
      const root = await volume.readdir(volume.root());
      expect(root.map((e) => e.name)).toContain('lost+found');
      expect(root.every((e) => e.node >= 11)).toBe(true);
    }
  });

  it('the ext2 sparse file reaches its data through the triple indirect block', async () => {
    const volume = await openExt(extImage('ext2'));
    const f = await lookup(volume, '/sparse/triple.bin');
    const tail = await volume.read(f.node, 66 * 1024 * 1024, 100);
    expect(tail.some((b) => b !== 0)).toBe(true);
    expect((await volume.read(f.node, 1024 * 1024, 4096)).every((b) => b === 0)).toBe(true);
    expect(await volume.extents!(f.node)).toBeNull();
  });

  it('inline data: small files and directories inside the inode, extents() null', async () => {
    const volume = await openExt(extImage('inline'));
    const tiny = await lookup(volume, '/tiny.txt');
    expect(new TextDecoder().decode(await volume.read(tiny.node, 0, 100))).toBe('tiny\n');
    expect(await volume.extents!(tiny.node)).toBeNull();
    const two = await lookup(volume, '/two-hundred.bin');
    expect((await volume.read(two.node, 50, 100)).length).toBe(100);
    expect((await volume.readdir((await lookup(volume, '/small dir')).node)).map((e) => e.name).sort()).toEqual(['a.txt', 'b.txt', 'c.txt']);
    expect(await volume.readdir((await lookup(volume, '/empty dir')).node)).toEqual([]);
  });
});

describe('damage and unusual states', () => {
  it('a bad inode checksum gives a note; the file still reads', async () => {
    const image = extImage('ext4').slice();
    const hello = await lookup(await openExt(image), '/hello.txt');
    const at = inodeOffset(image, hello.node);
    put16(image, at + 124, get16(image, at + 124) ^ 0xffff);
    const volume = await openExt(image);
    const entry = await lookup(volume, '/hello.txt');
    expect(new TextDecoder().decode(await volume.read(entry.node, 0, 100))).toBe('Hello from an ext file system.\n');
    expect(volume.notes!()).toEqual([{ severity: 'warning', message: `inode ${hello.node}: checksum mismatch` }]);
  });

  it('a bad directory block checksum gives a note; the directory still lists', async () => {
    const image = extImage('ext4').slice();
    const { block } = firstExtentBlock(image, 2);
    const tail = block + blockSize(image) - 4;
    put32(image, tail, get32(image, tail) ^ 1);
    const volume = await openExt(image);
    expect((await volume.readdir(volume.root())).length).toBeGreaterThan(10);
    expect(volume.notes!().map((n) => n.message)).toEqual(['directory inode 2 block 0: checksum mismatch']);
  });

  it('an uninitialised extent reads as zeros and has no extents', async () => {
    const image = extImage('ext4').slice();
    const hello = await lookup(await openExt(image), '/hello.txt');
    const { extent } = firstExtentBlock(image, hello.node);
    put16(image, extent + 4, get16(image, extent + 4) + 32768);
    const volume = await openExt(image);
    expect((await volume.read(hello.node, 0, 100)).every((b) => b === 0)).toBe(true);
    expect(await volume.extents!(hello.node)).toBeNull();
  });

  it('an undecodable name is returned with U+FFFD and undecodable: true', async () => {
    const image = extImage('ext2').slice();
    // name_len 9, file type 1, then the name: the dirent of /hello.txt itself.
    // (Searched in the root's own block: e2fsck -D leaves the old copy in a freed block.)
    const rootBlock = get32(image, inodeOffset(image, 2) + 40) * blockSize(image);
    const at = Buffer.from(image).indexOf(Buffer.from('\x09\x01hello.txt', 'latin1'), rootBlock) + 2;
    image[at] = 0xff;
    const volume = await openExt(image);
    const entry = (await volume.readdir(volume.root())).find((e) => e.undecodable === true)!;
    expect(entry).toMatchObject({ name: '\uFFFDello.txt', undecodable: true });
  });

  it('a volume that needs journal recovery opens with a note', async () => {
    const image = extImage('ext3').slice();
    put32(image, SB + 96, get32(image, SB + 96) | 0x4);
    const volume = await openExt(image);
    expect(volume.notes!()[0]!.message).toMatch(/^needs journal recovery: the on-disk state is shown, the journal is not replayed/);
    expect((await volume.readdir(volume.root())).length).toBeGreaterThan(10);
  });

  it('unsupported incompat features are refused by name', async () => {
    const image = extImage('ext3').slice();
    put32(image, SB + 96, get32(image, SB + 96) | 0x1 | 0x1000);
    const e = await errorOf(openExt(image));
    expect(e.kind).toBe('Unsupported');
    expect(e.message).toMatch(/compression, dirdata/);
    const unknown = extImage('ext3').slice();
    put32(unknown, SB + 96, get32(unknown, SB + 96) | 0x80000000);
    expect((await errorOf(openExt(unknown))).message).toMatch(/incompat feature 0x80000000/);
  });

  it.each(['ext2', 'ext4'])('%s: a zeroed primary superblock falls back to a backup, with a note', async (name) => {
    const image = extImage(name).slice();
    image.fill(0, SB, SB + 1024);
    expect(await extDriver.probe(new MemoryDevice(image))).toBe(name === 'ext2'); // probe tries only the default geometry
    const volume = await openExt(image);
    expect(volume.notes!()[0]!.message).toMatch(/^primary superblock damaged .*; using the backup in group 1$/);
    const got = (await listAll(volume)).map(({ node: _n, ...rest }) => rest).sort(byPath);
    expect(got).toEqual(expectedListing(name).sort(byPath));
  });

  it('a bad superblock checksum with its backups intact uses a backup', async () => {
    const image = extImage('ext4').slice();
    image[SB + 1020] = image[SB + 1020]! ^ 0xff;
    const volume = await openExt(image);
    expect(volume.notes!()[0]!.message).toMatch(/superblock checksum mismatch/);
    fixSuperblockCsum(image);
    expect((await openExt(image)).notes!()).toEqual([]);
  });

  it('a corrupt extent header is a Corrupt error naming what was expected', async () => {
    const image = extImage('ext4').slice();
    const hello = await lookup(await openExt(image), '/hello.txt');
    const root = inodeOffset(image, hello.node) + 40;
    put16(image, root + 2, 5); // eh_entries 5 > eh_max 4
    const e = await errorOf((await openExt(image)).read(hello.node, 0, 10));
    expect(e.kind).toBe('Corrupt');
    expect(e.detail).toMatchObject({ expected: '<= 4', found: '5' });
  });

  it('a file far larger than the volume (only holes could fill it) is listed but its data is Limit', async () => {
    const image = extImage('ext2').slice();
    const hello = await lookup(await openExt(image), '/hello.txt');
    put32(image, inodeOffset(image, hello.node) + 108, 0x100); // i_size_high: 1 TiB more
    const volume = await openExt(image);
    const entry = await lookup(volume, '/hello.txt');
    expect(entry.size).toBe(2 ** 40 + 31);
    expect((await errorOf(volume.read(entry.node, 0, 10))).kind).toBe('Limit');
    expect((await errorOf(volume.extents!(entry.node))).kind).toBe('Limit');
  });

  it('probe says no to FAT, zeros and random bytes, without throwing', async () => {
    expect(await extDriver.probe(new MemoryDevice(fatImage('fat16')))).toBe(false);
    expect(await extDriver.probe(new MemoryDevice(new Uint8Array(1 << 20)))).toBe(false);
    const random = new Uint8Array(1 << 20);
    let seed = 12345;
    for (let i = 0; i < random.length; i++) random[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    expect(await extDriver.probe(new MemoryDevice(random))).toBe(false);
    expect(await extDriver.probe(new MemoryDevice(new Uint8Array(100)))).toBe(false);
    expect((await errorOf(extDriver.open(new MemoryDevice(new Uint8Array(1 << 16))))).kind).toBe('Corrupt');
  });

  it('answers requests that make no sense with Invalid, unknown nodes with NotFound', async () => {
    const volume = await openExt(extImage('ext4'));
    const file = await lookup(volume, '/hello.txt');
    expect((await errorOf(volume.readdir(file.node))).kind).toBe('Invalid');
    expect((await errorOf(volume.read(volume.root(), 0, 1))).kind).toBe('Invalid');
    expect((await errorOf(volume.read(file.node, -1, 1))).kind).toBe('Invalid');
    expect((await errorOf(volume.stat(0))).kind).toBe('NotFound');
    expect((await errorOf(volume.stat(4000))).kind).toBe('NotFound');
    expect((await errorOf(volume.stat(10 ** 9))).kind).toBe('NotFound');
  });
});
