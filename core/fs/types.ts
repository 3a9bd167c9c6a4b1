// The driver contract. Every file system driver implements FsDriver; everything above it
// (the sandbox service, the conformance suite) speaks only these types.
import type { BlockDevice } from '../block/device.js';

/** Opaque node handle, unique within one opened volume (inode, MFT record, dirent position). */
export type NodeId = number;

export type NodeType = 'file' | 'dir' | 'symlink' | 'other';

/**
 * A timestamp as ISO-8601. With a trailing `Z` when the format stores UTC; without a zone
 * ("2024-05-01T13:45:10") when it stores local wall-clock time (FAT), reported as written.
 */
export type Timestamp = string;

export interface DirEntry {
  /** The name as stored, decoded to Unicode. May contain anything; escaping happens above. */
  name: string;
  /** True when the stored name could not be decoded and `name` is a best effort (with U+FFFD or lone surrogates). */
  undecodable?: boolean;
  node: NodeId;
  type: NodeType;
  size: number;
  mtime: Timestamp | null;
  /** A file system's own metadata (NTFS $MFT, $Bitmap...): listed only when asked for (`ls --all`). */
  system?: boolean;
  /** An alternate data stream of the file before it, listed as "name:stream" (`ls --all`). */
  stream?: boolean;
}

export interface NodeStat {
  node: NodeId;
  type: NodeType;
  size: number;
  mtime: Timestamp | null;
  atime?: Timestamp | null;
  ctime?: Timestamp | null;
  birthtime?: Timestamp | null;
  /** POSIX permission bits when the format has them. */
  mode?: number;
  /** Format attributes in words: "hidden", "system", "readonly", "archive", ... */
  attributes?: string[];
}

/** A run of a file's data in the device the driver was opened on (bytes). */
export interface Extent {
  /** Offset in the file. */
  fileOffset: number;
  /** Offset in the device. */
  deviceOffset: number;
  length: number;
}

/** Something a driver noticed that a user should know: a checksum mismatch, a journal needing recovery. */
export interface VolumeNote {
  severity: 'info' | 'warning';
  message: string;
}

export interface Volume {
  /** e.g. "fat12", "fat16", "fat32". */
  readonly fs: string;
  readonly label: string | null;
  /** Names compare case-insensitively (FAT, NTFS, exFAT, HFS+). */
  readonly caseInsensitive: boolean;
  root(): NodeId;
  readdir(node: NodeId): Promise<DirEntry[]>;
  stat(node: NodeId): Promise<NodeStat>;
  /** Up to `length` bytes from `offset`; fewer only at end of file. */
  read(node: NodeId, offset: number, length: number): Promise<Uint8Array>;
  readlink(node: NodeId): Promise<string>;
  /**
   * Where the file's bytes lie on the device, covering [0, size) in order; null when the data
   * is not stored plainly (compressed, resident, encrypted) and must be read with read().
   */
  extents?(node: NodeId): Promise<Extent[] | null>;
  /** What the driver has noticed so far (bounded; shown by `glovebox info`). */
  notes?(): VolumeNote[];
}

export interface FsDriver {
  /** Short name, e.g. "fat". */
  readonly name: string;
  /** Cheap signature check; never throws for non-matching data. */
  probe(device: BlockDevice): Promise<boolean>;
  /** Validates the volume's structures and opens it; throws GloveboxError on failure. */
  open(device: BlockDevice): Promise<Volume>;
}

/** Hard limits every driver shares (units in the name). */
export const MAX_DIR_ENTRIES = 1_000_000;
export const MAX_PATH_DEPTH = 256;
