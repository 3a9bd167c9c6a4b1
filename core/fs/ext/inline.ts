// Inline data (INLINE_DATA_FL; Documentation/filesystems/ext4/inlinedata.rst): the first 60
// bytes live in i_block, the rest in the value of the "system.data" extended attribute stored
// in the inode body after i_extra_isize (struct ext4_xattr_ibody_header + entries).
import { corrupt } from '../../errors.js';
import { u16, u32, u8 } from './io.js';
import type { Inode } from './inode.js';

const EXT4_XATTR_MAGIC = 0xea020000;
const EXT4_XATTR_INDEX_SYSTEM = 7;
export const EXT4_MIN_INLINE_DATA_SIZE = 60;

/** The system.data value in the inode body, or an empty array when there is none. */
export function inlineXattr(inode: Inode): Uint8Array {
  const raw = inode.raw;
  const start = inode.extraEnd;
  if (start + 4 > raw.length || u32(raw, start) !== EXT4_XATTR_MAGIC) return new Uint8Array(0);
  const first = start + 4;
  let at = first;
  while (at + 16 <= raw.length && u32(raw, at) !== 0) {
    const nameLen = u8(raw, at);
    const index = u8(raw, at + 1);
    const valueOffs = u16(raw, at + 2);
    const valueInum = u32(raw, at + 4);
    const valueSize = u32(raw, at + 8);
    const next = at + ((16 + nameLen + 3) & ~3);
    if (next > raw.length) break;
    const name = String.fromCharCode(...raw.subarray(at + 16, at + 16 + nameLen));
    if (index === EXT4_XATTR_INDEX_SYSTEM && name === 'data' && valueInum === 0) {
      if (first + valueOffs + valueSize > raw.length) {
        throw corrupt(`inode ${inode.ino}: system.data value outside the inode`, {
          where: `inode ${inode.ino} xattr`,
          expected: `<= ${raw.length - first} bytes from the first entry`,
          found: `${valueOffs}+${valueSize}`,
        });
      }
      return raw.subarray(first + valueOffs, first + valueOffs + valueSize);
    }
    at = next;
  }
  return new Uint8Array(0);
}

/** The whole inline content of a file or symlink: i_block then system.data, cut to i_size. */
export function inlineData(inode: Inode): Uint8Array {
  const extra = inlineXattr(inode);
  const capacity = EXT4_MIN_INLINE_DATA_SIZE + extra.length;
  if (inode.size > capacity) {
    throw corrupt(`inode ${inode.ino}: inline data larger than its storage`, { where: `inode ${inode.ino} i_size`, expected: `<= ${capacity}`, found: String(inode.size) });
  }
  const out = new Uint8Array(inode.size);
  out.set(inode.i_block.subarray(0, Math.min(inode.size, EXT4_MIN_INLINE_DATA_SIZE)));
  if (inode.size > EXT4_MIN_INLINE_DATA_SIZE) out.set(extra.subarray(0, inode.size - EXT4_MIN_INLINE_DATA_SIZE), EXT4_MIN_INLINE_DATA_SIZE);
  return out;
}
