import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MemoryDevice, type BlockDevice } from '../../core/block/device.js';
import { openContainer } from '../../core/containers/index.js';
import { GloveboxError } from '../../core/errors.js';
import { drivers } from '../../core/fs/registry.js';
import { probeImage } from '../../core/probe.js';
import { errorOf, fixture, summary, view } from '../support/container-helpers.js';

// VMDK fixtures: qemu-img convert of disk.img (tests/fixtures/make-containers.sh).
const RAW = 'containers/disk.img.gz';
const SPARSE = 'containers/disk-sparse.vmdk.gz';
const STREAM = 'containers/disk-stream.vmdk.gz';
const SECTOR = 512;


async function expectError(p: Promise<unknown>, kind: string, text?: string): Promise<void> {
  const e = await errorOf(p);
  expect(e).toBeInstanceOf(GloveboxError);
  expect((e as GloveboxError).kind).toBe(kind);
  if (text !== undefined) expect((e as GloveboxError).message).toContain(text);
}

const u64 = (b: Uint8Array, o: number): number => Number(view(b).getBigUint64(o, true));

/** The header's grain directory, first grain table and its allocated entries. */
function layout(img: Uint8Array) {
  const grainSize = u64(img, 20);
  const rgdOffset = u64(img, 48);
  const gdOffset = u64(img, 56);
  const gt0 = view(img).getUint32(gdOffset * SECTOR, true);
  const allocated: Array<[number, number]> = [];
  for (let i = 0; i < 512; i++) {
    const e = view(img).getUint32(gt0 * SECTOR + i * 4, true);
    if (e > 1) allocated.push([i, e]);
  }
  return { grainBytes: grainSize * SECTOR, gdOffset, rgdOffset, gt0, allocated };
}

/** Replaces the embedded descriptor's text (sector 1 on, 20 sectors). */
function setDescriptor(img: Uint8Array, text: string): void {
  const at = u64(img, 28) * SECTOR;
  const room = u64(img, 36) * SECTOR;
  const bytes = new TextEncoder().encode(text);
  expect(bytes.length).toBeLessThan(room);
  img.fill(0, at, at + room);
  img.set(bytes, at);
}
const descriptorText = (img: Uint8Array): string => {
  const at = u64(img, 28) * SECTOR;
  const raw = img.subarray(at, at + u64(img, 36) * SECTOR);
  return new TextDecoder().decode(raw.subarray(0, raw.indexOf(0)));
};

/** A device that counts the bytes asked of it. */
class CountingDevice implements BlockDevice {
  read_bytes = 0;
  readonly size: number;
  constructor(private readonly inner: BlockDevice) {
    this.size = inner.size;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    this.read_bytes += length;
    return this.inner.read(offset, length);
  }
}

/** The streamOptimized fixture rewritten the way VMware writes it: the grain directory named by a footer. */
function withFooter(img: Uint8Array): Uint8Array {
  // qemu ends the stream with an end-of-stream marker (one zero sector); replace it.
  const body = img.subarray(0, img.length - SECTOR);
  const out = new Uint8Array(body.length + 3 * SECTOR);
  out.set(body);
  const footerMarker = body.length;
  view(out).setBigUint64(footerMarker, 1n, true);
  view(out).setUint32(footerMarker + 12, 3, true);
  out.set(img.subarray(0, SECTOR), footerMarker + SECTOR); // the footer: a header copy
  view(out).setBigUint64(56, 0xffffffffffffffffn, true); // the header's GD: "at end"
  return out;
}

describe('VMDK: sparse extents read back as the raw disk', () => {
  const raw = fixture(RAW);
  const cases = [
    { name: SPARSE, image: () => fixture(SPARSE) },
    { name: STREAM, image: () => fixture(STREAM) },
    { name: `${STREAM} with a footer`, image: () => withFooter(fixture(STREAM)) },
  ];
  for (const c of cases) {
    it(`${c.name}: byte for byte, in uneven chunks`, async () => {
      const opened = await openContainer(new MemoryDevice(c.image()));
      expect(opened.container).toBe('vmdk');
      const d = opened.device;
      expect(d.size).toBe(raw.length);
      expect(d.sourceOffset).toBeUndefined();
      const chunk = 1_000_003;
      for (let off = 0; off < d.size; off += chunk) {
        const n = Math.min(chunk, d.size - off);
        expect(Buffer.from(await d.read(off, n)).equals(Buffer.from(raw.subarray(off, off + n)))).toBe(true);
      }
      expect(Buffer.from(await d.read(65535, 3)).equals(Buffer.from(raw.subarray(65535, 65538)))).toBe(true);
    });

    it(`${c.name}: probeImage finds the raw image's volumes`, async () => {
      const want = await probeImage(new MemoryDevice(raw), drivers);
      const got = await probeImage(new MemoryDevice(c.image()), drivers);
      expect(got.container).toBe('vmdk');
      expect(got.warnings).toEqual([]);
      expect(summary(got)).toEqual(summary(want));
      expect(got.volumes.map((v) => v.fs)).toEqual(['fat16', 'ext4']);
    });
  }
});

