// The ISO 9660 driver (with Joliet, Rock Ridge and El Torito). See README.md.
import type { BlockDevice } from '../../block/device.js';
import { corrupt } from '../../errors.js';
import type { FsDriver, Volume } from '../types.js';
import { DESCRIPTORS_START, isDescriptorHeader, readDescriptors, SECTOR_BYTES } from './descriptors.js';
import { readExact } from './io.js';
import { IsoVolume } from './volume.js';

export const iso9660Driver: FsDriver = {
  name: 'iso9660',

  async probe(device: BlockDevice): Promise<boolean> {
    try {
      if (device.size < DESCRIPTORS_START + SECTOR_BYTES) return false;
      return isDescriptorHeader(await readExact(device, DESCRIPTORS_START, 8));
    } catch {
      return false;
    }
  },

  async open(device: BlockDevice): Promise<Volume> {
    if (device.size < DESCRIPTORS_START + SECTOR_BYTES) {
      throw corrupt('device smaller than the system area and one volume descriptor', { expected: `>= ${DESCRIPTORS_START + SECTOR_BYTES} bytes`, found: String(device.size) });
    }
    return IsoVolume.open(device, await readDescriptors(device));
  },
};
