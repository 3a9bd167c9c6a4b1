import { GloveboxError, ioError } from '../errors.js';

/**
 * The only thing a driver ever sees: a read-only array of bytes. Like a rump kernel's
 * block hypercall, it can be asked for bytes and nothing else.
 */
export interface BlockDevice {
  /** Size in bytes. */
  readonly size: number;
  /**
   * Where byte 0 of this device lies in the source the host opened, when the mapping is a
   * plain linear one (raw images, partitions of them). Undefined for transformed data
   * (compressed or sparse containers): then file data is relayed as bytes, not as extents.
   */
  readonly sourceOffset?: number;
  /** Exactly `length` bytes at `offset`; throws GloveboxError('Io') otherwise. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** The largest single read a driver may ask for (bytes). */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

/** Checks a read request against a device; shared by every BlockDevice implementation. */
export function checkRead(size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw ioError(`bad read request: offset ${offset}, length ${length}`);
  }
  if (length > MAX_READ_BYTES) {
    throw new GloveboxError('Limit', `read of ${length} bytes exceeds the ${MAX_READ_BYTES}-byte limit`);
  }
  if (offset + length > size) {
    throw ioError(`read past the end of the device: ${offset}+${length} > ${size}`);
  }
}

/** A device over bytes in memory (tests, small decoded images). */
export class MemoryDevice implements BlockDevice {
  readonly size: number;
  readonly sourceOffset = 0;
  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRead(this.size, offset, length);
    // Uint8Array's slice copies even when the bytes are a Node Buffer (whose slice is a view).
    return Uint8Array.prototype.slice.call(this.bytes, offset, offset + length);
  }
}
