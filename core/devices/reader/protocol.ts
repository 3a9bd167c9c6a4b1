// The privileged reader's wire protocol, over the helper's stdin (requests) and stdout
// (answers): fixed little-endian frames, no sockets. Version 1.
//
//   hello  (helper → host, once): "GBRD" u16 version, u16 status, u64 size, u16 n, n bytes UTF-8 message
//   request (host → helper):       u32 id, u32 length, u64 offset                          (16 bytes)
//   answer  (helper → host):       u32 id, u16 status, u16 0, u32 n, n bytes (the data, or a message)
//
// The helper opens exactly one device, checks it, and then only ever answers bounded reads.

export const READER_MAGIC = 'GBRD';
export const READER_VERSION = 1;
export const REQUEST_BYTES = 16;
export const ANSWER_HEADER_BYTES = 12;
export const HELLO_HEADER_BYTES = 18;
/** Largest read one request may ask for. */
export const MAX_READ_BYTES = 1024 * 1024;
/** Longest message (hello or error) a helper may send. */
export const MAX_MESSAGE_BYTES = 1024;

export const Status = {
  ok: 0,
  /** hello: the path is not a block device. */
  notBlockDevice: 1,
  /** hello: the device is not the one the user picked (st_rdev differs). */
  wrongDevice: 2,
  /** hello: the open failed (message: the errno code). */
  openFailed: 3,
  /** answer: the range is outside the device. */
  outOfRange: 4,
  /** answer: the device failed the read. */
  ioError: 5,
  /** answer: a malformed request (length 0 or over MAX_READ_BYTES). */
  badRequest: 6,
} as const;
export type StatusCode = (typeof Status)[keyof typeof Status];

export function encodeHello(status: number, size: number, message: string): Uint8Array {
  const msg = Buffer.from(message, 'utf8').subarray(0, MAX_MESSAGE_BYTES);
  const b = Buffer.alloc(HELLO_HEADER_BYTES + msg.length);
  b.write(READER_MAGIC, 0, 'latin1');
  b.writeUInt16LE(READER_VERSION, 4);
  b.writeUInt16LE(status, 6);
  b.writeBigUInt64LE(BigInt(size), 8);
  b.writeUInt16LE(msg.length, 16);
  msg.copy(b, HELLO_HEADER_BYTES);
  return b;
}

export function encodeRequest(id: number, offset: number, length: number): Uint8Array {
  const b = Buffer.alloc(REQUEST_BYTES);
  b.writeUInt32LE(id >>> 0, 0);
  b.writeUInt32LE(length >>> 0, 4);
  b.writeBigUInt64LE(BigInt(offset), 8);
  return b;
}

export function decodeRequest(b: Buffer): { id: number; length: number; offset: bigint } {
  return { id: b.readUInt32LE(0), length: b.readUInt32LE(4), offset: b.readBigUInt64LE(8) };
}

export function encodeAnswer(id: number, status: number, payload: Uint8Array): Uint8Array {
  const h = Buffer.alloc(ANSWER_HEADER_BYTES);
  h.writeUInt32LE(id >>> 0, 0);
  h.writeUInt16LE(status, 4);
  h.writeUInt32LE(payload.length, 8);
  return Buffer.concat([h, payload]);
}

/** Collects bytes from a stream and hands out exact-length pieces. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private have = 0;
  private waiter: { n: number; resolve: (b: Buffer | null) => void } | null = null;
  private ended = false;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Exactly n bytes, or null at the end of the stream. */
  take(n: number): Promise<Buffer | null> {
    if (this.waiter) throw new Error('one reader at a time');
    return new Promise((resolve) => {
      this.waiter = { n, resolve };
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.have >= w.n) {
      const all = Buffer.concat(this.chunks);
      this.chunks = [all.subarray(w.n)];
      this.have -= w.n;
      this.waiter = null;
      w.resolve(all.subarray(0, w.n));
    } else if (this.ended) {
      this.waiter = null;
      w.resolve(null);
    }
  }
}
