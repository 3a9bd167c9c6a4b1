// A .zip holding one disk image (as Armbian and others ship them): the archive's central
// directory (PKWARE APPNOTE 6.3, with Zip64) names one file; a stored file is read in place,
// a deflated one is expanded and checked against its CRC-32. Anything else is refused clearly.
import CRC32 from 'crc-32';
import { Inflate } from 'fflate';
import type { BlockDevice } from '../../block/device.js';
import { SliceDevice } from '../../block/slice.js';
import { corrupt, unsupported } from '../../errors.js';
import { printableName, readExact, u32, u64 } from '../common.js';
import { SequentialInput } from './input.js';
import { PushExpandStream } from './push.js';
import type { ExpandStream } from './types.js';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;
/** The end record (22 bytes) follows a comment of at most 65535 bytes. */
const MAX_TAIL = 22 + 65535;
/** Central directories bigger than this are not read (one image needs a few hundred bytes). */
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;
const MAX_ENTRIES = 65536;
const PIECE_BYTES = 32 * 1024;

const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);

export const isZip = (b: Uint8Array): boolean => b.length >= 4 && u32(b, 0) === LOCAL_HEADER;

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const METHOD_NAMES: Record<number, string> = { 9: 'Deflate64', 12: 'bzip2', 14: 'LZMA', 93: 'Zstandard', 95: 'xz', 98: 'PPMd', 99: 'AES encryption' };

async function endOfDirectory(device: BlockDevice): Promise<{ entries: number; size: number; offset: number }> {
  const tailStart = Math.max(0, device.size - MAX_TAIL);
  const tail = await readExact(device, tailStart, device.size - tailStart);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tail, i) === END_OF_DIRECTORY && i + 22 + u16(tail, i + 20) === tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw corrupt('zip end of central directory', { expected: 'its signature in the last 64 KiB', found: 'none' });
  let entries = u16(tail, at + 10);
  let size = u32(tail, at + 12);
  let offset = u32(tail, at + 16);
  const locatorAt = tailStart + at - 20;
  if ((entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) && locatorAt >= 0) {
    const locator = await readExact(device, locatorAt, 20);
    if (u32(locator, 0) === ZIP64_LOCATOR) {
      const endAt = u64(locator, 8);
      if (!Number.isSafeInteger(endAt) || endAt + 56 > device.size) throw corrupt('zip64 end of central directory offset', { found: String(endAt) });
      const end = await readExact(device, endAt, 56);
      if (u32(end, 0) !== ZIP64_END) throw corrupt('zip64 end of central directory', { where: `byte ${endAt}`, found: 'no signature' });
      entries = u64(end, 32);
      size = u64(end, 40);
      offset = u64(end, 48);
    }
  }
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset + size > device.size) {
    throw corrupt('zip central directory', { expected: `within ${device.size} bytes`, found: `${size} bytes at ${offset}` });
  }
  if (entries > MAX_ENTRIES || size > MAX_DIRECTORY_BYTES) throw corrupt('zip central directory', { expected: `at most ${MAX_ENTRIES} entries`, found: `${entries} entries, ${size} bytes` });
  return { entries, size, offset };
}

/** The central directory's entries (Zip64 sizes and offsets resolved). */
export async function readZipDirectory(device: BlockDevice): Promise<ZipEntry[]> {
  const end = await endOfDirectory(device);
  const dir = await readExact(device, end.offset, end.size);
  const out: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < end.entries; i++) {
    if (at + 46 > dir.length || u32(dir, at) !== CENTRAL_HEADER) throw corrupt('zip central directory entry', { where: `entry ${i}`, found: 'no signature' });
    const nameLength = u16(dir, at + 28);
    const extraLength = u16(dir, at + 30);
    const commentLength = u16(dir, at + 32);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > dir.length) throw corrupt('zip central directory entry', { where: `entry ${i}`, found: 'it runs past the directory' });
    const flags = u16(dir, at + 8);
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(dir.subarray(at + 46, at + 46 + nameLength));
    let compressedSize = u32(dir, at + 20);
    let size = u32(dir, at + 24);
    let localOffset = u32(dir, at + 42);
    // Zip64 extended information (0x0001): the 64-bit values, in this order, for the fields set to all ones.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = u16(dir, e);
      const len = u16(dir, e + 2);
      if (e + 4 + len > at + 46 + nameLength + extraLength) break;
      if (id === 0x0001) {
        let f = e + 4;
        const take = (): number => {
          if (f + 8 > e + 4 + len) throw corrupt('zip64 extra field', { where: `entry ${i}`, found: `${len} bytes` });
          const v = u64(dir, f);
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + len;
    }
    out.push({ name, method: u16(dir, at + 10), flags, crc: u32(dir, at + 16), compressedSize, size, localOffset });
    at = next;
  }
  return out;
}

