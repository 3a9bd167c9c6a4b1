// An MFT record (layout.h MFT_RECORD) and its attributes (ATTR_RECORD). Every offset and length
// is checked against the record before it is used; the attribute walk is bounded by the record
// size (each attribute is at least 16 bytes and 8-aligned, so it always advances).
import { corrupt } from '../../errors.js';
import { applyFixups } from './fixup.js';
import { mftRef, u16, u32, u64, u8, utf16, type MftRef } from './io.js';
import { decodeRunlist, type Run } from './runlist.js';

export const AT_STANDARD_INFORMATION = 0x10;
export const AT_ATTRIBUTE_LIST = 0x20;
export const AT_FILE_NAME = 0x30;
export const AT_VOLUME_NAME = 0x60;
export const AT_VOLUME_INFORMATION = 0x70;
export const AT_DATA = 0x80;
export const AT_INDEX_ROOT = 0x90;
export const AT_INDEX_ALLOCATION = 0xa0;
export const AT_BITMAP = 0xb0;
export const AT_REPARSE_POINT = 0xc0;
const AT_END = 0xffffffff;

export const ATTR_IS_COMPRESSED = 0x0001;
export const ATTR_IS_ENCRYPTED = 0x4000;
export const ATTR_IS_SPARSE = 0x8000;

const MFT_RECORD_IN_USE = 0x0001;
const MFT_RECORD_IS_DIRECTORY = 0x0002;

export interface Attribute {
  type: number;
  name: string;
  flags: number;
  instance: number;
  /** The record the attribute came from. */
  record: number;
  resident: Uint8Array | null;
  /** Non-resident: the extent's VCN range and runs; the sizes are meaningful in the lowest_vcn 0 extent. */
  lowestVcn: number;
  highestVcn: number;
  runs: Run[];
  compressionUnit: number;
  allocatedSize: number;
  dataSize: number;
  initializedSize: number;
}

export interface MftRecord {
  number: number;
  sequence: number;
  linkCount: number;
  inUse: boolean;
  isDirectory: boolean;
  /** The base record for an extension record; record 0 with sequence 0 for a base record. */
  base: MftRef;
  attributes: Attribute[];
}

export interface RecordContext {
  bytesPerCluster: number;
  clusterCount: number;
}

/** Decodes one MFT record (its fixups are applied to `rec` in place). */
export function parseMftRecord(rec: Uint8Array, number: number, ctx: RecordContext): MftRecord {
  const where = `MFT record ${number}`;
  applyFixups(rec, 'FILE', where);
  const attrsOffset = u16(rec, 0x14);
  const flags = u16(rec, 0x16);
  const bytesInUse = u32(rec, 0x18);
  if (bytesInUse > rec.length || bytesInUse < 0x30) {
    throw corrupt('bytes in use outside the record', { where, expected: `<= ${rec.length}`, found: `${bytesInUse}` });
  }
  if (attrsOffset < 0x2a || attrsOffset % 8 !== 0 || attrsOffset + 4 > bytesInUse) {
    throw corrupt('attribute offset outside the record', { where, expected: `8-aligned, < ${bytesInUse}`, found: `${attrsOffset}` });
  }
  const record: MftRecord = {
    number,
    sequence: u16(rec, 0x10),
    linkCount: u16(rec, 0x12),
    inUse: (flags & MFT_RECORD_IN_USE) !== 0,
    isDirectory: (flags & MFT_RECORD_IS_DIRECTORY) !== 0,
    base: mftRef(rec, 0x20),
    attributes: [],
  };
  let pos = attrsOffset;
  while (true) {
    if (pos + 4 > bytesInUse) throw corrupt('attribute list runs past the record without an end marker', { where, found: `offset ${pos}` });
    const type = u32(rec, pos);
    if (type === AT_END) break;
    record.attributes.push(parseAttribute(rec, pos, bytesInUse, number, ctx));
    pos += u32(rec, pos + 4);
  }
  return record;
}

