import { directoryContainsItself, fatCycle, fatMetadata } from '../fat-damage.js';
import type { ConformanceRow } from '../harness.js';

const special = [
  { name: 'fat-cycle', mutate: fatCycle },
  { name: 'dir-contains-itself', mutate: directoryContainsItself },
];

export const fatRows: ConformanceRow[] = (['fat12', 'fat16', 'fat32'] as const).map((fs) => ({
  name: fs,
  image: `fat/${fs}.img.gz`,
  expected: `fat/${fs}.expected.jsonl`,
  fs,
  metadata: fatMetadata,
  special,
}));
