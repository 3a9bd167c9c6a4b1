// Master Boot Record and the chain of Extended Boot Records that holds logical partitions.
// Layout from the UEFI spec, section 5.2.1 "Legacy Master Boot Record": four 16-byte partition
// records at 0x1BE (BootIndicator, StartingCHS, OSType, EndingCHS, StartingLBA, SizeInLBA),
// Signature 0xAA55 at 0x1FE. CHS fields are ignored: every tool since the 1990s uses the LBAs.
// The EBR chain follows Linux's block/partitions/msdos.c (parse_extended), which is also how
// logical partitions get their numbers (5, 6, ... in chain order).
import type { BlockDevice } from '../block/device.js';
import { lbaRange, sectorCount } from './lba.js';
import { mbrTypeCode, mbrTypeName } from './partition-types.js';
import { MBR_SECTOR_SIZE, type Partition } from './types.js';
import { bootSectorKind, type BootSectorKind } from './vbr.js';

const PARTITION_RECORD_OFFSET = 0x1be;
const PARTITION_RECORD_BYTES = 16;
const SIGNATURE_OFFSET = 0x1fe;

/** Logical partitions read from all extended partitions together (Linux allows a few more). */
export const MAX_LOGICAL_PARTITIONS = 128;
/** EBRs followed per extended partition, counting links without a partition in them. */
export const MAX_EBRS = 256;

/** The first logical partition's number. */
const FIRST_LOGICAL_NUMBER = 5;

export interface MbrPartitionRecord {
  /** 0-3: position in the sector. */
  slot: number;
  bootIndicator: number;
  osType: number;
  startingLba: number;
  sizeInLba: number;
}

/** The four partition records of an MBR or EBR sector; null when the 0xAA55 signature is missing. */
export function decodeMbrSector(sector: Uint8Array): MbrPartitionRecord[] | null {
  if (sector.length < MBR_SECTOR_SIZE) return null;
  if (sector[SIGNATURE_OFFSET] !== 0x55 || sector[SIGNATURE_OFFSET + 1] !== 0xaa) return null;
  const view = new DataView(sector.buffer, sector.byteOffset, sector.byteLength);
  const records: MbrPartitionRecord[] = [];
  for (let slot = 0; slot < 4; slot++) {
    const at = PARTITION_RECORD_OFFSET + slot * PARTITION_RECORD_BYTES;
    records.push({
      slot,
      bootIndicator: sector[at]!,
      osType: sector[at + 4]!,
      startingLba: view.getUint32(at + 8, true),
      sizeInLba: view.getUint32(at + 12, true),
    });
  }
  return records;
}

/** OSType 0x05 (CHS), 0x0F (LBA) and 0x85 (Linux) hold an EBR chain rather than a file system. */
export function isExtendedType(osType: number): boolean {
  return osType === 0x05 || osType === 0x0f || osType === 0x85;
}

/** OSType 0 marks an unused record, and so (as in Linux and fdisk) does SizeInLBA 0. */
export function isUsedRecord(record: MbrPartitionRecord): boolean {
  return record.osType !== 0 && record.sizeInLba !== 0;
}

export type MbrVerdict =
  | { kind: 'table' }
  | { kind: 'boot-sector'; fs: BootSectorKind }
  | { kind: 'not-a-table'; reason: string };

/**
 * Is sector 0 (signature already checked) a partition table? The superfloppy heuristic:
 *  1. A table is plausible when every BootIndicator is 0x00 or 0x80 and it has at least one used
 *     record, each starting at LBA >= 1 (LBA 0 is the MBR itself) and inside the device.
 *  2. Otherwise, if the sector is a FAT, NTFS or exFAT boot sector (jump + valid BPB, or the
 *     NTFS/exFAT OEM name), the device is one file system without a table. This catches boot
 *     sectors whose 0x1BE bytes are zero, code, or mkfs.fat --mbr's fake entry at LBA 0.
 *  3. Otherwise a bad BootIndicator means the bytes are not a table (Linux rejects those too);
 *     anything else is a table whose odd records are skipped with a warning.
 */
export function classifyMbr(sector: Uint8Array, records: readonly MbrPartitionRecord[], deviceSize: number): MbrVerdict {
  const sectors = BigInt(Math.floor(deviceSize / MBR_SECTOR_SIZE));
  const badIndicator = records.find((r) => r.bootIndicator !== 0x00 && r.bootIndicator !== 0x80);
  const used = records.filter(isUsedRecord);
  const outOfPlace = used.find((r) => r.startingLba === 0 || BigInt(r.startingLba) >= sectors);
  if (used.length > 0 && badIndicator === undefined && outOfPlace === undefined) return { kind: 'table' };
  const fs = bootSectorKind(sector);
  if (fs !== null) return { kind: 'boot-sector', fs };
  if (badIndicator !== undefined) {
    const found = `0x${badIndicator.bootIndicator.toString(16).padStart(2, '0')}`;
    return { kind: 'not-a-table', reason: `partition record ${badIndicator.slot + 1} has BootIndicator ${found} (expected 0x00 or 0x80)` };
  }
  return { kind: 'table' };
}

interface LogicalNumbering {
  next: number;
}

