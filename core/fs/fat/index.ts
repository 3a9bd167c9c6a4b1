// The FAT12/FAT16/FAT32 driver (with VFAT long names). See README.md for what it supports.
import type { BlockDevice } from '../../block/device.js';
import { corrupt } from '../../errors.js';
import type { FsDriver, Volume } from '../types.js';
import { BOOT_SECTOR_BYTES, parseBootSector } from './bootsector.js';
import { readExact } from './io.js';
import { FatVolume } from './volume.js';

export { type FatType } from './bootsector.js';

export const fatDriver: FsDriver = {
  name: 'fat',

  async probe(device: BlockDevice): Promise<boolean> {
    try {
      if (device.size < BOOT_SECTOR_BYTES) return false;
      parseBootSector(await readExact(device, 0, BOOT_SECTOR_BYTES));
      return true;
    } catch {
      return false;
    }
  },

  async open(device: BlockDevice): Promise<Volume> {
    if (device.size < BOOT_SECTOR_BYTES) {
      throw corrupt('device smaller than a boot sector', { expected: `>= ${BOOT_SECTOR_BYTES} bytes`, found: `${device.size}` });
    }
    return FatVolume.open(device, parseBootSector(await readExact(device, 0, BOOT_SECTOR_BYTES)));
  },
};
