// The mount's operations (core/mount/volume.ts) over real fixture images, with the kernel in
// this process: no FUSE needed. What a program would see through the mount must be the expected
// tree; nothing dangerous may show; a sandbox that crashes or hangs fails one call with EIO.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { BlockDevice } from '../../core/block/device.js';
import { GloveboxError } from '../../core/errors.js';
import { drivers } from '../../core/fs/registry.js';
import type { DirEntry, FsDriver, NodeStat, Volume } from '../../core/fs/types.js';
import { S_IFDIR, S_IFLNK, S_IFREG, toAttr, toDate } from '../../core/mount/attr.js';
import { BoundedCache } from '../../core/mount/cache.js';
import { Errno, MountError, errnoOf } from '../../core/mount/errno.js';
import { MAX_OPEN_FILES, MountedVolume } from '../../core/mount/volume.js';
import { probeImage } from '../../core/probe.js';
import type { KernelLauncher, KernelProcess } from '../../core/sandbox/host/launcher.js';
import { ImageSession } from '../../core/sandbox/host/session.js';
import { InMemoryLauncher } from '../../core/sandbox/in-memory.js';
import { BufferSource } from '../../core/sources/file-source.js';
import { loadImage, type ListedItem } from '../conformance/harness.js';
import { expectedThroughMount, MOUNT_ROWS } from './expected.js';

const sessions: ImageSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});

async function mounted(image: Uint8Array, launcher: KernelLauncher = new InMemoryLauncher(drivers, probeImage), requestTimeoutMs?: number, volume?: number) {
  const session = new ImageSession(new BufferSource(image), { launcher, allowUnconfined: true, ...(requestTimeoutMs ? { requestTimeoutMs } : {}) });
  sessions.push(session);
  const v = await session.volume(volume);
  return new MountedVolume(session, { volume: v.index, owner: { uid: 1234, gid: 5678 }, ...(requestTimeoutMs ? { requestTimeoutMs } : {}) });
}

async function errnoFrom(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    return errnoOf(e);
  }
  throw new Error('expected a failure');
}

/** Reads a whole file the way cat does through FUSE: 128 KiB at a time until a short read. */
async function readAll(m: MountedVolume, path: string): Promise<Uint8Array> {
  const fh = await m.open(path, 0);
  const parts: Uint8Array[] = [];
  try {
    for (let pos = 0; ; ) {
      const b = await m.read(fh, pos, 128 * 1024);
      if (b.length === 0) break;
      parts.push(b);
      pos += b.length;
    }
  } finally {
    await m.release(fh);
  }
  return Buffer.concat(parts);
}

/** The tree as a program walking the mount sees it, in the expected listing's terms. */
async function listMount(m: MountedVolume, dir = '/', out: ListedItem[] = []): Promise<ListedItem[]> {
  for (const name of (await m.readdir(dir)).sort()) {
    const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
    const a = await m.getattr(path);
    const type = (a.mode & 0o170000) === S_IFDIR ? 'dir' : (a.mode & 0o170000) === S_IFLNK ? 'symlink' : 'file';
    const item: ListedItem = { path, type, size: type === 'dir' ? 0 : a.size, mtime: a.mtime.toISOString() };
    if (type === 'file') item.sha256 = createHash('sha256').update(await readAll(m, path)).digest('hex');
    if (type === 'symlink') item.target = await m.readlink(path);
    out.push(item);
    if (type === 'dir') await listMount(m, path, out);
  }
  return out;
}

