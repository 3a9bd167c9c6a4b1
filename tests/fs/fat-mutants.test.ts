// Seeded damage to the FAT fixtures (bit flips and zeroed or random sectors in the boot sector,
// the FATs and the directories; truncation): every mutant must end in a listing or our typed
// error, quickly. A failure names its seed, so it can be replayed.
import { describe, expect, it } from 'vitest';
import { checkRead, type BlockDevice } from '../../core/block/device.js';
import { GloveboxError } from '../../core/errors.js';
import { parseBootSector } from '../../core/fs/fat/bootsector.js';
import { fatDriver } from '../../core/fs/fat/index.js';
import { fixtureImage, walk } from './fat-helpers.js';

/** mulberry32: small, seeded, good enough to spread damage. */
function rng(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/**
 * The original image with its first bytes replaced by a damaged copy (and maybe cut short):
 * damage stays in the metadata, so the 34 MiB FAT32 image need not be copied for every mutant.
 */
class DamagedDevice implements BlockDevice {
  constructor(
    private readonly head: Uint8Array,
    private readonly original: Uint8Array,
    readonly size: number,
  ) {}
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRead(this.size, offset, length);
    const out = this.original.slice(offset, offset + length);
    if (offset < this.head.length) out.set(this.head.subarray(offset, Math.min(offset + length, this.head.length)));
    return out;
  }
}

function mutate(original: Uint8Array, seed: number): { kind: string; device: BlockDevice } {
  const next = rng(seed);
  const g = parseBootSector(original.subarray(0, 512));
  // Metadata lies before the data region, plus the first directory clusters just after it.
  const end = Math.min(original.length, g.dataOffset + 64 * 1024);
  const kinds = ['flip', 'flip', 'flip', 'zero-sector', 'random-sector', 'truncate'];
  const kind = kinds[next(kinds.length)]!;
  const image = original.slice(0, end);
  let size = original.length;
  switch (kind) {
    case 'flip':
      for (let i = 1 + next(16); i > 0; i--) {
        const at = next(end);
        image[at] = image[at]! ^ (1 << next(8));
      }
      break;
    case 'zero-sector':
    case 'random-sector': {
      const start = next(Math.floor(end / 512)) * 512;
      for (let i = start; i < start + 512; i++) image[i] = kind === 'zero-sector' ? 0 : next(256);
      break;
    }
    case 'truncate':
      size = next(original.length);
      break;
  }
  return { kind, device: new DamagedDevice(image.subarray(0, Math.min(size, image.length)), original, size) };
}

describe.each([
  { name: 'hostile', mutants: 150 },
  { name: 'fat12', mutants: 15 },
  { name: 'fat32', mutants: 10 },
])('seeded mutants of $name', ({ name, mutants }) => {
  it(`${mutants} mutants end in a listing or a GloveboxError`, async () => {
    const original = fixtureImage(name);
    for (let seed = 1; seed <= mutants; seed++) {
      const { kind, device } = mutate(original, seed);
      const started = Date.now();
      try {
        await fatDriver.probe(device);
        const volume = await fatDriver.open(device);
        await walk(volume, { tolerant: true });
      } catch (e) {
        if (!(e instanceof GloveboxError)) throw new Error(`seed ${seed} (${kind}): ${String(e)}`);
      }
      expect(Date.now() - started, `seed ${seed} (${kind})`).toBeLessThan(1000);
    }
  });
});
