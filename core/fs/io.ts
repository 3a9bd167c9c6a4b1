// What every driver needs to read a device and decode little-endian fields (shared with the
// partition tables and containers, in core/block/read.ts), and a check on decoded names.
export { readExact, u16, u32, u64 } from '../block/read.js';

/** True when the string holds an unpaired UTF-16 surrogate (the name is then `undecodable`). */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return true;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}
