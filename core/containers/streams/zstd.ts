// Zstandard (RFC 8878) frames, one or several, through fzstd's streaming decoder.
import { Decompress } from 'fzstd';
import type { BlockDevice } from '../../block/device.js';
import { SequentialInput } from './input.js';
import { PushExpandStream } from './push.js';
import type { ExpandStream } from './types.js';

/**
 * A zstd block yields at most 128 KiB from a few bytes (an RLE block), about 32768:1: 4 KiB
 * per push keeps one push's output near 128 MiB in the very worst case.
 */
const PIECE_BYTES = 4 * 1024;

export const isZstd = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd;

export function openZstd(device: BlockDevice): ExpandStream {
  return new PushExpandStream(new SequentialInput(device), (ondata) => new Decompress((d, final) => ondata(d, final === true)), { what: 'zstd', pieceBytes: PIECE_BYTES });
}
