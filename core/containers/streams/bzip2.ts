// bzip2, one stream or several in a row, through seek-bzip's block decoder. The decoder reads
// synchronously, so the compressed bytes of a whole block are fetched before it is decoded: a
// bzip2 block is at most 900 kB before compression and never codes to more than ~2.3 MB, so a
// window of BLOCK_WINDOW_BYTES ahead of the read position always holds the next block.
import Bunzip from 'seek-bzip';
import type { BlockDevice } from '../../block/device.js';
import { corrupt, GloveboxError } from '../../errors.js';
import { OutputQueue, SequentialInput } from './input.js';
import type { ExpandStream } from './types.js';

const BLOCK_WINDOW_BYTES = 4 * 1024 * 1024;
/**
 * One block's output: 900 kB before bzip2's first run-length stage, which turns 5 bytes into
 * at most 255, so a valid block never decodes to more than ~46 MB.
 */
const MAX_BLOCK_OUTPUT = 48 * 1024 * 1024;

export const isBzip2 = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 && b[3]! >= 0x31 && b[3]! <= 0x39;

/** Compressed bytes read ahead of the decoder, fetched between blocks. */
class Window {
  private bytes = new Uint8Array(0);
  private base = 0;
  position = 0;

  constructor(private readonly input: SequentialInput) {}

  async fill(): Promise<void> {
    // Drop what the decoder has read, then top up.
    const keep = this.bytes.subarray(this.position - this.base);
    const parts: Uint8Array[] = [keep];
    let have = keep.length;
    while (have < BLOCK_WINDOW_BYTES) {
      const piece = await this.input.next();
      if (piece === null) break;
      parts.push(piece);
      have += piece.length;
    }
    if (parts.length === 1) {
      this.bytes = keep;
    } else {
      const joined = new Uint8Array(have);
      let at = 0;
      for (const p of parts) {
        joined.set(p, at);
        at += p.length;
      }
      this.bytes = joined;
    }
    this.base = this.position;
  }

  get exhausted(): boolean {
    return this.position - this.base >= this.bytes.length && this.input.atEnd;
  }

  readByte(): number {
    const i = this.position - this.base;
    if (i < this.bytes.length) {
      this.position++;
      return this.bytes[i]!;
    }
    if (this.input.atEnd) return -1;
    throw corrupt('bzip2 block', { expected: `at most ${BLOCK_WINDOW_BYTES} compressed bytes`, where: `compressed byte ${this.position}` });
  }

  read(buffer: Uint8Array, offset: number, length: number): number {
    let n = 0;
    while (n < length) {
      const c = this.readByte();
      if (c < 0) return n === 0 ? -1 : n;
      buffer[offset + n++] = c;
    }
    return n;
  }
}

/** One block's decoded bytes. */
class BlockSink {
  private buffer = new Uint8Array(1024 * 1024);
  length = 0;

  writeByte(byte: number): void {
    if (this.length === this.buffer.length) {
      if (this.buffer.length >= MAX_BLOCK_OUTPUT) throw corrupt('bzip2 block', { expected: `at most ${MAX_BLOCK_OUTPUT} bytes decoded` });
      const bigger = new Uint8Array(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = byte;
  }

  take(): Uint8Array {
    const out = this.buffer.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

class Bzip2ExpandStream implements ExpandStream {
  private readonly out = new OutputQueue();
  private readonly window: Window;
  private readonly sink = new BlockSink();
  private decoder: InstanceType<typeof Bunzip> | null = null;
  private ended = false;

  constructor(device: BlockDevice) {
    this.window = new Window(new SequentialInput(device));
  }

  async next(max: number): Promise<Uint8Array> {
    while (this.out.length < max && !this.ended) {
      await this.window.fill();
      try {
        this.step();
      } catch (e) {
        if (e instanceof GloveboxError) throw e;
        throw corrupt('bzip2 data', { where: `compressed byte ${this.window.position}`, found: e instanceof Error ? e.message : String(e) });
      }
    }
    return this.out.take(max);
  }

  /** Decodes one block, or ends a stream (checking its CRC) and starts the next one. */
  private step(): void {
    if (this.decoder === null) {
      this.decoder = new Bunzip(this.window, this.sink);
      return;
    }
    if (this.decoder._init_block()) {
      this.decoder._read_bunzip();
      this.out.push(this.sink.take());
      return;
    }
    const streamCrc = this.decoder.reader.read(32) >>> 0;
    if (streamCrc !== this.decoder.streamCRC >>> 0) {
      throw corrupt('bzip2 stream CRC', { expected: streamCrc.toString(16), found: (this.decoder.streamCRC >>> 0).toString(16) });
    }
    // Another stream may follow (pbzip2 and `cat a.bz2 b.bz2` make such files).
    if (this.window.exhausted) this.ended = true;
    else this.decoder._start_bunzip(this.window, this.sink);
  }
}

export function openBzip2(device: BlockDevice): ExpandStream {
  return new Bzip2ExpandStream(device);
}
