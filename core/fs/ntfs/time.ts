// NTFS times (layout.h, "sle64 creation_time" and friends): 100-nanosecond intervals since
// 1601-01-01 00:00:00 UTC, unsigned 64-bit. Reported as ISO-8601 UTC: whole seconds as
// "…:SSZ", otherwise with all seven fractional digits ("…:SS.1234567Z"). Zero (never set) and
// times outside years 1601..9999 give null.
import type { Timestamp } from '../types.js';
import { u64big } from './io.js';

const TICKS_PER_SECOND = 10_000_000n;
/** Seconds from 1601-01-01 to 1970-01-01. */
const EPOCH_DIFF_SECONDS = 11_644_473_600n;
const MAX_SECONDS = 253_402_300_799n; // 9999-12-31T23:59:59Z

export function ntfsTime(ticks: bigint): Timestamp | null {
  if (ticks === 0n) return null;
  const seconds = ticks / TICKS_PER_SECOND - EPOCH_DIFF_SECONDS;
  const fraction = ticks % TICKS_PER_SECOND;
  if (seconds > MAX_SECONDS) return null;
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return fraction === 0n ? `${whole}Z` : `${whole}.${fraction.toString().padStart(7, '0')}Z`;
}

export const ntfsTimeAt = (b: Uint8Array, o: number): Timestamp | null => ntfsTime(u64big(b, o));
