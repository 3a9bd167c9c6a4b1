import { continuationLoop, directoryPointsAtParent, recordLengthZero, recordPastSector } from '../iso9660-damage.js';
import type { ConformanceRow } from '../harness.js';

const common = [
  { name: 'dir-points-at-parent', mutate: directoryPointsAtParent },
  { name: 'record-past-sector', mutate: recordPastSector },
  { name: 'record-length-zero', mutate: recordLengthZero },
];
const rockRidge = [...common, { name: 'ce-loop', mutate: continuationLoop }];

export const iso9660Rows: ConformanceRow[] = [
  { name: 'iso9660-plain', file: 'plain', label: 'GLOVE_PLAIN', special: common },
  { name: 'iso9660-joliet', file: 'joliet', label: 'GLOVE_JOLIET', special: common },
  { name: 'iso9660-rockridge', file: 'rockridge', label: 'GLOVE_RR', special: rockRidge },
  { name: 'iso9660-boot', file: 'boot', label: 'GLOVE_BOOT', special: rockRidge },
  { name: 'iso9660-multiextent', file: 'multiextent', label: 'GLOVE_PLAIN', special: common },
  { name: 'iso9660-hybrid', file: 'hybrid', label: 'GLOVE_HYBRID', special: rockRidge },
  // A UDF bridge disc: volume 1 is its UDF tree, volume 2 the ISO 9660 one.
  { name: 'iso9660-bridge', file: 'bridge', label: 'GLOVE_BRIDGE', volume: 2, special: rockRidge },
].map(({ file, ...r }) => ({ ...r, fs: 'iso9660', image: `iso9660/${file}.img.gz`, expected: `iso9660/${file}.expected.jsonl` }));
