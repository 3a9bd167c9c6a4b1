// EFI_GUID (UEFI spec, appendix A): Data1 (u32), Data2 (u16) and Data3 (u16) are stored
// little-endian, Data4 (8 bytes) as a byte string; the text form prints each field big-endian,
// hence the "mixed-endian" byte order: 28 73 2A C1 1F F8 D2 11 BA 4B ... ->
// C12A7328-F81F-11D2-BA4B-00A0C93EC93B.
import { invalid } from '../errors.js';

/** Byte length of an EFI_GUID. */
export const GUID_BYTES = 16;

const hex = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');

/** The GUID at `at` in its usual textual form (upper case, as util-linux prints it). */
export function formatGuid(bytes: Uint8Array, at = 0): string {
  if (at < 0 || at + GUID_BYTES > bytes.length) throw invalid(`GUID at ${at} outside ${bytes.length} bytes`);
  const b = (i: number): string => hex(bytes[at + i]!);
  return (
    b(3) + b(2) + b(1) + b(0) + '-' +
    b(5) + b(4) + '-' +
    b(7) + b(6) + '-' +
    b(8) + b(9) + '-' +
    b(10) + b(11) + b(12) + b(13) + b(14) + b(15)
  );
}

/** True for the all-zero GUID (an unused GPT entry's PartitionTypeGUID). */
export function isNullGuid(bytes: Uint8Array, at = 0): boolean {
  for (let i = 0; i < GUID_BYTES; i++) if (bytes[at + i] !== 0) return false;
  return true;
}
