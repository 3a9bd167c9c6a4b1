// The ext2/3/4 superblock (struct ext4_super_block, fs/ext4/ext4.h; Documentation/filesystems/
// ext4/super.rst): validation, geometry and feature flags. Field names are the kernel's.
import { corrupt, unsupported } from '../../errors.js';
import { crc32c } from './crc32c.js';
import { u16, u32, u64, u8 } from './io.js';

export const SUPERBLOCK_OFFSET = 1024;
export const SUPERBLOCK_BYTES = 1024;
export const EXT4_SUPER_MAGIC = 0xef53;
const GOOD_OLD_INODE_SIZE = 128;
const GOOD_OLD_FIRST_INO = 11;

export const COMPAT_HAS_JOURNAL = 0x4;

export const RO_COMPAT_SPARSE_SUPER = 0x1;
const RO_COMPAT_HUGE_FILE = 0x8;
const RO_COMPAT_GDT_CSUM = 0x10;
const RO_COMPAT_DIR_NLINK = 0x20;
const RO_COMPAT_EXTRA_ISIZE = 0x40;
const RO_COMPAT_BIGALLOC = 0x200;
export const RO_COMPAT_METADATA_CSUM = 0x400;

export const INCOMPAT_FILETYPE = 0x2;
export const INCOMPAT_RECOVER = 0x4;
export const INCOMPAT_META_BG = 0x10;
export const INCOMPAT_64BIT = 0x80;
const INCOMPAT_CSUM_SEED = 0x2000;
export const INCOMPAT_INLINE_DATA = 0x8000;
export const INCOMPAT_ENCRYPT = 0x10000;

/** Incompat features Glovebox reads; any other bit refuses the volume, named. */
const INCOMPAT_KNOWN: ReadonlyArray<readonly [number, string, boolean]> = [
  [0x1, 'compression', false],
  [0x2, 'filetype', true],
  [0x4, 'recover', true], // the journal is not replayed; a note says so
  [0x8, 'journal_dev', false], // an external journal device holds no files
  [0x10, 'meta_bg', true],
  [0x40, 'extents', true],
  [0x80, '64bit', true],
  [0x100, 'mmp', true], // multi-mount protection: irrelevant to a reader
  [0x200, 'flex_bg', true],
  [0x400, 'ea_inode', true], // large xattr values in inodes; only system.data is read, in-inode
  [0x1000, 'dirdata', false], // extra data after names changes the directory entry format
  [0x2000, 'metadata_csum_seed', true],
  [0x4000, 'largedir', true],
  [0x8000, 'inline_data', true],
  [0x10000, 'encrypt', true], // encrypted inodes are refused one by one; the rest reads
  [0x20000, 'casefold', true], // names are shown as stored
];

/** Features that make a volume ext4 rather than ext3 (mke2fs.conf's ext4 set and later ones). */
const EXT4_INCOMPAT = 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x2000 | 0x4000 | 0x8000 | 0x10000 | 0x20000;
const EXT4_RO_COMPAT = RO_COMPAT_HUGE_FILE | RO_COMPAT_GDT_CSUM | RO_COMPAT_DIR_NLINK | RO_COMPAT_EXTRA_ISIZE | RO_COMPAT_BIGALLOC | RO_COMPAT_METADATA_CSUM;

export type ExtFsType = 'ext2' | 'ext3' | 'ext4';

export interface Superblock {
  s_inodes_count: number;
  s_blocks_count: number;
  s_first_data_block: number;
  blockSize: number;
  s_blocks_per_group: number;
  s_inodes_per_group: number;
  s_state: number;
  s_rev_level: number;
  s_first_ino: number;
  s_inode_size: number;
  s_block_group_nr: number;
  s_feature_compat: number;
  s_feature_incompat: number;
  s_feature_ro_compat: number;
  s_uuid: Uint8Array;
  s_volume_name: Uint8Array;
  /** Group descriptor size: 32, or s_desc_size with 64bit. */
  descSize: number;
  s_first_meta_bg: number;
  groupCount: number;
  /** Seed of every metadata checksum: s_checksum_seed, or crc32c(~0, s_uuid). */
  csumSeed: number;
  metadataCsum: boolean;
  /** Whether the stored s_checksum matches (true without metadata_csum). */
  checksumOk: boolean;
  fsType: ExtFsType;
}

