// What every partition-table reader produces. Offsets are bytes in the device that was read,
// already checked against its size: nothing here points outside the device.

/** The table a device was read with; 'apm' (Apple Partition Map) is not read yet. */
export type PartitionScheme = 'mbr' | 'gpt' | 'none';

export interface Partition {
  /** Number in its table: MBR slot 1-4, logical partitions from 5 (as Linux numbers them); GPT entry index + 1. */
  number: number;
  /** Byte range in the device, clipped to the device's end (see `clipped`). */
  offset: number;
  size: number;
  /** The table claimed more than the device holds (a truncated image); `size` is what is left. */
  clipped: boolean;
  /** MBR OSType byte as "0x0c", or the GPT PartitionTypeGUID ("C12A7328-F81F-11D2-BA4B-00A0C93EC93B"). */
  type: string;
  /** util-linux's name for the type ("EFI System", "W95 FAT32 (LBA)"), null when unknown. */
  typeName: string | null;
  /** GPT PartitionName; absent for MBR partitions and unnamed GPT entries. */
  name?: string;
  /** GPT UniquePartitionGUID. */
  guid?: string;
  /** MBR BootIndicator 0x80. */
  bootable?: boolean;
}

export interface PartitionTable {
  scheme: PartitionScheme;
  /** Logical sector size the table is expressed in (GPT: 512 or 4096; MBR assumes 512). */
  sectorSize: number;
  /** In table order: MBR primaries by slot, then logical partitions in chain order; GPT by entry index. */
  partitions: Partition[];
  /** Damage and oddities that did not stop the reading, prefixed with the table ("GPT: ..."). */
  warnings: string[];
}

/** The sector size MBR tables are read in; 4Kn disks with an MBR are not recognised (README). */
export const MBR_SECTOR_SIZE = 512;
