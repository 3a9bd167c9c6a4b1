// The boot region (exFAT specification section 3): the Main Boot Sector's fields, validated
// against each other and the device, and the Boot Checksum over sectors 0-10 (section 3.4).
// The backup boot region (sectors 12-23) is used when the main one fails its checks.
import { corrupt, unsupported } from '../../errors.js';
import { u16, u32, u64 } from './io.js';

/** What probe() reads: the fields of the Main Boot Sector all lie in its first 512 bytes. */
export const BOOT_SECTOR_BYTES = 512;
/** Sectors 0-10 are checksummed; sector 11 repeats the checksum (section 3.4). */
export const CHECKSUMMED_SECTORS = 11;
export const BOOT_REGION_SECTORS = 12;

const FileSystemName = 3;
const MustBeZero = 11;
const MUST_BE_ZERO_BYTES = 53;
const PartitionOffset = 64;
const VolumeLength = 72;
const FatOffset = 80;
const FatLength = 84;
const ClusterHeapOffset = 88;
const ClusterCount = 92;
const FirstClusterOfRootDirectory = 96;
const FileSystemRevision = 104;
export const VolumeFlags = 106;
const BytesPerSectorShift = 108;
const SectorsPerClusterShift = 109;
const NumberOfFats = 110;
export const PercentInUse = 112;
const BootSignature = 510;

/** Section 3.1.9: at most 2^32 - 11 clusters (cluster numbers stop below 0xFFFFFFF7). */
const MAX_CLUSTER_COUNT = 0xfffffff5;
/** Section 3.1.15: a cluster is at most 32 MiB (shift sum <= 25). */
const MAX_CLUSTER_SHIFT = 25;

