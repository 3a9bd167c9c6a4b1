// The exFAT driver. See README.md for what it supports.
import type { BlockDevice } from '../../block/device.js';
import { corrupt, GloveboxError } from '../../errors.js';
import type { FsDriver, Volume, VolumeNote } from '../types.js';
import { BOOT_REGION_SECTORS, BOOT_SECTOR_BYTES, checkSignature, parseBootRegion, sectorShiftOf, type ExfatGeometry } from './boot.js';
import { readExact } from './io.js';
import { ExfatVolume } from './volume.js';

/** The main boot region, or the backup (sectors 12-23) with a note when the main one is bad. */
async function bootGeometry(device: BlockDevice): Promise<{ geometry: ExfatGeometry; notes: VolumeNote[] }> {
  let mainError: GloveboxError;
  try {
    const first = await readExact(device, 0, BOOT_SECTOR_BYTES);
    checkSignature(first);
    const bytesPerSector = 1 << sectorShiftOf(first);
    const region = await readExact(device, 0, Math.min(device.size, BOOT_REGION_SECTORS * bytesPerSector));
    return { geometry: parseBootRegion(region, device.size, 'main boot region'), notes: [] };
  } catch (e) {
    if (!(e instanceof GloveboxError)) throw e;
    mainError = e;
  }
  // The main region's sector size may be the damaged field: try each size for the backup.
  for (let shift = 9; shift <= 12; shift++) {
    const bytesPerSector = 1 << shift;
    const start = BOOT_REGION_SECTORS * bytesPerSector;
    if (start + BOOT_REGION_SECTORS * bytesPerSector > device.size) break;
    try {
      const region = await readExact(device, start, BOOT_REGION_SECTORS * bytesPerSector);
      if (sectorShiftOf(region) !== shift) continue;
      const geometry = parseBootRegion(region, device.size, 'backup boot region');
      const message = `main boot region is damaged (${mainError.message}); using the backup boot region`;
      return { geometry, notes: [{ severity: 'warning', message }] };
    } catch (e) {
      if (!(e instanceof GloveboxError)) throw e;
    }
  }
  throw mainError;
}

export const exfatDriver: FsDriver = {
  name: 'exfat',

  async probe(device: BlockDevice): Promise<boolean> {
    try {
      if (device.size < BOOT_SECTOR_BYTES) return false;
      checkSignature(await readExact(device, 0, BOOT_SECTOR_BYTES));
      return true;
    } catch {
      return false;
    }
  },

  async open(device: BlockDevice): Promise<Volume> {
    if (device.size < BOOT_SECTOR_BYTES) {
      throw corrupt('device smaller than a boot sector', { expected: `>= ${BOOT_SECTOR_BYTES} bytes`, found: `${device.size}` });
    }
    const { geometry, notes } = await bootGeometry(device);
    return ExfatVolume.open(device, geometry, notes);
  },
};
