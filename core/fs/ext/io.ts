// The driver's only way to the device, and little-endian field access. A device that throws
// something other than our error type, or hands back fewer bytes than asked, is reported as Io.
import type { BlockDevice } from '../../block/device.js';
import { GloveboxError, ioError } from '../../errors.js';

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

export const u8 = (b: Uint8Array, o: number): number => b[o]!;
export const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
export const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
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