describe('VMDK: descriptors and other files are never opened', () => {
  it('a monolithicFlat descriptor is refused, naming its extent file', async () => {
    const img = fixture('containers/flat.vmdk.gz');
    await expectError(openContainer(new MemoryDevice(img)), 'Unsupported', 'VMDK descriptor ("monolithicFlat"): the data is in "flat-flat.vmdk"; open that file instead');
    const r = await probeImage(new MemoryDevice(img), drivers);
    expect(r.container).toBe('vmdk');
    expect(r.volumes).toEqual([]);
    expect(r.warnings.join(' ')).toContain('flat-flat.vmdk');
  });

  it('detection is by the first line only: the same text after other bytes is raw', async () => {
    const img = fixture('containers/flat.vmdk.gz');
    const shifted = new Uint8Array(img.length + 1);
    shifted.set(img, 1);
    shifted[0] = 0x0a;
    expect((await openContainer(new MemoryDevice(shifted))).container).toBe('raw');
  });

  it('split and differencing descriptors name their files, sanitized and bounded', async () => {
    const many = ['# Disk DescriptorFile', 'version=1', 'parentCID=ffffffff', 'createType="twoGbMaxExtentSparse"'];
    for (let i = 1; i <= 9; i++) many.push(`RW 4192256 SPARSE "disk-s00${i}.vmdk"`);
    await expectError(openContainer(new MemoryDevice(new TextEncoder().encode(many.join('\n')))), 'Unsupported', '9 extent files ("disk-s001.vmdk", "disk-s002.vmdk", "disk-s003.vmdk", "disk-s004.vmdk" and 5 more)');
    const evil = `# Disk DescriptorFile\nRW 100 FLAT "a\u001b[31m${'x'.repeat(5000)}" 0\n`;
    const e = await errorOf(openContainer(new MemoryDevice(new TextEncoder().encode(evil))));
    expect((e as GloveboxError).kind).toBe('Unsupported');
    expect((e as GloveboxError).message).not.toContain('\u001b');
    expect((e as GloveboxError).message.length).toBeLessThan(400);
    const child = '# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=87654321\ncreateType="monolithicSparse"\nparentFileNameHint="base.vmdk"\nRW 100 SPARSE "child.vmdk"\n';
    await expectError(openContainer(new MemoryDevice(new TextEncoder().encode(child))), 'Unsupported', 'the parent "base.vmdk" is not opened');
  });

  it('a descriptor file of megabytes is read in a bounded way', async () => {
    const text = `# Disk DescriptorFile\n${'# padding padding padding padding\n'.repeat(250_000)}RW 100 FLAT "late.vmdk" 0\n`;
    const dev = new CountingDevice(new MemoryDevice(new TextEncoder().encode(text)));
    expect(dev.size).toBeGreaterThan(8_000_000);
    await expectError(openContainer(dev), 'Unsupported', 'no extent file');
    expect(dev.read_bytes).toBeLessThan(200 * 1024);
  });

  it('an embedded descriptor: a child names its parent; several extents or a lying one are refused', async () => {
    const base = fixture(SPARSE);
    const text = descriptorText(base);
    const child = base.slice();
    setDescriptor(child, text.replace('parentCID=ffffffff', 'parentCID=0badc0de\nparentFileNameHint="../base/parent.vmdk"'));
    await expectError(openContainer(new MemoryDevice(child)), 'Unsupported', '"../base/parent.vmdk"');
    const split = base.slice();
    setDescriptor(split, text.replace(/RW 28672 SPARSE "disk-sparse.vmdk"/, 'RW 14336 SPARSE "disk-sparse.vmdk"\nRW 14336 SPARSE "disk-sparse-s002.vmdk"'));
    await expectError(openContainer(new MemoryDevice(split)), 'Unsupported', '"disk-sparse-s002.vmdk"');
    const flat = base.slice();
    setDescriptor(flat, text.replace('SPARSE', 'FLAT'));
    await expectError(openContainer(new MemoryDevice(flat)), 'Corrupt', 'extent type');
    // A descriptorSize of most of the file: read up to the bound only, then the text ends at its NUL.
    const big = base.slice();
    view(big).setBigUint64(36, BigInt(big.length / SECTOR - 2), true);
    const dev = new CountingDevice(new MemoryDevice(big));
    const opened = await openContainer(dev);
    expect(opened.container).toBe('vmdk');
    expect(dev.read_bytes).toBeLessThan(200 * 1024);
    view(big).setBigUint64(36, 1n << 40n, true);
    await expectError(openContainer(new MemoryDevice(big)), 'Corrupt', 'descriptor');
  });

  it('an ESX sparse extent (COWD) is refused', async () => {
    const img = fixture(SPARSE);
    img.set(new TextEncoder().encode('COWD'), 0);
    await expectError(openContainer(new MemoryDevice(img)), 'Unsupported', 'COWD');
  });
});

