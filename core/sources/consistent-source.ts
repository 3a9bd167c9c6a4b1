// A consistent view of a device that may lie. A malicious (or failing) stick can answer the
// same sector differently on a second read, a known way to get past checks that a driver made
// on the first read. This wrapper remembers what it served: a copy of each block (up to a
// budget) and a hash of each block (up to a larger budget). On a re-read that differs it serves
// the first copy, or, where only the hash is left, refuses the read, and it reports the change
// once per block, so that the drivers in the sandbox never see data change under them.
//
// Coverage is bounded: the first MAX_COPY_BYTES of distinct blocks read are kept, the first
// MAX_HASHED_BLOCKS are hashed; blocks first read after that are served as the device gives
// them. File systems read their metadata first, so that is what the budgets cover.

import { createHash } from 'node:crypto';
import { GloveboxError } from '../errors.js';
import type { HostSource } from '../sandbox/host/source.js';

/** Tracking granularity. */
export const CONSISTENT_BLOCK_BYTES = 4096;
/** Copies kept to serve instead of changed data (bytes). */
export const MAX_COPY_BYTES = 64 * 1024 * 1024;
/** Hashes kept (each block of 4 KiB: ~100 bytes of memory; 262144 blocks = 1 GiB of data). */
export const MAX_HASHED_BLOCKS = 262_144;

export interface DataChange {
  /** Byte offset of the block that changed. */
  offset: number;
  length: number;
  /** The first copy was served again (true) or the read was refused (only a hash was kept). */
  servedFirstCopy: boolean;
}

export interface ConsistentOptions {
  maxCopyBytes?: number;
  maxHashedBlocks?: number;
  blockBytes?: number;
  /** Told about each block that changed, the first time it does. */
  onChange?: (c: DataChange) => void;
}

const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('base64').slice(0, 22);

export class ConsistentSource implements HostSource {
  readonly size: number;
  private readonly copies = new Map<number, Uint8Array>();
  private readonly hashes = new Map<number, string>();
  private readonly reported = new Set<number>();
  private copyBytes = 0;
  private readonly block: number;
  private readonly maxCopyBytes: number;
  private readonly maxHashed: number;
  /** Blocks seen to change. */
  changes = 0;

  constructor(
    private readonly inner: HostSource,
    private readonly o: ConsistentOptions = {},
  ) {
    this.size = inner.size;
    this.block = o.blockBytes ?? CONSISTENT_BLOCK_BYTES;
    this.maxCopyBytes = o.maxCopyBytes ?? MAX_COPY_BYTES;
    this.maxHashed = o.maxHashedBlocks ?? MAX_HASHED_BLOCKS;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    const first = Math.floor(offset / this.block) * this.block;
    const end = Math.min(this.size, Math.ceil((offset + length) / this.block) * this.block);
    const data = await this.inner.read(first, end - first);
    if (data.length !== end - first) throw new GloveboxError('Io', `short read at ${first}`);
    for (let at = first; at < end; at += this.block) {
      const piece = data.subarray(at - first, Math.min(at - first + this.block, data.length));
      this.check(at, piece);
    }
    return data.slice(offset - first, offset - first + length);
  }

  /** Compares a block with what was served before; restores the first copy in place. */
  private check(at: number, piece: Uint8Array): void {
    const copy = this.copies.get(at);
    if (copy) {
      if (!equal(copy, piece)) {
        this.report({ offset: at, length: piece.length, servedFirstCopy: true });
        piece.set(copy);
      }
      return;
    }
    const hash = this.hashes.get(at);
    if (hash !== undefined) {
      if (hash !== digest(piece)) {
        this.report({ offset: at, length: piece.length, servedFirstCopy: false });
        throw new GloveboxError('Io', `the device changed its data at byte ${at} since it was first read; refusing to serve a different copy`);
      }
      return;
    }
    if (this.hashes.size < this.maxHashed) this.hashes.set(at, digest(piece));
    if (this.copyBytes + piece.length <= this.maxCopyBytes) {
      this.copies.set(at, piece.slice());
      this.copyBytes += piece.length;
    }
  }

  private report(c: DataChange): void {
    if (this.reported.has(c.offset)) return;
    this.reported.add(c.offset);
    this.changes++;
    this.o.onChange?.(c);
  }

  close(): Promise<void> {
    this.copies.clear();
    this.hashes.clear();
    return this.inner.close();
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
