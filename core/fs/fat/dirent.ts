// The 32-byte directory entry (spec section 6) and the VFAT long-name entry that shares its slot
// size (section 7). Pure decoders over a buffer; the caller guarantees 32 bytes at `off`.
import { decodeCp437 } from './cp437.js';
import { u16, u32 } from '../io.js';

export const DIR_ENTRY_BYTES = 32;

export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
/** READ_ONLY|HIDDEN|SYSTEM|VOLUME_ID, compared under ATTR_LONG_NAME_MASK. */
export const ATTR_LONG_NAME = 0x0f;
const ATTR_LONG_NAME_MASK = 0x3f;

/** DIR_Name[0]: 0x00 ends the directory, 0xE5 marks a free slot, 0x05 stands for a real 0xE5. */
const NAME_END = 0x00;
const NAME_FREE = 0xe5;
const NAME_KANJI_E5 = 0x05;

/** DIR_NTRes bits Windows NT uses to store an all-lowercase base or extension without a long name. */
const NTRES_LOWER_BASE = 0x08;
const NTRES_LOWER_EXT = 0x10;

/** LDIR_Ord bit marking the last (first stored) long-name entry; sequence numbers run 1..20. */
export const LAST_LONG_ENTRY = 0x40;
export const MAX_LONG_ENTRIES = 20;

export type SlotKind = 'end' | 'free' | 'long' | 'short';

export interface ShortEntry {
  /** DIR_Name, 11 raw bytes (8 base + 3 extension, space padded). */
  name: Uint8Array;
  attr: number;
  ntRes: number;
  crtTimeTenth: number;
  crtTime: number;
  crtDate: number;
  lstAccDate: number;
  /** DIR_FstClusHI << 16 | DIR_FstClusLO; the high half only on FAT32 (OS/2 used it on FAT16). */
  firstCluster: number;
  wrtTime: number;
  wrtDate: number;
  fileSize: number;
}

export interface LongEntry {
  /** LDIR_Ord. */
  ord: number;
  /** LDIR_Type: zero for a name part; anything else is some other, unknown extension. */
  type: number;
  /** LDIR_Chksum of the short name this entry belongs to. */
  checksum: number;
  units: number[];
}


export function slotKind(b: Uint8Array, off: number): SlotKind {
  const first = b[off]!;
  if (first === NAME_END) return 'end';
  if (first === NAME_FREE) return 'free';
  return (b[off + 11]! & ATTR_LONG_NAME_MASK) === ATTR_LONG_NAME ? 'long' : 'short';
}

export function decodeShortEntry(b: Uint8Array, off: number, fat32: boolean): ShortEntry {
  return {
    name: b.slice(off, off + 11),
    attr: b[off + 11]!,
    ntRes: b[off + 12]!,
    crtTimeTenth: b[off + 13]!,
    crtTime: u16(b, off + 14),
    crtDate: u16(b, off + 16),
    lstAccDate: u16(b, off + 18),
    firstCluster: ((fat32 ? u16(b, off + 20) : 0) * 0x10000) + u16(b, off + 26),
    wrtTime: u16(b, off + 22),
    wrtDate: u16(b, off + 24),
    fileSize: u32(b, off + 28),
  };
}

/** The 13 UTF-16 code units of LDIR_Name1 (5), LDIR_Name2 (6) and LDIR_Name3 (2). */
export function decodeLongEntry(b: Uint8Array, off: number): LongEntry {
  const units: number[] = [];
  for (const [start, count] of [[1, 5], [14, 6], [28, 2]] as const) {
    for (let i = 0; i < count; i++) units.push(u16(b, off + start + 2 * i));
  }
  return { ord: b[off]!, type: b[off + 12]!, checksum: b[off + 13]!, units };
}

/** Spec section 7.2: the rotate-right-and-add checksum of the 11 DIR_Name bytes. */
export function shortNameChecksum(name: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >>> 1) + name[i]!) & 0xff;
  return sum;
}

/** "." and ".." entries, recognised by their raw short names only. */
export function isDotEntry(name: Uint8Array): boolean {
  const dots = name[0] === 0x2e ? (name[1] === 0x2e ? 2 : 1) : 0;
  if (dots === 0) return false;
  for (let i = dots; i < 11; i++) if (name[i] !== 0x20) return false;
  return true;
}

/** "NAME.EXT" from DIR_Name: CP437, NT lowercase bits applied (ASCII only), spaces trimmed. */
export function shortNameToString(name: Uint8Array, ntRes: number): string {
  const raw = name.slice(0, 11);
  if (raw[0] === NAME_KANJI_E5) raw[0] = NAME_FREE;
  let base = decodeCp437(raw.subarray(0, 8)).replace(/ +$/, '');
  let ext = decodeCp437(raw.subarray(8, 11)).replace(/ +$/, '');
  if ((ntRes & NTRES_LOWER_BASE) !== 0) base = asciiLower(base);
  if ((ntRes & NTRES_LOWER_EXT) !== 0) ext = asciiLower(ext);
  return ext === '' ? base : `${base}.${ext}`;
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x20));
}
