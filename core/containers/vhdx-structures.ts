// On-disk structures of VHDX ([MS-VHDX] v1.0), decoded from bytes already read: the headers
// (2.2.2), the region table (2.2.3), the metadata table and its known items (2.6) and the
// parent locator (2.6.2.6). Pure and synchronous; the device logic lives in vhdx.ts.
import { corrupt } from '../errors.js';
import { ascii, u32, u64 } from './common.js';
import { crc32cWithoutField } from './crc32c.js';

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** File type identifier (2.2.1) and the places of the header section's structures (2.1). */
export const FILE_SIGNATURE = 'vhdxfile';
export const HEADER_OFFSETS = [64 * KiB, 128 * KiB] as const;
export const HEADER_BYTES = 4 * KiB;
export const REGION_TABLE_OFFSETS = [192 * KiB, 256 * KiB] as const;
export const REGION_TABLE_BYTES = 64 * KiB;
/** The header section: file type identifier, two headers, two region tables (and reserved). */
export const HEADER_SECTION_BYTES = 1 * MiB;
/** 2.2.3: "EntryCount ... MUST be less than or equal to 2047". */
export const MAX_REGION_ENTRIES = 2047;
/** 2.6.1: the metadata table is 64 KiB; "EntryCount ... MUST be less than or equal to 2047". */
export const METADATA_TABLE_BYTES = 64 * KiB;
export const MAX_METADATA_ENTRIES = 2047;

export const GUID_BAT_REGION = '2dc27766-f623-4200-9d64-115e9bfd4a08';
export const GUID_METADATA_REGION = '8b7ca206-4790-4b9a-b8fe-575f050f886e';
export const GUID_FILE_PARAMETERS = 'caa16737-fa36-4d43-b3b6-33f0aa44e76b';
export const GUID_VIRTUAL_DISK_SIZE = '2fa54224-cd1b-4876-b211-5dbed83bf4b8';
export const GUID_PAGE_83_DATA = 'beca12ab-b2e6-4523-93ef-c309e000c746';
export const GUID_LOGICAL_SECTOR_SIZE = '8141bf1d-a96f-4709-ba47-f233a8faab5f';
export const GUID_PHYSICAL_SECTOR_SIZE = 'cda348c7-445d-4471-9cc9-e9885251c556';
export const GUID_PARENT_LOCATOR = 'a8d35f2b-b30b-454d-abf7-d3d84834ab0c';
export const NULL_GUID = '00000000-0000-0000-0000-000000000000';

const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
const hex = (b: Uint8Array, o: number, n: number, reverse: boolean): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += b[o + (reverse ? n - 1 - i : i)]!.toString(16).padStart(2, '0');
  return s;
};

/** A GUID as written on disk (first three fields little-endian), in its usual text form. */
export function guidAt(b: Uint8Array, o: number): string {
  return `${hex(b, o, 4, true)}-${hex(b, o + 4, 2, true)}-${hex(b, o + 6, 2, true)}-${hex(b, o + 8, 2, false)}-${hex(b, o + 10, 6, false)}`;
}

/** 2.2.2 header. The sequence number is a full 64-bit counter: compared as a bigint. */
export interface VhdxHeader {
  sequenceNumber: bigint;
  logGuid: string;
  logVersion: number;
  version: number;
}

/** A header copy (4 KiB), or why it cannot be used (bad signature or CRC-32C). */
export function decodeHeader(b: Uint8Array): VhdxHeader | string {
  if (b.length < HEADER_BYTES) return `${b.length} bytes`;
  const h = b.subarray(0, HEADER_BYTES);
  if (ascii(h, 0, 4) !== 'head') return `signature ${JSON.stringify(ascii(h, 0, 4))}`;
  const stored = u32(h, 4);
  const computed = crc32cWithoutField(h, 4);
  if (stored !== computed) return `CRC-32C 0x${stored.toString(16)}, computed 0x${computed.toString(16)}`;
  const sequenceNumber = BigInt(u32(h, 8)) | (BigInt(u32(h, 12)) << 32n);
  return { sequenceNumber, logGuid: guidAt(h, 48), logVersion: u16(h, 64), version: u16(h, 66) };
}

/** One region table entry (2.2.3.1). `fileOffset` is Infinity when past 2^53. */
export interface RegionEntry {
  guid: string;
  fileOffset: number;
  length: number;
  required: boolean;
}

