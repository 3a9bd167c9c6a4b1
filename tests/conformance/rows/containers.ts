import type { ConformanceRow } from '../harness.js';

// The FAT16 fixture's tree, read through each container format (tests/fixtures/make-containers.sh).
// Damage goes to the container's own metadata: headers, footers, block tables and the first
// clusters (where the L1/L2 tables and BAT live), and the end of the file (VHD footer).
export const containerRows: ConformanceRow[] = [
  'fat16-fixed.vhd',
  'fat16-dynamic.vhd',
  'fat16-v2.qcow2',
  'fat16-v3.qcow2',
  'fat16.vdi',
].map((file) => ({
  name: `container-${file}`,
  image: `containers/${file}.gz`,
  expected: 'fat/fat16.expected.jsonl',
  fs: 'fat16',
  metadata: (img: Uint8Array): Array<[number, number]> => [
    [0, Math.min(img.length, 1024 * 1024)],
    [Math.max(0, img.length - 512), img.length],
  ],
}));
