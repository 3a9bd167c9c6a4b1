// FAT dates and times (spec section 6.3.5): local wall-clock time with no zone, 2-second
// resolution, years 1980..2107. Reported as written, as ISO-8601 without a zone. A field out of
// range gives null: images carry garbage here often, and it must never stop a listing.
import type { Timestamp } from '../types.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** "YYYY-MM-DD" from a FAT date (bits 15-9 year-1980, 8-5 month, 4-0 day), or null. */
function fatDay(date: number): string | null {
  const year = 1980 + ((date >>> 9) & 0x7f);
  const month = (date >>> 5) & 0x0f;
  const day = date & 0x1f;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** A date alone (DIR_LstAccDate), at midnight. A zero date means "not recorded". */
export function fatDate(date: number): Timestamp | null {
  const day = fatDay(date);
  return day === null ? null : `${day}T00:00:00`;
}

/**
 * Date and time (bits 15-11 hours, 10-5 minutes, 4-0 seconds/2), plus DIR_CrtTimeTenth for
 * creation times: despite its name a count of 10 ms units, 0..199.
 */
export function fatDateTime(date: number, time: number, hundredths = 0): Timestamp | null {
  const day = fatDay(date);
  if (day === null) return null;
  const hours = (time >>> 11) & 0x1f;
  const minutes = (time >>> 5) & 0x3f;
  const twoSeconds = time & 0x1f;
  if (hours > 23 || minutes > 59 || twoSeconds > 29 || hundredths < 0 || hundredths > 199) return null;
  const seconds = twoSeconds * 2 + Math.floor(hundredths / 100);
  const millis = (hundredths % 100) * 10;
  const fraction = millis === 0 ? '' : `.${pad(millis, 3)}`;
  return `${day}T${pad(hours)}:${pad(minutes)}:${pad(seconds)}${fraction}`;
}
