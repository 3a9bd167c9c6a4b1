// CRC-32C (Castagnoli; RFC 3720 appendix B.4), the checksum of VHDX headers, region tables and
// log entries: reflected, initial value and final XOR 0xFFFFFFFF, from the crc-32 package.
import CRC32C from 'crc-32/crc32c.js';

/** The CRC-32C of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  return CRC32C.buf(bytes) >>> 0;
}

/** The CRC-32C of `bytes` with the 4-byte checksum field at `field` taken as zero. */
export function crc32cWithoutField(bytes: Uint8Array, field: number): number {
  const copy = bytes.slice();
  copy.fill(0, field, field + 4);
  return crc32c(copy);
}
