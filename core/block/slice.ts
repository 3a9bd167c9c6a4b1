import { ioError } from '../errors.js';
import { checkRead, type BlockDevice } from './device.js';

/** A window [offset, offset+size) of a parent device: a partition, or a volume inside one. */
export class SliceDevice implements BlockDevice {
  readonly sourceOffset: number | undefined;

  constructor(
    readonly parent: BlockDevice,
    readonly offset: number,
    readonly size: number,
  ) {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > parent.size) {
      throw ioError(`slice ${offset}+${size} does not fit in a device of ${parent.size} bytes`);
    }
    this.sourceOffset = parent.sourceOffset === undefined ? undefined : parent.sourceOffset + offset;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRead(this.size, offset, length);
    return this.parent.read(this.offset + offset, length);
  }
}

/** A slice, clipped to the parent when a table claims more than the device has. */
export function sliceClipped(parent: BlockDevice, offset: number, size: number): SliceDevice {
  const start = Math.min(Math.max(0, offset), parent.size);
  return new SliceDevice(parent, start, Math.max(0, Math.min(size, parent.size - start)));
}
