// A BlockDevice that fails the way real media and hostile hosts do: seeded read errors, short
// reads and flipped bits. Used to prove that I/O faults become typed errors, never crashes.
import { checkRead, type BlockDevice } from '../../core/block/device.js';
import { ioError } from '../../core/errors.js';
import { Rng } from './rng.js';

export interface FaultPlan {
  /** Probability that a read throws an Io error. */
  errorRate?: number;
  /** Probability that a read returns fewer bytes than asked. */
  shortRate?: number;
  /** Probability that a read comes back with one bit flipped. */
  flipRate?: number;
}

export class FaultyDevice implements BlockDevice {
  readonly size: number;
  readonly sourceOffset = undefined;
  faults = 0;
  private readonly rng: Rng;

  constructor(
    private readonly inner: BlockDevice,
    seed: number,
    private readonly plan: FaultPlan,
  ) {
    this.size = inner.size;
    this.rng = new Rng(seed);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRead(this.size, offset, length);
    if (this.rng.chance(this.plan.errorRate ?? 0)) {
      this.faults++;
      throw ioError(`injected read error at ${offset}`);
    }
    const data = await this.inner.read(offset, length);
    if (length > 0 && this.rng.chance(this.plan.shortRate ?? 0)) {
      this.faults++;
      // A device that returns short reads breaks the BlockDevice contract; a careful layer above
      // must notice rather than decode garbage from a too-short buffer.
      return data.subarray(0, this.rng.int(length));
    }
    if (length > 0 && this.rng.chance(this.plan.flipRate ?? 0)) {
      this.faults++;
      const copy = data.slice();
      const i = this.rng.int(copy.length);
      copy[i] = copy[i]! ^ (1 << this.rng.int(8));
      return copy;
    }
    return data;
  }
}
