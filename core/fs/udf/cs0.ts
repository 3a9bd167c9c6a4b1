// OSTA CS0 strings (UDF 2.1.1, ECMA-167 1/7.2.12): the first byte is a compression id, 8 (one
// byte per character, Latin-1) or 16 (UTF-16BE); UDF 2.50 adds 254 and 255, the same encodings
// marking a name of a deleted entry. A d-string (dstring) keeps its used length in its last byte.
import { hasLoneSurrogate } from '../io.js';

export interface Cs0Name {
  name: string;
  undecodable: boolean;
}

/** `b` holds the d-characters including the compression id. */
export function decodeDchars(b: Uint8Array): Cs0Name {
  if (b.length === 0) return { name: '', undecodable: false };
  const id = b[0]!;
  if (id === 8 || id === 254) {
    let s = '';
    for (let i = 1; i < b.length; i++) s += String.fromCharCode(b[i]!);
    return { name: s, undecodable: false };
  }
  if (id === 16 || id === 255) {
    let s = '';
    let undecodable = (b.length - 1) % 2 !== 0;
    for (let i = 1; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
    // A lone surrogate is kept as stored and the name marked undecodable.
    if (!undecodable && hasLoneSurrogate(s)) undecodable = true;
    if (undecodable && (b.length - 1) % 2 !== 0) s += '\ufffd';
    return { name: s, undecodable };
  }
  let s = '';
  for (let i = 1; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return { name: s, undecodable: true };
}

/** A dstring field of `size` bytes at `at`; empty when its length byte is 0 or out of range. */
export function decodeDstring(b: Uint8Array, at: number, size: number): string {
  const used = b[at + size - 1]!;
  if (used === 0 || used > size - 1) return '';
  return decodeDchars(b.subarray(at, at + used)).name;
}
