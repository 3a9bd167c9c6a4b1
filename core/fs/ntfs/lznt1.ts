// LZNT1 decompression ([MS-XCA] section 2.5; the Linux-NTFS documentation, "Compression"). A
// compression unit is a sequence of chunks, each with a 16-bit header: bits 0-11 are the stored
// size minus 3, bit 15 says the chunk is compressed. A chunk decompresses to at most 4096
// bytes; a compressed chunk is groups of a flag byte and eight tokens (a literal byte, or a
// 16-bit back reference whose split between offset and length bits depends on how far into the
// chunk the output is). A chunk that ends short of 4096 bytes leaves zeros (the unit's output
// is zero-filled first), as Windows and ntfs-3g do. Every reference is checked; the loop is
// bounded by the input and output sizes.
import { corrupt } from '../../errors.js';

const CHUNK_BYTES = 4096;

/** Decompresses `src` into `out` (zero-filled, the unit's size); returns the bytes produced. */
export function lznt1Decompress(src: Uint8Array, out: Uint8Array, where: string): number {
  let sp = 0;
  let chunkStart = 0;
  while (sp + 2 <= src.length && chunkStart < out.length) {
    const header = src[sp]! | (src[sp + 1]! << 8);
    if (header === 0) break;
    const stored = (header & 0x0fff) + 1;
    const compressed = (header & 0x8000) !== 0;
    const dataStart = sp + 2;
    const dataEnd = dataStart + stored;
    if (dataEnd > src.length) throw corrupt('LZNT1 chunk past the compressed data', { where, expected: `<= ${src.length}`, found: `${dataEnd}` });
    const chunkEnd = Math.min(chunkStart + CHUNK_BYTES, out.length);
    if (!compressed) {
      const n = Math.min(stored, chunkEnd - chunkStart);
      out.set(src.subarray(dataStart, dataStart + n), chunkStart);
    } else {
      decompressChunk(src, dataStart, dataEnd, out, chunkStart, chunkEnd, where);
    }
    sp = dataEnd;
    chunkStart += CHUNK_BYTES;
  }
  return Math.min(chunkStart, out.length);
}

function decompressChunk(src: Uint8Array, sp: number, end: number, out: Uint8Array, start: number, limit: number, where: string): void {
  let dp = start;
  while (sp < end && dp < limit) {
    const flags = src[sp++]!;
    for (let bit = 0; bit < 8 && sp < end && dp < limit; bit++) {
      if ((flags & (1 << bit)) === 0) {
        out[dp++] = src[sp++]!;
        continue;
      }
      if (sp + 2 > end) throw corrupt('LZNT1 back reference cut short', { where, expected: '2 bytes', found: `${end - sp}` });
      const token = src[sp]! | (src[sp + 1]! << 8);
      sp += 2;
      // The offset field grows (and the length field shrinks) as the output position grows.
      let lengthBits = 12;
      for (let i = dp - start - 1; i >= 0x10; i >>= 1) lengthBits--;
      const offset = (token >>> lengthBits) + 1;
      const length = (token & ((1 << lengthBits) - 1)) + 3;
      if (offset > dp - start) throw corrupt('LZNT1 back reference before the chunk', { where, expected: `<= ${dp - start}`, found: `${offset}` });
      const n = Math.min(length, limit - dp);
      // Byte by byte: a reference may overlap the bytes it produces.
      for (let i = 0; i < n; i++, dp++) out[dp] = out[dp - offset]!;
    }
  }
}
