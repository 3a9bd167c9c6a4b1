// A directory's 32-byte entries into entry sets (exFAT specification sections 6 and 7). The
// bytes arrive in pieces (one run of contiguous clusters at a time) because a set may straddle a
// cluster boundary; the parser keeps its state between pieces. A set is only trusted whole:
// SecondaryCount entries that are all in use, a Stream Extension then enough File Name entries
// for NameLength, and a SetChecksum that matches. Anything else is skipped with a note.
import { limit } from '../../errors.js';
import { MAX_DIR_ENTRIES } from '../types.js';
import { u16, u32, u64 } from './io.js';

export const DIR_ENTRY_BYTES = 32;

// EntryType values (section 6.2.1) with InUse set.
const TYPE_END = 0x00;
const TYPE_ALLOCATION_BITMAP = 0x81;
const TYPE_UPCASE_TABLE = 0x82;
const TYPE_VOLUME_LABEL = 0x83;
const TYPE_FILE = 0x85;
const TYPE_STREAM_EXTENSION = 0xc0;
const TYPE_FILE_NAME = 0xc1;
const IN_USE = 0x80;
const TYPE_IMPORTANCE_BENIGN = 0x20;
const TYPE_CATEGORY_SECONDARY = 0x40;

/** Section 7.4: a File set has 2..18 secondaries (a Stream Extension and 1..17 File Names). */
const MIN_FILE_SECONDARIES = 2;
const MAX_FILE_SECONDARIES = 18;
const NAME_UNITS_PER_ENTRY = 15;
const MAX_NAME_LENGTH = 255;
const MAX_LABEL_LENGTH = 11;

export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
/** GeneralSecondaryFlags (section 6.4.1). */
const FLAG_NO_FAT_CHAIN = 0x02;

export interface FileEntrySet {
  name: string;
  undecodable: boolean;
  /** Device byte offset of the File entry: unique, stable, and a file's node id. */
  offset: number;
  attributes: number;
  createTimestamp: number;
  lastModifiedTimestamp: number;
  lastAccessedTimestamp: number;
  create10ms: number;
  lastModified10ms: number;
  createUtcOffset: number;
  lastModifiedUtcOffset: number;
  lastAccessedUtcOffset: number;
  noFatChain: boolean;
  firstCluster: number;
  dataLength: number;
  validDataLength: number;
}

export interface ClusterRange {
  firstCluster: number;
  dataLength: number;
}

interface PendingSet {
  offset: number;
  secondaryCount: number;
  slots: Uint8Array[];
}

/** Section 6.3.3: the 16-bit SetChecksum over every entry of the set, skipping its own field. */
export function setChecksum(slots: readonly Uint8Array[]): number {
  let checksum = 0;
  slots.forEach((slot, index) => {
    for (let i = 0; i < DIR_ENTRY_BYTES; i++) {
      if (index === 0 && (i === 2 || i === 3)) continue;
      checksum = ((((checksum & 1) << 15) | (checksum >>> 1)) + slot[i]!) & 0xffff;
    }
  });
  return checksum;
}

/** UTF-16 units to a string; true as second value when a lone surrogate is in there. */
export function decodeUtf16(units: readonly number[]): { name: string; undecodable: boolean } {
  let undecodable = false;
  for (let i = 0; i < units.length; i++) {
    const c = units[i]!;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = units[i + 1];
      if (d !== undefined && d >= 0xdc00 && d <= 0xdfff) i++;
      else undecodable = true;
    } else if (c >= 0xdc00 && c <= 0xdfff) undecodable = true;
  }
  let name = '';
  for (let i = 0; i < units.length; i += 4096) name += String.fromCharCode(...units.slice(i, i + 4096));
  return { name, undecodable };
}

export class DirectoryParser {
  readonly files: FileEntrySet[] = [];
  /** Root only: the Volume Label entry's text (null when absent or "no label"). */
  label: string | null = null;
  bitmap: ClusterRange | null = null;
  upcase: ClusterRange | null = null;
  /** True once the 0x00 end-of-directory entry was seen: nothing after it is in use. */
  ended = false;
  /** Problems found, for the volume's notes (the caller bounds them). */
  readonly problems: string[] = [];
  private entries = 0;
  private pending: PendingSet | null = null;

  /** Parses `bytes`, which lie at `deviceOffset` on the device; whole entries only. */
  feed(bytes: Uint8Array, deviceOffset: number): void {
    for (let off = 0; off + DIR_ENTRY_BYTES <= bytes.length && !this.ended; off += DIR_ENTRY_BYTES) {
      if (++this.entries > MAX_DIR_ENTRIES) throw limit(`directory has more than ${MAX_DIR_ENTRIES} entries`);
      this.entry(bytes.subarray(off, off + DIR_ENTRY_BYTES), deviceOffset + off);
    }
  }

  /** The directory's data ended: a set still waiting for secondaries is incomplete. */
  finish(): void {
    if (this.pending !== null) {
      this.problems.push(`entry set at byte ${this.pending.offset} runs past the end of the directory (SecondaryCount ${this.pending.secondaryCount})`);
      this.pending = null;
    }
  }

