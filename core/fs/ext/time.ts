// ext timestamps (ext4.h, EXT4_INODE_GET_XTIME; Documentation/filesystems/ext4/inodes.rst,
// "Inode Timestamps"): a signed 32-bit seconds field, and in large inodes an *_extra field whose
// low 2 bits extend the seconds past 2038 (bits 32 and 33) and whose upper 30 bits are
// nanoseconds. Reported as ISO-8601 UTC: whole seconds as "…:SSZ", otherwise with all nine
// digits of the nanoseconds ("…:SS.123456789Z").
import { s32, u32 } from './io.js';

export function extTime(inode: Uint8Array, secondsAt: number, extraAt: number | null): string {
  let seconds = s32(inode, secondsAt);
  let nanos = 0;
  if (extraAt !== null) {
    const extra = u32(inode, extraAt);
    seconds += (extra & 3) * 0x1_0000_0000;
    nanos = extra >>> 2;
    if (nanos > 999_999_999) nanos = 0;
  }
  return isoSeconds(seconds, nanos);
}

export function isoSeconds(seconds: number, nanos: number): string {
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  return nanos === 0 ? `${whole}Z` : `${whole}.${String(nanos).padStart(9, '0')}Z`;
}
