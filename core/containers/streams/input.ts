// The compressed bytes of a source, read in order in bounded pieces.
import type { BlockDevice } from '../../block/device.js';
import { readExact } from '../common.js';

/** Compressed bytes asked of the source per read. */
export const INPUT_PIECE_BYTES = 1024 * 1024;

export class SequentialInput {
  private position: number;

  constructor(
    private readonly device: BlockDevice,
    start = 0,
    private readonly end = device.size,
  ) {
    this.position = start;
  }

  get offset(): number {
    return this.position;
  }

  get atEnd(): boolean {
    return this.position >= this.end;
  }

  /** Up to `max` bytes (at most INPUT_PIECE_BYTES), or null at the end. */
  async next(max = INPUT_PIECE_BYTES): Promise<Uint8Array | null> {
    if (this.position >= this.end) return null;
    const n = Math.min(max, INPUT_PIECE_BYTES, this.end - this.position);
    const bytes = await readExact(this.device, this.position, n);
    this.position += n;
    return bytes;
  }
}

/** Decoded bytes waiting to be handed out, taken in chunks of at most `max` bytes. */
export class OutputQueue {
  private chunks: Uint8Array[] = [];
  private bytes = 0;

  get length(): number {
    return this.bytes;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  take(max: number): Uint8Array {
    const n = Math.min(max, this.bytes);
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const head = this.chunks[0]!;
      const k = Math.min(head.length, n - done);
      out.set(head.subarray(0, k), done);
      done += k;
      if (k === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(k);
    }
    this.bytes -= n;
    return out;
  }
}
