// Timestamps from drivers (core/fs/types.ts `Timestamp`) → Date for utimes.
// "…Z" or "…+hh:mm" is an instant; no zone means local wall-clock time as FAT stores it, and
// is read as the host's local time, the way Windows and mtools show FAT times.

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;

/** 1601 is the NTFS epoch: the earliest time every host can store. */
const MIN_YEAR = 1601;
const MAX_YEAR = 9999;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The instant a driver timestamp names, or null when it is absent or not valid ISO-8601. */
export function parseTimestamp(value: string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const m = ISO_8601.exec(value);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number, number, number, number, number, number,
  ];
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  const zone = m[8];
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;

  let time: number;
  if (zone === undefined) {
    const local = new Date(2000, 0, 1, hour, minute, second, ms);
    local.setFullYear(year, month - 1, day); // the constructor maps years 0–99 to 19xx
    time = local.getTime();
  } else {
    time = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    if (zone !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const offsetHours = Number(zone.slice(1, 3));
      const offsetMinutes = Number(zone.slice(4, 6));
      if (offsetHours > 23 || offsetMinutes > 59) return null;
      time -= sign * (offsetHours * 60 + offsetMinutes) * 60_000;
    }
  }
  return Number.isFinite(time) ? new Date(time) : null;
}
