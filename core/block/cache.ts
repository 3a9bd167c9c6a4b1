import { ioError } from '../errors.js';
import { checkRead, type BlockDevice } from './device.js';

export interface CacheOptions {
  /** Cache granule in bytes (a power of two). */
  blockSize?: number;
  /** Upper bound on cached bytes. */
  capacityBytes?: number;
  /** Reads at least this long go straight to the device (bulk file data would only evict metadata). */
  bypassBytes?: number;
}

const DEFAULT_BLOCK = 4096;
const DEFAULT_CAPACITY = 32 * 1024 * 1024;
const DEFAULT_BYPASS = 256 * 1024;

/**
 * A bounded LRU read cache in front of a device. Misses for a run of consecutive blocks are
 * fetched with one read; reads already in flight are shared rather than repeated.
 */
export class CachedDevice implements BlockDevice {
  readonly size: number;
  readonly sourceOffset: number | undefined;
  private readonly blockSize: number;
  private readonly maxBlocks: number;
  private readonly bypassBytes: number;
  // Map iteration order is insertion order: re-inserting on hit makes it an LRU.
  private readonly blocks = new Map<number, Uint8Array>();
  private readonly inflight = new Map<number, Promise<Uint8Array>>();

  constructor(private readonly inner: BlockDevice, options: CacheOptions = {}) {
    this.size = inner.size;
    this.sourceOffset = inner.sourceOffset;
    this.blockSize = options.blockSize ?? DEFAULT_BLOCK;
    if (this.blockSize <= 0 || (this.blockSize & (this.blockSize - 1)) !== 0) {
      throw new RangeError('cache block size must be a power of two');
    }
    this.maxBlocks = Math.max(1, Math.floor((options.capacityBytes ?? DEFAULT_CAPACITY) / this.blockSize));
    this.bypassBytes = options.bypassBytes ?? DEFAULT_BYPASS;
  }

  get cachedBlocks(): number {
    return this.blocks.size;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRead(this.size, offset, length);
    if (length === 0) return new Uint8Array(0);
    if (length >= this.bypassBytes) return exact(await this.inner.read(offset, length), offset, length);

    const bs = this.blockSize;
    const first = Math.floor(offset / bs);
    const last = Math.floor((offset + length - 1) / bs);
    const parts: Promise<Uint8Array>[] = [];
    let runStart = -1;
    for (let b = first; b <= last + 1; b++) {
      const cached = b <= last ? this.blocks.get(b) : undefined;
      const pending = b <= last && cached === undefined ? this.inflight.get(b) : undefined;
      const miss = b <= last && cached === undefined && pending === undefined;
      if (miss) {
        if (runStart < 0) runStart = b;
        continue;
      }
      if (runStart >= 0) {
        parts.push(...this.fetchRun(runStart, b - 1));
        runStart = -1;
      }
      if (b > last) break;
      if (cached !== undefined) {
        this.blocks.delete(b);
        this.blocks.set(b, cached);
        parts.push(Promise.resolve(cached));
      } else if (pending !== undefined) {
        parts.push(pending);
      }
    }
    const blocks = await Promise.all(parts);
    const out = new Uint8Array(length);
    let pos = 0;
    for (let i = 0; i < blocks.length; i++) {
      const blk = blocks[i]!;
      const blkStart = (first + i) * bs;
      const from = Math.max(offset, blkStart) - blkStart;
      const to = Math.min(offset + length, blkStart + blk.length) - blkStart;
      out.set(blk.subarray(from, to), pos);
      pos += to - from;
    }
    return out;
  }

  /** One device read for blocks [a, b]; returns a promise per block. */
  private fetchRun(a: number, b: number): Promise<Uint8Array>[] {
    const bs = this.blockSize;
    const start = a * bs;
    const end = Math.min(this.size, (b + 1) * bs);
    const whole = this.inner.read(start, end - start).then((b) => exact(b, start, end - start));
    const result: Promise<Uint8Array>[] = [];
    for (let blk = a; blk <= b; blk++) {
      const p = whole.then((bytes) => {
        const from = (blk - a) * bs;
        const piece = Uint8Array.prototype.slice.call(bytes, from, Math.min(bytes.length, from + bs));
        this.store(blk, piece);
        return piece;
      });
      p.catch(() => undefined).finally(() => this.inflight.delete(blk));
      this.inflight.set(blk, p);
      result.push(p);
    }
    return result;
  }

  private store(block: number, bytes: Uint8Array): void {
    this.blocks.set(block, bytes);
    while (this.blocks.size > this.maxBlocks) {
      const oldest = this.blocks.keys().next().value;
      if (oldest === undefined) break;
      this.blocks.delete(oldest);
    }
  }
}

/** A device that returns other than what was asked for is faulty: say so, never decode it. */
function exact(bytes: Uint8Array, offset: number, length: number): Uint8Array {
  if (bytes.length !== length) throw ioError(`short read at ${offset}: ${bytes.length} of ${length} bytes`);
  return bytes;
}
