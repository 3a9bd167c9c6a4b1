// GUID Partition Table, UEFI spec (2.10) chapter 5.3: the GPT header at LBA 1 (5.3.2, table
// 5-5), its backup at the last LBA, and the GPT partition entry array (5.3.3, table 5-6).
// A header is used only if it passes every check of 5.3.2 (signature, HeaderCRC32, MyLBA,
// PartitionEntryArrayCRC32) plus our bounds on the entry array. The logical sector size is not
// written anywhere, so both 512 and 4096 are tried.
import type { BlockDevice } from '../block/device.js';
import { corrupt, GloveboxError, limit } from '../errors.js';
import { crc32 } from './crc32.js';
import { formatGuid, isNullGuid } from './guid.js';
import { lbaRange, sectorCount } from './lba.js';
import { gptTypeName } from './partition-types.js';
import type { Partition } from './types.js';

/** Logical sector sizes a GPT is looked for with, in this order. */
export const GPT_SECTOR_SIZES: readonly number[] = [512, 4096];
/** Upper bound on NumberOfPartitionEntries * SizeOfPartitionEntry: 8192 entries of 128 bytes. */
export const MAX_ENTRY_ARRAY_BYTES = 1024 * 1024;
/** Upper bound on SizeOfPartitionEntry (the spec allows any 128 * 2^n). */
export const MAX_ENTRY_BYTES = 4096;

const SIGNATURE = 'EFI PART';
/** The HeaderSize of revision 1.0; smaller headers lack fields. */
const MIN_HEADER_BYTES = 92;
const HEADER_CRC_OFFSET = 16;
const ENTRY_NAME_OFFSET = 56;
/** PartitionName: 36 UTF-16LE code units. */
const ENTRY_NAME_UNITS = 36;

export interface GptHeader {
  /** The sector size this header was read with. */
  sectorSize: number;
  headerSize: number;
  myLba: bigint;
  alternateLba: bigint;
  firstUsableLba: bigint;
  lastUsableLba: bigint;
  diskGuid: string;
  partitionEntryLba: bigint;
  numberOfPartitionEntries: number;
  sizeOfPartitionEntry: number;
  partitionEntryArrayCrc32: number;
}

export interface Gpt {
  header: GptHeader;
  /** Which copy was used. */
  copy: 'primary' | 'backup';
  partitions: Partition[];
}