/** The one file an image zip holds: directories and macOS resource forks (__MACOSX/) aside. */
export function theImage(entries: readonly ZipEntry[]): ZipEntry {
  const files = entries.filter((e) => !e.name.endsWith('/') && !e.name.startsWith('__MACOSX/'));
  if (files.length === 0) throw unsupported('a zip with no file in it');
  if (files.length > 1) {
    const names = files.slice(0, 3).map((f) => printableName(f.name)).join(', ');
    throw unsupported(`a zip holding ${files.length} files (${names}${files.length > 3 ? ', …' : ''}); Glovebox opens a zip that holds one disk image`);
  }
  return files[0]!;
}

/** Where the entry's data starts, after its local header. */
async function dataStart(device: BlockDevice, e: ZipEntry): Promise<number> {
  if (!Number.isSafeInteger(e.localOffset) || e.localOffset + 30 > device.size) throw corrupt('zip local header offset', { found: String(e.localOffset) });
  const h = await readExact(device, e.localOffset, 30);
  if (u32(h, 0) !== LOCAL_HEADER) throw corrupt('zip local header', { where: `byte ${e.localOffset}`, found: 'no signature' });
  const start = e.localOffset + 30 + u16(h, 26) + u16(h, 28);
  if (!Number.isSafeInteger(e.compressedSize) || start + e.compressedSize > device.size) {
    throw corrupt('zip entry data', { expected: `within ${device.size} bytes`, found: `${e.compressedSize} bytes at ${start}` });
  }
  return start;
}

export type OpenedZip = { kind: 'stored'; device: BlockDevice; entry: ZipEntry } | { kind: 'stream'; stream: ExpandStream; entry: ZipEntry };

export async function openZip(device: BlockDevice): Promise<OpenedZip> {
  const entry = theImage(await readZipDirectory(device));
  if (entry.flags & 0x1) throw unsupported(`an encrypted zip entry (${printableName(entry.name)})`);
  if (!Number.isSafeInteger(entry.size)) throw corrupt('zip entry size', { found: String(entry.size) });
  const start = await dataStart(device, entry);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw corrupt('stored zip entry', { expected: `${entry.size} bytes`, found: `${entry.compressedSize}` });
    return { kind: 'stored', device: new SliceDevice(device, start, entry.size), entry };
  }
  if (entry.method !== 8) {
    throw unsupported(`zip compression method ${METHOD_NAMES[entry.method] ?? entry.method} (${printableName(entry.name)}); Glovebox reads stored and deflated entries`);
  }
  let crc = 0;
  let produced = 0;
  const stream = new PushExpandStream(new SequentialInput(device, start, start + entry.compressedSize), (ondata) => new Inflate((d, final) => ondata(d, final)), {
    what: 'zip deflate',
    pieceBytes: PIECE_BYTES,
    onData: (chunk) => {
      crc = CRC32.buf(chunk, crc);
      produced += chunk.length;
      if (produced > entry.size) throw corrupt('zip entry', { expected: `${entry.size} bytes`, found: 'more data' });
    },
    onFinish: () => {
      if (produced !== entry.size) throw corrupt('zip entry', { expected: `${entry.size} bytes`, found: `${produced}` });
      if (crc >>> 0 !== entry.crc) throw corrupt('zip entry CRC-32', { expected: entry.crc.toString(16), found: (crc >>> 0).toString(16) });
    },
  });
  return { kind: 'stream', stream, entry };
}
