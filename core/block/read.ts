// Reading a device exactly, and the little-endian fields every on-disk structure uses. Every read
// is checked: a device that throws something other than our error type, or hands back fewer bytes
// than asked, is reported as Io rather than letting a short buffer be decoded as zeros.
import { GloveboxError, ioError } from '../errors.js';
import type { BlockDevice } from './device.js';

export async function readExact(device: BlockDevice, offset: number, length: number): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await device.read(offset, length);
  } catch (e) {
    if (e instanceof GloveboxError) throw e;
    throw ioError(`device read ${offset}+${length} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (bytes.length !== length) throw ioError(`device read ${offset}+${length} returned ${bytes.length} bytes`);
  return bytes;
}

export const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
export const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** A 64-bit little-endian field; values past 2^53 come back as Infinity (never silently rounded). */
export function u64(b: Uint8Array, o: number): number {
  const lo = u32(b, o);
  const hi = u32(b, o + 4);
  if (hi >= 0x200000) return Infinity;
  return hi * 0x1_0000_0000 + lo;
}
