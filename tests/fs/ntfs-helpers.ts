// Shared by the NTFS driver tests: fixtures (the bare volume, and the volume inside the GPT
// disk), lookups, and record surgery for patched copies (undo fixups, edit, redo fixups).
import { MemoryDevice } from '../../core/block/device.js';
import { ntfsDriver } from '../../core/fs/ntfs/index.js';
import type { NodeId, Volume } from '../../core/fs/types.js';
import { ntfsLayout } from '../conformance/ntfs-damage.js';
import { fixtureFamily } from '../support/driver-helpers.js';
export { errorOf, lookup } from '../support/driver-helpers.js';

export { ntfsLayout };
const family = fixtureFamily<Listed>('ntfs');
export const { fixtureDir } = family;
/** A gunzipped fixture image; callers that patch it must copy it first. */
export const fixtureImage = family.fixtureImage;

export interface Listed {
  path: string;
  type: string;
  size: number;
  mtime: string | null;
  sha256?: string;
  target?: string;
}

export const expectedListing = family.expectedListing;

export const open = (bytes: Uint8Array): Promise<Volume> => ntfsDriver.open(new MemoryDevice(bytes));

export async function readAll(volume: Volume, node: NodeId, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  for (let at = 0; at < size; ) {
    const chunk = await volume.read(node, at, Math.min(1 << 20, size - at));
    if (chunk.length === 0) throw new Error(`short read at ${at}`);
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
export const put32 = (b: Uint8Array, o: number, v: number): void => {
  for (let i = 0; i < 4; i++) b[o + i] = (v >>> (8 * i)) & 0xff;
};

/** Edits MFT record `n` of `img` in place: `edit` sees the record with its fixups undone. */
export function editRecord(img: Uint8Array, n: number, edit: (rec: Uint8Array) => Uint8Array): void {
  const g = ntfsLayout(img);
  const at = g.records[n]!;
  const rec = img.slice(at, at + g.recordBytes);
  const usa = u16(rec, 4);
  const strides = g.recordBytes / 512;
  for (let i = 0; i < strides; i++) rec.copyWithin(i * 512 + 510, usa + 2 + 2 * i, usa + 4 + 2 * i);
  const out = edit(rec);
  for (let i = 0; i < strides; i++) {
    out.copyWithin(usa + 2 + 2 * i, i * 512 + 510, i * 512 + 512);
    out.copyWithin(i * 512 + 510, usa, usa + 2);
  }
  img.set(out, at);
}

/** The attributes of an unfixed record as [offset, type, length]. */
export function attributes(rec: Uint8Array): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let a = u16(rec, 0x14); u32(rec, a) !== 0xffffffff; a += u32(rec, a + 4)) out.push([a, u32(rec, a), u32(rec, a + 4)]);
  return out;
}

/** The record with attribute `type` (the first of it) replaced by `attr` (a whole attribute, 8-aligned). */
export function replaceAttribute(rec: Uint8Array, type: number, attr: Uint8Array): Uint8Array {
  const attrs = attributes(rec);
  const victim = attrs.find(([, t]) => t === type)!;
  const start = u16(rec, 0x14);
  const parts: Uint8Array[] = [];
  for (const [o, t, len] of attrs) parts.push(o === victim[0] && t === type ? attr : rec.slice(o, o + len));
  const out = rec.slice();
  let pos = start;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  put32(out, pos, 0xffffffff);
  put32(out, pos + 4, 0);
  put32(out, 0x18, pos + 8);
  if (pos + 8 > rec.length - 8) throw new Error('record full');
  return out;
}

/** A resident attribute of `type` holding `value`. */
export function residentAttribute(type: number, value: Uint8Array, instance = 7): Uint8Array {
  const length = (24 + value.length + 7) & ~7;
  const a = new Uint8Array(length);
  put32(a, 0, type);
  put32(a, 4, length);
  a[14] = instance;
  put32(a, 16, value.length);
  a[20] = 24;
  a.set(value, 24);
  return a;
}

export const utf16le = (s: string): Uint8Array => {
  const b = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    b[2 * i] = s.charCodeAt(i) & 0xff;
    b[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return b;
};