/** Decodes and validates a superblock; throws Corrupt (bad magic, geometry) or Unsupported. */
export function parseSuperblock(b: Uint8Array, where = 'superblock'): Superblock {
  if (b.length < SUPERBLOCK_BYTES) throw corrupt('superblock too short', { where, expected: `${SUPERBLOCK_BYTES} bytes`, found: `${b.length}` });
  const magic = u16(b, 56);
  if (magic !== EXT4_SUPER_MAGIC) throw corrupt('not an ext superblock', { where: `${where} s_magic`, expected: '0xEF53', found: `0x${magic.toString(16)}` });
  const bad = (field: string, expected: string, found: number | string): never => {
    throw corrupt(`bad superblock field ${field}`, { where: `${where} ${field}`, expected, found: String(found) });
  };
  const s_log_block_size = u32(b, 24);
  if (s_log_block_size > 6) bad('s_log_block_size', '0..6 (1 KiB..64 KiB blocks)', s_log_block_size);
  const blockSize = 1024 << s_log_block_size;
  const s_rev_level = u32(b, 76);
  if (s_rev_level > 1) bad('s_rev_level', '0 or 1', s_rev_level);
  const s_inodes_count = u32(b, 0);
  const s_first_data_block = u32(b, 20);
  const s_blocks_per_group = u32(b, 32);
  const s_inodes_per_group = u32(b, 40);
  const s_feature_compat = s_rev_level === 0 ? 0 : u32(b, 92);
  const s_feature_incompat = s_rev_level === 0 ? 0 : u32(b, 96);
  const s_feature_ro_compat = s_rev_level === 0 ? 0 : u32(b, 100);
  const is64 = (s_feature_incompat & INCOMPAT_64BIT) !== 0;
  const s_blocks_count = u64(u32(b, 4), is64 ? u32(b, 336) : 0);
  const s_inode_size = s_rev_level === 0 ? GOOD_OLD_INODE_SIZE : u16(b, 88);
  const s_first_ino = s_rev_level === 0 ? GOOD_OLD_FIRST_INO : u32(b, 84);

  if (s_first_data_block > 1 || (blockSize > 1024 && s_first_data_block !== 0)) bad('s_first_data_block', blockSize === 1024 ? '0 or 1' : '0', s_first_data_block);
  if (s_blocks_per_group < 8 || s_blocks_per_group > 8 * blockSize) bad('s_blocks_per_group', `8..${8 * blockSize}`, s_blocks_per_group);
  if (s_inodes_per_group < 1 || s_inodes_per_group > 8 * blockSize) bad('s_inodes_per_group', `1..${8 * blockSize}`, s_inodes_per_group);
  if (s_inode_size < GOOD_OLD_INODE_SIZE || s_inode_size > blockSize || (s_inode_size & (s_inode_size - 1)) !== 0) {
    bad('s_inode_size', `a power of two from 128 to ${blockSize}`, s_inode_size);
  }
  if (s_blocks_count <= s_first_data_block) bad('s_blocks_count', `> ${s_first_data_block}`, s_blocks_count);
  if (s_blocks_count * blockSize > Number.MAX_SAFE_INTEGER) bad('s_blocks_count', 'a volume below 2^53 bytes', s_blocks_count);
  const groupCount = Math.ceil((s_blocks_count - s_first_data_block) / s_blocks_per_group);
  if (s_inodes_count < 1 || s_inodes_count > groupCount * s_inodes_per_group) bad('s_inodes_count', `1..${groupCount * s_inodes_per_group}`, s_inodes_count);
  if (s_first_ino < GOOD_OLD_FIRST_INO || s_first_ino > s_inodes_count) bad('s_first_ino', `11..${s_inodes_count}`, s_first_ino);
  let descSize = 32;
  if (is64) {
    descSize = u16(b, 254);
    if (descSize < 64 || descSize > 1024 || (descSize & (descSize - 1)) !== 0) bad('s_desc_size', 'a power of two from 64 to 1024', descSize);
  }
  if (descSize > blockSize) bad('s_desc_size', `<= ${blockSize}`, descSize);

  const metadataCsum = (s_feature_ro_compat & RO_COMPAT_METADATA_CSUM) !== 0;
  let checksumOk = true;
  if (metadataCsum) {
    const s_checksum_type = u8(b, 373);
    if (s_checksum_type !== 1) bad('s_checksum_type', '1 (crc32c)', s_checksum_type);
    checksumOk = crc32c(0xffffffff, b.subarray(0, 1020)) === u32(b, 1020);
  }
  const s_uuid = b.slice(104, 120);
  const csumSeed = (s_feature_incompat & INCOMPAT_CSUM_SEED) !== 0 ? u32(b, 624) : crc32c(0xffffffff, s_uuid);

  return {
    s_inodes_count,
    s_blocks_count,
    s_first_data_block,
    blockSize,
    s_blocks_per_group,
    s_inodes_per_group,
    s_state: u16(b, 58),
    s_rev_level,
    s_first_ino,
    s_inode_size,
    s_block_group_nr: s_rev_level === 0 ? 0 : u16(b, 90),
    s_feature_compat,
    s_feature_incompat,
    s_feature_ro_compat,
    s_uuid,
    s_volume_name: b.slice(120, 136),
    descSize,
    s_first_meta_bg: u32(b, 260),
    groupCount,
    csumSeed,
    metadataCsum,
    checksumOk,
    fsType: fsTypeOf(s_feature_compat, s_feature_incompat, s_feature_ro_compat),
  };
}

