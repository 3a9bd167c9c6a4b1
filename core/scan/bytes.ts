// Little-endian field readers over a byte array, bounds-checked: a read past the end throws a
// typed Corrupt error naming the structure, never returns undefined-as-zero.
import { corrupt } from '../errors.js';

export class Fields {
  constructor(
    readonly bytes: Uint8Array,
    /** The structure, for messages ("LNK ShellLinkHeader"). */
    private readonly what: string,
  ) {}

  get length(): number {
    return this.bytes.length;
  }

  need(offset: number, length: number, field: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw corrupt(`${this.what}: ${field}`, { expected: `within ${this.bytes.length} bytes`, found: `${length} bytes at ${offset}` });
    }
  }

  u8(o: number, field = 'field'): number {
    this.need(o, 1, field);
    return this.bytes[o]!;
  }

  u16(o: number, field = 'field'): number {
    this.need(o, 2, field);
    return this.bytes[o]! | (this.bytes[o + 1]! << 8);
  }

  u32(o: number, field = 'field'): number {
    this.need(o, 4, field);
    return (this.bytes[o]! | (this.bytes[o + 1]! << 8) | (this.bytes[o + 2]! << 16) | (this.bytes[o + 3]! << 24)) >>> 0;
  }

  be16(o: number, field = 'field'): number {
    this.need(o, 2, field);
    return (this.bytes[o]! << 8) | this.bytes[o + 1]!;
  }

  be32(o: number, field = 'field'): number {
    this.need(o, 4, field);
    return ((this.bytes[o]! << 24) | (this.bytes[o + 1]! << 16) | (this.bytes[o + 2]! << 8) | this.bytes[o + 3]!) >>> 0;
  }

  sub(o: number, length: number, field = 'field'): Uint8Array {
    this.need(o, length, field);
    return this.bytes.subarray(o, o + length);
  }

  /** A NUL-terminated single-byte string starting at `o`, ending at the NUL or at `end`. */
  cstring(o: number, end: number, field = 'string'): string {
    this.need(o, 0, field);
    const stop = Math.min(end, this.bytes.length);
    let i = o;
    while (i < stop && this.bytes[i] !== 0) i++;
    return latin1(this.bytes.subarray(o, i));
  }

  /** A NUL-terminated UTF-16LE string starting at `o`, ending at the NUL or at `end`. */
  wstring(o: number, end: number, field = 'string'): string {
    this.need(o, 0, field);
    const stop = Math.min(end, this.bytes.length);
    let i = o;
    while (i + 1 < stop && (this.bytes[i] !== 0 || this.bytes[i + 1] !== 0)) i += 2;
    return utf16le(this.bytes.subarray(o, i));
  }
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export function utf16le(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b[i]! | (b[i + 1]! << 8));
  return s;
}

/** Text of a small config file: UTF-16 with a BOM, UTF-8 (BOM optional), else Latin-1. */
export function decodeText(b: Uint8Array): string {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return utf16le(b.subarray(2));
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    let s = '';
    for (let i = 2; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
    return s;
  }
  const start = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(start));
  } catch {
    return latin1(b);
  }
}

/** A GUID in its registry form, from the 16 bytes of its little-endian layout. */
export function guid(b: Uint8Array, o: number): string {
  const h = (i: number) => b[o + i]!.toString(16).padStart(2, '0');
  return `${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`.toUpperCase();
}
