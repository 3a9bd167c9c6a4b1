// UDF-specific damage for the mutation run, written against ECMA-167 (descriptor tags 3/7.2,
// File Entry 4/14.9, FID 4/14.4, AED 4/14.5) independently of the driver under test: sectors are
// found by scanning for valid tags, and every edited descriptor gets its checksum and CRC back.

const TAG_FID = 257;
const TAG_AED = 258;
const TAG_FE = 261;
const TAG_EFE = 266;

const dv = (img: Uint8Array): DataView => new DataView(img.buffer, img.byteOffset, img.byteLength);

function crc16(b: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= b[i]! << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function tagOk(img: Uint8Array, at: number): boolean {
  let sum = 0;
  for (let i = 0; i < 16; i++) if (i !== 4) sum += img[at + i]!;
  return (sum & 0xff) === img[at + 4] && img[at + 4] !== 0;
}

/** Recomputes the CRC over `crcLength` body bytes, then the tag checksum. */
function seal(img: Uint8Array, at: number, crcLength: number): void {
  const d = dv(img);
  d.setUint16(at + 10, crcLength, true);
  d.setUint16(at + 8, crc16(img, at + 16, at + 16 + crcLength), true);
  let sum = 0;
  for (let i = 0; i < 16; i++) if (i !== 4) sum += img[at + i]!;
  img[at + 4] = sum & 0xff;
}

/** The sector size whose sector 256 holds an anchor (tag 2): 2048, else 512. */
function sectorSize(img: Uint8Array): number {
  for (const size of [2048, 512, 4096]) {
    const at = 256 * size;
    if (at + 16 <= img.length && dv(img).getUint16(at, true) === 2 && tagOk(img, at)) return size;
  }
  return 2048;
}

interface Entry {
  at: number;
  /** The sector's partition-relative block (tag location) and the partition's first sector. */
  block: number;
  partitionStart: number;
  fileType: number;
  adType: number;
  adAt: number;
  lAd: number;
}

/** Every File Entry / Extended File Entry recorded at the start of a sector of the image. */
function entries(img: Uint8Array, SECTOR: number): Entry[] {
  const out: Entry[] = [];
  const d = dv(img);
  for (let at = 0; at + SECTOR <= img.length; at += SECTOR) {
    const id = d.getUint16(at, true);
    if ((id !== TAG_FE && id !== TAG_EFE) || !tagOk(img, at)) continue;
    const block = d.getUint32(at + 12, true);
    const eaAt = id === TAG_EFE ? 208 : 168;
    const lEa = d.getUint32(at + eaAt, true);
    out.push({
      at,
      block,
      partitionStart: at / SECTOR - block,
      fileType: img[at + 27]!,
      adType: d.getUint16(at + 34, true) & 7,
      adAt: at + eaAt + 8 + lEa,
      lAd: d.getUint32(at + eaAt + 4, true),
    });
  }
  return out;
}

/** The volume's first 1 MiB holds the descriptors, the file set and (here) every ICB. */
export function udfMetadata(img: Uint8Array): Array<[number, number]> {
  return [[0, Math.min(img.length, 1024 * 1024)]];
}

/** Where a directory's FIDs start: its embedded data, or the first sector of its first extent. */
function fidStream(img: Uint8Array, e: Entry, SECTOR: number): { at: number; end: number; owner: number | null } | null {
  const d = dv(img);
  if (e.adType === 3) return { at: e.adAt, end: e.adAt + e.lAd, owner: e.at };
  if ((e.adType !== 0 && e.adType !== 1) || e.lAd < 8) return null;
  const sector = (e.partitionStart + d.getUint32(e.adAt + 4, true)) * SECTOR;
  if (sector < 0 || sector + SECTOR > img.length) return null;
  return { at: sector, end: sector + SECTOR, owner: null };
}

/** The FID after the first (the parent entry), when both are whole and tagged. */
function secondFid(img: Uint8Array, stream: { at: number; end: number }): number | null {
  const d = dv(img);
  const first = stream.at;
  if (first + 38 > stream.end || d.getUint16(first, true) !== TAG_FID || !tagOk(img, first)) return null;
  const at = first + ((38 + img[first + 19]! + d.getUint16(first + 36, true) + 3) & ~3);
  if (at + 38 > stream.end || d.getUint16(at, true) !== TAG_FID || !tagOk(img, at)) return null;
  return at;
}

/** Each file's first data sector becomes an AED whose only descriptor continues at itself. */
export function aedLoop(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const d = dv(img);
  const SECTOR = sectorSize(img);
  for (const e of entries(img, SECTOR)) {
    if (e.fileType !== 5 || (e.adType !== 0 && e.adType !== 1) || e.lAd < 8) continue;
    const adSize = e.adType === 0 ? 8 : 16;
    const length = d.getUint32(e.adAt, true);
    const block = d.getUint32(e.adAt + 4, true);
    const sector = (e.partitionStart + block) * SECTOR;
    if ((length & 0x3fffffff) === 0 || length >>> 30 !== 0 || sector < 0 || sector + SECTOR > img.length) continue;
    // The AED keeps the ICB's descriptor form; a long_ad's partition reference is copied.
    const ad = img.slice(e.adAt, e.adAt + adSize);
    img.fill(0, sector, sector + SECTOR);
    d.setUint16(sector, TAG_AED, true);
    d.setUint16(sector + 2, 2, true);
    d.setUint32(sector + 12, block, true);
    d.setUint32(sector + 20, adSize, true);
    img.set(ad, sector + 24);
    d.setUint32(sector + 24, ((3 << 30) | SECTOR) >>> 0, true);
    seal(img, sector, 8 + adSize);
    d.setUint32(e.adAt, ((3 << 30) | SECTOR) >>> 0, true);
    seal(img, e.at, d.getUint16(e.at + 10, true));
  }
  return img;
}

/** In every directory the FID after the parent entry claims 0xFFFF bytes of implementation use. */
export function fidPastDirectory(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const d = dv(img);
  const SECTOR = sectorSize(img);
  for (const e of entries(img, SECTOR)) {
    if (e.fileType !== 4) continue;
    const stream = fidStream(img, e, SECTOR);
    const at = stream && secondFid(img, stream);
    if (!stream || at === null) continue;
    d.setUint16(at + 36, 0xffff, true);
    seal(img, at, Math.min(d.getUint16(at + 10, true), stream.end - at - 16));
    if (stream.owner !== null) seal(img, stream.owner, d.getUint16(stream.owner + 10, true));
  }
  return img;
}

/** In every subdirectory, the first child FID is pointed at the directory's parent's ICB. */
export function directoryPointsAtParent(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const d = dv(img);
  const SECTOR = sectorSize(img);
  for (const e of entries(img, SECTOR)) {
    if (e.fileType !== 4) continue;
    const stream = fidStream(img, e, SECTOR);
    const at = stream && secondFid(img, stream);
    if (!stream || at === null || (img[stream.at + 18]! & 8) === 0) continue;
    const parentBlock = d.getUint32(stream.at + 24, true);
    if (parentBlock === e.block) continue; // the root's parent is itself
    d.setUint32(at + 24, parentBlock, true);
    img[at + 18] = img[at + 18]! | 2;
    seal(img, at, d.getUint16(at + 10, true));
    if (stream.owner !== null) seal(img, stream.owner, d.getUint16(stream.owner + 10, true));
  }
  return img;
}
