// The driver's way to the device and its field readers: the shared checked read (../io.ts)
// plus what only this format needs.
import { u16, u32 } from '../io.js';

export { hasLoneSurrogate, readExact, u16, u32, u64 } from '../io.js';

export const u8 = (b: Uint8Array, o: number): number => b[o]!;
export const s8 = (b: Uint8Array, o: number): number => (b[o]! << 24) >> 24;
export function u64big(b: Uint8Array, o: number): bigint {
  return (BigInt(u32(b, o + 4)) << 32n) | BigInt(u32(b, o));
}

/** An MFT reference (layout.h MFT_REF): record number in the low 48 bits, sequence number above. */
export interface MftRef {
  record: number;
  sequence: number;
}
export function mftRef(b: Uint8Array, o: number): MftRef {
  return { record: u32(b, o) + u16(b, o + 4) * 0x1_0000_0000, sequence: u16(b, o + 6) };
}

/** UTF-16LE units to a string; lone surrogates are kept (escaping happens above the driver). */
export function utf16(b: Uint8Array, o: number, units: number): string {
  let s = '';
  for (let i = 0; i < units; i++) s += String.fromCharCode(u16(b, o + 2 * i));
  return s;
}