function fsTypeOf(compat: number, incompat: number, roCompat: number): ExtFsType {
  if ((incompat & EXT4_INCOMPAT) !== 0 || (roCompat & EXT4_RO_COMPAT) !== 0) return 'ext4';
  return (compat & COMPAT_HAS_JOURNAL) !== 0 ? 'ext3' : 'ext2';
}

/** Throws Unsupported naming every incompat feature that changes the meaning of the data. */
export function checkFeatures(sb: Superblock): void {
  let rest = sb.s_feature_incompat;
  const refused: string[] = [];
  for (const [bit, name, readable] of INCOMPAT_KNOWN) {
    if ((rest & bit) === 0) continue;
    rest &= ~bit;
    if (!readable) refused.push(name);
  }
  for (let bit = 1; rest !== 0 && bit !== 0; bit <<= 1) {
    if ((rest & bit) !== 0) refused.push(`incompat feature 0x${(bit >>> 0).toString(16)}`);
    rest &= ~bit;
  }
  if (refused.length > 0) throw unsupported(`ext incompat feature${refused.length > 1 ? 's' : ''} ${refused.join(', ')}`);
}

/** Whether group g holds a superblock backup (sparse_super: 0, 1 and powers of 3, 5, 7). */
export function groupHasSuper(sb: Superblock, g: number): boolean {
  if (g <= 1 || (sb.s_feature_ro_compat & RO_COMPAT_SPARSE_SUPER) === 0) return true;
  if (g % 2 === 0) return false;
  for (const base of [3, 5, 7]) {
    let p = base;
    while (p < g) p *= base;
    if (p === g) return true;
  }
  return false;
}

/** The label: s_volume_name up to its first NUL, as UTF-8; null when empty. */
export function labelOf(sb: Superblock): string | null {
  const end = sb.s_volume_name.indexOf(0);
  const bytes = end < 0 ? sb.s_volume_name : sb.s_volume_name.subarray(0, end);
  if (bytes.length === 0) return null;
  return new TextDecoder('utf-8').decode(bytes);
}
