// The driver's way to the device (the shared checked read, ../io.ts) and its field readers.
// ISO 9660 stores most numbers twice ("both-byte order", ECMA-119 7.2.3 / 7.3.3); the
// little-endian half is read and the big-endian half ignored, as Linux and libcdio do
// (mastering tools that got one half wrong exist).
import { u16, u32 } from '../io.js';

export { readExact } from '../io.js';

export const u16le = u16;
export const u16be = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
export const u32le = u32;

/** Bytes [start, end) as Latin-1 (ISO 9660 a/d-characters are a subset of it). */
export function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}