function parseAttribute(rec: Uint8Array, pos: number, limit: number, number: number, ctx: RecordContext): Attribute {
  const where = `MFT record ${number}, attribute at 0x${pos.toString(16)}`;
  if (pos + 16 > limit) throw corrupt('attribute header past the record', { where, expected: `<= ${limit}`, found: `${pos + 16}` });
  const type = u32(rec, pos);
  const length = u32(rec, pos + 4);
  if (length < 16 || length % 8 !== 0 || pos + length > limit) {
    throw corrupt('attribute length past the record', { where, expected: `8-aligned, 16..${limit - pos}`, found: `${length}` });
  }
  const nonResident = u8(rec, pos + 8);
  const nameLength = u8(rec, pos + 9);
  const nameOffset = u16(rec, pos + 10);
  if (nameLength > 0 && nameOffset + 2 * nameLength > length) {
    throw corrupt('attribute name past the attribute', { where, expected: `<= ${length}`, found: `${nameOffset}+${2 * nameLength}` });
  }
  const attr: Attribute = {
    type,
    name: nameLength > 0 ? utf16(rec, pos + nameOffset, nameLength) : '',
    flags: u16(rec, pos + 12),
    instance: u16(rec, pos + 14),
    record: number,
    resident: null,
    lowestVcn: 0,
    highestVcn: -1,
    runs: [],
    compressionUnit: 0,
    allocatedSize: 0,
    dataSize: 0,
    initializedSize: 0,
  };
  if (nonResident === 0) {
    if (length < 24) throw corrupt('resident attribute header past the attribute', { where, expected: '>= 24', found: `${length}` });
    const valueLength = u32(rec, pos + 16);
    const valueOffset = u16(rec, pos + 20);
    if (valueOffset + valueLength > length) {
      throw corrupt('resident value past the attribute', { where, expected: `<= ${length}`, found: `${valueOffset}+${valueLength}` });
    }
    attr.resident = rec.slice(pos + valueOffset, pos + valueOffset + valueLength);
    attr.dataSize = attr.initializedSize = attr.allocatedSize = valueLength;
    return attr;
  }
  if (length < 0x40) throw corrupt('non-resident attribute header past the attribute', { where, expected: '>= 64', found: `${length}` });
  attr.lowestVcn = u64(rec, pos + 0x10);
  attr.highestVcn = u64(rec, pos + 0x18);
  const runsOffset = u16(rec, pos + 0x20);
  attr.compressionUnit = u8(rec, pos + 0x22);
  attr.allocatedSize = u64(rec, pos + 0x28);
  attr.dataSize = u64(rec, pos + 0x30);
  attr.initializedSize = u64(rec, pos + 0x38);
  for (const [name, v] of [['lowest VCN', attr.lowestVcn], ['highest VCN', attr.highestVcn + 1], ['allocated size', attr.allocatedSize], ['data size', attr.dataSize], ['initialized size', attr.initializedSize]] as const) {
    if (!Number.isSafeInteger(v)) throw corrupt(`non-resident ${name} out of range`, { where, expected: '< 2^53', found: `${v}` });
  }
  if (attr.lowestVcn === 0 && (attr.initializedSize > attr.dataSize || attr.dataSize > attr.allocatedSize)) {
    throw corrupt('non-resident sizes inconsistent', { where, expected: 'initialized <= data <= allocated', found: `${attr.initializedSize}, ${attr.dataSize}, ${attr.allocatedSize}` });
  }
  if (runsOffset < 0x40 || runsOffset > length) {
    throw corrupt('runlist offset past the attribute', { where, expected: `0x40..${length}`, found: `${runsOffset}` });
  }
  attr.runs = decodeRunlist(rec.subarray(pos + runsOffset, pos + length), attr.lowestVcn, ctx, where);
  return attr;
}
