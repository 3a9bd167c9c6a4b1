// The boot sector and its BIOS Parameter Block (Microsoft "FAT: General Overview of On-Disk
// Format" v1.03, section 3). Field names follow the spec (BPB_BytsPerSec, ...). Decoding is pure
// and synchronous; every value that later code uses as a size or offset is validated here.
import { corrupt } from '../../errors.js';
import { decodeCp437 } from './cp437.js';
import { u16, u32 } from '../io.js';

export type FatType = 'fat12' | 'fat16' | 'fat32';

/** Only the first 512 bytes hold the BPB, whatever BPB_BytsPerSec says. */
export const BOOT_SECTOR_BYTES = 512;

/** Spec section 3.5: fewer than 4085 clusters is FAT12, fewer than 65525 is FAT16. */
const FAT12_MAX_CLUSTERS = 4084;
const FAT16_MAX_CLUSTERS = 65524;
/** Cluster numbers stop below 0x0FFFFFF7 (BAD), so at most 0x0FFFFFF5 data clusters. */
const FAT32_MAX_CLUSTERS = 0x0ffffff5;
/** The spec's largest cluster is 32 KiB; real NT volumes use 64 KiB; allow up to 128 sectors. */
const MAX_SECTORS_PER_CLUSTER = 128;

const BPB_BytsPerSec = 11;
const BPB_SecPerClus = 13;
const BPB_RsvdSecCnt = 14;
const BPB_NumFATs = 16;
const BPB_RootEntCnt = 17;
const BPB_TotSec16 = 19;
const BPB_Media = 21;
const BPB_FATSz16 = 22;
const BPB_TotSec32 = 32;
// FAT12/16 extended boot record.
const BS_BootSig16 = 38;
const BS_VolLab16 = 43;
// FAT32 extension.
const BPB_FATSz32 = 36;
const BPB_ExtFlags = 40;
const BPB_RootClus = 44;
const BS_BootSig32 = 66;
const BS_VolLab32 = 71;
const EXTENDED_BOOT_SIGNATURE = 0x29;

