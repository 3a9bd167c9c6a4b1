// exFAT timestamps (specification section 7.4.8): a DOS-style date and time with 2-second
// resolution, a 10 ms increment field (0..199) and a UTC offset in 15-minute steps. With
// OffsetValid set the stored time is local time at that offset: it is converted to UTC and
// reported with "Z". Without it the time zone is unknown and the wall-clock time is reported
// as written, without a zone (as FAT does). A field out of range gives null.
import type { Timestamp } from '../types.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `timestamp` is the 32-bit field, `increment10ms` 0..199, `utcOffset` the raw byte. */
export function exfatTime(timestamp: number, increment10ms: number, utcOffset: number): Timestamp | null {
  const year = 1980 + (timestamp >>> 25);
  const month = (timestamp >>> 21) & 0x0f;
  const day = (timestamp >>> 16) & 0x1f;
  const hour = (timestamp >>> 11) & 0x1f;
  const minute = (timestamp >>> 5) & 0x3f;
  const doubleSeconds = timestamp & 0x1f;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || doubleSeconds > 29 || increment10ms > 199) return null;
  const millis = doubleSeconds * 2000 + increment10ms * 10;
  if ((utcOffset & 0x80) === 0) {
    const fraction = millis % 1000 === 0 ? '' : `.${pad(millis % 1000, 3)}`;
    return `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(Math.floor(millis / 1000))}${fraction}`;
  }
  // A 7-bit two's complement count of 15-minute intervals (-16:00 .. +15:45).
  const offsetMinutes = ((utcOffset & 0x7f) << 25 >> 25) * 15;
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, 0, millis) - offsetMinutes * 60_000);
  const iso = utc.toISOString(); // "YYYY-MM-DDTHH:MM:SS.mmmZ", years 1979..2108 are 4 digits
  return utc.getUTCMilliseconds() === 0 ? `${iso.slice(0, 19)}Z` : iso;
}
