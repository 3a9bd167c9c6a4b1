import { mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CachedDevice } from '../../core/block/cache.js';
import { MemoryDevice, type BlockDevice } from '../../core/block/device.js';
import { SliceDevice, sliceClipped } from '../../core/block/slice.js';
import { GloveboxError } from '../../core/errors.js';
import { FileSource } from '../../core/sources/file-source.js';

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff);

class CountingDevice implements BlockDevice {
  reads: Array<[number, number]> = [];
  readonly sourceOffset = 0;
  constructor(private readonly inner: MemoryDevice) {}
  get size() {
    return this.inner.size;
  }
  read(offset: number, length: number) {
    this.reads.push([offset, length]);
    return this.inner.read(offset, length);
  }
}

async function kind(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof GloveboxError ? e.kind : `foreign ${String(e)}`;
  }
}

describe('MemoryDevice', () => {
  it('reads exact ranges and refuses bad ones with typed errors', async () => {
    const d = new MemoryDevice(pattern(1000));
    expect(await d.read(10, 5)).toEqual(pattern(1000).subarray(10, 15));
    expect(await kind(d.read(996, 5))).toBe('Io');
    expect(await kind(d.read(-1, 5))).toBe('Io');
    expect(await kind(d.read(0.5, 5))).toBe('Io');
    expect(await kind(d.read(0, 64 * 1024 * 1024))).toBe('Limit');
  });

  it('returns copies, even over a Node Buffer', async () => {
    const buf = Buffer.from(pattern(100));
    const d = new MemoryDevice(buf);
    const got = await d.read(0, 10);
    got[0] = 0xff;
    expect(buf[0]).toBe(0);
  });
});

describe('SliceDevice', () => {
  it('maps offsets and source coordinates, and checks its own bounds', async () => {
    const base = new MemoryDevice(pattern(4096));
    const s = new SliceDevice(base, 1024, 1024);
    expect(s.sourceOffset).toBe(1024);
    expect(await s.read(0, 4)).toEqual(pattern(4096).subarray(1024, 1028));
    expect(await kind(s.read(1022, 4))).toBe('Io');
    const nested = new SliceDevice(s, 512, 256);
    expect(nested.sourceOffset).toBe(1536);
    expect(() => new SliceDevice(base, 4000, 200)).toThrow(GloveboxError);
    expect(sliceClipped(base, 4000, 200).size).toBe(96);
  });
});

describe('CachedDevice', () => {
  it('serves repeated and overlapping reads from the cache, in one read per run of misses', async () => {
    const inner = new CountingDevice(new MemoryDevice(pattern(64 * 1024)));
    const c = new CachedDevice(inner, { blockSize: 4096, capacityBytes: 64 * 1024 });
    expect(await c.read(100, 9000)).toEqual(pattern(64 * 1024).subarray(100, 9100));
    expect(inner.reads).toEqual([[0, 12288]]);
    expect(await c.read(5000, 3000)).toEqual(pattern(64 * 1024).subarray(5000, 8000));
    expect(inner.reads).toHaveLength(1);
    await c.read(10000, 8000); // blocks 2..4: block 2 cached, 3..4 fetched together
    expect(inner.reads[1]).toEqual([12288, 8192]);
  });

  it('stays within its capacity (LRU)', async () => {
    const inner = new CountingDevice(new MemoryDevice(pattern(64 * 1024)));
    const c = new CachedDevice(inner, { blockSize: 4096, capacityBytes: 8192 });
    await c.read(0, 1);
    await c.read(4096, 1);
    await c.read(0, 1); // block 0 is now the most recent
    await c.read(8192, 1); // evicts block 1
    expect(c.cachedBlocks).toBe(2);
    const before = inner.reads.length;
    await c.read(0, 1);
    expect(inner.reads.length).toBe(before);
    await c.read(4096, 1);
    expect(inner.reads.length).toBe(before + 1);
  });

  it('shares a read already in flight', async () => {
    const inner = new CountingDevice(new MemoryDevice(pattern(16 * 1024)));
    const c = new CachedDevice(inner);
    await Promise.all([c.read(0, 100), c.read(50, 100), c.read(10, 10)]);
    expect(inner.reads).toHaveLength(1);
  });

  it('turns a short read from below into an Io error', async () => {
    const liar: BlockDevice = { size: 8192, read: async (_o, l) => new Uint8Array(Math.max(0, l - 1)) };
    expect(await kind(new CachedDevice(liar).read(0, 10))).toBe('Io');
    expect(await kind(new CachedDevice(liar, { bypassBytes: 16 }).read(0, 4096))).toBe('Io');
  });
});

describe('FileSource', () => {
  it('opens images read-only and never changes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glovebox-source-'));
    try {
      const path = join(dir, 'image.img');
      writeFileSync(path, pattern(10000));
      const before = statSync(path);
      const src = await FileSource.open(path);
      expect(src.size).toBe(10000);
      expect(await src.read(9990, 10)).toEqual(pattern(10000).subarray(9990));
      // The descriptor's access mode, as the kernel sees it: O_RDONLY is 0 in the flags' low bits.
      const fd = readdirSync('/proc/self/fd').find((f) => {
        try {
          return readlinkSync(`/proc/self/fd/${f}`) === path;
        } catch {
          return false;
        }
      });
      if (process.platform === 'linux') {
        expect(fd).toBeDefined();
        const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!;
        expect(parseInt(flags, 8) & 3).toBe(0);
      }
      await expect(src.read(9995, 10)).rejects.toThrow(/unexpected end/);
      await src.close();
      const after = statSync(path);
      expect(after.mtimeMs).toBe(before.mtimeMs);
      expect(readFileSync(path)).toEqual(Buffer.from(pattern(10000)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what is not a file or a block device', async () => {
    await expect(FileSource.open(tmpdir())).rejects.toThrow();
    await expect(FileSource.open('/nonexistent/image.img')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
