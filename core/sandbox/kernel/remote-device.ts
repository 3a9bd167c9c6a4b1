import { checkRead, type BlockDevice } from '../../block/device.js';

export type Hypercall = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * The source as the kernel sees it: reads become hypercalls to the host. Bounds are checked
 * here as well as in the host (a file system may be invalid; the host may not be ours to trust
 * with a nonsense request either).
 */
export class RemoteDevice implements BlockDevice {
  readonly sourceOffset = 0;
  constructor(
    readonly size: number,
    private readonly hypercall: Hypercall,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRead(this.size, offset, length);
    if (length === 0) return new Uint8Array(0);
    return this.hypercall(offset, length);
  }
}
