// Seeded damage for fixture images: the kinds of corruption real and hostile media carry.
import { Rng } from '../support/rng.js';
import type { ConformanceRow } from './harness.js';

export interface Mutant {
  seed: number;
  kind: string;
  image: Uint8Array;
}

const SECTOR = 512;

function pickRange(ranges: Array<[number, number]>, rng: Rng, size: number): [number, number] {
  const usable = ranges.map(([a, b]) => [Math.max(0, a), Math.min(size, b)] as [number, number]).filter(([a, b]) => b > a);
  if (usable.length === 0) return [0, size];
  return usable[rng.int(usable.length)]!;
}

export function makeMutant(row: ConformanceRow, original: Uint8Array, seed: number): Mutant {
  const rng = new Rng(seed);
  const ranges = row.metadata?.(original) ?? [[0, Math.min(original.length, 1024 * 1024)]];
  const specials = row.special ?? [];
  const kinds = ['flip', 'flip', 'flip', 'zero-block', 'random-block', 'truncate', ...specials.map((s) => `special:${s.name}`)];
  const kind = kinds[rng.int(kinds.length)]!;
  let image: Uint8Array = original.slice();
  const [a, b] = pickRange(ranges, rng, image.length);
  switch (kind) {
    case 'flip': {
      const flips = 1 + rng.int(16);
      for (let i = 0; i < flips; i++) {
        const at = a + rng.int(b - a);
        image[at] = image[at]! ^ (1 << rng.int(8));
      }
      break;
    }
    case 'zero-block':
    case 'random-block': {
      const start = Math.floor((a + rng.int(b - a)) / SECTOR) * SECTOR;
      for (let i = start; i < Math.min(image.length, start + SECTOR); i++) image[i] = kind === 'zero-block' ? 0 : rng.int(256);
      break;
    }
    case 'truncate':
      image = image.slice(0, rng.chance(0.5) ? a + rng.int(b - a) : rng.int(image.length));
      break;
    default: {
      const special = specials.find((s) => `special:${s.name}` === kind)!;
      image = special.mutate(image);
    }
  }
  return { seed, kind, image };
}
