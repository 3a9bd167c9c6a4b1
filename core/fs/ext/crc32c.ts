// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as ext4 uses it: ext4_chksum() is the
// kernel's crc32c_le(seed, bytes) with no final inversion, so callers pass the seed and compare
// the raw value (ext4.h; Documentation/filesystems/ext4/checksums.rst).

const TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** crc32c_le(crc, bytes): the running value, without the final inversion. */
export function crc32c(crc: number, bytes: Uint8Array): number {
  let c = crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** crc32c of a little-endian 32-bit value (inode numbers, generations, group numbers). */
export function crc32cU32(crc: number, value: number): number {
  return crc32c(crc, new Uint8Array([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff]));
}
