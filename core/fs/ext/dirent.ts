// Directory entries (struct ext4_dir_entry_2; Documentation/filesystems/ext4/directory.rst),
// read linearly: htree index blocks look like one empty entry spanning the block (inode 0), the
// htree root's dx_root hides behind the ".." entry's rec_len, and the metadata_csum tail is an
// entry with inode 0, rec_len 12, name_len 0 and file type 0xDE. Every rec_len and name_len is
// checked against the block.
import { corrupt } from '../../errors.js';
import { crc32c } from './crc32c.js';
import { u16, u32, u8 } from './io.js';

export const EXT4_FT_DIR_CSUM = 0xde;
const DIRENT_HEADER = 8;
const TAIL_BYTES = 12;

export interface RawDirent {
  ino: number;
  name: Uint8Array;
  fileType: number;
}

/** rec_len with the large-block encoding (ext4_rec_len_from_disk, for blocks of 64 KiB). */
function recLenFromDisk(raw: number, blockSize: number): number {
  if (blockSize < 65536) return raw;
  if (raw === 65535 || raw === 0) return blockSize;
  return (raw & 65532) | ((raw & 3) << 16);
}

/**
 * Entries of one region: a directory block, or an inline directory's i_block / system.data part.
 * Entries with inode 0 (deleted, htree index, checksum tail) are skipped.
 */
export function parseDirents(region: Uint8Array, blockSize: number, where: string, out: RawDirent[]): void {
  let at = 0;
  while (at < region.length) {
    if (at + DIRENT_HEADER > region.length) {
      throw corrupt('directory entry header runs past the block', { where: `${where} offset ${at}`, expected: `${DIRENT_HEADER} bytes`, found: `${region.length - at}` });
    }
    const ino = u32(region, at);
    const recLen = recLenFromDisk(u16(region, at + 4), blockSize);
    const nameLen = u8(region, at + 6);
    if (recLen < DIRENT_HEADER || recLen % 4 !== 0 || at + recLen > region.length) {
      throw corrupt('bad directory entry rec_len', { where: `${where} offset ${at}`, expected: `a multiple of 4, 8..${region.length - at}`, found: String(recLen) });
    }
    if (DIRENT_HEADER + nameLen > recLen) {
      throw corrupt('directory entry name_len exceeds rec_len', { where: `${where} offset ${at}`, expected: `<= ${recLen - DIRENT_HEADER}`, found: String(nameLen) });
    }
    if (ino !== 0 && nameLen > 0) out.push({ ino, name: region.slice(at + DIRENT_HEADER, at + DIRENT_HEADER + nameLen), fileType: u8(region, at + 7) });
    at += recLen;
  }
}

/**
 * A leaf block's checksum tail (struct ext4_dir_entry_tail): null when the block has none (an
 * htree index block, or a volume without metadata_csum), else whether it matches.
 */
export function direntTailOk(block: Uint8Array, inodeSeed: number): boolean | null {
  const t = block.length - TAIL_BYTES;
  if (t < 0 || u32(block, t) !== 0 || u16(block, t + 4) !== TAIL_BYTES || u8(block, t + 6) !== 0 || u8(block, t + 7) !== EXT4_FT_DIR_CSUM) return null;
  return crc32c(inodeSeed, block.subarray(0, t)) === u32(block, t + 8);
}
