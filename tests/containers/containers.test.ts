import { describe, expect, it } from 'vitest';
import { MemoryDevice, type BlockDevice } from '../../core/block/device.js';
import { openContainer } from '../../core/containers/index.js';
import { GloveboxError } from '../../core/errors.js';
import { drivers } from '../../core/fs/registry.js';
import { probeImage } from '../../core/probe.js';
import { fixture, kindOf, summary } from '../support/container-helpers.js';


// One MBR disk (FAT16 + ext4) in every container (tests/fixtures/make-containers.sh).
const RAW = 'containers/disk.img.gz';
const CONTAINERS = [
  { file: 'containers/disk-fixed.vhd.gz', container: 'vhd', linear: true },
  { file: 'containers/disk-dynamic.vhd.gz', container: 'vhd', linear: false },
  { file: 'containers/disk-v2.qcow2.gz', container: 'qcow2', linear: false },
  { file: 'containers/disk-v3.qcow2.gz', container: 'qcow2', linear: false },
  { file: 'containers/disk.vdi.gz', container: 'vdi', linear: false },
] as const;



function be32set(b: Uint8Array, o: number, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(o, v >>> 0, false);
}

/** Recomputes a VHD footer/header checksum (one's complement of the byte sum). */
function fixChecksum(b: Uint8Array, start: number, len: number, field: number): void {
  be32set(b, start + field, 0);
  let sum = 0;
  for (let i = 0; i < len; i++) sum = (sum + b[start + i]!) >>> 0;
  be32set(b, start + field, ~sum >>> 0);
}

describe('containers: virtual bytes equal the raw source', () => {
  const raw = fixture(RAW);
  for (const c of CONTAINERS) {
    it(`${c.file}: ${c.container}, byte for byte, in chunks`, async () => {
      const opened = await openContainer(new MemoryDevice(fixture(c.file)));
      expect(opened.container).toBe(c.container);
      const d = opened.device;
      expect(d.size).toBe(raw.length);
      expect(d.sourceOffset).toBe(c.linear ? 0 : undefined);
      // Uneven chunks, so that reads straddle blocks and clusters.
      const chunk = 1_000_003;
      for (let off = 0; off < d.size; off += chunk) {
        const n = Math.min(chunk, d.size - off);
        const got = await d.read(off, n);
        expect(Buffer.from(got).equals(Buffer.from(raw.subarray(off, off + n)))).toBe(true);
      }
      expect(Buffer.from(await d.read(777, 3000)).equals(Buffer.from(raw.subarray(777, 3777)))).toBe(true);
    });

    it(`${c.file}: probeImage names the container and finds the raw image's volumes`, async () => {
      const want = await probeImage(new MemoryDevice(raw), drivers);
      const got = await probeImage(new MemoryDevice(fixture(c.file)), drivers);
      expect(got.container).toBe(c.container);
      expect(summary(got)).toEqual(summary(want));
      expect(got.partitioning).toBe('mbr');
      expect(got.volumes.map((v) => v.fs)).toEqual(['fat16', 'ext4']);
    });
  }

  it('a raw image passes through as "raw"', async () => {
    const dev = new MemoryDevice(raw);
    const opened = await openContainer(dev);
    expect(opened.container).toBe('raw');
    expect(opened.device).toBe(dev);
  });
});

