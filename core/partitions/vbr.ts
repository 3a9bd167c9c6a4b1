// Volume boot records: a FAT, NTFS or exFAT file system that starts at byte 0 of the device
// (a "superfloppy", as many USB sticks and all floppies are formatted). Such a boot sector ends
// in 0x55AA like an MBR, and its boot code may happen to look like a partition table at 0x1BE,
// so the MBR reader asks this module before it believes an implausible table.

/** Which family of file system a sector looks like the boot sector of, or null. */
export type BootSectorKind = 'fat' | 'ntfs' | 'exfat';

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/**
 * True when byte 0 is an x86 jump over the BPB: EB xx 90 (short jump, NOP) or E9 xx xx (near
 * jump), as the FAT specification ("BS_jmpBoot") and NTFS/exFAT boot sectors have.
 */
function hasBootJump(sector: Uint8Array): boolean {
  return (sector[0] === 0xeb && sector[2] === 0x90) || sector[0] === 0xe9;
}

function oemName(sector: Uint8Array): string {
  return String.fromCharCode(...sector.subarray(3, 11));
}

/**
 * The FAT BIOS Parameter Block fields that every valid FAT boot sector has (Microsoft FAT
 * specification, section 3.1): BPB_BytsPerSec 512-4096 and a power of two, BPB_SecPerClus a
 * power of two, BPB_RsvdSecCnt >= 1, BPB_NumFATs >= 1, BPB_Media 0xF0 or 0xF8-0xFF. Linux's
 * msdos partition code uses the same reserved/FATs/media test to spot a FAT boot sector.
 */
function hasFatBpb(sector: Uint8Array): boolean {
  const view = new DataView(sector.buffer, sector.byteOffset, sector.byteLength);
  const bytsPerSec = view.getUint16(0x0b, true);
  const secPerClus = sector[0x0d]!;
  const rsvdSecCnt = view.getUint16(0x0e, true);
  const numFats = sector[0x10]!;
  const media = sector[0x15]!;
  return (
    bytsPerSec >= 512 && bytsPerSec <= 4096 && isPowerOfTwo(bytsPerSec) &&
    isPowerOfTwo(secPerClus) &&
    rsvdSecCnt >= 1 &&
    numFats >= 1 &&
    (media === 0xf0 || media >= 0xf8)
  );
}

/** What kind of volume boot record `sector` (the first 512 bytes of a device) is, if any. */
export function bootSectorKind(sector: Uint8Array): BootSectorKind | null {
  if (sector.length < 512 || !hasBootJump(sector)) return null;
  // NTFS and exFAT zero the FAT BPB fields, so they are known by their OEM names instead.
  const oem = oemName(sector);
  if (oem === 'NTFS    ') return 'ntfs';
  if (oem === 'EXFAT   ') return 'exfat';
  return hasFatBpb(sector) ? 'fat' : null;
}
