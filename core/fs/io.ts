// What every driver needs to read a device and decode little-endian fields. Every read is
// checked: a device that throws something other than our error type, or hands back fewer bytes
// than asked, is reported as Io rather than letting a short buffer be decoded as zeros.
import type { BlockDevice } from '../block/device.js';
import { GloveboxError, ioError } from '../errors.js';

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

/** True when the string holds an unpaired UTF-16 surrogate (the name is then `undecodable`). */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return true;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}
