// The driver's way to the device and its field readers: the shared checked read (../io.ts)
// plus what only this format needs.

export { readExact, u16, u32 } from '../io.js';

export const u8 = (b: Uint8Array, o: number): number => b[o]!;
export const s32 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
/** lo + hi × 2^32; callers check the result against the device (it may exceed 2^53 only when hi is huge). */
export const u64 = (lo: number, hi: number): number => lo + hi * 0x1_0000_0000;

/** Decodes UTF-8; invalid sequences become U+FFFD and `undecodable` is set. */
export function decodeName(bytes: Uint8Array): { name: string; undecodable: boolean } {
  try {
    return { name: strict.decode(bytes), undecodable: false };
  } catch {
    return { name: lenient.decode(bytes), undecodable: true };
  }
}
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