/** A region table copy (64 KiB), or why it cannot be used. */
export function decodeRegionTable(b: Uint8Array): RegionEntry[] | string {
  if (b.length < REGION_TABLE_BYTES) return `${b.length} bytes`;
  const t = b.subarray(0, REGION_TABLE_BYTES);
  if (ascii(t, 0, 4) !== 'regi') return `signature ${JSON.stringify(ascii(t, 0, 4))}`;
  const stored = u32(t, 4);
  const computed = crc32cWithoutField(t, 4);
  if (stored !== computed) return `CRC-32C 0x${stored.toString(16)}, computed 0x${computed.toString(16)}`;
  const entryCount = u32(t, 8);
  if (entryCount > MAX_REGION_ENTRIES) return `entry count ${entryCount} (at most ${MAX_REGION_ENTRIES})`;
  const entries: RegionEntry[] = [];
  for (let i = 0; i < entryCount; i++) {
    const o = 16 + i * 32;
    entries.push({ guid: guidAt(t, o), fileOffset: u64(t, o + 16), length: u32(t, o + 24), required: (u32(t, o + 28) & 1) !== 0 });
  }
  return entries;
}

/** One metadata table entry (2.6.1.2); `offset` is relative to the metadata region. */
export interface MetadataEntry {
  itemId: string;
  offset: number;
  length: number;
  isUser: boolean;
  isVirtualDisk: boolean;
  isRequired: boolean;
}

/** The metadata table (its first 64 KiB of the region). Throws Corrupt. */
export function decodeMetadataTable(b: Uint8Array, regionLength: number, where: string): MetadataEntry[] {
  if (b.length < METADATA_TABLE_BYTES) throw corrupt('VHDX metadata table', { where, expected: `${METADATA_TABLE_BYTES} bytes`, found: `${b.length}` });
  if (ascii(b, 0, 8) !== 'metadata') throw corrupt('VHDX metadata table signature', { where, expected: '"metadata"', found: JSON.stringify(ascii(b, 0, 8)) });
  const entryCount = u16(b, 10);
  if (entryCount > MAX_METADATA_ENTRIES) throw corrupt('VHDX metadata entry count', { where, expected: `at most ${MAX_METADATA_ENTRIES}`, found: String(entryCount) });
  const entries: MetadataEntry[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < entryCount; i++) {
    const o = 32 + i * 32;
    const flags = u32(b, o + 24);
    const e: MetadataEntry = {
      itemId: guidAt(b, o),
      offset: u32(b, o + 16),
      length: u32(b, o + 20),
      isUser: (flags & 1) !== 0,
      isVirtualDisk: (flags & 2) !== 0,
      isRequired: (flags & 4) !== 0,
    };
    const at = `${where}, metadata entry ${i} (${e.itemId})`;
    // 2.6.1.2: an item lies past the table (64 KiB) inside the region; a zero length has offset 0.
    if (e.length === 0 ? e.offset !== 0 : e.offset < METADATA_TABLE_BYTES || e.offset + e.length > regionLength) {
      throw corrupt('VHDX metadata item outside the metadata region', { where: at, expected: `within ${METADATA_TABLE_BYTES}..${regionLength}`, found: `${e.offset}+${e.length}` });
    }
    const key = `${e.isUser ? 'user' : 'system'}:${e.itemId}`;
    if (seen.has(key)) throw corrupt('VHDX metadata item listed twice', { where: at });
    seen.add(key);
    entries.push(e);
  }
  return entries;
}

/** 2.6.2.1 File Parameters. */
export interface FileParameters {
  blockSize: number;
  leaveBlockAllocated: boolean;
  hasParent: boolean;
}

export function decodeFileParameters(b: Uint8Array): FileParameters {
  const bits = u32(b, 4);
  return { blockSize: u32(b, 0), leaveBlockAllocated: (bits & 1) !== 0, hasParent: (bits & 2) !== 0 };
}

export const decodeU32Item = (b: Uint8Array): number => u32(b, 0);
export const decodeU64Item = (b: Uint8Array): number => u64(b, 0);

/** Parent locator keys that name the parent file, in the order a message prefers them. */
const PATH_KEYS = ['relative_path', 'absolute_win32_path', 'volume_path'] as const;

/**
 * The parent's path from a parent locator item (2.6.2.6), or null when the item names none or
 * is malformed (a differencing disk is refused either way; this only improves the message).
 * Keys and values are UTF-16LE strings at offsets from the start of the item.
 */
export function parentPathFromLocator(b: Uint8Array): string | null {
  if (b.length < 20) return null;
  const count = u16(b, 18);
  if (20 + count * 12 > b.length) return null;
  const utf16 = new TextDecoder('utf-16le', { fatal: false });
  const found = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const o = 20 + i * 12;
    const keyOffset = u32(b, o);
    const valueOffset = u32(b, o + 4);
    const keyLength = u16(b, o + 8);
    const valueLength = u16(b, o + 10);
    if (keyOffset + keyLength > b.length || valueOffset + valueLength > b.length) return null;
    const key = utf16.decode(b.subarray(keyOffset, keyOffset + keyLength));
    if ((PATH_KEYS as readonly string[]).includes(key)) found.set(key, utf16.decode(b.subarray(valueOffset, valueOffset + valueLength)));
  }
  for (const k of PATH_KEYS) {
    const v = found.get(k);
    if (v !== undefined && v.length > 0) return v;
  }
  return null;
}
