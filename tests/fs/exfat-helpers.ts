// Shared by the exFAT driver tests: fixtures (the bare volume, and the volume inside the MBR
// disk), lookups, and hand-written entry sets for patched copies.
import { MemoryDevice } from '../../core/block/device.js';
import { exfatDriver } from '../../core/fs/exfat/index.js';
import type { Volume } from '../../core/fs/types.js';
import { exfatLayout, fixSetChecksum } from '../conformance/exfat-damage.js';
import type { Listed } from './fat-helpers.js';
import { fixtureFamily } from '../support/driver-helpers.js';
export { errorOf, lookup } from '../support/driver-helpers.js';

export { exfatLayout, fixSetChecksum };
const family = fixtureFamily<Listed>('exfat');
export const { fixtureDir } = family;
/** A gunzipped fixture image; callers that patch it must copy it first. */
export const fixtureImage = family.fixtureImage;

/** The exFAT volume's bytes: the bare image, or the MBR disk's partition. */
export function volumeBytes(name: string, image = fixtureImage(name)): Uint8Array {
  const base = exfatLayout(image).base;
  return image.subarray(base);
}

export const expectedListing = family.expectedListing;

export const open = (bytes: Uint8Array): Promise<Volume> => exfatDriver.open(new MemoryDevice(bytes));

export const put16 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
};
export const put32 = (b: Uint8Array, o: number, v: number): void => {
  put16(b, o, v & 0xffff);
  put16(b, o + 2, v >>> 16);
};
export const put64 = (b: Uint8Array, o: number, v: number): void => {
  put32(b, o, v % 0x1_0000_0000);
  put32(b, o + 4, Math.floor(v / 0x1_0000_0000));
};

export interface SetOptions {
  /** UTF-16 code units of the name (lone surrogates allowed). */
  units: number[];
  /** Stored NameLength (default: units.length). */
  nameLength?: number;
  attributes?: number;
  firstCluster?: number;
  dataLength?: number;
  noFatChain?: boolean;
  /** Stored SecondaryCount (default: what the name needs). */
  secondaryCount?: number;
  /** 2021-06-15T10:20:30 with OffsetValid and offset 0, unless given. */
  modified?: number;
  modifiedUtcOffset?: number;
}

export const units = (s: string): number[] => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
const TIMESTAMP = ((2021 - 1980) << 25) | (6 << 21) | (15 << 16) | (10 << 11) | (20 << 5) | 15;

/** A File entry set (File, Stream Extension, File Names) with a correct SetChecksum. */
export function entrySet(o: SetOptions): Uint8Array {
  const nameEntries = Math.max(1, Math.ceil(o.units.length / 15));
  const set = new Uint8Array((1 + 1 + nameEntries) * 32);
  set[0] = 0x85;
  set[1] = 1 + nameEntries;
  put16(set, 4, o.attributes ?? 0x20);
  for (const at of [8, 12, 16]) put32(set, at, o.modified ?? TIMESTAMP);
  set[22] = 0x80;
  set[23] = o.modifiedUtcOffset ?? 0x80;
  set[24] = 0x80;
  set[32] = 0xc0;
  set[33] = 0x01 | (o.noFatChain === false ? 0 : 0x02);
  set[35] = o.nameLength ?? o.units.length;
  put64(set, 40, o.dataLength ?? 0);
  put32(set, 52, o.firstCluster ?? 0);
  put64(set, 56, o.dataLength ?? 0);
  o.units.forEach((u, i) => {
    const entry = 64 + 32 * Math.floor(i / 15);
    set[entry] = 0xc1;
    put16(set, entry + 2 + 2 * (i % 15), u);
  });
  for (let e = 0; e < nameEntries; e++) set[64 + 32 * e] = 0xc1;
  fixSetChecksum(set, 0);
  if (o.secondaryCount !== undefined) set[1] = o.secondaryCount;
  return set;
}
