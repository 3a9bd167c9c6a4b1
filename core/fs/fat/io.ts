// The driver's only way to the device. Every read is checked: a device that throws something
// other than our error type, or hands back fewer bytes than asked, is reported as Io rather than
// letting a short buffer be decoded as zeros.
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
