// Block group descriptors (struct ext4_group_desc, ext4.h; Documentation/filesystems/ext4/
// group_descr.rst), 32 or 64 bytes, read lazily one descriptor block at a time and cached. With
// meta_bg, groups from s_first_meta_bg × (descriptors per block) on have their descriptor block
// in the first group of their meta group (ext4's descriptor_loc()).
import type { BlockDevice } from '../../block/device.js';
import { corrupt } from '../../errors.js';
import { crc32c, crc32cU32 } from './crc32c.js';
import { readExact, u16, u32, u64 } from './io.js';
import { groupHasSuper, INCOMPAT_META_BG, type Superblock } from './superblock.js';

const BG_INODE_UNINIT = 0x1;
/** Descriptor blocks kept (LRU); each holds blockSize / descSize groups. */
const MAX_CACHED_DESC_BLOCKS = 256;

export interface GroupDesc {
  bg_inode_table: number;
  bg_flags: number;
  /** The inode table was never initialised (uninit_bg / metadata_csum): every inode is unused. */
  inodeUninit: boolean;
}

export class GroupTable {
  private readonly perBlock: number;
  private readonly blocks = new Map<number, Promise<Uint8Array>>();

  /**
   * @param gdtBlock the first descriptor block: the block after the superblock in use (the
   *   primary's, or the backup group's when the primary was damaged).
   */
  constructor(
    private readonly device: BlockDevice,
    private readonly sb: Superblock,
    private readonly gdtBlock: number,
    private readonly note: (message: string) => void,
  ) {
    this.perBlock = sb.blockSize / sb.descSize;
  }

  async get(group: number): Promise<GroupDesc> {
    const sb = this.sb;
    if (!Number.isSafeInteger(group) || group < 0 || group >= sb.groupCount) {
      throw corrupt('block group out of range', { where: 'group descriptors', expected: `< ${sb.groupCount}`, found: String(group) });
    }
    const index = Math.floor(group / this.perBlock);
    const block = this.descriptorBlock(index);
    const bytes = await this.loadBlock(block);
    const at = (group % this.perBlock) * sb.descSize;
    const d = bytes.subarray(at, at + sb.descSize);
    const is64 = sb.descSize >= 64;
    const bg_flags = u16(d, 0x12);
    if (sb.metadataCsum) {
      const copy = d.slice();
      copy[0x1e] = 0;
      copy[0x1f] = 0;
      const want = crc32c(crc32cU32(sb.csumSeed, group), copy) & 0xffff;
      if (want !== u16(d, 0x1e)) this.note(`group descriptor ${group}: checksum mismatch (stored 0x${u16(d, 0x1e).toString(16)}, computed 0x${want.toString(16)})`);
    }
    return {
      bg_inode_table: u64(u32(d, 8), is64 ? u32(d, 0x28) : 0),
      bg_flags,
      inodeUninit: (bg_flags & BG_INODE_UNINIT) !== 0 && (sb.metadataCsum || (sb.s_feature_ro_compat & 0x10) !== 0),
    };
  }

  /** ext4's descriptor_loc(): where descriptor block `index` lives. */
  private descriptorBlock(index: number): number {
    const sb = this.sb;
    if ((sb.s_feature_incompat & INCOMPAT_META_BG) === 0 || index < sb.s_first_meta_bg) return this.gdtBlock + index;
    const group = index * this.perBlock;
    return group * sb.s_blocks_per_group + sb.s_first_data_block + (groupHasSuper(sb, group) ? 1 : 0);
  }

  private loadBlock(block: number): Promise<Uint8Array> {
    const cached = this.blocks.get(block);
    if (cached !== undefined) return cached;
    const bs = this.sb.blockSize;
    if (block >= this.sb.s_blocks_count) {
      return Promise.reject(corrupt('group descriptor block past the end of the volume', { where: `block ${block}`, expected: `< ${this.sb.s_blocks_count}` }));
    }
    const pending = readExact(this.device, block * bs, bs);
    this.blocks.set(block, pending);
    pending.catch(() => this.blocks.delete(block));
    if (this.blocks.size > MAX_CACHED_DESC_BLOCKS) {
      const oldest = this.blocks.keys().next().value;
      if (oldest !== undefined) this.blocks.delete(oldest);
    }
    return pending;
  }
}
