// Shared pieces of the container readers: big-endian fields, and a device whose bytes are
// laid out in units (blocks, clusters) that each map to a place in the source or to zeros.
import { checkRead, type BlockDevice } from '../block/device.js';
import { corrupt } from '../errors.js';
import { readExact } from '../block/read.js';

export { readExact, u32, u64 } from '../block/read.js';

export const be16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
export const be32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** A 64-bit big-endian field; values past 2^53 come back as Infinity (never silently rounded). */
export function be64(b: Uint8Array, o: number): number {
  const hi = be32(b, o);
  const lo = be32(b, o + 4);
  if (hi >= 0x200000) return Infinity;
  return hi * 0x1_0000_0000 + lo;
}

export function ascii(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[o + i]!);
  return s;
}

/** A name stored as bytes (UTF-8 expected), for a message: as printableName, decoded leniently. */
export function sanitize(bytes: Uint8Array): string {
  return printableName(new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 4 * 1024)));
}

/**
 * Where the unit holding a virtual offset lies: `host` in the source (null: reads as zeros), or,
 * for a unit that had to be decoded (a compressed cluster or grain), its bytes.
 */
export interface Mapping {
  host: number | null;
  /** Bytes from the virtual offset to the end of its unit. */
  length: number;
  /** Decoded units only: at least `length` bytes, starting at the virtual offset; `host` is null. */
  bytes?: Uint8Array;
}

/** A virtual device assembled from mapped units; subclasses say where each unit lives. */
export abstract class MappedDevice implements BlockDevice {
  abstract readonly size: number;
  readonly sourceOffset: number | undefined = undefined;

  constructor(protected readonly source: BlockDevice, protected readonly what: string) {}

  protected abstract locate(offset: number): Promise<Mapping>;

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRead(this.size, offset, length);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = offset + done;
      const m = await this.locate(at);
      const n = Math.min(m.length, length - done);
      if (n <= 0) throw corrupt(`${this.what}: empty mapping`, { where: `virtual offset ${at}` });
      if (m.bytes !== undefined) {
        if (m.bytes.length < n) throw corrupt(`${this.what}: decoded unit too short`, { where: `virtual offset ${at}`, expected: `${n} bytes`, found: `${m.bytes.length}` });
        out.set(m.bytes.subarray(0, n), done);
      } else if (m.host !== null) {
        if (m.host < 0 || !Number.isSafeInteger(m.host) || m.host + n > this.source.size) {
          throw corrupt(`${this.what}: data lies past the end of the file`, { where: `virtual offset ${at}`, found: `file offset ${m.host}` });
        }
        out.set(await readExact(this.source, m.host, n), done);
      }
      done += n;
    }
    return out;
  }
}

/** A small bounded LRU map (tables read on demand). */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.capacity) {
      const first = this.map.keys().next();
      if (first.done === true) break;
      this.map.delete(first.value);
    }
  }
}

/** Characters of a name kept in a message (a parent or backing file named by the image). */
export const MAX_NAME_CHARS = 200;

/** Control and direction-changing characters, lone surrogates and U+FFFD: shown as '?'. */
function unprintable(c: number): boolean {
  return (
    c < 0x20 ||
    (c >= 0x7f && c < 0xa0) ||
    (c >= 0x200b && c <= 0x200f) ||
    (c >= 0x2028 && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069) ||
    (c >= 0xd800 && c <= 0xdfff) ||
    c === 0xfeff ||
    c === 0xfffd
  );
}

/** A name from the image, for a message: unprintable characters as '?', bounded, quoted. */
export function printableName(text: string): string {
  let out = '';
  for (const ch of text) {
    out += unprintable(ch.codePointAt(0)!) ? '?' : ch;
    if (out.length >= MAX_NAME_CHARS) {
      out += '…';
      break;
    }
  }
  return JSON.stringify(out);
}
