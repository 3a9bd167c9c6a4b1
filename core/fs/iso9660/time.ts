// ISO 9660 dates (ECMA-119 9.1.5 and 8.4.26.1) and the Rock Ridge TF forms that reuse them.
// Both carry the offset from GMT in 15-minute units (-48..+52); the result is UTC with `Z`.
import type { Timestamp } from '../types.js';


function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function utc(year: number, month: number, day: number, hour: number, minute: number, second: number, centis: number, offset: number): Timestamp | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59 || centis > 99) return null;
  // An offset out of range is ignored (treated as GMT), as Linux does.
  const quarterHours = offset >= -48 && offset <= 52 ? offset : 0;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, centis * 10) - quarterHours * 15 * 60_000);
  const iso = date.toISOString();
  if (!/^\d{4}-/.test(iso)) return null;
  return date.getUTCMilliseconds() === 0 ? `${iso.slice(0, 19)}Z` : iso;
}

/** The 7-byte "recording date and time" of a directory record (9.1.5); all zeros: none. */
export function recordTime(b: Uint8Array, o: number): Timestamp | null {
  if (o + 7 > b.length) return null;
  let zero = true;
  for (let i = 0; i < 6; i++) if (b[o + i] !== 0) zero = false;
  if (zero) return null;
  const offset = (b[o + 6]! << 24) >> 24;
  return utc(1900 + b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!, b[o + 4]!, b[o + 5]!, 0, offset);
}

/** The 17-byte digits form (8.4.26.1): "YYYYMMDDHHMMSScc" + offset; all "0" or zeros: none. */
export function longTime(b: Uint8Array, o: number): Timestamp | null {
  if (o + 17 > b.length) return null;
  const digits: number[] = [];
  for (let i = 0; i < 16; i++) {
    const c = b[o + i]!;
    if (c < 0x30 || c > 0x39) return null;
    digits.push(c - 0x30);
  }
  if (digits.every((d) => d === 0)) return null;
  const num = (from: number, n: number): number => digits.slice(from, from + n).reduce((a, d) => a * 10 + d, 0);
  const offset = (b[o + 16]! << 24) >> 24;
  return utc(num(0, 4), num(4, 2), num(6, 2), num(8, 2), num(10, 2), num(12, 2), num(14, 2), offset);
}

