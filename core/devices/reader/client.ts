// The host's end of the privileged reader: a HostSource whose reads go to the helper over its
// stdin/stdout. Everything the helper says is checked (magic, version, lengths, ids).

import type { Readable, Writable } from 'node:stream';
import type { HostSource } from '../../sandbox/host/source.js';
import { ANSWER_HEADER_BYTES, encodeRequest, FrameReader, HELLO_HEADER_BYTES, MAX_MESSAGE_BYTES, MAX_READ_BYTES, READER_MAGIC, READER_VERSION, Status } from './protocol.js';

export interface HelperProcess {
  stdin: Writable;
  stdout: Readable;
  /** Ends the helper (closing stdin is the polite way; this is for errors). */
  kill(): void;
}

export class ReaderError extends Error {
  override name = 'ReaderError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const HELLO_TEXT: Record<number, string> = {
  [Status.notBlockDevice]: 'not a block device',
  [Status.wrongDevice]: 'the path no longer names the device that was chosen',
  [Status.openFailed]: 'the helper could not open the device',
};

export class PrivilegedReaderSource implements HostSource {
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly helper: HelperProcess,
    private readonly frames: FrameReader,
    readonly size: number,
  ) {}

  static async start(helper: HelperProcess): Promise<PrivilegedReaderSource> {
    const frames = new FrameReader();
    helper.stdout.on('data', (c: Buffer) => frames.push(c));
    helper.stdout.on('end', () => frames.end());
    helper.stdout.on('error', () => frames.end());
    try {
      const h = await frames.take(HELLO_HEADER_BYTES);
      if (!h || h.toString('latin1', 0, 4) !== READER_MAGIC) throw new ReaderError('the reader helper did not start', -1);
      if (h.readUInt16LE(4) !== READER_VERSION) throw new ReaderError(`reader helper protocol ${h.readUInt16LE(4)}, expected ${READER_VERSION}`, -1);
      const status = h.readUInt16LE(6);
      const size = h.readBigUInt64LE(8);
      const n = h.readUInt16LE(16);
      if (n > MAX_MESSAGE_BYTES) throw new ReaderError('reader helper message too long', -1);
      const msg = n > 0 ? ((await frames.take(n))?.toString('utf8') ?? '') : '';
      if (status !== Status.ok) throw new ReaderError(`${HELLO_TEXT[status] ?? `status ${status}`}${msg ? ` (${msg.replace(/[^\x20-\x7e]/g, '?')})` : ''}`, status);
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new ReaderError('device size out of range', -1);
      return new PrivilegedReaderSource(helper, frames, Number(size));
    } catch (e) {
      helper.stdin.end();
      helper.kill();
      throw e;
    }
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    // One request in flight at a time: the answers then come in order.
    const run = this.queue.then(() => this.readNow(offset, length));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readNow(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const n = Math.min(MAX_READ_BYTES, length - done);
      const id = this.nextId++ >>> 0;
      this.helper.stdin.write(encodeRequest(id, offset + done, n));
      const h = await this.frames.take(ANSWER_HEADER_BYTES);
      if (!h) throw new ReaderError('the reader helper ended', -1);
      const status = h.readUInt16LE(4);
      const len = h.readUInt32LE(8);
      if (h.readUInt32LE(0) !== id) throw new ReaderError('reader helper answered the wrong request', -1);
      if (len > (status === Status.ok ? n : MAX_MESSAGE_BYTES) || (status === Status.ok && len !== n)) throw new ReaderError('reader helper answer of the wrong length', -1);
      const body = len > 0 ? await this.frames.take(len) : Buffer.alloc(0);
      if (!body) throw new ReaderError('the reader helper ended', -1);
      if (status !== Status.ok) throw new ReaderError(`device read failed at ${offset + done}: ${body.toString('utf8').replace(/[^\x20-\x7e]/g, '?')}`, status);
      out.set(body, done);
      done += n;
    }
    return out;
  }

  async close(): Promise<void> {
    this.helper.stdin.end();
  }
}
