// ECMA-167 3/7.2 descriptor tag: identifier, checksum over the tag, CRC-16/CCITT (3/7.2.6,
// polynomial 0x1021, initial value 0) over CRC-length bytes of the descriptor body, and the
// tag location (the logical sector or block the descriptor claims to be recorded at).
import { corrupt } from '../../errors.js';
import { u16, u32 } from './io.js';

export const TAG_PVD = 1;
export const TAG_AVDP = 2;
export const TAG_VDP = 3;
export const TAG_PD = 5;
export const TAG_LVD = 6;
export const TAG_TD = 8;
export const TAG_FSD = 256;
export const TAG_FID = 257;
export const TAG_AED = 258;
export const TAG_TE = 260;
export const TAG_FE = 261;
export const TAG_EFE = 266;

export const TAG_BYTES = 16;

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

export function crc16(b: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >>> 8) ^ b[i]!) & 0xff]!;
  return crc;
}

export interface Tag {
  identifier: number;
  location: number;
  crcLength: number;
}

/** Only the checksum: cheap enough for probing, and tells a tag from noise. */
export function tagChecksumOk(b: Uint8Array, at = 0): boolean {
  if (at + TAG_BYTES > b.length) return false;
  let sum = 0;
  for (let i = 0; i < TAG_BYTES; i++) if (i !== 4) sum += b[at + i]!;
  return (sum & 0xff) === b[at + 4];
}

/**
 * A verified tag at `at` in `b`: checksum, CRC (when CRC length is set; the body must lie in
 * `b`), identifier (`expected`, when given) and location (when `location` is given).
 */
export function readTag(b: Uint8Array, at: number, where: string, expected?: number | readonly number[], location?: number): Tag {
  if (at + TAG_BYTES > b.length) throw corrupt('descriptor tag cut short', { where, expected: `${TAG_BYTES} bytes`, found: `${b.length - at}` });
  if (!tagChecksumOk(b, at)) throw corrupt('descriptor tag checksum mismatch', { where });
  const identifier = u16(b, at);
  const version = u16(b, at + 2);
  if (version !== 2 && version !== 3) throw corrupt('descriptor version', { where, expected: '2 or 3', found: String(version) });
  const wanted = expected === undefined ? null : typeof expected === 'number' ? [expected] : expected;
  if (wanted !== null && !wanted.includes(identifier)) {
    throw corrupt('descriptor tag identifier', { where, expected: wanted.join(' or '), found: String(identifier) });
  }
  const crcLength = u16(b, at + 10);
  if (crcLength > 0) {
    if (at + TAG_BYTES + crcLength > b.length) {
      throw corrupt('descriptor CRC length runs past the descriptor', { where, expected: `<= ${b.length - at - TAG_BYTES}`, found: String(crcLength) });
    }
    const crc = crc16(b, at + TAG_BYTES, at + TAG_BYTES + crcLength);
    if (crc !== u16(b, at + 8)) throw corrupt('descriptor CRC mismatch', { where, expected: hex(crc), found: hex(u16(b, at + 8)) });
  }
  const tagLocation = u32(b, at + 12);
  if (location !== undefined && tagLocation !== location) {
    throw corrupt('descriptor tag location', { where, expected: String(location), found: String(tagLocation) });
  }
  return { identifier, location: tagLocation, crcLength };
}

const hex = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;
