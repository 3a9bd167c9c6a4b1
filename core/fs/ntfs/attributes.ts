// Attribute values (layout.h): $STANDARD_INFORMATION, $FILE_NAME, $ATTRIBUTE_LIST entries and
// $REPARSE_POINT. Each decoder checks the value is long enough for what it reads.
import { corrupt } from '../../errors.js';
import { mftRef, u16, u32, u64, u8, utf16, type MftRef } from './io.js';
import { ntfsTimeAt } from './time.js';
import type { Timestamp } from '../types.js';

export const FILE_ATTRIBUTE_READONLY = 0x0001;
export const FILE_ATTRIBUTE_HIDDEN = 0x0002;
export const FILE_ATTRIBUTE_SYSTEM = 0x0004;
export const FILE_ATTRIBUTE_DIRECTORY = 0x0010;
export const FILE_ATTRIBUTE_ARCHIVE = 0x0020;
export const FILE_ATTRIBUTE_SPARSE_FILE = 0x0200;
export const FILE_ATTRIBUTE_REPARSE_POINT = 0x0400;
export const FILE_ATTRIBUTE_COMPRESSED = 0x0800;
export const FILE_ATTRIBUTE_ENCRYPTED = 0x4000;
/** In $FILE_NAME: the file is a directory (it has an $I30 index). */
export const FILE_ATTR_DUP_FILE_NAME_INDEX_PRESENT = 0x10000000;

export const FILE_NAME_POSIX = 0;
export const FILE_NAME_WIN32 = 1;
export const FILE_NAME_DOS = 2;
export const FILE_NAME_WIN32_AND_DOS = 3;

export const IO_REPARSE_TAG_MOUNT_POINT = 0xa0000003;
export const IO_REPARSE_TAG_SYMLINK = 0xa000000c;

export interface StandardInformation {
  creationTime: Timestamp | null;
  lastDataChangeTime: Timestamp | null;
  lastMftChangeTime: Timestamp | null;
  lastAccessTime: Timestamp | null;
  fileAttributes: number;
}

export function parseStandardInformation(v: Uint8Array, where: string): StandardInformation {
  if (v.length < 0x24) throw corrupt('$STANDARD_INFORMATION too short', { where, expected: '>= 36 bytes', found: `${v.length}` });
  return {
    creationTime: ntfsTimeAt(v, 0x00),
    lastDataChangeTime: ntfsTimeAt(v, 0x08),
    lastMftChangeTime: ntfsTimeAt(v, 0x10),
    lastAccessTime: ntfsTimeAt(v, 0x18),
    fileAttributes: u32(v, 0x20),
  };
}

export interface FileName {
  parent: MftRef;
  lastDataChangeTime: Timestamp | null;
  dataSize: number;
  fileAttributes: number;
  namespace: number;
  name: string;
}

/** A $FILE_NAME value (also the key of an $I30 index entry). */
export function parseFileName(v: Uint8Array, where: string): FileName {
  if (v.length < 0x42) throw corrupt('$FILE_NAME too short', { where, expected: '>= 66 bytes', found: `${v.length}` });
  const nameLength = u8(v, 0x40);
  if (0x42 + 2 * nameLength > v.length) {
    throw corrupt('$FILE_NAME name past the value', { where, expected: `<= ${v.length}`, found: `${0x42 + 2 * nameLength}` });
  }
  const dataSize = u64(v, 0x30);
  return {
    parent: mftRef(v, 0),
    lastDataChangeTime: ntfsTimeAt(v, 0x10),
    dataSize: Number.isSafeInteger(dataSize) ? dataSize : 0,
    fileAttributes: u32(v, 0x38),
    namespace: u8(v, 0x41),
    name: utf16(v, 0x42, nameLength),
  };
}

export interface AttributeListEntry {
  type: number;
  name: string;
  lowestVcn: number;
  ref: MftRef;
  instance: number;
}

/** Largest $ATTRIBUTE_LIST accepted (Windows keeps it far below this). */
export const MAX_ATTRIBUTE_LIST_BYTES = 4 * 1024 * 1024;

export function parseAttributeList(v: Uint8Array, where: string): AttributeListEntry[] {
  const out: AttributeListEntry[] = [];
  let pos = 0;
  // Each entry is at least 26 bytes and the walk advances by its length: bounded by v.length.
  while (pos + 0x1a <= v.length) {
    const type = u32(v, pos);
    const length = u16(v, pos + 4);
    const nameLength = u8(v, pos + 6);
    const nameOffset = u8(v, pos + 7);
    if (length < 0x1a || pos + length > v.length || nameOffset + 2 * nameLength > length) {
      throw corrupt('bad $ATTRIBUTE_LIST entry', { where: `${where}, list byte ${pos}`, expected: `an entry of 26..${v.length - pos} bytes`, found: `length ${length}` });
    }
    const lowestVcn = u64(v, pos + 8);
    if (!Number.isSafeInteger(lowestVcn)) throw corrupt('bad $ATTRIBUTE_LIST lowest VCN', { where: `${where}, list byte ${pos}`, found: `${lowestVcn}` });
    out.push({
      type,
      name: utf16(v, pos + nameOffset, nameLength),
      lowestVcn,
      ref: mftRef(v, pos + 0x10),
      instance: u16(v, pos + 0x18),
    });
    pos += length;
  }
  return out;
}

export interface ReparsePoint {
  tag: number;
  /** Symlinks and junctions: the print name, or the substitute name when there is none. */
  target: string | null;
}

export function parseReparsePoint(v: Uint8Array, where: string): ReparsePoint {
  if (v.length < 8) throw corrupt('$REPARSE_POINT too short', { where, expected: '>= 8 bytes', found: `${v.length}` });
  const tag = u32(v, 0);
  const dataLength = u16(v, 4);
  if (8 + dataLength > v.length) throw corrupt('$REPARSE_POINT data past the value', { where, expected: `<= ${v.length}`, found: `${8 + dataLength}` });
  if (tag !== IO_REPARSE_TAG_SYMLINK && tag !== IO_REPARSE_TAG_MOUNT_POINT) return { tag, target: null };
  const data = v.subarray(8, 8 + dataLength);
  // SYMBOLIC_LINK_REPARSE_BUFFER has a 4-byte Flags field before the path buffer; MOUNT_POINT does not.
  const buffer = tag === IO_REPARSE_TAG_SYMLINK ? 12 : 8;
  if (data.length < buffer) throw corrupt('reparse buffer too short', { where, expected: `>= ${buffer} bytes`, found: `${data.length}` });
  const name = (offsetAt: number): string | null => {
    const offset = u16(data, offsetAt);
    const length = u16(data, offsetAt + 2);
    if (length === 0) return null;
    if (length % 2 !== 0 || buffer + offset + length > data.length) {
      throw corrupt('reparse name past the buffer', { where, expected: `<= ${data.length - buffer}`, found: `${offset}+${length}` });
    }
    return utf16(data, buffer + offset, length / 2);
  };
  const printName = name(4);
  const substituteName = name(0);
  return { tag, target: printName ?? substituteName };
}
