// exFAT-specific damage for the mutation run, written against the on-disk layout (Microsoft
// exFAT file system specification) independently of the driver under test.

export interface ExfatLayout {
  /** Byte offset of the volume in the image (0, or the first MBR partition's start). */
  base: number;
  bytesPerSector: number;
  bytesPerCluster: number;
  fatStart: number;
  fatBytes: number;
  heapStart: number;
  clusterCount: number;
  rootCluster: number;
}

const u32 = (img: Uint8Array, o: number): number => new DataView(img.buffer, img.byteOffset).getUint32(o, true);
const isExfat = (img: Uint8Array, o: number): boolean => String.fromCharCode(...img.subarray(o + 3, o + 11)) === 'EXFAT   ';

export function exfatLayout(img: Uint8Array): ExfatLayout {
  // A bare volume, or the first partition of an MBR disk.
  const base = isExfat(img, 0) ? 0 : u32(img, 446 + 8) * 512;
  const bytesPerSector = 2 ** img[base + 108]!;
  const bytesPerCluster = bytesPerSector * 2 ** img[base + 109]!;
  return {
    base,
    bytesPerSector,
    bytesPerCluster,
    fatStart: base + u32(img, base + 80) * bytesPerSector,
    fatBytes: u32(img, base + 84) * bytesPerSector,
    heapStart: base + u32(img, base + 88) * bytesPerSector,
    clusterCount: u32(img, base + 92),
    rootCluster: u32(img, base + 96),
  };
}

const clusterAt = (g: ExfatLayout, c: number): number => g.heapStart + (c - 2) * g.bytesPerCluster;

/** Boot regions, the FAT, and the first 64 KiB of the cluster heap (bitmap, up-case, root). */
export function exfatMetadata(img: Uint8Array): Array<[number, number]> {
  const g = exfatLayout(img);
  return [
    [g.base, g.base + 24 * g.bytesPerSector],
    [g.fatStart, g.fatStart + g.fatBytes],
    [g.heapStart, Math.min(img.length, g.heapStart + 64 * 1024)],
  ];
}

interface SetInfo {
  /** Byte offset of each entry of the set (a set may straddle clusters that are not adjacent). */
  slots: number[];
  attributes: number;
  firstCluster: number;
  dataLength: number;
  noFatChain: boolean;
}

const MAX_DIR_CLUSTERS = 4096;

/** Byte offsets of a directory's 32-byte entries: NoFatChain contiguous, else through the FAT. */
function directorySlots(img: Uint8Array, g: ExfatLayout, first: number, bytes: number | null, noFatChain: boolean): number[] {
  const clusters: number[] = [];
  const inHeap = (c: number): boolean => c >= 2 && c <= g.clusterCount + 1;
  if (noFatChain && bytes !== null) {
    for (let i = 0; i < Math.ceil(bytes / g.bytesPerCluster) && inHeap(first + i); i++) clusters.push(first + i);
  } else {
    const seen = new Set<number>();
    for (let c = first; inHeap(c) && !seen.has(c) && clusters.length < MAX_DIR_CLUSTERS; c = u32(img, g.fatStart + 4 * c)) {
      seen.add(c);
      clusters.push(c);
      if (bytes !== null && clusters.length * g.bytesPerCluster >= bytes) break;
    }
  }
  const slots: number[] = [];
  for (const c of clusters) {
    for (let o = clusterAt(g, c); o < clusterAt(g, c) + g.bytesPerCluster && o + 32 <= img.length; o += 32) slots.push(o);
  }
  return slots;
}

/** The in-use File entry sets of a directory. */
function directorySets(img: Uint8Array, g: ExfatLayout, slots: number[]): SetInfo[] {
  const out: SetInfo[] = [];
  for (let i = 0; i < slots.length; i++) {
    const o = slots[i]!;
    if (img[o] === 0) break;
    const count = img[o + 1]!;
    if (img[o] !== 0x85 || i + count >= slots.length) continue;
    const stream = slots[i + 1]!;
    if (img[stream] !== 0xc0) continue;
    out.push({
      slots: slots.slice(i, i + count + 1),
      attributes: img[o + 4]! | (img[o + 5]! << 8),
      firstCluster: u32(img, stream + 20),
      dataLength: Number(new DataView(img.buffer, img.byteOffset).getBigUint64(stream + 24, true)),
      noFatChain: (img[stream + 1]! & 2) !== 0,
    });
  }
  return out;
}

