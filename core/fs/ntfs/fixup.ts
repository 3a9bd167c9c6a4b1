// Multi-sector transfer protection ("update sequence", layout.h NTFS_RECORD): the last two bytes
// of every 512-byte stride of an MFT record or index block hold the update sequence number, and
// the real bytes are kept in the update sequence array. A stride whose bytes do not match was
// torn or damaged: the whole record is Corrupt and is never used.
import { corrupt } from '../../errors.js';
import { u16 } from './io.js';

const STRIDE = 512;

/** Checks and undoes the fixups of `rec` in place. `magic` is "FILE" or "INDX". */
export function applyFixups(rec: Uint8Array, magic: string, where: string): void {
  for (let i = 0; i < 4; i++) {
    if (rec[i] !== magic.charCodeAt(i)) {
      const found = String.fromCharCode(...rec.subarray(0, 4)).replace(/[^\x20-\x7e]/g, '.');
      throw corrupt(`bad ${magic} record signature`, { where, expected: `"${magic}"`, found: `"${found}"` });
    }
  }
  const usaOfs = u16(rec, 4);
  const usaCount = u16(rec, 6);
  const strides = rec.length / STRIDE;
  if (usaCount !== strides + 1 || usaOfs % 2 !== 0 || usaOfs < 8 || usaOfs + usaCount * 2 > rec.length) {
    throw corrupt('bad update sequence array', { where, expected: `${strides + 1} entries inside the record`, found: `${usaCount} at offset ${usaOfs}` });
  }
  const usn = u16(rec, usaOfs);
  for (let i = 0; i < strides; i++) {
    const end = (i + 1) * STRIDE - 2;
    const found = u16(rec, end);
    if (found !== usn) {
      throw corrupt('update sequence mismatch (torn or damaged record)', { where: `${where}, sector ${i}`, expected: `0x${usn.toString(16)}`, found: `0x${found.toString(16)}` });
    }
    rec[end] = rec[usaOfs + 2 + 2 * i]!;
    rec[end + 1] = rec[usaOfs + 3 + 2 * i]!;
  }
}
