// Writing to stdout with backpressure; a closed pipe (`glovebox ls -r img | head`) ends the
// command quietly instead of failing it.

import type { Writable } from 'node:stream';

export class PipeClosed extends Error {
  override name = 'PipeClosed';
}

export class Output {
  private closed = false;

  constructor(private readonly stream: Writable) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') this.closed = true;
    });
  }

  async write(chunk: string | Uint8Array): Promise<void> {
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

  line(text: string): Promise<void> {
    return this.write(`${text}\n`);
  }

  async end(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      if (this.stream.writableNeedDrain) this.stream.once('drain', () => resolve());
      else resolve();
    });
  }
}
