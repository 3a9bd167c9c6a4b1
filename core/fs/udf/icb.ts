// ICBs (ECMA-167 4/14.6, 4/14.9, 4/14.17): the ICB tag, File Entry and Extended File Entry, and
// their allocation descriptors (4/14.14: short_ad, long_ad, ext_ad; embedded data) with
// Allocation Extent Descriptors (4/14.5) chained from extents of type 3.
import { corrupt, limit, unsupported } from '../../errors.js';
import { u16, u32, u64 } from './io.js';
import { readTag, TAG_AED, TAG_EFE, TAG_FE } from './tag.js';
import { udfTime } from './time.js';

export const FT_DIRECTORY = 4;
export const FT_FILE = 5;
export const FT_SYMLINK = 12;
export const FT_VAT20 = 248;
export const FT_METADATA = 250;
export const FT_METADATA_MIRROR = 251;

export const AD_SHORT = 0;
export const AD_LONG = 1;
export const AD_EXTENDED = 2;
export const AD_EMBEDDED = 3;

/** Extent types (top 2 bits of ExtentLength). */
const EXT_NEXT = 3;

/** Allocation extent descriptors followed for one file. */
export const MAX_AED_HOPS = 4096;
/** Extents of one file. */
export const MAX_FILE_EXTENTS = 1 << 20;

export interface Icb {
  partition: number;
  block: number;
  fileType: number;
  strategy: number;
  adType: number;
  size: number;
  linkCount: number;
  permissions: number;
  uid: number;
  gid: number;
  mtime: string | null;
  atime: string | null;
  ctime: string | null;
  birthtime: string | null;
  /** The allocation descriptors, or the embedded data. */
  ads: Uint8Array;
  extended: boolean;
}

export function parseIcb(b: Uint8Array, partition: number, block: number, where: string): Icb {
  const tag = readTag(b, 0, where, [TAG_FE, TAG_EFE], block);
  const extended = tag.identifier === TAG_EFE;
  const strategy = u16(b, 20);
  if (strategy !== 4 && strategy !== 4096) throw unsupported(`ICB strategy ${strategy} (${where})`);
  const fileType = b[27]!;
  const flags = u16(b, 34);
  const size = u64(b, 56);
  if (!Number.isSafeInteger(size)) throw corrupt('information length', { where, found: 'more than 2^53' });
  const eaAt = extended ? 208 : 168;
  const lEa = u32(b, eaAt);
  const lAd = u32(b, eaAt + 4);
  const adStart = eaAt + 8 + lEa;
  if (lEa > b.length || lAd > b.length || adStart + lAd > b.length) {
    throw corrupt('extended attribute and allocation descriptor lengths run past the ICB', { where, found: `L_EA ${lEa}, L_AD ${lAd}` });
  }
  const t = (at: number): string | null => udfTime(b, at);
  return {
    partition,
    block,
    fileType,
    strategy,
    adType: flags & 7,
    size,
    linkCount: u16(b, 48),
    permissions: u32(b, 44),
    uid: u32(b, 36),
    gid: u32(b, 40),
    // FE: access 72, modification 84, attribute 96; EFE: access 80, modification 92,
    // creation 104, attribute 116.
    atime: t(extended ? 80 : 72),
    mtime: t(extended ? 92 : 84),
    ctime: t(extended ? 116 : 96),
    birthtime: extended ? t(104) : null,
    ads: b.subarray(adStart, adStart + lAd),
    extended,
  };
}

export interface RawExtent {
  /** Extent type: 0 recorded, 1 allocated not recorded, 2 neither. */
  type: number;
  length: number;
  partition: number;
  block: number;
}

export type ReadAed = (partition: number, block: number, length: number) => Promise<Uint8Array>;

/** Every data extent of an ICB, following AED continuations with a visited set and a hop bound. */
export async function allocationExtents(icb: Icb, readAed: ReadAed, where: string): Promise<RawExtent[]> {
  if (icb.adType === AD_EMBEDDED) return [];
  if (icb.adType !== AD_SHORT && icb.adType !== AD_LONG && icb.adType !== AD_EXTENDED) throw corrupt('allocation descriptor type', { where, found: String(icb.adType) });
  const adSize = icb.adType === AD_SHORT ? 8 : icb.adType === AD_LONG ? 16 : 20;
  const out: RawExtent[] = [];
  const visited = new Set<string>();
  let ads = icb.ads;
  let hops = 0;
  for (;;) {
    let next: RawExtent | null = null;
    for (let at = 0; at + adSize <= ads.length; at += adSize) {
      const raw = u32(ads, at);
      const length = raw & 0x3fffffff;
      const type = raw >>> 30;
      if (length === 0) break; // 4/12.1: a zero length ends the descriptors
      let partition = icb.partition;
      let block: number;
      if (icb.adType === AD_SHORT) block = u32(ads, at + 4);
      else if (icb.adType === AD_LONG) {
        block = u32(ads, at + 4);
        partition = u16(ads, at + 8);
      } else {
        block = u32(ads, at + 12);
        partition = u16(ads, at + 16);
      }
      if (type === EXT_NEXT) {
        next = { type, length, partition, block };
        break;
      }
      if (out.length >= MAX_FILE_EXTENTS) throw limit(`${where}: more than ${MAX_FILE_EXTENTS} extents`);
      out.push({ type, length, partition, block });
    }
    if (next === null) return out;
    const key = `${next.partition}:${next.block}`;
    if (visited.has(key)) throw corrupt('allocation extent descriptors form a loop', { where: `${where}, AED at block ${next.block}` });
    visited.add(key);
    if (++hops > MAX_AED_HOPS) throw corrupt('too many allocation extent descriptors', { where, expected: `<= ${MAX_AED_HOPS}` });
    const b = await readAed(next.partition, next.block, next.length);
    readTag(b, 0, `${where}, AED at block ${next.block}`, TAG_AED, next.block);
    const lAd = u32(b, 20);
    if (24 + lAd > b.length) throw corrupt('allocation extent descriptor length runs past its extent', { where: `${where}, AED at block ${next.block}`, found: String(lAd) });
    ads = b.subarray(24, 24 + lAd);
  }
}