  private entry(slot: Uint8Array, offset: number): void {
    const type = slot[0]!;
    if (this.pending !== null) {
      if ((type & (IN_USE | TYPE_CATEGORY_SECONDARY)) === (IN_USE | TYPE_CATEGORY_SECONDARY)) {
        this.pending.slots.push(slot);
        if (this.pending.slots.length === this.pending.secondaryCount + 1) {
          const set = this.pending;
          this.pending = null;
          this.fileSet(set);
        }
        return;
      }
      // Section 6.3: a set's secondaries follow its primary without a gap.
      this.problems.push(`entry set at byte ${this.pending.offset} is incomplete: ${this.pending.slots.length - 1} of ${this.pending.secondaryCount} secondary entries`);
      this.pending = null;
    }
    if (type === TYPE_END) {
      this.ended = true;
      return;
    }
    // Deleted or unused entries (InUse clear, 0x01..0x7F), and secondaries without a primary.
    if ((type & IN_USE) === 0 || (type & TYPE_CATEGORY_SECONDARY) !== 0) return;
    switch (type) {
      case TYPE_FILE: {
        const secondaryCount = slot[1]!;
        if (secondaryCount < MIN_FILE_SECONDARIES || secondaryCount > MAX_FILE_SECONDARIES) {
          this.problems.push(`File entry at byte ${offset}: SecondaryCount ${secondaryCount} outside ${MIN_FILE_SECONDARIES}..${MAX_FILE_SECONDARIES}`);
          return;
        }
        this.pending = { offset, secondaryCount, slots: [slot] };
        return;
      }
      case TYPE_VOLUME_LABEL: {
        const count = slot[1]!;
        if (count > MAX_LABEL_LENGTH) {
          this.problems.push(`Volume Label entry at byte ${offset}: CharacterCount ${count} > ${MAX_LABEL_LENGTH}`);
          return;
        }
        const units: number[] = [];
        for (let i = 0; i < count; i++) units.push(u16(slot, 2 + 2 * i));
        this.label = count === 0 ? null : decodeUtf16(units).name;
        return;
      }
      case TYPE_ALLOCATION_BITMAP:
        this.bitmap ??= { firstCluster: u32(slot, 20), dataLength: u64(slot, 24) };
        return;
      case TYPE_UPCASE_TABLE:
        this.upcase ??= { firstCluster: u32(slot, 20), dataLength: u64(slot, 24) };
        return;
      default:
        // Benign primaries (Volume GUID, TexFAT padding, ...) carry nothing a reader needs.
        if ((type & TYPE_IMPORTANCE_BENIGN) === 0) this.problems.push(`unknown critical primary entry 0x${type.toString(16)} at byte ${offset} skipped`);
    }
  }

  private fileSet(set: PendingSet): void {
    const [file, stream, ...rest] = set.slots as [Uint8Array, Uint8Array, ...Uint8Array[]];
    const where = `entry set at byte ${set.offset}`;
    const stored = u16(file, 2);
    const computed = setChecksum(set.slots);
    if (stored !== computed) {
      this.problems.push(`${where}: SetChecksum 0x${stored.toString(16)}, computed 0x${computed.toString(16)}; set skipped`);
      return;
    }
    if (stream[0] !== TYPE_STREAM_EXTENSION) {
      this.problems.push(`${where}: first secondary is 0x${stream[0]!.toString(16)}, not a Stream Extension; set skipped`);
      return;
    }
    const nameLength = stream[3]!;
    const nameEntries = Math.ceil(nameLength / NAME_UNITS_PER_ENTRY);
    if (nameLength === 0 || nameLength > MAX_NAME_LENGTH || nameEntries > rest.length) {
      this.problems.push(`${where}: NameLength ${nameLength} does not fit its ${rest.length} File Name entries; set skipped`);
      return;
    }
    const units: number[] = [];
    for (let i = 0; i < nameEntries; i++) {
      const part = rest[i]!;
      if (part[0] !== TYPE_FILE_NAME) {
        this.problems.push(`${where}: secondary ${i + 2} is 0x${part[0]!.toString(16)}, not a File Name; set skipped`);
        return;
      }
      for (let u = 0; u < NAME_UNITS_PER_ENTRY && units.length < nameLength; u++) units.push(u16(part, 2 + 2 * u));
    }
    // Section 6.4: a critical secondary this reader does not know makes the set unrecognised.
    for (const extra of rest.slice(nameEntries)) {
      if ((extra[0]! & TYPE_IMPORTANCE_BENIGN) === 0) {
        this.problems.push(`${where}: unknown critical secondary entry 0x${extra[0]!.toString(16)}; set skipped`);
        return;
      }
    }
    const dataLength = u64(stream, 24);
    const validDataLength = u64(stream, 8);
    if (!Number.isSafeInteger(dataLength)) {
      this.problems.push(`${where}: DataLength too large; set skipped`);
      return;
    }
    const { name, undecodable } = decodeUtf16(units);
    this.files.push({
      name,
      undecodable,
      offset: set.offset,
      attributes: u16(file, 4),
      createTimestamp: u32(file, 8),
      lastModifiedTimestamp: u32(file, 12),
      lastAccessedTimestamp: u32(file, 16),
      create10ms: file[20]!,
      lastModified10ms: file[21]!,
      createUtcOffset: file[22]!,
      lastModifiedUtcOffset: file[23]!,
      lastAccessedUtcOffset: file[24]!,
      noFatChain: (stream[1]! & FLAG_NO_FAT_CHAIN) !== 0,
      firstCluster: u32(stream, 20),
      dataLength,
      // Section 7.6.5: ValidDataLength never exceeds DataLength; a larger value is clamped.
      validDataLength: Math.min(validDataLength, dataLength),
    });
  }
}
