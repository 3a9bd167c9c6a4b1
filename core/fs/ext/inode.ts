// The inode (struct ext4_inode, ext4.h; Documentation/filesystems/ext4/inodes.rst), of any size
// from 128 bytes to the block size: mode, size, times, flags, i_block, and the checksum.
import { corrupt } from '../../errors.js';
import type { NodeType } from '../types.js';
import { crc32c, crc32cU32 } from './crc32c.js';
import { u16, u32, u64 } from './io.js';
import { extTime } from './time.js';

const GOOD_OLD_INODE_SIZE = 128;
export const EXT4_INDEX_FL = 0x1000;
export const EXT4_ENCRYPT_FL = 0x800;
export const EXT4_EXTENTS_FL = 0x80000;
export const EXT4_INLINE_DATA_FL = 0x10000000;
const EXT4_HUGE_FILE_FL = 0x40000;

const S_IFMT = 0xf000;
export const S_IFREG = 0x8000;
export const S_IFDIR = 0x4000;
export const S_IFLNK = 0xa000;

export interface Inode {
  ino: number;
  i_mode: number;
  size: number;
  i_links_count: number;
  i_flags: number;
  /** i_blocks in 512-byte units (huge_file's block units converted). */
  blocks512: number;
  i_file_acl: number;
  i_generation: number;
  /** The 60 bytes of i_block: block map, extent tree root, inline data or a fast symlink. */
  i_block: Uint8Array;
  /** The whole on-disk inode (for times and the in-inode extended attributes). */
  raw: Uint8Array;
  /** 128 + i_extra_isize: where the in-inode xattr area starts (128 for small inodes). */
  extraEnd: number;
  type: NodeType;
  checksumOk: boolean;
}

export function nodeTypeOf(mode: number): NodeType {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return 'file';
    case S_IFDIR:
      return 'dir';
    case S_IFLNK:
      return 'symlink';
    default:
      return 'other';
  }
}

/** Decodes an inode; `csumSeed` is given on metadata_csum volumes to verify the checksum. */
export function parseInode(raw: Uint8Array, ino: number, hugeFile: boolean, blockSize: number, csumSeed: number | null): Inode {
  const i_mode = u16(raw, 0);
  const size = u64(u32(raw, 4), u32(raw, 108));
  if (!Number.isSafeInteger(size)) throw corrupt(`inode ${ino}: size beyond 2^53`, { where: `inode ${ino} i_size_high`, found: String(size) });
  let extraEnd = GOOD_OLD_INODE_SIZE;
  if (raw.length > GOOD_OLD_INODE_SIZE) {
    const i_extra_isize = u16(raw, 128);
    // A nonsense i_extra_isize hides the extra fields rather than reading outside the inode.
    if (i_extra_isize % 4 === 0 && GOOD_OLD_INODE_SIZE + i_extra_isize <= raw.length) extraEnd = GOOD_OLD_INODE_SIZE + i_extra_isize;
  }
  const i_flags = u32(raw, 32);
  const i_generation = u32(raw, 100);
  let blocks512 = u64(u32(raw, 28), u16(raw, 116));
  if (hugeFile && (i_flags & EXT4_HUGE_FILE_FL) !== 0) blocks512 *= blockSize / 512;
  let checksumOk = true;
  if (csumSeed !== null) {
    const copy = raw.slice();
    copy[124] = copy[125] = 0;
    const hasHi = extraEnd >= 132;
    if (hasHi) copy[130] = copy[131] = 0;
    let crc = crc32cU32(crc32cU32(csumSeed, ino), i_generation);
    crc = crc32c(crc, copy);
    const stored = u16(raw, 124) | (hasHi ? u16(raw, 130) << 16 : 0);
    checksumOk = (hasHi ? crc >>> 0 : crc & 0xffff) === stored >>> 0;
  }
  return {
    ino,
    i_mode,
    size,
    i_links_count: u16(raw, 26),
    i_flags,
    blocks512,
    i_file_acl: u64(u32(raw, 104), u16(raw, 118)),
    i_generation,
    i_block: raw.subarray(40, 100),
    raw,
    extraEnd,
    type: nodeTypeOf(i_mode),
    checksumOk,
  };
}

/** The per-inode checksum seed: crc32c(fs seed, ino, generation) (for extents and directories). */
export function inodeCsumSeed(fsSeed: number, inode: Inode): number {
  return crc32cU32(crc32cU32(fsSeed, inode.ino), inode.i_generation);
}

type TimeField = 'mtime' | 'atime' | 'ctime' | 'crtime';
const TIME_FIELDS: Record<TimeField, readonly [number, number]> = {
  atime: [8, 0x8c],
  ctime: [12, 0x84],
  mtime: [16, 0x88],
  crtime: [0x90, 0x94],
};

/** A timestamp, with its _extra field when the inode is large enough to hold it; crtime may be null. */
export function inodeTime(inode: Inode, field: TimeField): string | null {
  const [secondsAt, extraAt] = TIME_FIELDS[field];
  if (field === 'crtime' && inode.extraEnd < secondsAt + 4) return null;
  return extTime(inode.raw, secondsAt, inode.extraEnd >= extraAt + 4 ? extraAt : null);
}
