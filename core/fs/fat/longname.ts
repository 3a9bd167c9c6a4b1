// Assembling a VFAT long name (spec section 7) from the entries stored before its short entry,
// last part first. A long name is used only when it is whole: the first stored entry carries
// LAST_LONG_ENTRY, the sequence numbers count down to 1 without a gap, every part carries the
// checksum of the short name that follows, and that short name matches. Anything else is an
// orphan or a broken name and the 8.3 name is used instead, as Windows and Linux do.
import { LAST_LONG_ENTRY, MAX_LONG_ENTRIES, shortNameChecksum, type LongEntry } from './dirent.js';

export interface LongName {
  name: string;
  /** The name holds a lone surrogate (kept as is; the layer above escapes it). */
  undecodable: boolean;
}

const PADDING = 0xffff;

export class LongNameAssembler {
  /** parts[i] holds sequence number i + 1; null when no name is in progress. */
  private parts: number[][] | null = null;
  /** The sequence number the next entry must carry. */
  private expected = 0;
  private checksum = 0;

  /** Feeds the next long-name entry in directory order. */
  accept(entry: LongEntry): void {
    const seq = entry.ord & ~LAST_LONG_ENTRY;
    if (entry.type !== 0) {
      this.reset();
      return;
    }
    if ((entry.ord & LAST_LONG_ENTRY) !== 0) {
      // A new name starts here; whatever was in progress is an orphan.
      if (seq < 1 || seq > MAX_LONG_ENTRIES) {
        this.reset();
        return;
      }
      this.parts = new Array<number[]>(seq);
      this.parts[seq - 1] = entry.units;
      this.expected = seq - 1;
      this.checksum = entry.checksum;
      return;
    }
    if (this.parts === null) return;
    if (seq !== this.expected || seq < 1 || entry.checksum !== this.checksum) {
      this.reset();
      return;
    }
    this.parts[seq - 1] = entry.units;
    this.expected--;
  }

  /** The long name for the short entry that follows, or null; always ends the name in progress. */
  take(shortName: Uint8Array): LongName | null {
    const parts = this.parts;
    const complete = this.expected === 0 && shortNameChecksum(shortName) === this.checksum;
    this.reset();
    if (parts === null || !complete) return null;
    // Every part is present (the count reached zero), 13 units each.
    return unitsToName(parts.flat());
  }

  reset(): void {
    this.parts = null;
    this.expected = 0;
  }
}

/**
 * The name ends at a NUL followed by 0xFFFF padding. A NUL inside the name (with other units
 * after it) is kept as part of the name rather than hiding what follows it; see README.
 */
function unitsToName(units: number[]): LongName | null {
  let end = units.length;
  while (end > 0 && units[end - 1] === PADDING) end--;
  while (end > 0 && units[end - 1] === 0) end--;
  if (end === 0) return null;
  let name = '';
  let undecodable = false;
  for (let i = 0; i < end; i++) {
    const u = units[i]!;
    name += String.fromCharCode(u);
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = i + 1 < end ? units[i + 1]! : -1;
      if (next >= 0xdc00 && next <= 0xdfff) {
        name += String.fromCharCode(next);
        i++;
      } else undecodable = true;
    } else if (u >= 0xdc00 && u <= 0xdfff) undecodable = true;
  }
  return { name, undecodable };
}
