import type { ConformanceRow } from '../harness.js';

export const partitionRows: ConformanceRow[] = [
  {
    name: 'mbr-extended',
    image: 'partitions/mbr-ext.img.gz',
    metadata: (img) => [[0, Math.min(img.length, 4 * 1024 * 1024)]],
  },
  {
    name: 'gpt',
    image: 'partitions/gpt.img.gz',
    metadata: (img) => [
      [0, 64 * 1024],
      [img.length - 64 * 1024, img.length],
      [1024 * 1024, 2 * 1024 * 1024],
    ],
  },
];