/** The sets of the root and of the root's subdirectories (one level down). */
function treeSets(img: Uint8Array, g: ExfatLayout): SetInfo[] {
  const root = directorySets(img, g, directorySlots(img, g, g.rootCluster, null, false));
  const out = [...root];
  for (const s of root) {
    if ((s.attributes & 0x10) === 0 || s.dataLength > MAX_DIR_CLUSTERS * g.bytesPerCluster) continue;
    out.push(...directorySets(img, g, directorySlots(img, g, s.firstCluster, s.dataLength, s.noFatChain)));
  }
  return out;
}

function rootSets(img: Uint8Array, g: ExfatLayout): SetInfo[] {
  return directorySets(img, g, directorySlots(img, g, g.rootCluster, null, false));
}

function setFat(img: Uint8Array, g: ExfatLayout, cluster: number, value: number): void {
  new DataView(img.buffer, img.byteOffset).setUint32(g.fatStart + cluster * 4, value >>> 0, true);
}

/** The SetChecksum (spec 6.3.3) of the set whose entries lie at `slots`, written into its File entry. */
export function fixSetChecksumAt(img: Uint8Array, slots: readonly number[]): void {
  let sum = 0;
  slots.forEach((at, index) => {
    for (let i = 0; i < 32; i++) {
      if (index === 0 && (i === 2 || i === 3)) continue;
      sum = ((((sum & 1) << 15) | (sum >>> 1)) + img[at + i]!) & 0xffff;
    }
  });
  img[slots[0]! + 2] = sum & 0xff;
  img[slots[0]! + 3] = sum >>> 8;
}

/** The SetChecksum of a set stored contiguously at `at`. */
export function fixSetChecksum(img: Uint8Array, at: number): void {
  fixSetChecksumAt(img, Array.from({ length: img[at + 1]! + 1 }, (_, i) => at + 32 * i));
}

/** Every file of two clusters or more (root and one level down) gets a FAT chain that loops back to its start. */
export function exfatFatCycle(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const g = exfatLayout(img);
  for (const s of treeSets(img, g)) {
    const n = Math.ceil(s.dataLength / g.bytesPerCluster);
    if ((s.attributes & 0x10) !== 0 || n < 2 || s.firstCluster < 2 || s.firstCluster + n - 1 > g.clusterCount + 1) continue;
    const stream = s.slots[1]!;
    img[stream + 1] = img[stream + 1]! & ~2; // NoFatChain off: the FAT is now what counts
    fixSetChecksumAt(img, s.slots);
    for (let i = 0; i < n - 1; i++) setFat(img, g, s.firstCluster + i, s.firstCluster + i + 1);
    setFat(img, g, s.firstCluster + n - 1, s.firstCluster);
  }
  return img;
}

/** Every other entry set in the root gets a wrong SetChecksum. */
export function exfatBadSetChecksum(image: Uint8Array): Uint8Array {
  const img = image.slice();
  rootSets(img, exfatLayout(img)).forEach((s, i) => {
    if (i % 2 === 0) img[s.slots[0]! + 2] = img[s.slots[0]! + 2]! ^ 0x5a;
  });
  return img;
}

/** Each root subdirectory's first child set is made a directory pointing at that subdirectory. */
export function exfatDirectoryContainsItself(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const g = exfatLayout(img);
  for (const s of rootSets(img, g)) {
    if ((s.attributes & 0x10) === 0) continue;
    const child = directorySets(img, g, directorySlots(img, g, s.firstCluster, s.dataLength, s.noFatChain))[0];
    if (child === undefined) continue;
    const [file, stream] = [child.slots[0]!, child.slots[1]!];
    img[file + 4] = 0x10;
    img.copyWithin(stream + 1, s.slots[1]! + 1, s.slots[1]! + 2); // GeneralSecondaryFlags
    img.copyWithin(stream + 8, s.slots[1]! + 8, s.slots[1]! + 32); // lengths and FirstCluster
    fixSetChecksumAt(img, child.slots);
  }
  return img;
}

/** Every file's DataLength (and ValidDataLength), root and one level down, lies far past the device. */
export function exfatDataLengthPastDevice(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const dv = new DataView(img.buffer, img.byteOffset);
  for (const s of treeSets(img, exfatLayout(img))) {
    if ((s.attributes & 0x10) !== 0) continue;
    const huge = BigInt(img.length) * 1024n + 12345n;
    dv.setBigUint64(s.slots[1]! + 8, huge, true);
    dv.setBigUint64(s.slots[1]! + 24, huge, true);
    fixSetChecksumAt(img, s.slots);
  }
  return img;
}
