// Which partition table a device has, and its partitions. The order of questions:
//   sector 0 ends in 0xAA55?  no  -> a GPT whose protective MBR was wiped, else no table
//   a used 0xEE record?       yes -> the GPT (primary, else backup); if neither is valid, the
//                                    MBR as it stands, with warnings
//   a plausible MBR?          see classifyMbr: a FAT/NTFS/exFAT boot sector means no table
import type { BlockDevice } from '../block/device.js';
import { readGpt, type Gpt } from './gpt.js';
import { classifyMbr, decodeMbrSector, isUsedRecord, readMbrPartitions } from './mbr.js';
import { MBR_SECTOR_SIZE, type Partition, type PartitionTable } from './types.js';

export type { Partition, PartitionScheme, PartitionTable } from './types.js';
export { crc32 } from './crc32.js';
export { formatGuid } from './guid.js';
export { gptTypeName, mbrTypeName } from './partition-types.js';
export { MAX_EBRS, MAX_LOGICAL_PARTITIONS } from './mbr.js';
export { MAX_ENTRY_ARRAY_BYTES, MAX_ENTRY_BYTES } from './gpt.js';

/** Warnings kept per table; a hostile table could otherwise produce one per entry. */
export const MAX_WARNINGS = 64;

/** OSType of the protective MBR's record (UEFI spec 5.2.3). */
const GPT_PROTECTIVE = 0xee;

type Layout = Omit<PartitionTable, 'warnings'>;

const noTable = (): Layout => ({ scheme: 'none', sectorSize: MBR_SECTOR_SIZE, partitions: [] });

const fromGpt = (gpt: Gpt): Layout => ({ scheme: 'gpt', sectorSize: gpt.header.sectorSize, partitions: gpt.partitions });

/**
 * Reads the partition table of `device`. Damage and oddities become warnings; only errors of
 * the device itself (GloveboxError 'Io' from its reads) are thrown.
 */
export async function readPartitionTable(device: BlockDevice): Promise<PartitionTable> {
  const warnings: string[] = [];
  const layout = await readLayout(device, warnings);
  warnOverlaps(layout.partitions, warnings);
  return { ...layout, warnings: tidy(warnings) };
}

async function readLayout(device: BlockDevice, warnings: string[]): Promise<Layout> {
  if (device.size < MBR_SECTOR_SIZE) return noTable();
  const sector0 = await device.read(0, MBR_SECTOR_SIZE);
  const records = decodeMbrSector(sector0);

  if (records === null) {
    // A GPT whose protective MBR was wiped: its CRCs vouch for it, so it is shown.
    const found = await readGpt(device);
    if (found.gpt !== null) {
      warnings.push('GPT: sector 0 has no 0xAA55 signature (the protective MBR is missing)', ...found.warnings);
      return fromGpt(found.gpt);
    }
    if (found.signatureSeen) warnings.push(...found.warnings);
    return noTable();
  }

  if (records.some((r) => isUsedRecord(r) && r.osType === GPT_PROTECTIVE)) {
    const found = await readGpt(device);
    warnings.push(...found.warnings);
    if (found.gpt !== null) {
      if (records.some((r) => isUsedRecord(r) && r.osType !== GPT_PROTECTIVE)) {
        warnings.push('MBR: hybrid MBR (it also lists other partitions); the GPT is used');
      }
      return fromGpt(found.gpt);
    }
    warnings.push('GPT: no usable GPT; the MBR is shown as it is');
  }

  const verdict = classifyMbr(sector0, records, device.size);
  switch (verdict.kind) {
    case 'boot-sector':
      return noTable();
    case 'not-a-table':
      warnings.push(`MBR: sector 0 ends in 0xAA55 but holds no partition table: ${verdict.reason}`);
      return noTable();
    case 'table':
      return { scheme: 'mbr', sectorSize: MBR_SECTOR_SIZE, partitions: await readMbrPartitions(device, records, warnings) };
  }
}

/** One warning per partition that starts inside an earlier one. */
function warnOverlaps(partitions: readonly Partition[], warnings: string[]): void {
  const byOffset = [...partitions].sort((a, b) => a.offset - b.offset || a.number - b.number);
  let reach: Partition | undefined; // the partition that ends furthest so far
  for (const p of byOffset) {
    if (p.size === 0) continue;
    if (reach !== undefined && p.offset < reach.offset + reach.size) {
      warnings.push(`partitions ${reach.number} and ${p.number} overlap`);
    }
    if (reach === undefined || p.offset + p.size > reach.offset + reach.size) reach = p;
  }
}

/** Duplicates dropped, at most MAX_WARNINGS kept. */
function tidy(warnings: readonly string[]): string[] {
  const unique = [...new Set(warnings)];
  if (unique.length <= MAX_WARNINGS) return unique;
  return [...unique.slice(0, MAX_WARNINGS), `... and ${unique.length - MAX_WARNINGS} more warnings`];
}
