// Zstandard frame and block headers (RFC 8878 3.1.1), decoded before any decoder sees the
// frame, so that the window it will allocate and every block's size are checked first.
import { u32 } from './common.js';

export const ZSTD_MAGIC = 0xfd2fb528;
/** RFC 8878 3.1.1.2.3: no block holds or regenerates more than 128 KiB. */
export const ZSTD_BLOCK_MAX = 128 * 1024;

export interface ZstdFrameHeader {
  /** Bytes from the magic number to the first block header. */
  length: number;
  /** Window_Size (the frame content size for single-segment frames). */
  window: number;
  /** Frame_Content_Size when the header gives it. */
  contentSize: number | null;
  checksum: boolean;
  dictionaryId: number;
  reservedBit: boolean;
}

/** The header at the start of `b` (which starts with the magic); null when `b` is too short. */
export function zstdFrameHeader(b: Uint8Array): ZstdFrameHeader | null {
  if (b.length < 6) return null;
  const fhd = b[4]!;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const fcsBytes = fcsFlag === 0 ? singleSegment : 2 ** fcsFlag;
  const length = 5 + (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
  if (b.length < length) return null;
  let pos = 5;
  let window = 0;
  if (!singleSegment) {
    const wd = b[pos++]!;
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  }
  let dictionaryId = 0;
  for (let i = 0; i < dictBytes; i++) dictionaryId += b[pos + i]! * 2 ** (8 * i);
  pos += dictBytes;
  let contentSize: number | null = null;
  if (fcsBytes > 0) {
    contentSize = 0;
    for (let i = 0; i < fcsBytes; i++) contentSize += b[pos + i]! * 2 ** (8 * i);
    if (fcsBytes === 2) contentSize += 256;
    if (singleSegment) window = contentSize;
  }
  return { length, window, contentSize, checksum: ((fhd >> 2) & 1) === 1, dictionaryId, reservedBit: (fhd & 0x08) !== 0 };
}

export interface ZstdBlockHeader {
  last: boolean;
  /** 0 raw, 1 RLE, 2 compressed, 3 reserved. */
  type: number;
  size: number;
  /** Bytes the block takes, header included. */
  length: number;
}

export function zstdBlockHeader(b: Uint8Array, at: number): ZstdBlockHeader {
  const bh = b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
  const type = (bh >> 1) & 3;
  const size = bh >>> 3;
  return { last: (bh & 1) === 1, type, size, length: 3 + (type === 1 ? 1 : size) };
}

export const isZstdMagic = (b: Uint8Array, at = 0): boolean => b.length >= at + 4 && u32(b, at) === ZSTD_MAGIC;
