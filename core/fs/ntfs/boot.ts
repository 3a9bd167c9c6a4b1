// The NTFS boot sector (layout.h NTFS_BOOT_SECTOR and BIOS_PARAMETER_BLOCK): geometry, where
// the $MFT starts, and the sizes of MFT records and index blocks, each checked against the
// device before anything else is read.
import { corrupt, unsupported } from '../../errors.js';
import { s8, u16, u64, u8 } from './io.js';

export const BOOT_SECTOR_BYTES = 512;
const OEM_ID = 'NTFS    ';
/** Largest cluster Windows formats (2 MiB since Windows 10 1709). */
const MAX_CLUSTER_BYTES = 2 * 1024 * 1024;
const MIN_RECORD_BYTES = 256;
const MAX_RECORD_BYTES = 64 * 1024;

export interface NtfsGeometry {
  bytesPerSector: number;
  bytesPerCluster: number;
  /** Total sectors of the volume (the boot sector's field; the backup boot sector lies after them). */
  totalSectors: number;
  clusterCount: number;
  mftLcn: number;
  mftMirrLcn: number;
  mftRecordBytes: number;
  indexBlockBytes: number;
  serial: bigint;
}

export function hasNtfsSignature(b: Uint8Array): boolean {
  if (b.length < BOOT_SECTOR_BYTES) return false;
  for (let i = 0; i < 8; i++) if (b[3 + i] !== OEM_ID.charCodeAt(i)) return false;
  return b[510] === 0x55 && b[511] === 0xaa;
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/**
 * A record size field (clusters_per_mft_record, clusters_per_index_record): a positive value
 * counts clusters, a negative one n means 2^-n bytes.
 */
function recordSize(raw: number, bytesPerCluster: number, what: string): number {
  const bytes = raw > 0 ? raw * bytesPerCluster : raw < 0 && raw >= -31 ? 2 ** -raw : 0;
  if (!isPowerOfTwo(bytes) || bytes < MIN_RECORD_BYTES || bytes > MAX_RECORD_BYTES) {
    throw corrupt(`boot sector: bad ${what} size`, { where: 'boot sector', expected: `a power of two in ${MIN_RECORD_BYTES}..${MAX_RECORD_BYTES} bytes`, found: `field ${raw} (${bytes} bytes)` });
  }
  return bytes;
}

export function parseBootSector(b: Uint8Array, deviceSize: number): NtfsGeometry {
  if (!hasNtfsSignature(b)) throw corrupt('not an NTFS boot sector', { where: 'boot sector', expected: '"NTFS    " and 55 AA', found: 'something else' });
  const bytesPerSector = u16(b, 0x0b);
  if (!isPowerOfTwo(bytesPerSector) || bytesPerSector < 256 || bytesPerSector > 4096) {
    throw corrupt('boot sector: bad bytes per sector', { where: 'boot sector 0x0B', expected: '256..4096, a power of two', found: `${bytesPerSector}` });
  }
  // sectors_per_cluster: values above 0x80 are a negative shift (2^-n sectors), for clusters of 64 KiB and more.
  const spcRaw = u8(b, 0x0d);
  const sectorsPerCluster = spcRaw <= 0x80 ? spcRaw : spcRaw >= 0xf4 ? 2 ** (0x100 - spcRaw) : 0;
  if (!isPowerOfTwo(sectorsPerCluster)) {
    throw corrupt('boot sector: bad sectors per cluster', { where: 'boot sector 0x0D', expected: 'a power of two', found: `0x${spcRaw.toString(16)}` });
  }
  const bytesPerCluster = bytesPerSector * sectorsPerCluster;
  if (bytesPerCluster > MAX_CLUSTER_BYTES) throw unsupported(`NTFS clusters of ${bytesPerCluster} bytes`);
  const totalSectors = u64(b, 0x28);
  if (!Number.isSafeInteger(totalSectors) || totalSectors === 0) {
    throw corrupt('boot sector: bad total sectors', { where: 'boot sector 0x28', expected: 'a sector count', found: `${totalSectors}` });
  }
  const clusterCount = Math.floor(totalSectors / sectorsPerCluster);
  const mftLcn = u64(b, 0x30);
  const mftMirrLcn = u64(b, 0x38);
  const deviceClusters = Math.floor(deviceSize / bytesPerCluster);
  for (const [name, lcn, at] of [['$MFT', mftLcn, 0x30], ['$MFTMirr', mftMirrLcn, 0x38]] as const) {
    if (!Number.isSafeInteger(lcn) || lcn >= Math.min(clusterCount, deviceClusters)) {
      throw corrupt(`boot sector: ${name} cluster past the volume`, { where: `boot sector 0x${at.toString(16)}`, expected: `< ${Math.min(clusterCount, deviceClusters)}`, found: `${lcn}` });
    }
  }
  const mftRecordBytes = recordSize(s8(b, 0x40), bytesPerCluster, 'MFT record');
  const indexBlockBytes = recordSize(s8(b, 0x44), bytesPerCluster, 'index block');
  if (mftRecordBytes < bytesPerSector) {
    throw corrupt('boot sector: MFT record smaller than a sector', { where: 'boot sector 0x40', expected: `>= ${bytesPerSector}`, found: `${mftRecordBytes}` });
  }
  return {
    bytesPerSector,
    bytesPerCluster,
    totalSectors,
    clusterCount,
    mftLcn,
    mftMirrLcn,
    mftRecordBytes,
    indexBlockBytes,
    serial: (BigInt(u64(b, 0x48) === Infinity ? 0 : u64(b, 0x48))),
  };
}
