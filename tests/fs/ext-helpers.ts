// Shared by the ext driver tests: fixtures, expected listings, and a small independent reader of
// the on-disk layout (superblock, group 0's inode table) for patching copies of the images.
import { MemoryDevice } from '../../core/block/device.js';
import { extDriver } from '../../core/fs/ext/index.js';
import type { Volume } from '../../core/fs/types.js';
import { fixtureFamily } from '../support/driver-helpers.js';
export { lookup } from '../support/driver-helpers.js';

const family = fixtureFamily<ExpectedItem>('ext');
export const { fixtureDir } = family;
/** A gunzipped fixture image; callers that patch it must copy it first. */
export const extImage = family.fixtureImage;

export interface ExpectedItem {
  path: string;
  type: string;
  size: number;
  mtime: string | null;
  sha256?: string;
  target?: string;
}

export const expectedListing = family.expectedListing;

export const openExt = (image: Uint8Array): Promise<Volume> => extDriver.open(new MemoryDevice(image));

const dv = (img: Uint8Array): DataView => new DataView(img.buffer, img.byteOffset, img.byteLength);
export const SB = 1024;

export function blockSize(img: Uint8Array): number {
  return 1024 << dv(img).getUint32(SB + 24, true);
}

/** Byte offset of inode `ino` (group 0 only, enough for the fixtures' root-level files). */
export function inodeOffset(img: Uint8Array, ino: number): number {
  const d = dv(img);
  const bs = blockSize(img);
  const ipg = d.getUint32(SB + 40, true);
  const isz = d.getUint16(SB + 88, true);
  const incompat = d.getUint32(SB + 96, true);
  const descSize = incompat & 0x80 ? d.getUint16(SB + 254, true) : 32;
  const group = Math.floor((ino - 1) / ipg);
  const gdt = (d.getUint32(SB + 20, true) + 1) * bs;
  const table = d.getUint32(gdt + group * descSize + 8, true) * bs;
  return table + ((ino - 1) % ipg) * isz;
}

/** Byte offset of the first data block of an extent-mapped inode whose root is a leaf. */
export function firstExtentBlock(img: Uint8Array, ino: number): { extent: number; block: number } {
  const at = inodeOffset(img, ino) + 40;
  const d = dv(img);
  if (d.getUint16(at, true) !== 0xf30a || d.getUint16(at + 6, true) !== 0) throw new Error(`inode ${ino}: no leaf extent root`);
  return { extent: at + 12, block: d.getUint32(at + 12 + 8, true) * blockSize(img) };
}

export const put16 = (b: Uint8Array, o: number, v: number): void => dv(b).setUint16(o, v, true);
export const put32 = (b: Uint8Array, o: number, v: number): void => dv(b).setUint32(o, v >>> 0, true);
export const get16 = (b: Uint8Array, o: number): number => dv(b).getUint16(o, true);
export const get32 = (b: Uint8Array, o: number): number => dv(b).getUint32(o, true);
