// The ext2/ext3/ext4 driver. See README.md for what it supports.
import type { BlockDevice } from '../../block/device.js';
import { corrupt, GloveboxError } from '../../errors.js';
import type { FsDriver, Volume, VolumeNote } from '../types.js';
import { readExact } from './io.js';
import {
  checkFeatures,
  INCOMPAT_RECOVER,
  parseSuperblock,
  SUPERBLOCK_BYTES,
  SUPERBLOCK_OFFSET,
  type Superblock,
} from './superblock.js';
import { ExtVolume } from './volume.js';

/** Backup superblock groups tried when the primary is damaged (sparse_super: 1, powers of 3, 5, 7). */
const BACKUP_GROUPS = [1, 3, 5, 7, 9, 25, 27, 49];
const BLOCK_SIZES = [1024, 2048, 4096, 8192, 16384, 32768, 65536];

interface Found {
  sb: Superblock;
  /** The first group descriptor block: the block after the superblock in use. */
  gdtBlock: number;
  notes: VolumeNote[];
}

async function tryParse(device: BlockDevice, offset: number, where: string): Promise<Superblock | GloveboxError> {
  try {
    if (offset + SUPERBLOCK_BYTES > device.size) throw corrupt('superblock past the end of the device', { where, found: `device of ${device.size} bytes` });
    return parseSuperblock(await readExact(device, offset, SUPERBLOCK_BYTES), where);
  } catch (e) {
    if (e instanceof GloveboxError) return e;
    throw e;
  }
}

/**
 * A backup superblock: at the start of group g's first block, saying it is group g, with the
 * block size and group size it was found with. `thorough` also tries groups smaller than the
 * default (mke2fs -g) and more groups; probe() tries only group 1 at the default geometry.
 */
async function findBackup(device: BlockDevice, thorough: boolean): Promise<{ sb: Superblock; group: number } | null> {
  for (const bs of thorough ? BLOCK_SIZES : BLOCK_SIZES.slice(0, 3)) {
    const groupSizes = thorough ? [8, 4, 2, 1, 0.5, 0.25].map((k) => k * bs).filter((n) => n >= 256) : [8 * bs];
    for (const bpg of groupSizes) {
      for (const g of thorough ? BACKUP_GROUPS : [1]) {
        const offset = (g * bpg + (bs === 1024 ? 1 : 0)) * bs;
        if (offset + SUPERBLOCK_BYTES > device.size) break;
        const sb = await tryParse(device, offset, `backup superblock (group ${g})`);
        if (sb instanceof GloveboxError) continue;
        if (sb.blockSize === bs && sb.s_blocks_per_group === bpg && sb.s_block_group_nr === g && sb.checksumOk) return { sb, group: g };
      }
    }
  }
  return null;
}

async function findSuperblock(device: BlockDevice): Promise<Found> {
  const primary = await tryParse(device, SUPERBLOCK_OFFSET, 'primary superblock');
  if (!(primary instanceof GloveboxError) && primary.checksumOk) return { sb: primary, gdtBlock: primary.s_first_data_block + 1, notes: [] };
  const backup = await findBackup(device, true);
  const problem = primary instanceof GloveboxError ? primary.message : 'superblock checksum mismatch';
  if (backup !== null) {
    const { sb, group } = backup;
    return {
      sb,
      gdtBlock: group * sb.s_blocks_per_group + sb.s_first_data_block + 1,
      notes: [{ severity: 'warning', message: `primary superblock damaged (${problem}); using the backup in group ${group}` }],
    };
  }
  if (primary instanceof GloveboxError) throw primary;
  return {
    sb: primary,
    gdtBlock: primary.s_first_data_block + 1,
    notes: [{ severity: 'warning', message: 'superblock checksum mismatch and no good backup; using the primary' }],
  };
}

export const extDriver: FsDriver = {
  name: 'ext',

  async probe(device: BlockDevice): Promise<boolean> {
    try {
      if (!((await tryParse(device, SUPERBLOCK_OFFSET, 'primary superblock')) instanceof GloveboxError)) return true;
      return (await findBackup(device, false)) !== null;
    } catch {
      return false;
    }
  },

  async open(device: BlockDevice): Promise<Volume> {
    const { sb, gdtBlock, notes } = await findSuperblock(device);
    checkFeatures(sb);
    if ((sb.s_feature_incompat & INCOMPAT_RECOVER) !== 0) {
      notes.push({ severity: 'warning', message: 'needs journal recovery: the on-disk state is shown, the journal is not replayed' });
    } else if ((sb.s_state & 1) === 0) {
      notes.push({ severity: 'info', message: 'not cleanly unmounted (s_state): the on-disk state is shown as it is' });
    }
    if (sb.s_blocks_count * sb.blockSize > device.size) {
      notes.push({ severity: 'warning', message: `device (${device.size} bytes) smaller than the volume (${sb.s_blocks_count * sb.blockSize} bytes): data past its end cannot be read` });
    }
    return new ExtVolume(device, sb, gdtBlock, notes);
  },
};
