import type { ConformanceRow } from '../harness.js';

// One MBR disk (partition 1: the FAT16 fixture, partition 2: the ext4 "inline" fixture) in each
// container format (tests/fixtures/make-containers.sh); each row lists one of its volumes.
// Damage goes to the container's own metadata: headers, footers, block tables and the first
// clusters (where the L1/L2 tables and BAT live), and the end of the file (VHD footer).
const metadata = (img: Uint8Array): Array<[number, number]> => [
  [0, Math.min(img.length, 1024 * 1024)],
  [Math.max(0, img.length - 512), img.length],
];

const fat = (file: string): ConformanceRow => ({
  name: `container-${file}`,
  image: `containers/${file}.gz`,
  volume: 1,
  expected: 'fat/fat16.expected.jsonl',
  fs: 'fat16',
  metadata,
});

// VHDX (qemu-img's layout): the header section (headers, region tables), the start of the BAT
// region at 2 MiB and the metadata table and items at 3 MiB. The headers and region tables are
// CRC-32C-checked; the BAT and metadata are not, so damage there reaches the decoding.
const vhdxMetadata = (img: Uint8Array): Array<[number, number]> => [
  [0, Math.min(img.length, 320 * 1024)],
  [2 * 1024 * 1024, 2 * 1024 * 1024 + 4096],
  [3 * 1024 * 1024, 3 * 1024 * 1024 + 64 * 1024 + 64],
];

export const containerRows: ConformanceRow[] = [
  ...['disk-fixed.vhd', 'disk-dynamic.vhd', 'disk-v2.qcow2', 'disk-v3.qcow2', 'disk.vdi', 'disk-sparse.vmdk', 'disk-stream.vmdk', 'disk-zlib.qcow2'].map(fat),
  { ...fat('disk.vhdx'), metadata: vhdxMetadata },
  {
    name: 'container-disk-dynamic.vhd-ext4',
    image: 'containers/disk-dynamic.vhd.gz',
    volume: 2,
    expected: 'ext/inline.expected.jsonl',
    fs: 'ext4',
    metadata,
  },
  // Nesting: VHD -> GPT -> NTFS (the ntfs-gpt fixture in a dynamic VHD).
  {
    name: 'container-ntfs-gpt.vhd',
    image: 'containers/ntfs-gpt.vhd.gz',
    expected: 'ntfs/ntfs-gpt.expected.jsonl',
    fs: 'ntfs',
    label: 'GLOVE GPT',
    metadata,
  },
];
