// xz (.xz, LZMA2 with CRC32/CRC64/SHA-256 checks), through xz-decompress: xz-embedded compiled
// to WebAssembly, which checks each block's integrity field itself.
import xzDecompress from 'xz-decompress';
import type { BlockDevice } from '../../block/device.js';
import { corrupt, GloveboxError } from '../../errors.js';
import { OutputQueue, SequentialInput } from './input.js';
import type { ExpandStream } from './types.js';

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
/** Compressed bytes handed to the decoder per pull. */
const PIECE_BYTES = 256 * 1024;
/** Pulls in a row that produce nothing once the input is used up: the stream is truncated. */
const MAX_IDLE_PULLS = 64;

export const isXz = (b: Uint8Array): boolean => b.length >= 6 && XZ_MAGIC.every((v, i) => b[i] === v);

/** xz-embedded's return codes (enum xz_ret), as the decoder reports them. */
const XZ_ERRORS: Record<string, string> = {
  '2': 'an integrity check type it cannot verify',
  '3': 'not enough memory',
  '4': 'a dictionary larger than allowed',
  '5': 'not an xz stream',
  '6': 'unsupported filter options',
  '7': 'damaged data (an integrity check failed)',
  '8': 'the end of the file (truncated)',
};

function xzProblem(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = /error code (\d+)/.exec(message)?.[1];
  return (code !== undefined ? XZ_ERRORS[code] : undefined) ?? message;
}

class XzExpandStream implements ExpandStream {
  private readonly out = new OutputQueue();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private ended = false;
  private idle = 0;
  private readonly input: SequentialInput;

  constructor(device: BlockDevice) {
    this.input = new SequentialInput(device);
    const input = this.input;
    const compressed = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const piece = await input.next(PIECE_BYTES);
        if (piece === null) controller.close();
        else controller.enqueue(piece);
      },
    });
    this.reader = new xzDecompress.XzReadableStream(compressed).getReader();
  }

  async next(max: number): Promise<Uint8Array> {
    while (this.out.length < max && !this.ended) {
      let r: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;
      try {
        r = await this.reader.read();
      } catch (e) {
        if (e instanceof GloveboxError) throw e;
        throw corrupt('xz data', { where: `compressed byte ${this.input.offset}`, found: xzProblem(e) });
      }
      if (r.done) this.ended = true;
      else if (r.value.length > 0) {
        this.out.push(r.value);
        this.idle = 0;
      } else if (this.input.atEnd && ++this.idle > MAX_IDLE_PULLS) {
        // The decoder wants input that is not there: the file ends inside the stream.
        throw corrupt('xz stream', { expected: 'its end', found: 'the end of the file (truncated)' });
      }
    }
    return this.out.take(max);
  }
}

export function openXz(device: BlockDevice): ExpandStream {
  return new XzExpandStream(device);
}