describe('containers: refused and corrupt images', () => {
  it('a QCOW2 with a backing file is refused, naming it, and probeImage does not throw', async () => {
    const img = fixture('containers/overlay.qcow2.gz');
    const e = await openContainer(new MemoryDevice(img)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GloveboxError);
    expect((e as GloveboxError).kind).toBe('Unsupported');
    expect((e as GloveboxError).message).toContain('"disk-v3.qcow2"');
    const r = await probeImage(new MemoryDevice(img), drivers);
    expect(r.container).toBe('qcow2');
    expect(r.partitioning).toBe('none');
    expect(r.volumes).toEqual([]);
    expect(r.warnings.join(' ')).toContain('disk-v3.qcow2');
  });

  it('a VHD with a bad footer checksum is Corrupt (fixed: no copy), dynamic falls back to the copy at 0', async () => {
    const fixed = fixture('containers/disk-fixed.vhd.gz');
    fixed[fixed.length - 512 + 64]! ^= 0xff;
    expect(await kindOf(openContainer(new MemoryDevice(fixed)))).toBe('Corrupt');
    const dyn = fixture('containers/disk-dynamic.vhd.gz');
    dyn[dyn.length - 512 + 64]! ^= 0xff;
    const opened = await openContainer(new MemoryDevice(dyn));
    expect(opened.container).toBe('vhd');
    const raw = fixture(RAW);
    expect(Buffer.from(await opened.device.read(0, 65536)).equals(Buffer.from(raw.subarray(0, 65536)))).toBe(true);
    dyn[64]! ^= 0xff; // the copy too
    expect(await kindOf(openContainer(new MemoryDevice(dyn)))).toBe('Corrupt');
    const r = await probeImage(new MemoryDevice(dyn), drivers);
    expect(r.container).toBe('vhd');
    expect(r.volumes).toEqual([]);
    expect(r.warnings.length).toBe(1);
  });

  it('a VHD BAT entry past the end of the file is Corrupt', async () => {
    const img = fixture('containers/disk-dynamic.vhd.gz');
    const headerAt = Number(new DataView(img.buffer).getBigUint64(16, false));
    const tableAt = Number(new DataView(img.buffer).getBigUint64(headerAt + 16, false));
    be32set(img, tableAt, 0x7fffff00);
    expect(await kindOf(openContainer(new MemoryDevice(img)))).toBe('Corrupt');
    expect((await probeImage(new MemoryDevice(img), drivers)).volumes).toEqual([]);
  });

  it('a differencing VHD is refused as Unsupported', async () => {
    const img = fixture('containers/disk-dynamic.vhd.gz');
    for (const at of [0, img.length - 512]) {
      be32set(img, at + 60, 4);
      fixChecksum(img, at, 512, 64);
    }
    const e = await openContainer(new MemoryDevice(img)).catch((x: unknown) => x);
    expect((e as GloveboxError).kind).toBe('Unsupported');
    expect((e as GloveboxError).message).toContain('differencing VHD');
  });

  it('QCOW2 L1 and L2 pointers past the end of the file are Corrupt', async () => {
    for (const file of ['containers/disk-v2.qcow2.gz', 'containers/disk-v3.qcow2.gz']) {
      const base = fixture(file);
      const l1At = Number(new DataView(base.buffer).getBigUint64(40, false));
      const l1 = base.slice();
      be32set(l1, l1At, 0x00000100); // L1 entry 0 -> 1 TiB
      expect(await kindOf(openContainer(new MemoryDevice(l1)))).toBe('Corrupt');
      const l2 = base.slice();
      const l2At = Number(new DataView(base.buffer).getBigUint64(l1At, false) & 0x00fffffffffffe00n);
      expect(l2At).toBeGreaterThan(0);
      be32set(l2, l2At, 0x00000100); // first L2 entry -> 1 TiB
      const opened = await openContainer(new MemoryDevice(l2));
      expect(await kindOf(opened.device.read(0, 512))).toBe('Corrupt');
      const r = await probeImage(new MemoryDevice(l2), drivers);
      expect(r.container).toBe('qcow2');
      expect(r.volumes).toEqual([]);
      expect(r.warnings.join(' ')).toContain('L2 entry past the end');
    }
  });


  it('encrypted QCOW2 is refused; a VDI block map entry past the file is Corrupt', async () => {
    const q = fixture('containers/disk-v3.qcow2.gz');
    be32set(q, 32, 1);
    expect(await kindOf(openContainer(new MemoryDevice(q)))).toBe('Unsupported');
    const v = fixture('containers/disk.vdi.gz');
    const mapAt = new DataView(v.buffer).getUint32(0x154, true);
    new DataView(v.buffer).setUint32(mapAt, 0x00ffffff, true);
    expect(await kindOf(openContainer(new MemoryDevice(v)))).toBe('Corrupt');
  });

  it('probeImage never throws on damaged containers (header bytes flipped)', async () => {
    for (const c of CONTAINERS) {
      const base = fixture(c.file);
      const spots = [0, 4, 8, 16, 20, 24, 28, 32, 36, 40, 44, 48, 60, 64, 0x154, 0x158, 0x170, 0x178, 0x180, base.length - 512 + 16, base.length - 512 + 48];
      for (const at of spots) {
        for (const v of [0xff, 0x00, 0x80]) {
          const img = base.slice();
          img.fill(v, at, at + 4);
          const dev: BlockDevice = new MemoryDevice(img);
          const r = await probeImage(dev, drivers);
          expect(typeof r.container).toBe('string');
        }
      }
    }
  });
});
