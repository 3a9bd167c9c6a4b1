import { blocksPastDevice, directoryContainsItself, extentDepthLies, extentEntriesLie, extMetadata, recLenPastBlock } from '../ext-damage.js';
import type { ConformanceRow } from '../harness.js';

const common = [
  { name: 'rec-len-past-block', mutate: recLenPastBlock },
  { name: 'dir-contains-itself', mutate: directoryContainsItself },
  { name: 'blocks-past-device', mutate: blocksPastDevice },
];
const extents = [
  { name: 'extent-depth-lies', mutate: extentDepthLies },
  { name: 'extent-entries-lie', mutate: extentEntriesLie },
];

export const extRows: ConformanceRow[] = [
  { name: 'ext2', fs: 'ext2', label: 'glove ext2', special: common },
  { name: 'ext3', fs: 'ext3', label: 'glove ext3', special: common },
  { name: 'ext4', fs: 'ext4', label: 'glove ext4', special: [...common, ...extents] },
  { name: 'ext4-inline', fs: 'ext4', label: 'glove inline', special: [...common, ...extents] },
].map((r) => {
  const file = r.name === 'ext4-inline' ? 'inline' : r.name;
  return { ...r, image: `ext/${file}.img.gz`, expected: `ext/${file}.expected.jsonl`, metadata: extMetadata };
});