export interface FatGeometry {
  fatType: FatType;
  /** BPB_BytsPerSec. */
  bytesPerSector: number;
  /** BPB_SecPerClus × BPB_BytsPerSec. */
  bytesPerCluster: number;
  /** CountofClusters: data clusters, numbered 2 .. clusterCount + 1. */
  clusterCount: number;
  /** Byte offset of the FAT in use (the first, or the active one when FAT32 mirroring is off). */
  fatOffset: number;
  /** Bytes of that FAT holding entries 0 .. clusterCount + 1. */
  fatUsedBytes: number;
  /** FAT12/16 fixed root directory region (bytes); zero length on FAT32. */
  rootDirOffset: number;
  rootDirBytes: number;
  /** BPB_RootClus on FAT32, 0 otherwise. */
  rootCluster: number;
  /** Byte offset of cluster 2 (FirstDataSector × BPB_BytsPerSec). */
  dataOffset: number;
  /** BPB_TotSec16 or BPB_TotSec32, in bytes. The device may be larger, or truncated. */
  volumeBytes: number;
  /** BS_VolLab, when the extended boot signature says it is present. */
  bpbLabel: string | null;
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;
const ascii = (b: Uint8Array, o: number, n: number): string => String.fromCharCode(...b.subarray(o, o + n));

/** A volume label field: CP437, trailing spaces (and NULs some tools pad with) removed. */
export function decodeLabel(raw: Uint8Array): string | null {
  const label = decodeCp437(raw).replace(/[ \0]+$/, '');
  return label === '' || label === 'NO NAME' ? null : label;
}

/** Decodes and validates a boot sector; throws a Corrupt GloveboxError when it is not a sane FAT BPB. */
export function parseBootSector(bs: Uint8Array): FatGeometry {
  if (bs.length < BOOT_SECTOR_BYTES) {
    throw corrupt('boot sector too short', { expected: `${BOOT_SECTOR_BYTES} bytes`, found: `${bs.length}` });
  }
  const where = (field: string): string => `boot sector ${field}`;
  // exFAT and NTFS keep a jump and an OEM name where FAT does; tell them apart first.
  const oem = ascii(bs, 3, 8);
  if (oem === 'EXFAT   ' || oem === 'NTFS    ') {
    throw corrupt('not a FAT boot sector', { where: where('BS_OEMName'), found: JSON.stringify(oem) });
  }
  // BS_jmpBoot is EB xx 90 or E9 xx xx; a few formatters leave it zero but keep the 55 AA signature.
  const jumpOk = (bs[0] === 0xeb && bs[2] === 0x90) || bs[0] === 0xe9;
  if (!jumpOk && !(bs[510] === 0x55 && bs[511] === 0xaa)) {
    throw corrupt('no boot jump and no boot signature', { where: where('BS_jmpBoot'), found: `0x${bs[0]!.toString(16)}` });
  }

  const bytesPerSector = u16(bs, BPB_BytsPerSec);
  if (!isPowerOfTwo(bytesPerSector) || bytesPerSector < 512 || bytesPerSector > 4096) {
    throw corrupt('bad sector size', { where: where('BPB_BytsPerSec'), expected: '512, 1024, 2048 or 4096', found: `${bytesPerSector}` });
  }
  const sectorsPerCluster = bs[BPB_SecPerClus]!;
  if (!isPowerOfTwo(sectorsPerCluster) || sectorsPerCluster > MAX_SECTORS_PER_CLUSTER) {
    throw corrupt('bad cluster size', { where: where('BPB_SecPerClus'), expected: 'a power of two up to 128', found: `${sectorsPerCluster}` });
  }
  const reservedSectors = u16(bs, BPB_RsvdSecCnt);
  if (reservedSectors === 0) throw corrupt('no reserved sectors', { where: where('BPB_RsvdSecCnt'), expected: '> 0', found: '0' });
  const numFats = bs[BPB_NumFATs]!;
  if (numFats === 0) throw corrupt('no FAT', { where: where('BPB_NumFATs'), expected: '>= 1', found: '0' });
  const media = bs[BPB_Media]!;
  if (media !== 0xf0 && media < 0xf8) {
    throw corrupt('bad media descriptor', { where: where('BPB_Media'), expected: '0xF0 or 0xF8..0xFF', found: `0x${media.toString(16)}` });
  }

  const rootEntryCount = u16(bs, BPB_RootEntCnt);
  const fatSz16 = u16(bs, BPB_FATSz16);
  // The FAT32 layout is recognised by BPB_FATSz16 == 0 (as Windows and Linux do): its BPB has a
  // root cluster instead of a root region, so it cannot be read as FAT12/16 whatever its size.
  const fat32Layout = fatSz16 === 0;
  const fatSectors = fat32Layout ? u32(bs, BPB_FATSz32) : fatSz16;
  if (fatSectors === 0) throw corrupt('FAT size is zero', { where: where('BPB_FATSz32') });
  const totSec16 = u16(bs, BPB_TotSec16);
  const totalSectors = totSec16 !== 0 ? totSec16 : u32(bs, BPB_TotSec32);
  if (totalSectors === 0) throw corrupt('volume size is zero', { where: where('BPB_TotSec32') });

  const rootDirSectors = Math.ceil((rootEntryCount * 32) / bytesPerSector);
  const metaSectors = reservedSectors + numFats * fatSectors + rootDirSectors;
  if (metaSectors >= totalSectors) {
    throw corrupt('no room for data', { where: where('BPB_TotSec'), expected: `more than ${metaSectors} sectors`, found: `${totalSectors}` });
  }
  const clusterCount = Math.floor((totalSectors - metaSectors) / sectorsPerCluster);
  if (clusterCount < 1) throw corrupt('no data clusters', { where: where('BPB_TotSec') });

  let fatType: FatType;
  if (fat32Layout) {
    if (rootEntryCount !== 0) {
      throw corrupt('FAT32 with a fixed root directory', { where: where('BPB_RootEntCnt'), expected: '0', found: `${rootEntryCount}` });
    }
    // mkfs.fat makes FAT32 volumes below 65525 clusters on request (with a warning); they are FAT32.
    fatType = 'fat32';
    if (clusterCount > FAT32_MAX_CLUSTERS) {
      throw corrupt('too many clusters for FAT32', { where: where('BPB_TotSec32'), found: `${clusterCount}` });
    }
  } else {
    if (clusterCount > FAT16_MAX_CLUSTERS) {
      throw corrupt('FAT32 cluster count without a FAT32 BPB', { where: where('BPB_FATSz16'), expected: '0', found: `${fatSz16}` });
    }
    if (rootEntryCount === 0) throw corrupt('no root directory', { where: where('BPB_RootEntCnt'), expected: '> 0', found: '0' });
    fatType = clusterCount <= FAT12_MAX_CLUSTERS ? 'fat12' : 'fat16';
  }

  const entryBits = fatType === 'fat12' ? 12 : fatType === 'fat16' ? 16 : 32;
  const fatBytes = fatSectors * bytesPerSector;
  const fatUsedBytes = Math.ceil(((clusterCount + 2) * entryBits) / 8);
  if (fatUsedBytes > fatBytes) {
    throw corrupt('FAT too small for the cluster count', { where: where('FATSz'), expected: `>= ${fatUsedBytes} bytes`, found: `${fatBytes}` });
  }

  let activeFat = 0;
  let rootCluster = 0;
  if (fatType === 'fat32') {
    // BPB_ExtFlags bit 7: mirroring off, bits 0-3 name the one active FAT.
    const extFlags = u16(bs, BPB_ExtFlags);
    if ((extFlags & 0x80) !== 0 && (extFlags & 0x0f) < numFats) activeFat = extFlags & 0x0f;
    rootCluster = u32(bs, BPB_RootClus);
    if (rootCluster < 2 || rootCluster > clusterCount + 1) {
      throw corrupt('root cluster out of range', { where: where('BPB_RootClus'), expected: `2..${clusterCount + 1}`, found: `${rootCluster}` });
    }
  }

  const bootSig = fatType === 'fat32' ? BS_BootSig32 : BS_BootSig16;
  const labelAt = fatType === 'fat32' ? BS_VolLab32 : BS_VolLab16;
  const bpbLabel = bs[bootSig] === EXTENDED_BOOT_SIGNATURE ? decodeLabel(bs.subarray(labelAt, labelAt + 11)) : null;

  const firstFatSector = reservedSectors;
  const rootDirSector = reservedSectors + numFats * fatSectors;
  return {
    fatType,
    bytesPerSector,
    bytesPerCluster: sectorsPerCluster * bytesPerSector,
    clusterCount,
    fatOffset: (firstFatSector + activeFat * fatSectors) * bytesPerSector,
    fatUsedBytes,
    rootDirOffset: rootDirSector * bytesPerSector,
    rootDirBytes: fatType === 'fat32' ? 0 : rootEntryCount * 32,
    rootCluster,
    dataOffset: metaSectors * bytesPerSector,
    volumeBytes: totalSectors * bytesPerSector,
    bpbLabel,
  };
}
