// An ExpandStream over a push-style decoder (fflate, fzstd): compressed pieces go in, decoded
// chunks come out through a callback. The piece size bounds what one push can produce (a
// decompression bomb expands each piece by the format's worst ratio at most, not without end).
import { corrupt, GloveboxError } from '../../errors.js';
import { OutputQueue, type SequentialInput } from './input.js';
import type { ExpandStream } from './types.js';

export interface PushDecoder {
  push(chunk: Uint8Array, final: boolean): void;
}

export type MakeDecoder = (ondata: (chunk: Uint8Array, final: boolean) => void) => PushDecoder;

export interface PushOptions {
  /** Names the format in messages ("gzip"). */
  what: string;
  /** Compressed bytes per push. */
  pieceBytes: number;
  /** Sees every decoded chunk (checksums). */
  onData?: (chunk: Uint8Array) => void;
  /** Called once the decoder has finished, to check trailers. */
  onFinish?: () => void | Promise<void>;
  /** Called after each push (checks that need to read the source). */
  afterPush?: () => Promise<void>;
}

export class PushExpandStream implements ExpandStream {
  private readonly out = new OutputQueue();
  private readonly decoder: PushDecoder;
  private finished = false;
  private ended = false;

  constructor(
    private readonly input: SequentialInput,
    make: MakeDecoder,
    private readonly options: PushOptions,
  ) {
    this.decoder = make((chunk, final) => {
      this.options.onData?.(chunk);
      this.out.push(chunk);
      if (final) this.finished = true;
    });
  }

  async next(max: number): Promise<Uint8Array> {
    while (this.out.length < max && !this.ended) {
      const piece = await this.input.next(this.options.pieceBytes);
      const last = piece === null || this.input.atEnd;
      try {
        this.decoder.push(piece ?? new Uint8Array(0), last);
      } catch (e) {
        if (e instanceof GloveboxError) throw e;
        throw corrupt(`${this.options.what} data`, { where: `compressed byte ${this.input.offset}`, found: e instanceof Error ? e.message : String(e) });
      }
      await this.options.afterPush?.();
      if (last) {
        this.ended = true;
        if (!this.finished) throw corrupt(`${this.options.what} stream`, { expected: 'its end', found: 'the end of the file (truncated)' });
        await this.options.onFinish?.();
      }
    }
    return this.out.take(max);
  }
}
