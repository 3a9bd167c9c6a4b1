import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { openContainer } from '../../core/containers/index.js';
import { GloveboxError } from '../../core/errors.js';
import { drivers } from '../../core/fs/registry.js';
import { probeImage } from '../../core/probe.js';
import { errorOf, fixture, kindOf, summary, view } from '../support/container-helpers.js';

// Compressed QCOW2 clusters: qemu-img convert -c of disk.img (tests/fixtures/make-containers.sh).
const RAW = 'containers/disk.img.gz';
const COMPRESSED = ['containers/disk-zlib.qcow2.gz', 'containers/disk-zstd.qcow2.gz'] as const;




/** The first L2 table's entries, as [index, entry] for the compressed ones. */
function compressedEntries(img: Uint8Array): { l2At: number; clusterBits: number; entries: Array<[number, bigint]> } {
  const dv = view(img);
  const clusterBits = dv.getUint32(20, false);
  const l1At = Number(dv.getBigUint64(40, false));
  const l2At = Number(dv.getBigUint64(l1At, false) & 0x00fffffffffffe00n);
  const entries: Array<[number, bigint]> = [];
  for (let i = 0; i < 2 ** clusterBits / 8; i++) {
    const e = dv.getBigUint64(l2At + i * 8, false);
    if ((e >> 62n) & 1n) entries.push([i, e]);
  }
  return { l2At, clusterBits, entries };
}

