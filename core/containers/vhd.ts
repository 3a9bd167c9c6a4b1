// Microsoft VHD (Virtual Hard Disk Image Format Specification 1.0): fixed and dynamic disks.
// Differencing disks are refused: their parent is another file, which Glovebox never opens.
//
// A dynamic disk's block starts with its sector bitmap: a sector whose bit is clear was never
// written and reads as zeros (spec, "Block Format"; there is no parent to read it from), whatever
// bytes the block holds there.
import { checkRead, MAX_READ_BYTES, type BlockDevice } from '../block/device.js';
import { corrupt, unsupported } from '../errors.js';
import { ascii, be32, be64, Lru, MappedDevice, readExact, type Mapping } from './common.js';

const SECTOR = 512;
const FOOTER_COOKIE = 'conectix';
const DYNAMIC_COOKIE = 'cxsparse';
const DISK_FIXED = 2;
const DISK_DYNAMIC = 3;
const DISK_DIFFERENCING = 4;
/** BAT entries read at open (4 bytes each): 4 Mi blocks, 8 TiB at the default 2 MiB block. */
const MAX_BAT_ENTRIES = MAX_READ_BYTES / 4;
/** Bytes of sector bitmaps kept in memory (512 bytes each at the default 2 MiB block). */
const BITMAP_CACHE_BYTES = 1024 * 1024;

/** One's complement of the byte sum, skipping the checksum field at `skip`. */
function checksum(b: Uint8Array, skip: number): number {
  let sum = 0;
  for (let i = 0; i < b.length; i++) if (i < skip || i >= skip + 4) sum = (sum + b[i]!) >>> 0;
  return ~sum >>> 0;
}

/** True when the device carries a VHD footer cookie (at its end, or the dynamic copy at 0). */
export async function isVhd(device: BlockDevice): Promise<boolean> {
  if (device.size < SECTOR * 2) return false;
  const end = await readExact(device, device.size - SECTOR, 8);
  if (ascii(end, 0, 8) === FOOTER_COOKIE) return true;
  const start = await readExact(device, 0, 8);
  return ascii(start, 0, 8) === FOOTER_COOKIE;
}

interface Footer {
  dataOffset: number;
  currentSize: number;
  diskType: number;
}

function parseFooter(b: Uint8Array): Footer | null {
  if (ascii(b, 0, 8) !== FOOTER_COOKIE) return null;
  if (be32(b, 64) !== checksum(b, 64)) return null;
  const hi = be32(b, 16);
  const lo = be32(b, 20);
  const dataOffset = hi === 0xffffffff && lo === 0xffffffff ? -1 : be64(b, 16);
  return { dataOffset, currentSize: be64(b, 48), diskType: be32(b, 60) };
}

export async function openVhd(source: BlockDevice): Promise<BlockDevice> {
  const endBytes = await readExact(source, source.size - SECTOR, SECTOR);
  let footer = parseFooter(endBytes);
  if (footer === null) {
    // A damaged end footer: the copy a dynamic disk keeps at 0.
    footer = parseFooter(await readExact(source, 0, SECTOR));
    if (footer === null) throw corrupt('VHD footer', { where: `byte ${source.size - SECTOR}`, expected: 'a footer with a valid checksum', found: 'none (nor at byte 0)' });
  }
  if (footer.diskType === DISK_DIFFERENCING) throw unsupported('differencing VHD: the parent disk is not opened');
  if (!Number.isSafeInteger(footer.currentSize) || footer.currentSize < 0) throw corrupt('VHD current size', { found: String(footer.currentSize) });
  if (footer.diskType === DISK_FIXED) {
    if (footer.currentSize > source.size - SECTOR) {
      throw corrupt('fixed VHD size', { expected: `at most ${source.size - SECTOR} bytes`, found: `${footer.currentSize}` });
    }
    return new FixedVhd(source, footer.currentSize);
  }
  if (footer.diskType !== DISK_DYNAMIC) throw corrupt('VHD disk type', { expected: '2, 3 or 4', found: String(footer.diskType) });
  return DynamicVhd.open(source, footer);
}

/** A fixed VHD: the disk's bytes, then the footer. A plain linear mapping. */
class FixedVhd implements BlockDevice {
  readonly sourceOffset = 0;
  constructor(private readonly source: BlockDevice, readonly size: number) {}
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRead(this.size, offset, length);
    return readExact(this.source, offset, length);
  }
}

class DynamicVhd extends MappedDevice {
  private readonly bitmaps: Lru<number, Uint8Array>;

