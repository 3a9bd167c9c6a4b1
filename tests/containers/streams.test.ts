import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { detectStream, openExpandStream, openStreamSource, type StreamFormat } from '../../core/containers/streams/index.js';
import type { GloveboxError } from '../../core/errors.js';
import { kindOf } from '../support/container-helpers.js';

const path = (rel: string) => fileURLToPath(new URL(`../fixtures/${rel}`, import.meta.url));
const file = (rel: string) => new Uint8Array(readFileSync(path(rel)));
const RAW = new Uint8Array(gunzipSync(readFileSync(path('containers/disk.img.gz'))));

async function expandAll(bytes: Uint8Array, format: StreamFormat, max = 4 * 1024 * 1024): Promise<Uint8Array> {
  const s = await openExpandStream(new MemoryDevice(bytes), format);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const c = await s.next(max);
    if (c.length === 0) break;
    expect(c.length).toBeLessThanOrEqual(max);
    parts.push(c);
    total += c.length;
  }
  return new Uint8Array(Buffer.concat(parts, total));
}


const FIXTURES: Array<[string, StreamFormat, boolean]> = [
  ['containers/disk.img.xz', 'xz', false],
  ['containers/disk.img.gz', 'gz', false],
  ['containers/disk.img.zst', 'zst', false],
  ['containers/disk.img.bz2', 'bz2', false],
  ['containers/disk.zip', 'zip', false],
];

describe('compressed raw images: expanded byte for byte', () => {
  for (const [rel, format] of FIXTURES) {
    it(`${rel}: detected as ${format}, expands to the raw disk`, async () => {
      const bytes = file(rel);
      expect(await detectStream(new MemoryDevice(bytes))).toBe(format);
      const out = await expandAll(bytes, format, 1_000_003);
      expect(out.length).toBe(RAW.length);
      expect(Buffer.from(out).equals(Buffer.from(RAW))).toBe(true);
    });
  }

  it('a stored zip entry is read in place, with its size', async () => {
    const bytes = new Uint8Array(gunzipSync(readFileSync(path('containers/disk-stored.zip.gz'))));
    const opened = await openStreamSource(new MemoryDevice(bytes), 'zip');
    expect(opened.info).toEqual({ format: 'zip', expandedSize: RAW.length, name: 'disk.img' });
    expect(opened.device).not.toBeNull();
    expect(Buffer.from(await opened.device!.read(0, RAW.length)).equals(Buffer.from(RAW))).toBe(true);
  });

  it('a deflated zip entry must be expanded; its size is known up front', async () => {
    const opened = await openStreamSource(new MemoryDevice(file('containers/disk.zip')), 'zip');
    expect(opened.device).toBeNull();
    expect(opened.info.expandedSize).toBe(RAW.length);
  });

  it('several gzip members and several bzip2/zstd streams in a row expand as one', async () => {
    const half = RAW.subarray(0, 1 << 20);
    const two = new Uint8Array(Buffer.concat([gzipSync(half), gzipSync(half)]));
    const out = await expandAll(two, 'gz');
    expect(out.length).toBe(2 << 20);
    expect(Buffer.from(out.subarray(1 << 20)).equals(Buffer.from(half))).toBe(true);
  });
});

describe('compressed raw images: damage', () => {
  for (const [rel, format] of FIXTURES) {
    it(`${rel}: truncated is Corrupt`, async () => {
      const bytes = file(rel);
      const cut = bytes.subarray(0, Math.floor(bytes.length * 0.6));
      expect(await kindOf(expandAll(cut, format))).toBe('Corrupt');
    });

    it(`${rel}: flipped bytes are Corrupt (every format carries a check)`, async () => {
      const bytes = file(rel).slice();
      for (let i = 0; i < 64; i++) bytes[Math.floor(bytes.length / 3) + i * 97]! ^= 0x5a;
      const k = await kindOf(expandAll(bytes, format));
      expect(['Corrupt', 'ok']).toContain(k);
      expect(k).toBe('Corrupt');
    });
  }

  it('a gzip member whose CRC-32 or size does not match is Corrupt, in the middle or at the end', async () => {
    const half = RAW.subarray(0, 1 << 20);
    const one = new Uint8Array(gzipSync(half));
    for (const at of [one.length - 8, one.length - 4]) {
      const bad = one.slice();
      bad[at]! ^= 1;
      const e = await expandAll(new Uint8Array(Buffer.concat([bad, one])), 'gz').catch((x: unknown) => x);
      expect((e as GloveboxError).kind).toBe('Corrupt');
      expect((e as GloveboxError).message).toMatch(/gzip member (CRC-32|size)/);
      const last = await expandAll(new Uint8Array(Buffer.concat([one, bad])), 'gz').catch((x: unknown) => x);
      expect((last as GloveboxError).kind).toBe('Corrupt');
    }
  });

  it('zstd: checksums are verified per frame; skippable frames, frames without a checksum and several frames in a row are read', async () => {
    const zst = file('containers/disk.img.zst');
    const fhd = zst[4]!;
    expect(fhd & 4).toBe(4); // the zstd tool writes a content checksum
    const badSum = zst.slice();
    badSum[badSum.length - 1]! ^= 1;
    const e = await expandAll(badSum, 'zst').catch((x: unknown) => x);
    expect((e as GloveboxError).message).toContain('zstd frame checksum (XXH64)');
    // Checksum flag cleared and the 4 bytes dropped: still the same bytes.
    const noSum = zst.slice(0, zst.length - 4);
    noSum[4] = fhd & ~4;
    expect(Buffer.from(await expandAll(noSum, 'zst')).equals(Buffer.from(RAW))).toBe(true);
    const skippable = new Uint8Array([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const two = new Uint8Array(Buffer.concat([skippable, zst, skippable, zst]));
    const out = await expandAll(two, 'zst');
    expect(out.length).toBe(2 * RAW.length);
    expect(Buffer.from(out.subarray(RAW.length)).equals(Buffer.from(RAW))).toBe(true);
    // A window of 2 TiB claimed: refused before the decoder allocates anything.
    const huge = zst.slice();
    if ((fhd & 0x20) === 0) {
      huge[5] = 0xf8;
      expect((await expandAll(huge, 'zst').catch((x: unknown) => x) as GloveboxError).message).toContain('zstd window');
    }
    const garbage = new Uint8Array(Buffer.concat([zst, Buffer.from('trailing junk')]));
    expect(await kindOf(expandAll(garbage, 'zst'))).toBe('Corrupt');
  });

  it('a zip holding two files is refused, naming them', async () => {
    const { zipSync } = await import('fflate');
    const z = zipSync({ 'a.img': new Uint8Array(10), 'b.img': new Uint8Array(10) });
    const e = await openStreamSource(new MemoryDevice(z), 'zip').catch((x: unknown) => x);
    expect((e as GloveboxError).kind).toBe('Unsupported');
    expect((e as GloveboxError).message).toContain('"a.img", "b.img"');
  });

  it('a gzip that expands 1000x still comes out in bounded chunks', async () => {
    const bomb = gzipSync(new Uint8Array(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024 * 1024 / 1000);
    const s = await openExpandStream(new MemoryDevice(new Uint8Array(bomb)), 'gz');
    const c = await s.next(4 << 20);
    expect(c.length).toBe(4 << 20);
  });
});