describe('MountedVolume over fixture images', () => {
  for (const row of MOUNT_ROWS) {
    it(`${row.name} (${row.image}): the mount shows the expected tree, data and link targets`, async () => {
      const m = await mounted(loadImage(row.image), undefined, undefined, row.volume);
      const seen = await listMount(m);
      const byPath = new Map(seen.map((s) => [s.path, s]));
      const want = expectedThroughMount(row.expected);
      for (const w of want) {
        const s = byPath.get(w.path);
        expect(s, w.path).toBeDefined();
        // Directory sizes and mtimes vary with the tools that made the fixture.
        if (w.type === 'dir') expect(s!.type).toBe('dir');
        else expect(s).toEqual(w);
      }
      expect(seen.length).toBe(want.length); // nothing more is shown (metadata files, streams)
      expect(m.openFiles).toBe(0);
    }, 120_000);
  }

  it('never shows setuid, setgid, sticky, devices or FIFOs; owner is the mounting user', () => {
    const owner = { uid: 1000, gid: 100 };
    const base = { node: 5, size: 10, mtime: '2021-01-01T00:00:00Z' };
    expect(toAttr({ ...base, type: 'file', mode: 0o7777 }, owner)).toMatchObject({ mode: S_IFREG | 0o555, uid: 1000, gid: 100, nlink: 1 });
    expect(toAttr({ ...base, type: 'file', mode: 0o4600 }, owner).mode).toBe(S_IFREG | 0o444);
    expect(toAttr({ ...base, type: 'file' }, owner).mode).toBe(S_IFREG | 0o444);
    expect(toAttr({ ...base, type: 'dir', mode: 0o1777 }, owner)).toMatchObject({ mode: S_IFDIR | 0o555, nlink: 2 });
    expect(toAttr({ ...base, type: 'symlink', mode: 0o4777 }, owner).mode).toBe(S_IFLNK | 0o777);
    expect(toAttr({ ...base, type: 'other', mode: 0o20666 }, owner)).toMatchObject({ mode: S_IFREG | 0o444, size: 0 });
    const t = toAttr({ ...base, type: 'file', atime: '2022-02-02T00:00:00Z', ctime: null }, owner);
    expect([t.atime.toISOString(), t.mtime.toISOString(), t.ctime.toISOString()]).toEqual(['2022-02-02T00:00:00.000Z', '2021-01-01T00:00:00.000Z', '2021-01-01T00:00:00.000Z']);
    expect(toDate(null).getTime()).toBe(0);
    expect(toDate('not a date').getTime()).toBe(0);
    // FAT's zone-less wall-clock time is taken as local time, as vfat does.
    expect(toDate('2020-02-29T12:34:56').getTime()).toBe(new Date(2020, 1, 29, 12, 34, 56).getTime());
  });

  it('answers errors as errno values, and every write with EROFS', async () => {
    const m = await mounted(loadImage('ext/ext4.img.gz'));
    expect(await errnoFrom(m.getattr('/no such file'))).toBe(Errno.ENOENT);
    expect(await errnoFrom(m.getattr('/binary/one.bin/below'))).toBe(Errno.ENOTDIR);
    expect(await errnoFrom(m.readdir('/binary/one.bin'))).toBe(Errno.ENOTDIR);
    expect(await errnoFrom(m.open('/binary', 0))).toBe(Errno.EISDIR);
    expect(await errnoFrom(m.readlink('/binary/one.bin'))).toBe(Errno.EINVAL);
    expect(await errnoFrom(m.read(999, 0, 10))).toBe(Errno.EBADF);
    for (const flags of [0o1, 0o2, 0o100, 0o1000, 0o2000]) expect(await errnoFrom(m.open('/binary/one.bin', flags))).toBe(Errno.EROFS);
    expect(await errnoFrom(Promise.resolve().then(() => m.refuseWrite('mkdir')))).toBe(Errno.EROFS);
    expect(await errnoFrom(m.getattr('relative'))).toBe(Errno.EINVAL);
    expect(await errnoFrom(m.getattr(`/${'a/'.repeat(300)}`))).toBe(Errno.ENAMETOOLONG);
    const fh = await m.open('/binary/one.bin', 0);
    expect(await errnoFrom(m.read(fh, -1, 10))).toBe(Errno.EINVAL);
    expect((await m.read(fh, 1, 10)).length).toBe(0);
    expect((await m.read(fh, 0, 0)).length).toBe(0);
    await m.release(fh);
    const s = await m.statfs();
    expect(s.flag & 1).toBe(1);
    expect(s.blocks).toBeGreaterThan(0);
    expect(s.bfree).toBe(0);
  });

  it('serves reads at any offset and size (read-ahead and extents agree with the file)', async () => {
    const m = await mounted(loadImage('ext/ext4.img.gz'));
    const whole = await readAll(m, '/binary/big.bin');
    expect(whole.length).toBe(300000);
    const fh = await m.open('/binary/big.bin', 0);
    for (const [pos, len] of [[0, 1], [4095, 3], [299_990, 100], [123_457, 70_000]] as const) {
      expect(Buffer.from(await m.read(fh, pos, len))).toEqual(Buffer.from(whole.subarray(pos, pos + len)));
    }
    await m.release(fh);
  });

  it('limits open files', async () => {
    const m = await mounted(loadImage('ext/ext4.img.gz'));
    const fhs: number[] = [];
    for (let i = 0; i < MAX_OPEN_FILES; i++) fhs.push(await m.open('/binary/one.bin', 0));
    expect(await errnoFrom(m.open('/binary/one.bin', 0))).toBe(Errno.EMFILE);
    for (const fh of fhs) await m.release(fh);
    expect(m.openFiles).toBe(0);
  });

  it('maps every error kind', () => {
    const kinds = { NotFound: Errno.ENOENT, Invalid: Errno.EINVAL, Corrupt: Errno.EIO, Io: Errno.EIO, Unsupported: Errno.EIO, Timeout: Errno.EIO, Crashed: Errno.EIO, Limit: Errno.EIO, Protocol: Errno.EIO, Cancelled: Errno.EIO } as const;
    for (const [k, n] of Object.entries(kinds)) expect(errnoOf(new GloveboxError(k as keyof typeof kinds, 'x'))).toBe(n);
    expect(errnoOf(new MountError(Errno.EROFS, 'x'))).toBe(Errno.EROFS);
    expect(errnoOf(new TypeError('bug'))).toBe(Errno.EIO);
  });
});