describe('QCOW2: compressed clusters', () => {
  const raw = fixture(RAW);
  for (const file of COMPRESSED) {
    it(`${file}: byte for byte, in uneven chunks`, async () => {
      const opened = await openContainer(new MemoryDevice(fixture(file)));
      expect(opened.container).toBe('qcow2');
      const d = opened.device;
      expect(d.size).toBe(raw.length);
      expect(d.sourceOffset).toBeUndefined();
      const chunk = 777_777;
      for (let off = 0; off < d.size; off += chunk) {
        const n = Math.min(chunk, d.size - off);
        expect(Buffer.from(await d.read(off, n)).equals(Buffer.from(raw.subarray(off, off + n)))).toBe(true);
      }
      // Again, backwards, through the cache.
      for (let off = d.size - 65536; off >= 0; off -= 3 * 65536 + 100) {
        expect(Buffer.from(await d.read(off, 1000)).equals(Buffer.from(raw.subarray(off, off + 1000)))).toBe(true);
      }
    });

    it(`${file}: probeImage finds the raw image's volumes`, async () => {
      const want = await probeImage(new MemoryDevice(raw), drivers);
      const got = await probeImage(new MemoryDevice(fixture(file)), drivers);
      expect(got.container).toBe('qcow2');
      expect(got.warnings).toEqual([]);
      expect(summary(got)).toEqual(summary(want));
      expect(got.volumes.map((v) => v.fs)).toEqual(['fat16', 'ext4']);
    });

    it(`${file}: damaged compressed bytes are Corrupt`, async () => {
      const img = fixture(file);
      const { entries, clusterBits } = compressedEntries(img);
      expect(entries.length).toBeGreaterThan(2);
      // The largest compressed cluster: scribble over the middle of its data.
      const [index, e] = entries.reduce((a, b) => ((b[1] >> BigInt(62 - (clusterBits - 8))) > (a[1] >> BigInt(62 - (clusterBits - 8))) ? b : a));
      const offset = Number(e & ((1n << BigInt(62 - (clusterBits - 8))) - 1n));
      // The stream's first bytes: a reserved deflate block type (0b11); no zstd magic.
      const start = img.slice();
      start.fill(0x07, offset, offset + 4);
      const d = (await openContainer(new MemoryDevice(start))).device;
      const err = await errorOf(d.read(index * 2 ** clusterBits, 512));
      expect(err).toBeInstanceOf(GloveboxError);
      expect((err as GloveboxError).kind).toBe('Corrupt');
      expect((err as GloveboxError).message).toContain('compressed cluster');
      // Scribbles in the middle (no checksum to catch every one): Corrupt, or bytes; nothing else.
      const middle = img.slice();
      middle.fill(0xa5, offset + 40, offset + 400);
      const outcome = await errorOf((await openContainer(new MemoryDevice(middle))).device.read(index * 2 ** clusterBits, 512));
      expect(outcome === 'ok' || (outcome instanceof GloveboxError && outcome.kind === 'Corrupt')).toBe(true);
      // Other clusters still read.
      expect(Buffer.from(await d.read(0, 512)).equals(Buffer.from(raw.subarray(0, 512)))).toBe(true);
    });

    it(`${file}: a descriptor pointing past the file is Corrupt`, async () => {
      const img = fixture(file);
      const { l2At, entries, clusterBits } = compressedEntries(img);
      const [index, e] = entries[1]!;
      const x = BigInt(62 - (clusterBits - 8));
      const sectors = (e >> x) & ((1n << (62n - x)) - 1n);
      // Offset at the end of the file.
      view(img).setBigUint64(l2At + index * 8, (1n << 62n) | (sectors << x) | BigInt(img.length + 4096), false);
      const d = (await openContainer(new MemoryDevice(img))).device;
      expect(await kindOf(d.read(index * 2 ** clusterBits, 512))).toBe('Corrupt');
      // Offset inside, sector count far past the end.
      view(img).setBigUint64(l2At + index * 8, (1n << 62n) | (((1n << (62n - x)) - 1n) << x) | BigInt(img.length - 1000), false);
      const d2 = (await openContainer(new MemoryDevice(img))).device;
      expect(await kindOf(d2.read(index * 2 ** clusterBits, 512))).toBe('Corrupt');
      const r = await probeImage(new MemoryDevice(img), drivers);
      expect(r.container).toBe('qcow2');
    });
  }

  it('a zstd frame that claims a huge content size or window is Corrupt, quickly', async () => {
    const img = fixture('containers/disk-zstd.qcow2.gz');
    const { entries, clusterBits } = compressedEntries(img);
    const x = BigInt(62 - (clusterBits - 8));
    const [index, e] = entries[2]!;
    const offset = Number(e & ((1n << x) - 1n));
    expect(view(img).getUint32(offset, true)).toBe(0xfd2fb528);
    // Frame header: single segment, 8-byte content size of 1 TiB.
    const huge = img.slice();
    huge[offset + 4] = 0xe0;
    view(huge).setBigUint64(offset + 5, 1n << 40n, true);
    // Not single segment, window descriptor of 2 GiB (exponent 21).
    const window = img.slice();
    window[offset + 4] = 0x00;
    window[offset + 5] = 21 << 3;
    for (const bad of [huge, window]) {
      const started = Date.now();
      const d = (await openContainer(new MemoryDevice(bad))).device;
      const err = await errorOf(d.read(index * 2 ** clusterBits, 4096));
      expect((err as GloveboxError).kind).toBe('Corrupt');
      expect((err as GloveboxError).message).toContain('zstd');
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });

  it('a deflate bomb in a cluster is Corrupt without decoding it all', async () => {
    const img = fixture('containers/disk-zlib.qcow2.gz');
    const { l2At, entries, clusterBits } = compressedEntries(img);
    const x = BigInt(62 - (clusterBits - 8));
    const [index, e] = entries[3]!;
    const offset = Number(e & ((1n << x) - 1n));
    const sectors = (e >> x) & ((1n << (62n - x)) - 1n);
    const room = (Math.floor(offset / 512) + 1 + Number(sectors)) * 512 - offset;
    // Fixed-Huffman blocks that repeat one byte (a bomb): 16 MiB from a few KiB.
    const { deflateRawSync } = await import('node:zlib');
    const bomb = new Uint8Array(deflateRawSync(Buffer.alloc(16 * 1024 * 1024, 7), { level: 9 }));
    expect(bomb.length).toBeLessThan(room);
    img.set(bomb, offset);
    const d = (await openContainer(new MemoryDevice(img))).device;
    const started = Date.now();
    const err = await errorOf(d.read(index * 2 ** clusterBits, 4096));
    expect((err as GloveboxError).kind).toBe('Corrupt');
    expect((err as GloveboxError).message).toContain('too long');
    expect(Date.now() - started).toBeLessThan(2000);
    // A stream that ends short of a cluster.
    const short = new Uint8Array(deflateRawSync(Buffer.alloc(1000, 7)));
    img.set(short, offset);
    expect(view(img).getBigUint64(l2At + index * 8, false)).toBe(e);
    const d2 = (await openContainer(new MemoryDevice(img))).device;
    const err2 = await errorOf(d2.read(index * 2 ** clusterBits, 4096));
    expect((err2 as GloveboxError).message).toContain('too short');
  });

  it('an unknown compression type is refused at open; zstd without a long enough header is Corrupt', async () => {
    const img = fixture('containers/disk-zstd.qcow2.gz');
    img[104] = 7;
    const err = await errorOf(openContainer(new MemoryDevice(img)));
    expect((err as GloveboxError).kind).toBe('Unsupported');
    expect((err as GloveboxError).message).toContain('compression type 7');
    const short = fixture('containers/disk-zstd.qcow2.gz');
    view(short).setUint32(100, 104, false);
    expect(await kindOf(openContainer(new MemoryDevice(short)))).toBe('Corrupt');
  });

  it('probeImage never throws on compressed clusters damaged at random (seeded)', async () => {
    let seed = 0x9e3779b9;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    for (const file of COMPRESSED) {
      const base = fixture(file);
      const { entries, clusterBits } = compressedEntries(base);
      const x = BigInt(62 - (clusterBits - 8));
      for (let round = 0; round < 6; round++) {
        const img = base.slice();
        for (let k = 0; k < 20; k++) {
          const [, e] = entries[Math.floor(next() * entries.length)]!;
          const at = Number(e & ((1n << x) - 1n)) + Math.floor(next() * 64);
          img[at] = Math.floor(next() * 256);
        }
        const r = await probeImage(new MemoryDevice(img), drivers);
        expect(r.container).toBe('qcow2');
      }
    }
  });
});

describe('QCOW2: extended L2 entries (subclusters)', () => {
  const raw = fixture(RAW);
  const FILE = 'containers/disk-extl2.qcow2.gz';

  /** The first allocated extended L2 entry: its table offset, index and the cluster it maps. */
  function firstAllocated(img: Uint8Array): { entryAt: number; cluster: number; clusterSize: number } {
    const dv = view(img);
    const clusterSize = 2 ** dv.getUint32(20, false);
    expect(dv.getUint32(76, false) & 0x10).toBe(0x10);
    const l1At = Number(dv.getBigUint64(40, false));
    const l2At = Number(dv.getBigUint64(l1At, false) & 0x00fffffffffffe00n);
    // Cluster 16 onwards is inside the FAT volume (which starts at 1 MiB with 64 KiB clusters).
    for (let i = 16; i < clusterSize / 16; i++) {
      const entryAt = l2At + i * 16;
      if ((dv.getBigUint64(entryAt, false) & 0x00fffffffffffe00n) !== 0n && dv.getUint32(entryAt + 12, false) === 0xffffffff) {
        return { entryAt, cluster: i, clusterSize };
      }
    }
    throw new Error('no fully allocated cluster');
  }

  it('byte for byte, and the same volumes as the raw disk', async () => {
    const opened = await openContainer(new MemoryDevice(fixture(FILE)));
    expect(opened.container).toBe('qcow2');
    const d = opened.device;
    expect(d.size).toBe(raw.length);
    for (let off = 0; off < d.size; off += 999_983) {
      const n = Math.min(999_983, d.size - off);
      expect(Buffer.from(await d.read(off, n)).equals(Buffer.from(raw.subarray(off, off + n)))).toBe(true);
    }
    const want = await probeImage(new MemoryDevice(raw), drivers);
    const got = await probeImage(new MemoryDevice(fixture(FILE)), drivers);
    expect(summary(got)).toEqual(summary(want));
  });

  it('a subcluster marked zero reads as zeros, its neighbours as data; unallocated ones as zeros', async () => {
    const img = fixture(FILE);
    const { entryAt, cluster, clusterSize } = firstAllocated(img);
    const sub = clusterSize / 32;
    const base = cluster * clusterSize;
    expect(raw.subarray(base + 3 * sub, base + 4 * sub).some((b) => b !== 0)).toBe(true);
    const dv = view(img);
    // Subcluster 3: zero bit set, allocation bit cleared. Subcluster 5: neither.
    dv.setUint32(entryAt + 8, 1 << 3, false);
    dv.setUint32(entryAt + 12, 0xffffffff & ~(1 << 3) & ~(1 << 5), false);
    const d = (await openContainer(new MemoryDevice(img))).device;
    const got = await d.read(base, clusterSize);
    const want = raw.slice(base, base + clusterSize);
    want.fill(0, 3 * sub, 4 * sub);
    want.fill(0, 5 * sub, 6 * sub);
    expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
  });

  it('a subcluster both allocated and zero, or allocated in an unallocated cluster, is Corrupt', async () => {
    const img = fixture(FILE);
    const { entryAt, cluster, clusterSize } = firstAllocated(img);
    const both = img.slice();
    view(both).setUint32(entryAt + 8, 1, false);
    const d1 = (await openContainer(new MemoryDevice(both))).device;
    expect(await kindOf(d1.read(cluster * clusterSize, 512))).toBe('Corrupt');
    expect(await kindOf(d1.read(cluster * clusterSize + clusterSize / 32, 512))).toBe('ok');
    const orphan = img.slice();
    view(orphan).setBigUint64(entryAt, 0n, false);
    const d2 = (await openContainer(new MemoryDevice(orphan))).device;
    expect(await kindOf(d2.read(cluster * clusterSize, 512))).toBe('Corrupt');
  });

  it('extended L2 entries with clusters under 16 KiB are Corrupt', async () => {
    const img = fixture(FILE);
    view(img).setUint32(20, 12, false);
    expect(await kindOf(openContainer(new MemoryDevice(img)))).toBe('Corrupt');
  });
});
