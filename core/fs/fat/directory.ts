// A directory's slots, in order, into entries (spec sections 6 and 7). The bytes arrive in
// pieces (the root region, or one run of contiguous clusters at a time) because a long name may
// straddle a cluster boundary; the parser keeps its state between pieces.
import { limit } from '../../errors.js';
import { MAX_DIR_ENTRIES } from '../types.js';
import {
  ATTR_VOLUME_ID,
  DIR_ENTRY_BYTES,
  decodeLongEntry,
  decodeShortEntry,
  isDotEntry,
  shortNameToString,
  slotKind,
  type ShortEntry,
} from './dirent.js';
import { LongNameAssembler } from './longname.js';

export interface FatDirEntry {
  name: string;
  undecodable: boolean;
  /** Byte offset of the short entry on the device: unique, stable, and the node id. */
  offset: number;
  entry: ShortEntry;
}

export class DirectoryParser {
  readonly entries: FatDirEntry[] = [];
  /** DIR_Name of the first volume-label entry seen, if any. */
  labelName: Uint8Array | null = null;
  /** True once the 0x00 end marker was seen: nothing after it is allocated (spec 6.1). */
  ended = false;
  private slots = 0;
  private readonly longName = new LongNameAssembler();

  constructor(private readonly fat32: boolean) {}

  /** Parses `bytes`, which lie at `deviceOffset` on the device; whole slots only. */
  feed(bytes: Uint8Array, deviceOffset: number): void {
    for (let off = 0; off + DIR_ENTRY_BYTES <= bytes.length && !this.ended; off += DIR_ENTRY_BYTES) {
      if (++this.slots > MAX_DIR_ENTRIES) throw limit(`directory has more than ${MAX_DIR_ENTRIES} entries`);
      switch (slotKind(bytes, off)) {
        case 'end':
          this.ended = true;
          break;
        case 'free':
          // A deleted slot between parts breaks the long name it was part of.
          this.longName.reset();
          break;
        case 'long':
          this.longName.accept(decodeLongEntry(bytes, off));
          break;
        case 'short':
          this.shortEntry(decodeShortEntry(bytes, off, this.fat32), deviceOffset + off);
          break;
      }
    }
  }

  private shortEntry(entry: ShortEntry, offset: number): void {
    const longName = this.longName.take(entry.name);
    if ((entry.attr & ATTR_VOLUME_ID) !== 0) {
      // A volume label (or a reserved VOLUME_ID|DIRECTORY combination): never a file.
      this.labelName ??= entry.name;
      return;
    }
    if (isDotEntry(entry.name)) return;
    this.entries.push({
      name: longName?.name ?? shortNameToString(entry.name, entry.ntRes),
      undecodable: longName?.undecodable ?? false,
      offset,
      entry,
    });
  }
}