describe('BoundedCache', () => {
  it('keeps the total weight bounded, dropping the least recently used', () => {
    const c = new BoundedCache<string, number[]>(10, (v) => v.length);
    c.set('a', [1, 2, 3, 4]);
    c.set('b', [1, 2, 3, 4]);
    expect(c.get('a')).toBeDefined(); // a is now the most recent
    c.set('c', [1, 2, 3, 4]);
    expect([c.get('a') !== undefined, c.get('b') !== undefined, c.get('c') !== undefined]).toEqual([true, false, true]);
    c.set('huge', new Array<number>(11).fill(0));
    expect(c.get('huge')).toBeUndefined();
    expect(c.size).toBe(2);
  });
});

// ---- a sandbox that crashes or hangs -------------------------------------------------------------

const MAGIC = new TextEncoder().encode('MOUNTT01');
const never = <T>() => new Promise<T>(() => {});
/** Reads of node 3 hang while `hang.on` is set. */
const hang = { on: false };
const content = new TextEncoder().encode('hello, mount\n');
const tree: Record<number, DirEntry[]> = {
  1: [
    { name: 'a.txt', node: 2, type: 'file', size: content.length, mtime: null },
    { name: 'slow.bin', node: 3, type: 'file', size: content.length, mtime: null },
    { name: 'd', node: 4, type: 'dir', size: 0, mtime: null },
    { name: '$Meta', node: 6, type: 'file', size: 1, mtime: null, system: true },
    { name: 'a.txt', node: 7, type: 'file', size: 1, mtime: null },
  ],
  4: [{ name: 'b.txt', node: 5, type: 'file', size: content.length, mtime: null }],
};
const testVolume: Volume = {
  fs: 'mounttest',
  label: null,
  caseInsensitive: false,
  root: () => 1,
  readdir: async (node) => tree[node] ?? [],
  stat: async (node): Promise<NodeStat> => ({ node, type: node === 1 || node === 4 ? 'dir' : 'file', size: content.length, mtime: null }),
  // No extents: the sandbox relays every byte, so a read reaches it.
  read: async (node, offset, length) => (node === 3 && hang.on ? never() : content.slice(offset, offset + length)),
  readlink: async () => '',
};
const testDriver: FsDriver = {
  name: 'mounttest',
  probe: async (d: BlockDevice) => (await d.read(0, 8)).every((b, i) => b === MAGIC[i]),
  open: async () => testVolume,
};
const testImage = () => {
  const img = new Uint8Array(65536);
  img.set(MAGIC);
  return img;
};

/** The in-memory launcher, with a hand on the running kernel to "crash" it. */
class KillableLauncher implements KernelLauncher {
  readonly description = 'in-process kernel (killable)';
  readonly memoryLimitBytes = null;
  private readonly inner = new InMemoryLauncher([testDriver], probeImage);
  last: KernelProcess | null = null;
  launched = 0;
  launch(): KernelProcess {
    this.launched++;
    this.last = this.inner.launch();
    return this.last;
  }
}

describe('MountedVolume when the sandbox fails', () => {
  it('a crash fails the call in flight with EIO; the next calls work (restarted sandbox)', async () => {
    const launcher = new KillableLauncher();
    const m = await mounted(testImage(), launcher, 5000);
    expect((await m.readdir('/')).sort()).toEqual(['a.txt', 'd', 'slow.bin']); // metadata hidden, first of two names
    hang.on = true;
    const fh = await m.open('/slow.bin', 0);
    const inFlight = m.read(fh, 0, 4096);
    await new Promise((r) => setTimeout(r, 50));
    launcher.last!.kill();
    expect(await errnoFrom(inFlight)).toBe(Errno.EIO);
    hang.on = false;
    expect(await m.readdir('/d')).toEqual(['b.txt']);
    expect(Buffer.from(await readAll(m, '/d/b.txt')).toString()).toBe('hello, mount\n');
    expect(Buffer.from(await m.read(fh, 0, 4096)).toString()).toBe('hello, mount\n');
    await m.release(fh);
    expect(launcher.launched).toBe(2);
  });

  it('a hung request times out with EIO; the next calls work', async () => {
    const launcher = new KillableLauncher();
    const m = await mounted(testImage(), launcher, 300);
    hang.on = true;
    try {
      const fh = await m.open('/slow.bin', 0);
      const t0 = Date.now();
      expect(await errnoFrom(m.read(fh, 0, 4096))).toBe(Errno.EIO);
      expect(Date.now() - t0).toBeLessThan(5000);
      await m.release(fh);
      expect(Buffer.from(await readAll(m, '/a.txt')).toString()).toBe('hello, mount\n');
      expect(launcher.launched).toBe(2);
    } finally {
      hang.on = false;
    }
  });
});
