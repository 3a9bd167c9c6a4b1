// The NTFS driver. See README.md for what it supports.
import type { BlockDevice } from '../../block/device.js';
import { corrupt } from '../../errors.js';
import type { FsDriver, Volume } from '../types.js';
import { BOOT_SECTOR_BYTES, hasNtfsSignature, parseBootSector } from './boot.js';
import { readExact } from './io.js';
import { NtfsVolume } from './volume.js';

export const ntfsDriver: FsDriver = {
  name: 'ntfs',

  async probe(device: BlockDevice): Promise<boolean> {
    try {
      if (device.size < BOOT_SECTOR_BYTES) return false;
      return hasNtfsSignature(await readExact(device, 0, BOOT_SECTOR_BYTES));
    } catch {
      return false;
    }
  },

  async open(device: BlockDevice): Promise<Volume> {
    if (device.size < BOOT_SECTOR_BYTES) {
      throw corrupt('device smaller than a boot sector', { expected: `>= ${BOOT_SECTOR_BYTES} bytes`, found: `${device.size}` });
    }
    const geometry = parseBootSector(await readExact(device, 0, BOOT_SECTOR_BYTES), device.size);
    return NtfsVolume.open(device, geometry);
  },
};
