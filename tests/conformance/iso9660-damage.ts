// ISO 9660-specific damage for the mutation run, written against ECMA-119 (9.1 directory
// records) and SUSP 1.12 (5.1 CE) independently of the driver under test.

const dv = (img: Uint8Array): DataView => new DataView(img.buffer, img.byteOffset, img.byteLength);

interface Rec {
  at: number;
  length: number;
  extent: number;
  size: number;
  flags: number;
  id: Uint8Array;
}

/** The records of a directory extent (skipping to the next sector at a zero length byte). */
function records(img: Uint8Array, lba: number, size: number): Rec[] {
  const out: Rec[] = [];
  const base = lba * 2048;
  for (let pos = base; pos < base + size && pos + 34 <= img.length; ) {
    const length = img[pos]!;
    if (length === 0) {
      pos = (Math.floor(pos / 2048) + 1) * 2048;
      continue;
    }
    if (length < 34 || pos + length > img.length) break;
    out.push({
      at: pos,
      length,
      extent: dv(img).getUint32(pos + 2, true),
      size: dv(img).getUint32(pos + 10, true),
      flags: img[pos + 25]!,
      id: img.subarray(pos + 33, pos + 33 + img[pos + 32]!),
    });
    pos += length;
  }
  return out;
}

function rootRecords(img: Uint8Array): Rec[] {
  const pvd = 16 * 2048;
  return records(img, dv(img).getUint32(pvd + 156 + 2, true), dv(img).getUint32(pvd + 156 + 10, true));
}

const isDot = (r: Rec): boolean => r.id.length === 1 && r.id[0]! <= 1;
const setExtent = (img: Uint8Array, at: number, lba: number): void => {
  dv(img).setUint32(at + 2, lba, true);
  dv(img).setUint32(at + 6, lba, false);
};

/** Every subdirectory record in the root names the root's own extent: a loop back to the parent. */
export function directoryPointsAtParent(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const recs = rootRecords(img);
  const root = recs[0];
  if (!root) return img;
  for (const r of recs) if (!isDot(r) && (r.flags & 2) !== 0) setExtent(img, r.at, root.extent);
  return img;
}

/**
 * From the root's third record on, record lengths are rewritten to hop (250 bytes at a time)
 * to the end of the first sector, where the last one claims a length that runs past it.
 */
export function recordPastSector(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const victim = rootRecords(img)[2];
  if (!victim) return img;
  const sectorEnd = (Math.floor(victim.at / 2048) + 1) * 2048;
  let pos = victim.at;
  while (sectorEnd - pos > 255) {
    img[pos] = 250;
    pos += 250;
  }
  const distance = sectorEnd - pos;
  img[pos] = Math.min(255, Math.max(40, distance + 20));
  return img;
}

/** The root's fourth record has length 0 (the reader must skip to the next sector). */
export function recordLengthZero(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const victim = rootRecords(img)[3];
  if (victim) img[victim.at] = 0;
  return img;
}

/** Every record of the root (but "." and "..") gets a CE entry whose continuation area is its own System Use area. */
export function continuationLoop(image: Uint8Array): Uint8Array {
  const img = image.slice();
  for (const r of rootRecords(img)) {
    if (isDot(r)) continue; // "." keeps SP, so Rock Ridge is still detected
    const idLength = img[r.at + 32]!;
    const su = r.at + 33 + idLength + (idLength % 2 === 0 ? 1 : 0);
    // Overwrite the first SUSP entry with a CE naming this very area.
    if (su + 28 > r.at + r.length) continue;
    img[su] = 0x43;
    img[su + 1] = 0x45;
    img[su + 2] = 28;
    img[su + 3] = 1;
    const block = Math.floor(su / 2048);
    setExtent(img, su + 2, block); // bytes 4..11: block location (both-endian)
    dv(img).setUint32(su + 12, su % 2048, true);
    dv(img).setUint32(su + 16, su % 2048, false);
    dv(img).setUint32(su + 20, r.at + r.length - su, true);
    dv(img).setUint32(su + 24, r.at + r.length - su, false);
  }
  return img;
}
