// The UDF driver. See README.md for what it supports.
import type { BlockDevice } from '../../block/device.js';
import { corrupt } from '../../errors.js';
import type { FsDriver, Volume, VolumeNote } from '../types.js';
import { findAnchor, hasNsr, readVolumeDescriptors } from './descriptors.js';
import { UdfVolume } from './volume.js';

export const udfDriver: FsDriver = {
  name: 'udf',

  async probe(device: BlockDevice): Promise<boolean> {
    try {
      if (await hasNsr(device)) return true;
      return (await findAnchor(device)) !== null;
    } catch {
      return false;
    }
  },

  async open(device: BlockDevice): Promise<Volume> {
    const anchor = await findAnchor(device);
    if (anchor === null) throw corrupt('no anchor volume descriptor pointer', { where: 'sectors 256, N-256, N-1 (2048, 512, 4096-byte sectors)' });
    const notes: VolumeNote[] = [];
    const descriptors = await readVolumeDescriptors(device, anchor, notes);
    return UdfVolume.open(device, anchor, descriptors, notes);
  },
};