  private constructor(
    source: BlockDevice,
    readonly size: number,
    private readonly blockSize: number,
    private readonly bitmapBytes: number,
    private readonly bat: Uint32Array,
  ) {
    super(source, 'VHD');
    this.bitmaps = new Lru(Math.max(1, Math.floor(BITMAP_CACHE_BYTES / bitmapBytes)));
  }

  static async open(source: BlockDevice, footer: Footer): Promise<DynamicVhd> {
    const at = footer.dataOffset;
    if (at < 0 || !Number.isSafeInteger(at) || at + 1024 > source.size) {
      throw corrupt('VHD dynamic header offset', { expected: `within ${source.size} bytes`, found: String(at) });
    }
    const h = await readExact(source, at, 1024);
    if (ascii(h, 0, 8) !== DYNAMIC_COOKIE) throw corrupt('VHD dynamic header', { where: `byte ${at}`, expected: DYNAMIC_COOKIE, found: JSON.stringify(ascii(h, 0, 8)) });
    if (be32(h, 36) !== checksum(h, 36)) throw corrupt('VHD dynamic header checksum', { where: `byte ${at}` });
    const tableOffset = be64(h, 16);
    const maxEntries = be32(h, 28);
    const blockSize = be32(h, 32);
    if (blockSize < SECTOR || blockSize > 256 * 1024 * 1024 || (blockSize & (blockSize - 1)) !== 0) {
      throw corrupt('VHD block size', { expected: 'a power of two from 512 bytes to 256 MiB', found: String(blockSize) });
    }
    const needed = Math.ceil(footer.currentSize / blockSize);
    if (maxEntries < needed) throw corrupt('VHD block table', { expected: `at least ${needed} entries for ${footer.currentSize} bytes`, found: String(maxEntries) });
    if (needed > MAX_BAT_ENTRIES) throw corrupt('VHD block table', { expected: `at most ${MAX_BAT_ENTRIES} entries`, found: String(needed) });
    if (!Number.isSafeInteger(tableOffset) || tableOffset + needed * 4 > source.size) {
      throw corrupt('VHD block table offset', { expected: `within ${source.size} bytes`, found: String(tableOffset) });
    }
    const raw = needed > 0 ? await readExact(source, tableOffset, needed * 4) : new Uint8Array(0);
    const bat = new Uint32Array(needed);
    const bitmapBytes = Math.ceil(blockSize / SECTOR / 8 / SECTOR) * SECTOR;
    for (let i = 0; i < needed; i++) {
      const e = be32(raw, i * 4);
      bat[i] = e;
      if (e === 0xffffffff) continue;
      if (e * SECTOR + bitmapBytes + blockSize > source.size) {
        throw corrupt('VHD block table entry past the end of the file', { where: `entry ${i}`, found: `sector ${e}` });
      }
    }
    return new DynamicVhd(source, footer.currentSize, blockSize, bitmapBytes, bat);
  }

  /** The sector bitmap of block `index` (its BAT entry `e`, in the file: checked at open). */
  private async bitmap(index: number, e: number): Promise<Uint8Array> {
    let b = this.bitmaps.get(index);
    if (b === undefined) {
      b = await readExact(this.source, e * SECTOR, this.bitmapBytes);
      this.bitmaps.set(index, b);
    }
    return b;
  }

  protected async locate(offset: number): Promise<Mapping> {
    const index = Math.floor(offset / this.blockSize);
    const within = offset - index * this.blockSize;
    const e = this.bat[index]!;
    if (e === 0xffffffff) return { host: null, length: this.blockSize - within };
    const bitmap = await this.bitmap(index, e);
    // Bit 7 of byte 0 is the block's first sector. The mapping covers the run of sectors that
    // share the first one's bit, up to the end of the block.
    const bit = (s: number): number => (bitmap[s >>> 3]! >>> (7 - (s & 7))) & 1;
    const sectors = this.blockSize / SECTOR;
    const first = Math.floor(within / SECTOR);
    const present = bit(first);
    let end = first + 1;
    while (end < sectors) {
      const whole = present === 1 ? 0xff : 0x00;
      if ((end & 7) === 0 && end + 8 <= sectors && bitmap[end >>> 3] === whole) end += 8;
      else if (bit(end) === present) end += 1;
      else break;
    }
    const length = end * SECTOR - within;
    return { host: present === 1 ? e * SECTOR + this.bitmapBytes + within : null, length };
  }
}
