// The El Torito boot catalog (El Torito Bootable CD-ROM Format Specification 1.0, 2.0-2.4):
// a Validation Entry, the Initial/Default Entry, then Section Headers each followed by their
// Section Entries. Boot images are shown as files of a synthetic "[BOOT]" directory.
import type { BlockDevice } from '../../block/device.js';
import { corrupt } from '../../errors.js';
import { readExact, u16le, u32le } from './io.js';

/** Catalog bytes read (64 entries of 32 bytes per 2048-byte sector). */
export const CATALOG_BYTES = 4 * 2048;
export const MAX_BOOT_ENTRIES = 64;

export interface BootImage {
  /** e.g. "Boot-NoEmul.img". */
  name: string;
  /** Device byte offset and size of the image. */
  offset: number;
  size: number;
}

const FLOPPY_BYTES: Record<number, number> = { 1: 1_228_800, 2: 1_474_560, 3: 2_949_120 };
const MEDIA_NAMES: Record<number, string> = { 0: 'NoEmul', 1: '1.2M', 2: '1.44M', 3: '2.88M', 4: 'HardDisk' };

/**
 * The boot images of the catalog at sector `lba`. Sizes: floppy emulation the floppy's size;
 * no emulation and hard disk emulation the entry's Sector Count × 512 (a count of 0 or 1, as
 * some tools write, is taken as one 2048-byte sector) — see README.
 */
export async function readBootCatalog(device: BlockDevice, lba: number): Promise<BootImage[]> {
  const at = lba * 2048;
  if (!Number.isSafeInteger(at) || at + 64 > device.size) {
    throw corrupt('El Torito boot catalog', { where: `sector ${lba}`, expected: 'inside the device', found: `byte ${at}` });
  }
  const b = await readExact(device, at, Math.min(CATALOG_BYTES, device.size - at));
  if (b[0] !== 1 || b[30] !== 0x55 || b[31] !== 0xaa) {
    throw corrupt('El Torito validation entry', { where: `byte ${at}`, expected: 'header 01 and key 55 AA', found: `${b[0]} ${b[30]} ${b[31]}` });
  }
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + u16le(b, i)) & 0xffff;
  if (sum !== 0) throw corrupt('El Torito validation entry checksum', { where: `byte ${at}`, expected: '0', found: String(sum) });
  const raw: Array<{ media: number; count: number; rba: number }> = [];
  const entry = (o: number): void => {
    if (b[o] !== 0x88 && b[o] !== 0x00) return;
    if (b[o] === 0x00 && u32le(b, o + 8) === 0) return;
    raw.push({ media: b[o + 1]! & 0x0f, count: u16le(b, o + 6), rba: u32le(b, o + 8) });
  };
  entry(32);
  // Section headers: 0x90 (more follow) / 0x91 (last), each with its entry count.
  for (let o = 64; o + 32 <= b.length && raw.length < MAX_BOOT_ENTRIES; ) {
    const header = b[o]!;
    if (header !== 0x90 && header !== 0x91) break;
    const entries = u16le(b, o + 2);
    o += 32;
    for (let i = 0; i < entries && o + 32 <= b.length && raw.length < MAX_BOOT_ENTRIES; i++, o += 32) {
      // Section entry extensions (0x44) carry no image.
      if (b[o] !== 0x44) entry(o);
    }
    if (header === 0x91) break;
  }
  const many = raw.length > 1;
  return raw.map((r, i) => {
    const size = FLOPPY_BYTES[r.media] ?? (r.count <= 1 ? 2048 : r.count * 512);
    const kind = MEDIA_NAMES[r.media] ?? `Media${r.media}`;
    return { name: many ? `${i + 1}-Boot-${kind}.img` : `Boot-${kind}.img`, offset: r.rba * 2048, size };
  });
}
