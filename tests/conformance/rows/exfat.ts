import {
  exfatBadSetChecksum,
  exfatDataLengthPastDevice,
  exfatDirectoryContainsItself,
  exfatFatCycle,
  exfatMetadata,
} from '../exfat-damage.js';
import type { ConformanceRow } from '../harness.js';

const special = [
  { name: 'exfat-fat-cycle', mutate: exfatFatCycle },
  { name: 'exfat-bad-set-checksum', mutate: exfatBadSetChecksum },
  { name: 'exfat-dir-contains-itself', mutate: exfatDirectoryContainsItself },
  { name: 'exfat-data-length-past-device', mutate: exfatDataLengthPastDevice },
];

export const exfatRows: ConformanceRow[] = [
  {
    name: 'exfat',
    image: 'exfat/exfat.img.gz',
    expected: 'exfat/exfat.expected.jsonl',
    fs: 'exfat',
    label: 'GLOVE EXFAT',
    metadata: exfatMetadata,
    special,
  },
  {
    name: 'exfat-mbr',
    image: 'exfat/exfat-mbr.img.gz',
    expected: 'exfat/exfat-mbr.expected.jsonl',
    fs: 'exfat',
    label: 'GLOVE PART',
    metadata: exfatMetadata,
    special,
  },
];
