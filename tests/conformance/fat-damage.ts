// FAT-specific damage for the mutation run, written against the on-disk layout (Microsoft
// FAT specification) independently of the driver under test.

export interface FatGeometry {
  bytesPerSector: number;
  fatStart: number;
  fatBytes: number;
  numFats: number;
  rootStart: number;
  rootBytes: number;
  dataStart: number;
  clusterBytes: number;
  fat32: boolean;
  fat12: boolean;
  rootCluster: number;
}

export function fatGeometry(img: Uint8Array, base = 0): FatGeometry {
  const dv = new DataView(img.buffer, img.byteOffset + base);
  const bytesPerSector = dv.getUint16(11, true);
  const sectorsPerCluster = dv.getUint8(13);
  const reserved = dv.getUint16(14, true);
  const numFats = dv.getUint8(16);
  const rootEntries = dv.getUint16(17, true);
  const fatSz16 = dv.getUint16(22, true);
  const fatSectors = fatSz16 !== 0 ? fatSz16 : dv.getUint32(36, true);
  const totSec = dv.getUint16(19, true) || dv.getUint32(32, true);
  const rootBytes = rootEntries * 32;
  const fatStart = base + reserved * bytesPerSector;
  const rootStart = fatStart + numFats * fatSectors * bytesPerSector;
  const dataStart = rootStart + Math.ceil(rootBytes / bytesPerSector) * bytesPerSector;
  const clusters = Math.floor((totSec - (dataStart - base) / bytesPerSector) / sectorsPerCluster);
  return {
    bytesPerSector,
    fatStart,
    fatBytes: fatSectors * bytesPerSector,
    numFats,
    rootStart,
    rootBytes,
    dataStart,
    clusterBytes: sectorsPerCluster * bytesPerSector,
    fat32: fatSz16 === 0,
    fat12: fatSz16 !== 0 && clusters < 4085,
    rootCluster: fatSz16 === 0 ? dv.getUint32(44, true) : 0,
  };
}

/** Boot sector, FATs, fixed root directory and the first 64 KiB of data (where directories start). */
export function fatMetadata(img: Uint8Array): Array<[number, number]> {
  const g = fatGeometry(img);
  return [
    [0, g.bytesPerSector],
    [g.fatStart, g.fatStart + g.fatBytes * g.numFats],
    [g.rootStart, g.dataStart + 64 * 1024],
  ];
}

function setFatEntry(img: Uint8Array, g: FatGeometry, cluster: number, value: number): void {
  for (let f = 0; f < g.numFats; f++) {
    const fat = g.fatStart + f * g.fatBytes;
    if (g.fat32) new DataView(img.buffer, img.byteOffset).setUint32(fat + cluster * 4, value, true);
    else if (!g.fat12) new DataView(img.buffer, img.byteOffset).setUint16(fat + cluster * 2, value, true);
    else {
      const at = fat + Math.floor(cluster * 1.5);
      if (cluster % 2 === 0) {
        img[at] = value & 0xff;
        img[at + 1] = (img[at + 1]! & 0xf0) | ((value >> 8) & 0x0f);
      } else {
        img[at] = (img[at]! & 0x0f) | ((value << 4) & 0xf0);
        img[at + 1] = (value >> 4) & 0xff;
      }
    }
  }
}

/** Directory entries (32 bytes) of the root directory region or root cluster. */
function rootEntries(img: Uint8Array, g: FatGeometry): number[] {
  const start = g.fat32 ? g.dataStart + (g.rootCluster - 2) * g.clusterBytes : g.rootStart;
  const bytes = g.fat32 ? g.clusterBytes : g.rootBytes;
  const out: number[] = [];
  for (let o = start; o < start + bytes; o += 32) {
    if (img[o] === 0) break;
    out.push(o);
  }
  return out;
}

function firstCluster(img: Uint8Array, entry: number): number {
  const dv = new DataView(img.buffer, img.byteOffset);
  return (dv.getUint16(entry + 20, true) << 16) | dv.getUint16(entry + 26, true);
}

function setFirstCluster(img: Uint8Array, entry: number, cluster: number): void {
  const dv = new DataView(img.buffer, img.byteOffset);
  dv.setUint16(entry + 20, cluster >>> 16, true);
  dv.setUint16(entry + 26, cluster & 0xffff, true);
}

const isShortEntry = (img: Uint8Array, e: number) => img[e] !== 0xe5 && img[e + 11] !== 0x0f && (img[e + 11]! & 0x08) === 0;

/** Every file with data gets a FAT chain that loops back onto its own first cluster. */
export function fatCycle(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const g = fatGeometry(img);
  for (const e of rootEntries(img, g)) {
    if (!isShortEntry(img, e) || (img[e + 11]! & 0x10) !== 0) continue;
    const c = firstCluster(img, e);
    if (c >= 2) setFatEntry(img, g, c, c);
  }
  return img;
}

/** Each subdirectory of the root gets a child entry pointing back at the subdirectory itself. */
export function directoryContainsItself(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const g = fatGeometry(img);
  for (const e of rootEntries(img, g)) {
    if (!isShortEntry(img, e) || (img[e + 11]! & 0x10) === 0 || img[e] === 0x2e) continue;
    const c = firstCluster(img, e);
    if (c < 2) continue;
    const dir = g.dataStart + (c - 2) * g.clusterBytes;
    // Entry 2 of a subdirectory is its first real child (after "." and ".."): make it a loop.
    const child = dir + 64;
    if (child + 32 > img.length || img[child] === 0) continue;
    img[child + 11] = 0x10;
    setFirstCluster(img, child, c);
  }
  return img;
}
