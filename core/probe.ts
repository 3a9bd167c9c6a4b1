// container -> partition table -> file systems: the list of volumes in an image.
// (Placeholder signature; the partitions work fills in the implementation.)
import type { BlockDevice } from './block/device.js';
import type { FsDriver, Volume } from './fs/types.js';

export type Partitioning = 'mbr' | 'gpt' | 'apm' | 'none';

export interface ProbedVolume {
  /** 1-based, what `--volume` takes. */
  index: number;
  /** Partition number in its table (1-based, MBR logical partitions from 5), null for a superfloppy. */
  partition: number | null;
  /** Byte offset and size in the image. */
  offset: number;
  size: number;
  /** The volume's bytes. */
  device: BlockDevice;
  /** File system as reported by its driver (e.g. "fat32"), null when none was recognised. */
  fs: string | null;
  /** Name of the driver that recognised it (e.g. "fat"): what a later probe is pinned to. */
  driver: string | null;
  label: string | null;
  /** The opened volume when a driver recognised it. */
  volume: Volume | null;
  /** Partition type (MBR type byte as "0x0c", or GPT type GUID) and a readable description. */
  partitionType?: string;
  partitionTypeName?: string;
  /** GPT partition name. */
  partitionName?: string;
  /** Why a recognised file system could not be opened. */
  error?: string;
}

export interface ProbeResult {
  size: number;
  container: string;
  partitioning: Partitioning;
  volumes: ProbedVolume[];
  /** Non-fatal observations (GPT primary header damaged, backup used; overlapping partitions...). */
  warnings: string[];
}

/**
 * `pinned` maps volume index -> driver name from an earlier probe of the same source:
 * a pinned volume is opened only with that driver (null: no driver), never re-probed.
 */
export type ProbeImage = (
  device: BlockDevice,
  drivers: readonly FsDriver[],
  pinned?: ReadonlyMap<number, string | null>,
) => Promise<ProbeResult>;
