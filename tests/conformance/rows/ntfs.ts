import type { ConformanceRow } from '../harness.js';
import { ntfsAttributeLengthPastRecord, ntfsBrokenFixups, ntfsIndexLoop, ntfsMetadata, ntfsRunPastDevice } from '../ntfs-damage.js';

const special = [
  { name: 'ntfs-broken-fixups', mutate: ntfsBrokenFixups },
  { name: 'ntfs-attribute-length-past-record', mutate: ntfsAttributeLengthPastRecord },
  { name: 'ntfs-run-past-device', mutate: ntfsRunPastDevice },
  { name: 'ntfs-index-loop', mutate: ntfsIndexLoop },
];

export const ntfsRows: ConformanceRow[] = [
  {
    name: 'ntfs',
    image: 'ntfs/ntfs.img.gz',
    expected: 'ntfs/ntfs.expected.jsonl',
    fs: 'ntfs',
    label: 'GLOVE NTFS',
    metadata: ntfsMetadata,
    special,
  },
  {
    name: 'ntfs-gpt',
    image: 'ntfs/ntfs-gpt.img.gz',
    expected: 'ntfs/ntfs-gpt.expected.jsonl',
    fs: 'ntfs',
    label: 'GLOVE GPT',
    metadata: ntfsMetadata,
    special,
  },
];
