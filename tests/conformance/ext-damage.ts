// ext-specific damage for the mutation run, written against the on-disk layout (the kernel's
// fs/ext4/ext4.h, Documentation/filesystems/ext4) independently of the driver under test.

interface ExtLayout {
  blockSize: number;
  inodesPerGroup: number;
  inodeSize: number;
  groups: number;
  descSize: number;
  gdtOffset: number;
}

const dv = (img: Uint8Array): DataView => new DataView(img.buffer, img.byteOffset, img.byteLength);

function layout(img: Uint8Array): ExtLayout {
  const d = dv(img);
  const sb = 1024;
  const blockSize = 1024 << d.getUint32(sb + 24, true);
  const firstDataBlock = d.getUint32(sb + 20, true);
  const blocksPerGroup = d.getUint32(sb + 32, true);
  const blocks = d.getUint32(sb + 4, true);
  const incompat = d.getUint32(sb + 96, true);
  return {
    blockSize,
    inodesPerGroup: d.getUint32(sb + 40, true),
    inodeSize: d.getUint16(sb + 88, true),
    groups: Math.ceil((blocks - firstDataBlock) / blocksPerGroup),
    descSize: incompat & 0x80 ? d.getUint16(sb + 254, true) : 32,
    gdtOffset: (firstDataBlock + 1) * blockSize,
  };
}

function inodeTableOffset(img: Uint8Array, l: ExtLayout, group: number): number {
  return dv(img).getUint32(l.gdtOffset + group * l.descSize + 8, true) * l.blockSize;
}

function inodeOffset(img: Uint8Array, l: ExtLayout, ino: number): number {
  const group = Math.floor((ino - 1) / l.inodesPerGroup);
  return inodeTableOffset(img, l, group) + ((ino - 1) % l.inodesPerGroup) * l.inodeSize;
}

const EXTENTS_FL = 0x80000;
const INLINE_DATA_FL = 0x10000000;

/** Device offset of an inode's first data block (extent root leaf or direct block 0), or null. */
function firstBlockOffset(img: Uint8Array, l: ExtLayout, inode: number): number | null {
  const d = dv(img);
  const flags = d.getUint32(inode + 32, true);
  if (flags & INLINE_DATA_FL) return null;
  const iBlock = inode + 40;
  if (flags & EXTENTS_FL) {
    if (d.getUint16(iBlock, true) !== 0xf30a || d.getUint16(iBlock + 2, true) === 0 || d.getUint16(iBlock + 6, true) !== 0) return null;
    return d.getUint32(iBlock + 12 + 8, true) * l.blockSize;
  }
  const b = d.getUint32(iBlock, true);
  return b === 0 ? null : b * l.blockSize;
}

/** [inode number, offset] of used inodes of group 0 with the given file type (mode & 0xF000). */
function inodesOfType(img: Uint8Array, l: ExtLayout, type: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let ino = 1; ino <= l.inodesPerGroup; ino++) {
    const at = inodeOffset(img, l, ino);
    if (at + l.inodeSize > img.length) break;
    const mode = dv(img).getUint16(at, true);
    if ((mode & 0xf000) === type && dv(img).getUint16(at + 26, true) > 0) out.push([ino, at]);
  }
  return out;
}

/** Directory entries of one block: [offset, inode, rec_len, name]. */
function dirents(img: Uint8Array, block: number, blockSize: number): Array<[number, number, number, string]> {
  const out: Array<[number, number, number, string]> = [];
  const d = dv(img);
  for (let at = block; at + 8 <= block + blockSize; ) {
    const recLen = d.getUint16(at + 4, true);
    if (recLen < 8) break;
    const nameLen = img[at + 6]!;
    out.push([at, d.getUint32(at, true), recLen, Buffer.from(img.subarray(at + 8, at + 8 + nameLen)).toString('latin1')]);
    at += recLen;
  }
  return out;
}

/** Superblock, group descriptors, the first 2 MiB (directories start there) and every inode table. */
export function extMetadata(img: Uint8Array): Array<[number, number]> {
  const l = layout(img);
  const ranges: Array<[number, number]> = [[0, Math.min(img.length, 2 * 1024 * 1024)]];
  for (let g = 0; g < Math.min(l.groups, 64); g++) {
    const t = inodeTableOffset(img, l, g);
    ranges.push([t, t + l.inodesPerGroup * l.inodeSize]);
  }
  return ranges;
}

/** Every extent root in group 0 claims a depth it does not have (a leaf says it is an index, 3 deep). */
export function extentDepthLies(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const l = layout(img);
  for (const [, at] of inodesOfType(img, l, 0x8000)) {
    const d = dv(img);
    if (!(d.getUint32(at + 32, true) & EXTENTS_FL) || d.getUint16(at + 40, true) !== 0xf30a) continue;
    d.setUint16(at + 40 + 6, d.getUint16(at + 40 + 6, true) + 3, true);
  }
  return img;
}

/** Every extent root in group 0 claims more entries than it has room for. */
export function extentEntriesLie(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const l = layout(img);
  for (const [, at] of [...inodesOfType(img, l, 0x8000), ...inodesOfType(img, l, 0x4000)]) {
    const d = dv(img);
    if (!(d.getUint32(at + 32, true) & EXTENTS_FL) || d.getUint16(at + 40, true) !== 0xf30a) continue;
    d.setUint16(at + 40 + 2, 0xffff, true);
  }
  return img;
}

/** The root directory's third entry gets a rec_len that runs past its block. */
export function recLenPastBlock(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const l = layout(img);
  const block = firstBlockOffset(img, l, inodeOffset(img, l, 2));
  if (block === null) return img;
  const entries = dirents(img, block, l.blockSize);
  const victim = entries[2] ?? entries[entries.length - 1];
  if (victim) dv(img).setUint16(victim[0] + 4, Math.min(0xfffc, l.blockSize * 2), true);
  return img;
}

/** Each subdirectory of the root gets a child entry naming the subdirectory itself. */
export function directoryContainsItself(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const l = layout(img);
  const root = firstBlockOffset(img, l, inodeOffset(img, l, 2));
  if (root === null) return img;
  for (const [, ino, , name] of dirents(img, root, l.blockSize)) {
    if (ino === 0 || name === '.' || name === '..') continue;
    const at = inodeOffset(img, l, ino);
    if (at + l.inodeSize > img.length || (dv(img).getUint16(at, true) & 0xf000) !== 0x4000) continue;
    const block = firstBlockOffset(img, l, at);
    if (block === null) continue;
    const child = dirents(img, block, l.blockSize)[2];
    if (!child) continue;
    dv(img).setUint32(child[0], ino, true);
    img[child[0] + 7] = 2;
  }
  return img;
}

/** Every regular file in group 0 gets its first data block pointer past the end of the device. */
export function blocksPastDevice(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const l = layout(img);
  for (const [, at] of inodesOfType(img, l, 0x8000)) {
    const d = dv(img);
    const flags = d.getUint32(at + 32, true);
    if (flags & INLINE_DATA_FL) continue;
    if (flags & EXTENTS_FL) {
      if (d.getUint16(at + 40, true) === 0xf30a && d.getUint16(at + 42, true) > 0 && d.getUint16(at + 46, true) === 0) d.setUint32(at + 40 + 20, 0xfffff000, true);
    } else if (d.getUint32(at + 40, true) !== 0) {
      d.setUint32(at + 40, 0xfffff000, true);
    }
  }
  return img;
}