export interface ExfatGeometry {
  bytesPerSector: number;
  bytesPerCluster: number;
  /** Data clusters, numbered 2 .. clusterCount + 1. */
  clusterCount: number;
  /** Byte offset of the FAT in use (the second when NumberOfFats is 2 and ActiveFat says so). */
  fatOffset: number;
  /** Bytes of that FAT holding entries 0 .. clusterCount + 1. */
  fatUsedBytes: number;
  /** Byte offset of cluster 2. */
  heapOffset: number;
  rootCluster: number;
  /** VolumeLength in bytes. */
  volumeBytes: number;
  volumeFlags: number;
  partitionOffset: number;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** The cheap signature check (probe): jump, name, MustBeZero, shifts. Throws Corrupt otherwise. */
export function checkSignature(bs: Uint8Array): void {
  if (bs.length < BOOT_SECTOR_BYTES) {
    throw corrupt('boot sector too short', { expected: `${BOOT_SECTOR_BYTES} bytes`, found: `${bs.length}` });
  }
  if (bs[0] !== 0xeb || bs[1] !== 0x76 || bs[2] !== 0x90) {
    throw corrupt('not an exFAT boot sector', { where: 'JumpBoot', expected: 'EB 76 90', found: hex(bs[0]!) });
  }
  const name = String.fromCharCode(...bs.subarray(FileSystemName, FileSystemName + 8));
  if (name !== 'EXFAT   ') throw corrupt('not an exFAT boot sector', { where: 'FileSystemName', expected: '"EXFAT   "', found: JSON.stringify(name) });
  for (let i = MustBeZero; i < MustBeZero + MUST_BE_ZERO_BYTES; i++) {
    if (bs[i] !== 0) throw corrupt('MustBeZero field is not zero', { where: `boot sector byte ${i}`, expected: '0', found: hex(bs[i]!) });
  }
  const sectorShift = bs[BytesPerSectorShift]!;
  if (sectorShift < 9 || sectorShift > 12) {
    throw corrupt('bad sector size', { where: 'BytesPerSectorShift', expected: '9..12', found: `${sectorShift}` });
  }
  const clusterShift = bs[SectorsPerClusterShift]!;
  if (sectorShift + clusterShift > MAX_CLUSTER_SHIFT) {
    throw corrupt('cluster larger than 32 MiB', { where: 'SectorsPerClusterShift', expected: `<= ${MAX_CLUSTER_SHIFT - sectorShift}`, found: `${clusterShift}` });
  }
}

export function sectorShiftOf(bs: Uint8Array): number {
  return bs[BytesPerSectorShift]!;
}

/** Section 3.4: the checksum of sectors 0-10, skipping VolumeFlags and PercentInUse. */
export function bootChecksum(region: Uint8Array, bytesPerSector: number): number {
  let checksum = 0;
  const n = CHECKSUMMED_SECTORS * bytesPerSector;
  for (let i = 0; i < n; i++) {
    if (i === VolumeFlags || i === VolumeFlags + 1 || i === PercentInUse) continue;
    checksum = (((checksum & 1) << 31) | (checksum >>> 1)) + region[i]!;
    checksum >>>= 0;
  }
  return checksum;
}

/** Checks the checksum sector (sector 11: the checksum repeated) of a 12-sector boot region. */
export function checkBootChecksum(region: Uint8Array, bytesPerSector: number, where: string): void {
  const sum = bootChecksum(region, bytesPerSector);
  const at = CHECKSUMMED_SECTORS * bytesPerSector;
  for (let o = at; o < at + bytesPerSector; o += 4) {
    const found = u32(region, o);
    if (found !== sum) {
      throw corrupt('boot checksum mismatch', { where: `${where} checksum sector byte ${o - at}`, expected: hex(sum), found: hex(found) });
    }
  }
}

/** Decodes and validates a Main (or Backup) Boot Sector against itself and the device size. */
export function parseBootSector(bs: Uint8Array, deviceSize: number): ExfatGeometry {
  checkSignature(bs);
  const where = (field: string): string => `boot sector ${field}`;
  if (bs[BootSignature] !== 0x55 || bs[BootSignature + 1] !== 0xaa) {
    throw corrupt('no boot signature', { where: where('BootSignature'), expected: '55 AA', found: `${hex(bs[BootSignature]!)} ${hex(bs[BootSignature + 1]!)}` });
  }
  const revision = u16(bs, FileSystemRevision);
  if (revision >>> 8 !== 1) throw unsupported(`exFAT revision ${revision >>> 8}.${revision & 0xff}`);
  const sectorShift = bs[BytesPerSectorShift]!;
  const bytesPerSector = 1 << sectorShift;
  const sectorsPerCluster = 2 ** bs[SectorsPerClusterShift]!;
  const numberOfFats = bs[NumberOfFats]!;
  if (numberOfFats !== 1 && numberOfFats !== 2) {
    throw corrupt('bad number of FATs', { where: where('NumberOfFats'), expected: '1 or 2', found: `${numberOfFats}` });
  }
  const volumeLength = u64(bs, VolumeLength);
  const fatOffset = u32(bs, FatOffset);
  const fatLength = u32(bs, FatLength);
  const heapOffset = u32(bs, ClusterHeapOffset);
  const clusterCount = u32(bs, ClusterCount);
  const rootCluster = u32(bs, FirstClusterOfRootDirectory);
  const volumeFlags = u16(bs, VolumeFlags);

  const minSectors = 2 ** 20 / bytesPerSector;
  if (!Number.isSafeInteger(volumeLength * bytesPerSector) || volumeLength < minSectors) {
    throw corrupt('bad volume length', { where: where('VolumeLength'), expected: `>= ${minSectors} sectors (1 MiB)`, found: `${volumeLength}` });
  }
  if (fatOffset < 24) throw corrupt('FAT inside the boot regions', { where: where('FatOffset'), expected: '>= 24', found: `${fatOffset}` });
  if (clusterCount < 1 || clusterCount > MAX_CLUSTER_COUNT) {
    throw corrupt('bad cluster count', { where: where('ClusterCount'), expected: `1..${MAX_CLUSTER_COUNT}`, found: `${clusterCount}` });
  }
  const fatUsedBytes = (clusterCount + 2) * 4;
  if (fatLength * bytesPerSector < fatUsedBytes) {
    throw corrupt('FAT too small for the cluster count', { where: where('FatLength'), expected: `>= ${Math.ceil(fatUsedBytes / bytesPerSector)} sectors`, found: `${fatLength}` });
  }
  const fatsEnd = fatOffset + fatLength * numberOfFats;
  if (heapOffset < fatsEnd) {
    throw corrupt('cluster heap overlaps the FAT', { where: where('ClusterHeapOffset'), expected: `>= ${fatsEnd}`, found: `${heapOffset}` });
  }
  const heapEnd = heapOffset + clusterCount * sectorsPerCluster;
  if (heapEnd > volumeLength) {
    throw corrupt('cluster heap past the end of the volume', { where: where('ClusterCount'), expected: `heap end <= ${volumeLength} sectors`, found: `${heapEnd}` });
  }
  if (rootCluster < 2 || rootCluster > clusterCount + 1) {
    throw corrupt('root cluster out of range', { where: where('FirstClusterOfRootDirectory'), expected: `2..${clusterCount + 1}`, found: `${rootCluster}` });
  }
  // The metadata must be on the device; a truncated cluster heap only costs the files in it.
  const heapBytes = heapOffset * bytesPerSector;
  if (heapBytes > deviceSize) {
    throw corrupt('device ends before the cluster heap', { where: where('ClusterHeapOffset'), expected: `<= ${deviceSize} bytes`, found: `${heapBytes}` });
  }
  // VolumeFlags bit 0 (ActiveFat) names the FAT in use; it only means something with two FATs.
  const activeFat = numberOfFats === 2 ? volumeFlags & 1 : 0;
  return {
    bytesPerSector,
    bytesPerCluster: bytesPerSector * sectorsPerCluster,
    clusterCount,
    fatOffset: (fatOffset + activeFat * fatLength) * bytesPerSector,
    fatUsedBytes,
    heapOffset: heapBytes,
    rootCluster,
    volumeBytes: volumeLength * bytesPerSector,
    volumeFlags,
    partitionOffset: u64(bs, PartitionOffset),
  };
}

/** Validates one 12-sector boot region (sectors 0-11 of it); throws a GloveboxError otherwise. */
export function parseBootRegion(region: Uint8Array, deviceSize: number, which: string): ExfatGeometry {
  const geometry = parseBootSector(region.subarray(0, BOOT_SECTOR_BYTES), deviceSize);
  if (region.length < BOOT_REGION_SECTORS * geometry.bytesPerSector) {
    throw corrupt('boot region too short', { where: which, expected: `${BOOT_REGION_SECTORS * geometry.bytesPerSector} bytes`, found: `${region.length}` });
  }
  checkBootChecksum(region, geometry.bytesPerSector, which);
  return geometry;
}