export interface GptReadResult {
  /** Null when no valid GPT was found (see warnings). */
  gpt: Gpt | null;
  /** A GPT signature was seen somewhere, valid or not: the device meant to have a GPT. */
  signatureSeen: boolean;
  warnings: string[];
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
const hex32 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

export function hasGptSignature(sector: Uint8Array): boolean {
  if (sector.length < SIGNATURE.length) return false;
  for (let i = 0; i < SIGNATURE.length; i++) if (sector[i] !== SIGNATURE.charCodeAt(i)) return false;
  return true;
}

/**
 * Decodes the GPT header in `sector`, read from `lba` of a device of `deviceSectors` sectors,
 * and checks it. Throws GloveboxError Corrupt (or Limit for an entry array beyond our bounds).
 */
export function decodeGptHeader(sector: Uint8Array, lba: bigint, sectorSize: number, deviceSectors: bigint): GptHeader {
  const where = `GPT header, LBA ${lba}`;
  if (sector.length < sectorSize || sectorSize < MIN_HEADER_BYTES) throw corrupt('short GPT header sector', { where });
  if (!hasGptSignature(sector)) throw corrupt('no GPT signature', { where, expected: `"${SIGNATURE}"` });
  const v = view(sector);
  const headerSize = v.getUint32(12, true);
  if (headerSize < MIN_HEADER_BYTES || headerSize > sectorSize) {
    throw corrupt('bad HeaderSize', { where, expected: `${MIN_HEADER_BYTES}..${sectorSize}`, found: String(headerSize) });
  }
  // HeaderCRC32 covers HeaderSize bytes with the CRC field itself taken as zero. A copy, made
  // with the constructor because slice() of a Node Buffer would share the caller's bytes.
  const covered = new Uint8Array(sector.subarray(0, headerSize));
  covered.fill(0, HEADER_CRC_OFFSET, HEADER_CRC_OFFSET + 4);
  const headerCrc = v.getUint32(HEADER_CRC_OFFSET, true);
  const computed = crc32(covered);
  if (computed !== headerCrc) {
    throw corrupt('HeaderCRC32 mismatch', { where, expected: hex32(computed), found: hex32(headerCrc) });
  }
  const header: GptHeader = {
    sectorSize,
    headerSize,
    myLba: v.getBigUint64(24, true),
    alternateLba: v.getBigUint64(32, true),
    firstUsableLba: v.getBigUint64(40, true),
    lastUsableLba: v.getBigUint64(48, true),
    diskGuid: formatGuid(sector, 56),
    partitionEntryLba: v.getBigUint64(72, true),
    numberOfPartitionEntries: v.getUint32(80, true),
    sizeOfPartitionEntry: v.getUint32(84, true),
    partitionEntryArrayCrc32: v.getUint32(88, true),
  };
  if (header.myLba !== lba) throw corrupt('MyLBA does not match', { where, expected: String(lba), found: String(header.myLba) });
  const entrySize = header.sizeOfPartitionEntry;
  if (entrySize < 128 || entrySize % 128 !== 0 || entrySize > MAX_ENTRY_BYTES) {
    throw corrupt('bad SizeOfPartitionEntry', { where, expected: `a multiple of 128 up to ${MAX_ENTRY_BYTES}`, found: String(entrySize) });
  }
  const arrayBytes = header.numberOfPartitionEntries * entrySize;
  if (arrayBytes > MAX_ENTRY_ARRAY_BYTES) {
    throw limit(`${where}: ${header.numberOfPartitionEntries} partition entries of ${entrySize} bytes exceed the ${MAX_ENTRY_ARRAY_BYTES}-byte limit on the entry array`);
  }
  if (header.firstUsableLba > header.lastUsableLba) {
    throw corrupt('FirstUsableLBA after LastUsableLBA', { where, found: `${header.firstUsableLba} > ${header.lastUsableLba}` });
  }
  // The entry array lies after the MBR and primary header, inside the device, and neither on
  // this header nor in the usable space (5.3.2: "must not overlap").
  const arrayStart = header.partitionEntryLba;
  const arrayEnd = arrayStart + BigInt(Math.ceil(arrayBytes / sectorSize)); // exclusive
  const placed =
    arrayStart >= 2n &&
    arrayEnd <= deviceSectors &&
    (lba < arrayStart || lba >= arrayEnd) &&
    (arrayEnd <= header.firstUsableLba || arrayStart > header.lastUsableLba || arrayBytes === 0);
  if (!placed) {
    throw corrupt('partition entry array out of place', {
      where,
      expected: `inside LBA 2..${deviceSectors - 1n}, clear of the header and of LBA ${header.firstUsableLba}..${header.lastUsableLba}`,
      found: `PartitionEntryLBA ${arrayStart}, ${arrayEnd - arrayStart} sectors`,
    });
  }
  return header;
}

/** Reads the entry array a checked header points to and verifies PartitionEntryArrayCRC32. */
async function readEntryArray(device: BlockDevice, header: GptHeader): Promise<Uint8Array> {
  const bytes = header.numberOfPartitionEntries * header.sizeOfPartitionEntry;
  const array = await device.read(Number(header.partitionEntryLba) * header.sectorSize, bytes);
  const computed = crc32(array);
  if (computed !== header.partitionEntryArrayCrc32) {
    throw corrupt('PartitionEntryArrayCRC32 mismatch', {
      where: `GPT entry array at LBA ${header.partitionEntryLba}`,
      expected: hex32(computed),
      found: hex32(header.partitionEntryArrayCrc32),
    });
  }
  return array;
}

// Not fatal: a lone surrogate in a name becomes U+FFFD rather than an error.
const utf16le = new TextDecoder('utf-16le');

/** PartitionName: UTF-16LE, up to 36 units, ends at the first NUL. */
function decodeName(array: Uint8Array, at: number): string {
  let units = 0;
  while (units < ENTRY_NAME_UNITS && (array[at + 2 * units] !== 0 || array[at + 2 * units + 1] !== 0)) units++;
  return utf16le.decode(array.subarray(at, at + 2 * units));
}

/** The used entries of a verified entry array, as partitions of the device (clipped, with warnings). */
export function decodeGptEntries(array: Uint8Array, header: GptHeader, deviceSize: number, warnings: string[]): Partition[] {
  const v = view(array);
  const partitions: Partition[] = [];
  for (let i = 0; i < header.numberOfPartitionEntries; i++) {
    const at = i * header.sizeOfPartitionEntry;
    if (isNullGuid(array, at)) continue; // PartitionTypeGUID zero: unused entry
    const number = i + 1;
    const startingLba = v.getBigUint64(at + 32, true);
    const endingLba = v.getBigUint64(at + 40, true); // inclusive
    if (endingLba < startingLba) {
      warnings.push(`GPT: partition ${number} ends (LBA ${endingLba}) before it starts (LBA ${startingLba}): skipped`);
      continue;
    }
    if (startingLba < header.firstUsableLba || endingLba > header.lastUsableLba) {
      warnings.push(`GPT: partition ${number} (LBA ${startingLba}-${endingLba}) lies outside the usable LBAs ${header.firstUsableLba}-${header.lastUsableLba}`);
    }
    const range = lbaRange(startingLba, endingLba - startingLba + 1n, header.sectorSize, deviceSize);
    if (range === null) {
      warnings.push(`GPT: partition ${number} starts at LBA ${startingLba}, beyond the end of the device: skipped`);
      continue;
    }
    if (range.clipped) {
      warnings.push(`GPT: partition ${number} (LBA ${startingLba}-${endingLba}) runs past the end of the device: cut to ${range.size} bytes`);
    }
    const type = formatGuid(array, at);
    const name = decodeName(array, at + ENTRY_NAME_OFFSET);
    partitions.push({
      number,
      offset: range.offset,
      size: range.size,
      clipped: range.clipped,
      type,
      typeName: gptTypeName(type),
      ...(name !== '' ? { name } : {}),
      guid: formatGuid(array, at + 16),
    });
  }
  return partitions;
}

/** Damage we report and recover from; anything else (the device failing) propagates. */
function isDamage(e: unknown): e is GloveboxError {
  return e instanceof GloveboxError && (e.kind === 'Corrupt' || e.kind === 'Limit');
}

interface Attempt {
  header: GptHeader;
  array: Uint8Array;
}

/** The header at `lba` and its entry array, checked; null when there is no signature there. */
async function tryHeaderAt(device: BlockDevice, lba: bigint, sectorSize: number): Promise<Attempt | null> {
  const sectors = sectorCount(device.size, sectorSize);
  if (lba < 1n || lba >= sectors) return null;
  const sector = await device.read(Number(lba) * sectorSize, sectorSize);
  if (!hasGptSignature(sector)) return null;
  const header = decodeGptHeader(sector, lba, sectorSize, sectors);
  return { header, array: await readEntryArray(device, header) };
}

/** AlternateLBA of a header that failed its checks: only a hint of where to look. */
async function alternateHint(device: BlockDevice, sectorSize: number): Promise<bigint | null> {
  if (device.size < 2 * sectorSize) return null;
  const sector = await device.read(sectorSize, sectorSize);
  return hasGptSignature(sector) ? view(sector).getBigUint64(32, true) : null;
}

/**
 * Finds the GPT: the primary header at LBA 1, else the backup header (at the primary's
 * AlternateLBA, else at the last LBA), for 512- then 4096-byte sectors. Damage becomes
 * warnings; only errors of the device itself are thrown.
 */
export async function readGpt(device: BlockDevice): Promise<GptReadResult> {
  const warnings: string[] = [];
  const damage: string[] = [];
  for (const ss of GPT_SECTOR_SIZES) {
    try {
      const primary = await tryHeaderAt(device, 1n, ss);
      if (primary === null) continue;
      warnings.push(...(await checkBackup(device, primary.header)));
      return { gpt: finish(primary, 'primary', device, warnings), signatureSeen: true, warnings };
    } catch (e) {
      if (!isDamage(e)) throw e;
      damage.push(`primary header (${ss}-byte sectors): ${e.message}`);
    }
  }
  for (const ss of GPT_SECTOR_SIZES) {
    const last = sectorCount(device.size, ss) - 1n;
    const hint = await alternateHint(device, ss);
    // LBA 1 is the primary, already tried.
    const candidates = [...new Set([hint, last])].filter((lba): lba is bigint => lba !== null && lba > 1n);
    for (const lba of candidates) {
      try {
        const backup = await tryHeaderAt(device, lba, ss);
        if (backup === null) continue;
        const why = damage.length > 0 ? damage.join('; ') : 'primary header missing';
        warnings.push(`GPT: ${why}; using the backup header at LBA ${lba}`);
        return { gpt: finish(backup, 'backup', device, warnings), signatureSeen: true, warnings };
      } catch (e) {
        if (!isDamage(e)) throw e;
        damage.push(`backup header at LBA ${lba} (${ss}-byte sectors): ${e.message}`);
      }
    }
  }
  const signatureSeen = damage.length > 0;
  warnings.push(signatureSeen ? `GPT: no valid GPT header: ${damage.join('; ')}` : 'GPT: no GPT header at LBA 1 or at the last LBA');
  return { gpt: null, signatureSeen, warnings };
}

function finish(attempt: Attempt, copy: Gpt['copy'], device: BlockDevice, warnings: string[]): Gpt {
  return { header: attempt.header, copy, partitions: decodeGptEntries(attempt.array, attempt.header, device.size, warnings) };
}

/** Warnings about the backup of a valid primary: missing (a truncated image, usually) or damaged. */
async function checkBackup(device: BlockDevice, primary: GptHeader): Promise<string[]> {
  const lba = primary.alternateLba;
  if (lba <= 1n) return [`GPT: AlternateLBA ${lba} is not a place for a backup header`];
  if (lba >= sectorCount(device.size, primary.sectorSize)) {
    return [`GPT: the backup header's LBA ${lba} is beyond the end of the device (a truncated image?)`];
  }
  try {
    if ((await tryHeaderAt(device, lba, primary.sectorSize)) === null) {
      return [`GPT: no backup header at LBA ${lba}; the primary is used`];
    }
    return [];
  } catch (e) {
    if (!isDamage(e)) throw e;
    return [`GPT: backup header damaged (${e.message}); the primary is used`];
  }
}
