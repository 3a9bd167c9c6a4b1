// Writing to stdout with backpressure; a closed pipe (`glovebox ls -r img | head`) ends the
// command quietly instead of failing it.

import type { Writable } from 'node:stream';

export class PipeClosed extends Error {
  override name = 'PipeClosed';
}

/** Lines are gathered up to this many characters before one write (one syscall per line is slow). */
const LINE_BUFFER_CHARS = 64 * 1024;

export class Output {
  private closed = false;
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(private readonly stream: Writable) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') this.closed = true;
    });
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    await this.flush();
    await this.writeNow(chunk);
  }

  private async writeNow(chunk: string | Uint8Array): Promise<void> {
    if (this.closed) throw new PipeClosed('output closed');
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          this.stream.off('close', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
        this.stream.on('close', done);
      });
      if (this.closed) throw new PipeClosed('output closed');
    }
  }

  async line(text: string): Promise<void> {
    this.pending.push(text, '\n');
    this.pendingChars += text.length + 1;
    if (this.pendingChars >= LINE_BUFFER_CHARS) await this.flush();
  }

  /** Writes the gathered lines (also before any binary write, to keep the order). */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    await this.writeNow(text);
  }

  async end(): Promise<void> {
    await this.flush();
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      if (this.stream.writableNeedDrain) this.stream.once('drain', () => resolve());
      else resolve();
    });
  }
}