describe('VMDK: damaged sparse extents', () => {
  const raw = fixture(RAW);

  it('a grain directory entry past the file falls back to the redundant one; both bad is Corrupt on read', async () => {
    const img = fixture(SPARSE);
    const { gdOffset, rgdOffset } = layout(img);
    expect(rgdOffset).toBeGreaterThan(0);
    view(img).setUint32(gdOffset * SECTOR, 0x7fffff00, true);
    const d = (await openContainer(new MemoryDevice(img))).device;
    expect(Buffer.from(await d.read(0, 65536)).equals(Buffer.from(raw.subarray(0, 65536)))).toBe(true);
    view(img).setUint32(rgdOffset * SECTOR, 0x7fffff00, true);
    const d2 = (await openContainer(new MemoryDevice(img))).device;
    await expectError(d2.read(0, 512), 'Corrupt', 'grain directory entry past the end');
    const r = await probeImage(new MemoryDevice(img), drivers);
    expect(r.container).toBe('vmdk');
    expect(r.volumes).toEqual([]);
    // Both directories outside the file: Corrupt at open.
    const gone = fixture(SPARSE);
    view(gone).setBigUint64(48, 1n << 40n, true);
    view(gone).setBigUint64(56, 1n << 40n, true);
    await expectError(openContainer(new MemoryDevice(gone)), 'Corrupt', 'grain directory past the end');
  });

  for (const file of [SPARSE, STREAM]) {
    it(`${file}: a grain table entry past the file is Corrupt on read`, async () => {
      const img = fixture(file);
      const { gt0, allocated, grainBytes, rgdOffset } = layout(img);
      const [index] = allocated[1]!;
      view(img).setUint32(gt0 * SECTOR + index * 4, 0x7ffffff0, true);
      // The redundant table too (the stream fixture names the same tables in both directories).
      const rgt0 = view(img).getUint32(rgdOffset * SECTOR, true);
      view(img).setUint32(rgt0 * SECTOR + index * 4, 0x7ffffff0, true);
      const d = (await openContainer(new MemoryDevice(img))).device;
      await expectError(d.read(index * grainBytes, 512), 'Corrupt', 'past the end of the file');
      expect(Buffer.from(await d.read(0, 512)).equals(Buffer.from(raw.subarray(0, 512)))).toBe(true);
    });
  }

  it('grain size, capacity and grain table size that lie are Corrupt', async () => {
    const cases: Array<[number, bigint | number, 'u64' | 'u32', string]> = [
      [20, 3n, 'u64', 'grain size'],
      [20, 0n, 'u64', 'grain size'],
      [20, 1n << 20n, 'u64', 'grain size'],
      [12, 28672n * 2n, 'u64', 'capacity'],
      [12, 1n << 43n, 'u64', 'capacity'],
      [12, 1n << 60n, 'u64', 'capacity'],
      [44, 256, 'u32', 'grain table entries'],
      [44, 0xffffffff, 'u32', 'grain table entries'],
    ];
    for (const [at, value, width, text] of cases) {
      const img = fixture(SPARSE);
      if (width === 'u64') view(img).setBigUint64(at, BigInt(value), true);
      else view(img).setUint32(at, Number(value), true);
      await expectError(openContainer(new MemoryDevice(img)), 'Corrupt', text);
    }
    // Without a descriptor to compare with, a huge capacity needs a directory larger than allowed.
    const bare = fixture(SPARSE);
    view(bare).setBigUint64(28, 0n, true);
    view(bare).setBigUint64(12, 1n << 43n, true);
    await expectError(openContainer(new MemoryDevice(bare)), 'Corrupt', 'grain directory size');
    // A grain size that is plausible but wrong: never a foreign error, never a hang.
    const img = fixture(SPARSE);
    view(img).setBigUint64(20, 256n, true);
    const opened = await errorOf(probeImage(new MemoryDevice(img), drivers));
    expect(opened).toBe('ok');
  });

  it('damaged end-of-line bytes (a text-mode copy) and unknown versions or compression are refused', async () => {
    const eol = fixture(SPARSE);
    eol[75] = 0x0a; // "\r" turned into "\n"
    await expectError(openContainer(new MemoryDevice(eol)), 'Corrupt', 'end-of-line');
    const version = fixture(SPARSE);
    view(version).setUint32(4, 9, true);
    await expectError(openContainer(new MemoryDevice(version)), 'Unsupported', 'version 9');
    const algo = fixture(STREAM);
    view(algo).setUint16(77, 5, true);
    await expectError(openContainer(new MemoryDevice(algo)), 'Unsupported', 'compression algorithm 5');
  });

  it('compressed grains: bad data, a lying marker and a deflate bomb are Corrupt', async () => {
    const base = fixture(STREAM);
    const { allocated, grainBytes } = layout(base);
    const [index, sector] = allocated[2]!;
    const at = sector * SECTOR;
    expect(u64(base, at)).toBe(index * (grainBytes / SECTOR));
    // zlib header damaged.
    const header = base.slice();
    header[at + 12] = 0x00;
    await expectError((await openContainer(new MemoryDevice(header))).device.read(index * grainBytes, 512), 'Corrupt', 'zlib header');
    // A reserved deflate block type after the header.
    const body = base.slice();
    body[at + 14] = 0x07;
    await expectError((await openContainer(new MemoryDevice(body))).device.read(index * grainBytes, 512), 'Corrupt', 'compressed grain');
    // The marker's size: too big to be a grain; its LBA: another grain's.
    for (const [field, value, text] of [
      [8, 0x7fffffff, 'marker size'],
      [0, 12345, 'LBA'],
    ] as const) {
      const img = base.slice();
      if (field === 8) view(img).setUint32(at + 8, value, true);
      else view(img).setBigUint64(at, BigInt(value), true);
      await expectError((await openContainer(new MemoryDevice(img))).device.read(index * grainBytes, 512), 'Corrupt', text);
    }
    // The last grain's marker size runs past the end of the file.
    const [lastIndex, lastSector] = allocated.reduce((a, b) => (b[1] > a[1] ? b : a));
    const past = base.slice();
    view(past).setUint32(lastSector * SECTOR + 8, base.length - lastSector * SECTOR - 12 + 100, true);
    await expectError((await openContainer(new MemoryDevice(past))).device.read(lastIndex * grainBytes, 512), 'Corrupt', 'compressed grain past the end of the file');
    // A bomb: 16 MiB of one byte deflated, in place of a grain (zlib header kept).
    const bomb = new Uint8Array(deflateRawSync(Buffer.alloc(16 * 1024 * 1024, 1), { level: 9 }));
    const [bigIndex, bigSector] = allocated.reduce((a, b) => (view(base).getUint32(b[1] * SECTOR + 8, true) > view(base).getUint32(a[1] * SECTOR + 8, true) ? b : a));
    const room = view(base).getUint32(bigSector * SECTOR + 8, true) - 2;
    expect(bomb.length).toBeLessThan(room);
    const img = base.slice();
    img.set(bomb, bigSector * SECTOR + 14);
    const started = Date.now();
    await expectError((await openContainer(new MemoryDevice(img))).device.read(bigIndex * grainBytes, 512), 'Corrupt', 'too long');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a damaged footer is Corrupt', async () => {
    const base = withFooter(fixture(STREAM));
    const marker = base.slice();
    view(marker).setUint32(marker.length - 3 * SECTOR + 12, 1, true);
    await expectError(openContainer(new MemoryDevice(marker)), 'Corrupt', 'footer marker');
    const footer = base.slice();
    footer[footer.length - 2 * SECTOR] = 0x58;
    await expectError(openContainer(new MemoryDevice(footer)), 'Corrupt', 'sparse extent header');
    const again = base.slice();
    view(again).setBigUint64(again.length - 2 * SECTOR + 56, 0xffffffffffffffffn, true);
    await expectError(openContainer(new MemoryDevice(again)), 'Corrupt', 'at end again');
  });

  it('probeImage never throws on VMDK metadata damaged at random (seeded)', async () => {
    let seed = 0x2545f491;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    for (const file of [SPARSE, STREAM]) {
      const base = fixture(file);
      const { allocated } = layout(base);
      for (let round = 0; round < 12; round++) {
        const img = base.slice();
        for (let k = 0; k < 16; k++) {
          // Header, descriptor, directories and tables (the first 64 KiB), and grain starts.
          const at = next() < 0.6 ? Math.floor(next() * 65536) : allocated[Math.floor(next() * allocated.length)]![1] * SECTOR + Math.floor(next() * 32);
          img[at] = Math.floor(next() * 256);
        }
        const r = await probeImage(new MemoryDevice(img), drivers);
        expect(typeof r.container).toBe('string');
      }
    }
  });
});
