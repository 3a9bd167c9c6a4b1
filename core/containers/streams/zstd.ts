// Zstandard (RFC 8878): frames walked here, one block at a time, and decoded by fzstd. The walk
// gives what fzstd does not: each frame's XXH64 content checksum verified (the zstd tool writes
// one by default), skippable frames skipped, every block size checked before decoding (a block
// regenerates at most 128 KiB, so one step's output is bounded), and the window the decoder will
// allocate bounded too.
import { Decompress } from 'fzstd';
import xxhash from 'xxhash-wasm';
import type { BlockDevice } from '../../block/device.js';
import { corrupt, GloveboxError, unsupported } from '../../errors.js';
import { u32 } from '../common.js';
import { isZstdMagic, ZSTD_BLOCK_MAX, ZSTD_MAGIC, zstdBlockHeader, zstdFrameHeader } from '../zstd-frame.js';
import { OutputQueue, SequentialInput } from './input.js';
import type { ExpandStream } from './types.js';

/** RFC 8878 3.1.2: skippable frames have magic 0x184D2A50 to 0x184D2A5F. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** The decoder allocates the window: `zstd --long=27` uses 128 MiB, the largest accepted here. */
const MAX_WINDOW = 128 * 1024 * 1024;

export const isZstd = (b: Uint8Array): boolean => isZstdMagic(b);

type Hasher = ReturnType<Awaited<ReturnType<typeof xxhash>>['create64']>;
let hashApi: Promise<Awaited<ReturnType<typeof xxhash>>> | null = null;

interface Frame {
  decoder: Decompress;
  hasher: Hasher | null;
  blockMax: number;
  /** Where the frame started, for messages. */
  at: number;
}

class ZstdExpandStream implements ExpandStream {
  private readonly out = new OutputQueue();
  private readonly input: SequentialInput;
  /** Compressed bytes read but not yet walked, starting at `offset` in the file. */
  private pending = new Uint8Array(0);
  private offset = 0;
  private frame: Frame | null = null;
  private frames = 0;
  private ended = false;

  constructor(device: BlockDevice) {
    this.input = new SequentialInput(device);
  }

  async next(max: number): Promise<Uint8Array> {
    while (this.out.length < max && !this.ended) await this.step();
    return this.out.take(max);
  }

  /** At least `n` unwalked bytes, or false when the file ends first. */
  private async need(n: number): Promise<boolean> {
    while (this.pending.length < n) {
      const piece = await this.input.next(Math.max(n - this.pending.length, 64 * 1024));
      if (piece === null) return false;
      const joined = new Uint8Array(this.pending.length + piece.length);
      joined.set(this.pending);
      joined.set(piece, this.pending.length);
      this.pending = joined;
    }
    return true;
  }

  private take(n: number): Uint8Array {
    const bytes = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    this.offset += n;
    return bytes;
  }

  private truncated(): GloveboxError {
    return corrupt('zstd stream', { where: `compressed byte ${this.offset}`, expected: 'the rest of the frame', found: 'the end of the file (truncated)' });
  }

  private async step(): Promise<void> {
    if (this.frame === null) return this.startFrame();
    const f = this.frame;
    if (!(await this.need(3))) throw this.truncated();
    const { last, type, size, length } = zstdBlockHeader(this.pending, 0);
    if (type === 3) throw corrupt('zstd block', { where: `compressed byte ${this.offset}`, found: 'the reserved block type' });
    if (size > f.blockMax) throw corrupt('zstd block', { where: `compressed byte ${this.offset}`, expected: `at most ${f.blockMax} bytes`, found: `${size}` });
    if (!(await this.need(length))) throw this.truncated();
    const hasChecksum = f.hasher !== null;
    this.push(f, this.take(length), last && !hasChecksum);
    if (!last) return;
    if (hasChecksum) {
      if (!(await this.need(4))) throw this.truncated();
      const stored = u32(this.pending, 0);
      this.push(f, this.take(4), true);
      const computed = Number(f.hasher!.digest() & 0xffffffffn);
      if (computed !== stored) {
        throw corrupt('zstd frame checksum (XXH64)', { where: `the frame at compressed byte ${f.at}`, expected: stored.toString(16).padStart(8, '0'), found: computed.toString(16).padStart(8, '0') });
      }
    }
    this.frame = null;
  }

  private push(f: Frame, bytes: Uint8Array, final: boolean): void {
    try {
      f.decoder.push(bytes, final);
    } catch (e) {
      if (e instanceof GloveboxError) throw e;
      throw corrupt('zstd data', { where: `the frame at compressed byte ${f.at}`, found: e instanceof Error ? e.message : String(e) });
    }
  }

  private async startFrame(): Promise<void> {
    if (!(await this.need(4))) {
      if (this.pending.length === 0 && this.frames > 0) {
        this.ended = true;
        return;
      }
      throw this.truncated();
    }
    const magic = u32(this.pending, 0);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (!(await this.need(8))) throw this.truncated();
      const size = u32(this.pending, 4);
      this.take(8);
      // Skipped in bounded steps: the size is the image's word, the file's end is the bound.
      for (let left = size; left > 0; ) {
        if (!(await this.need(Math.min(left, 1024 * 1024)))) throw this.truncated();
        const n = Math.min(left, this.pending.length);
        this.take(n);
        left -= n;
      }
      return;
    }
    if (magic !== ZSTD_MAGIC) {
      throw corrupt('zstd stream', { where: `compressed byte ${this.offset}`, expected: 'a zstd frame', found: `0x${magic.toString(16).padStart(8, '0')}` });
    }
    if (!(await this.need(6))) throw this.truncated();
    let h = zstdFrameHeader(this.pending);
    if (h === null) {
      // The header is at most 18 bytes.
      if (!(await this.need(18))) throw this.truncated();
      h = zstdFrameHeader(this.pending);
    }
    if (h === null) throw this.truncated();
    if (h.reservedBit) throw corrupt('zstd frame header', { where: `compressed byte ${this.offset}`, found: 'the reserved bit set' });
    if (h.dictionaryId !== 0) throw unsupported(`a zstd frame that needs dictionary ${h.dictionaryId}`);
    const window = h.window;
    const headerLength = h.length;
    const hasChecksum = h.checksum;
    if (window > MAX_WINDOW) throw corrupt('zstd window', { where: `compressed byte ${this.offset}`, expected: `at most ${MAX_WINDOW} bytes`, found: `${window}` });
    const hasher = hasChecksum ? (await (hashApi ??= xxhash())).create64(0n) : null;
    const at = this.offset;
    const decoder = new Decompress((chunk: Uint8Array) => {
      hasher?.update(chunk);
      this.out.push(chunk);
    });
    this.frame = { decoder, hasher, blockMax: Math.min(ZSTD_BLOCK_MAX, Math.max(window, 1)), at };
    this.frames++;
    this.push(this.frame, this.take(headerLength), false);
  }
}

export function openZstd(device: BlockDevice): ExpandStream {
  return new ZstdExpandStream(device);
}
