// ECMA-167 1/7.3 timestamps: TypeAndTimezone (type in the top 4 bits, a signed 12-bit offset in
// minutes from UTC, -2047 when unspecified), year, month, day, hour, minute, second,
// centiseconds, hundreds of microseconds, microseconds. Type 1 (local time) with a zone is
// converted to UTC and reported with "Z"; without a zone the wall-clock time is reported as
// written, without "Z". Fractions: centiseconds + hundreds of microseconds + microseconds make
// one microsecond count, reported with six digits when not zero ("…:SS.123456Z"), else none.
import type { Timestamp } from '../types.js';
import { u16 } from './io.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function udfTime(b: Uint8Array, at: number): Timestamp | null {
  const typeAndTz = u16(b, at);
  const type = typeAndTz >>> 12;
  const tz = ((typeAndTz & 0xfff) << 20) >> 20;
  const year = (u16(b, at + 2) << 16) >> 16;
  const [month, day, hour, minute, second, cs, hus, us] = [4, 5, 6, 7, 8, 9, 10, 11].map((i) => b[at + i]!) as [number, number, number, number, number, number, number, number];
  if (type > 1 || year < 1 || year > 9999) return null;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || cs > 99 || hus > 99 || us > 99) return null;
  const micros = cs * 10_000 + hus * 100 + us;
  const fraction = micros === 0 ? '' : `.${pad(micros, 6)}`;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(local);
  if (check.getUTCDate() !== day) return null;
  if (tz === -2047 || tz < -1440 || tz > 1440) {
    return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}`;
  }
  const utc = new Date(local - tz * 60_000);
  const y = utc.getUTCFullYear();
  if (y < 0 || y > 9999) return null;
  return `${pad(y, 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}T${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}${fraction}Z`;
}
