// The conformance table. A driver joins the suite by adding rows: a fixture made by the real
// tools, the tree that went in, and hints for where damage hurts most.
import { directoryContainsItself, fatCycle, fatMetadata } from './fat-damage.js';
import type { ConformanceRow } from './harness.js';

const fatSpecial = [
  { name: 'fat-cycle', mutate: fatCycle },
  { name: 'dir-contains-itself', mutate: directoryContainsItself },
];

export const rows: ConformanceRow[] = [
  {
    name: 'fat12',
    image: 'fat/fat12.img.gz',
    expected: 'fat/fat12.expected.jsonl',
    fs: 'fat12',
    metadata: fatMetadata,
    special: fatSpecial,
  },
  {
    name: 'fat16',
    image: 'fat/fat16.img.gz',
    expected: 'fat/fat16.expected.jsonl',
    fs: 'fat16',
    metadata: fatMetadata,
    special: fatSpecial,
  },
  {
    name: 'fat32',
    image: 'fat/fat32.img.gz',
    expected: 'fat/fat32.expected.jsonl',
    fs: 'fat32',
    metadata: fatMetadata,
    special: fatSpecial,
  },
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