/** Primary partitions by slot, then the logical partitions of every extended partition. */
export async function readMbrPartitions(
  device: BlockDevice,
  records: readonly MbrPartitionRecord[],
  warnings: string[],
): Promise<Partition[]> {
  const partitions: Partition[] = [];
  for (const record of records) {
    if (!isUsedRecord(record) || isExtendedType(record.osType)) continue;
    const number = record.slot + 1;
    if (record.startingLba === 0) {
      warnings.push(`MBR: partition ${number} starts at LBA 0, on the MBR itself: skipped`);
      continue;
    }
    const partition = place(device, number, BigInt(record.startingLba), record, warnings);
    if (partition !== null) partitions.push(partition);
  }
  const numbering: LogicalNumbering = { next: FIRST_LOGICAL_NUMBER };
  for (const record of records) {
    if (!isUsedRecord(record) || !isExtendedType(record.osType)) continue;
    partitions.push(...(await readLogicalPartitions(device, record, numbering, warnings)));
  }
  return partitions;
}

/**
 * Walks one extended partition's EBR chain. Each EBR holds the logical partition (StartingLBA
 * relative to this EBR) and a link of extended type to the next EBR (StartingLBA relative to
 * the start of the extended partition). Bounded by a visited set and MAX_EBRS.
 */
async function readLogicalPartitions(
  device: BlockDevice,
  extended: MbrPartitionRecord,
  numbering: LogicalNumbering,
  warnings: string[],
): Promise<Partition[]> {
  const where = `extended partition ${extended.slot + 1}`;
  const extStart = BigInt(extended.startingLba);
  const extEnd = extStart + BigInt(extended.sizeInLba);
  const deviceSectors = sectorCount(device.size, MBR_SECTOR_SIZE);
  const logicals: Partition[] = [];
  const visited = new Set<bigint>();
  let ebrLba = extStart;
  for (let hops = 0; ; hops++) {
    if (hops >= MAX_EBRS) {
      warnings.push(`MBR: ${where}: more than ${MAX_EBRS} EBRs in the chain: stopped there`);
      break;
    }
    if (visited.has(ebrLba)) {
      warnings.push(`MBR: ${where}: the EBR chain loops back to LBA ${ebrLba}: stopped there`);
      break;
    }
    visited.add(ebrLba);
    if (ebrLba === 0n || ebrLba < extStart || ebrLba >= extEnd) {
      warnings.push(`MBR: ${where}: EBR link to LBA ${ebrLba} points outside the extended partition: chain stopped`);
      break;
    }
    if (ebrLba >= deviceSectors) {
      warnings.push(`MBR: ${where}: EBR at LBA ${ebrLba} is beyond the end of the device: chain stopped`);
      break;
    }
    const ebr = decodeMbrSector(await device.read(Number(ebrLba) * MBR_SECTOR_SIZE, MBR_SECTOR_SIZE));
    if (ebr === null) {
      // An EBR chain whose first EBR is blank is an empty extended partition, a normal state.
      if (hops > 0) warnings.push(`MBR: ${where}: EBR at LBA ${ebrLba} has no 0xAA55 signature: chain stopped`);
      break;
    }
    for (const record of ebr) {
      if (!isUsedRecord(record) || isExtendedType(record.osType)) continue;
      const start = ebrLba + BigInt(record.startingLba);
      const end = start + BigInt(record.sizeInLba);
      const inside = start > ebrLba && start >= extStart && end <= extEnd;
      // Records 3 and 4 of an EBR sometimes hold garbage; Linux only trusts them inside the
      // extended partition, and so do we.
      if (record.slot >= 2 && !inside) continue;
      if (numbering.next - FIRST_LOGICAL_NUMBER >= MAX_LOGICAL_PARTITIONS) {
        warnings.push(`MBR: more than ${MAX_LOGICAL_PARTITIONS} logical partitions: the rest are not read`);
        return logicals;
      }
      // A skipped record still uses up its number, as in Linux, so the others keep theirs.
      const number = numbering.next++;
      if (record.startingLba === 0) {
        warnings.push(`MBR: logical partition ${number} starts on its own EBR (LBA ${ebrLba}): skipped`);
        continue;
      }
      if (!inside) warnings.push(`MBR: logical partition ${number} lies outside ${where}`);
      const partition = place(device, number, start, record, warnings);
      if (partition !== null) logicals.push(partition);
    }
    const link = ebr.find((r) => isUsedRecord(r) && isExtendedType(r.osType));
    if (link === undefined) break;
    ebrLba = extStart + BigInt(link.startingLba);
  }
  return logicals;
}

/** The partition at `startLba` as a byte range of the device, clipped with a warning; null if outside. */
function place(
  device: BlockDevice,
  number: number,
  startLba: bigint,
  record: MbrPartitionRecord,
  warnings: string[],
): Partition | null {
  const range = lbaRange(startLba, BigInt(record.sizeInLba), MBR_SECTOR_SIZE, device.size);
  if (range === null) {
    warnings.push(`MBR: partition ${number} starts at LBA ${startLba}, beyond the end of the device: skipped`);
    return null;
  }
  if (range.clipped) {
    warnings.push(`MBR: partition ${number} (LBA ${startLba} + ${record.sizeInLba} sectors) runs past the end of the device: cut to ${range.size} bytes`);
  }
  return {
    number,
    offset: range.offset,
    size: range.size,
    clipped: range.clipped,
    type: mbrTypeCode(record.osType),
    typeName: mbrTypeName(record.osType),
    bootable: record.bootIndicator === 0x80,
  };
}
