// NTFS-specific damage for the mutation run, written against the on-disk layout (ntfs-3g's
// layout.h, the Linux-NTFS documentation) independently of the driver under test.

export interface NtfsLayout {
  /** Byte offset of the volume in the image (0, or the first GPT partition's start). */
  base: number;
  bytesPerCluster: number;
  recordBytes: number;
  indexBytes: number;
  /** Image offset of each MFT record, through the $MFT's own runlist. */
  records: number[];
}

const dv = (img: Uint8Array): DataView => new DataView(img.buffer, img.byteOffset, img.byteLength);
const u16 = (img: Uint8Array, o: number): number => dv(img).getUint16(o, true);
const u32 = (img: Uint8Array, o: number): number => dv(img).getUint32(o, true);
const isNtfs = (img: Uint8Array, o: number): boolean => String.fromCharCode(...img.subarray(o + 3, o + 11)) === 'NTFS    ';
const sizeField = (raw: number, bpc: number): number => (raw < 128 ? raw * bpc : 2 ** (256 - raw));

/** (lcn | null, clusters) pairs of a runlist. */
export function runsAt(img: Uint8Array, at: number, end: number): Array<[number | null, number]> {
  const out: Array<[number | null, number]> = [];
  let lcn = 0;
  while (at < end && img[at] !== 0) {
    const h = img[at]!;
    const lb = h & 15;
    const ob = h >> 4;
    let len = 0;
    for (let i = lb - 1; i >= 0; i--) len = len * 256 + img[at + 1 + i]!;
    if (ob === 0) out.push([null, len]);
    else {
      let d = img[at + lb + ob]! >= 0x80 ? -1 : 0;
      for (let i = ob - 1; i >= 0; i--) d = d * 256 + img[at + 1 + lb + i]!;
      lcn += d;
      out.push([lcn, len]);
    }
    at += 1 + lb + ob;
  }
  return out;
}

export function ntfsLayout(img: Uint8Array): NtfsLayout {
  // A bare volume, or the first partition of a GPT disk (entries at LBA 2, first LBA at +32).
  const base = isNtfs(img, 0) ? 0 : Number(dv(img).getBigUint64(1024 + 32, true)) * 512;
  const bytesPerCluster = u16(img, base + 11) * img[base + 13]!;
  const recordBytes = sizeField(img[base + 0x40]!, bytesPerCluster);
  const indexBytes = sizeField(img[base + 0x44]!, bytesPerCluster);
  const mft = base + Number(dv(img).getBigUint64(base + 0x30, true)) * bytesPerCluster;
  // Record 0's unnamed $DATA: its runlist maps the whole $MFT (these fixtures have no attribute list).
  const records: number[] = [];
  for (let a = mft + u16(img, mft + 0x14); u32(img, a) !== 0xffffffff && a < mft + recordBytes; a += u32(img, a + 4)) {
    if (u32(img, a) !== 0x80 || img[a + 9] !== 0) continue;
    const total = Number(dv(img).getBigUint64(a + 0x30, true)) / recordBytes;
    for (const [lcn, len] of runsAt(img, a + u16(img, a + 0x20), a + u32(img, a + 4))) {
      for (let o = 0; o < len * bytesPerCluster && records.length < total; o += recordBytes) {
        records.push(lcn === null ? -1 : base + lcn * bytesPerCluster + o);
      }
    }
  }
  return { base, bytesPerCluster, recordBytes, indexBytes, records };
}

/** Boot sector and the first 256 records of the MFT (system files, the root, the tree's first files). */
export function ntfsMetadata(img: Uint8Array): Array<[number, number]> {
  const g = ntfsLayout(img);
  const out: Array<[number, number]> = [[g.base, g.base + 512]];
  for (const r of g.records.slice(0, 256)) if (r >= 0) out.push([r, r + g.recordBytes]);
  return out;
}

/**
 * Writes `bytes` at `offset` inside a multi-sector-protected structure at `start`: where a
 * position is the last two bytes of a 512-byte stride, the real value lives in the update
 * sequence array, so it is written there.
 */
export function writeProtected(img: Uint8Array, start: number, offset: number, bytes: ArrayLike<number>): void {
  const usa = start + u16(img, start + 4);
  for (let i = 0; i < bytes.length; i++) {
    const o = offset + i;
    if (o % 512 >= 510) img[usa + 2 + 2 * Math.floor(o / 512) + (o % 512) - 510] = bytes[i]!;
    else img[start + o] = bytes[i]!;
  }
}

const inUse = (img: Uint8Array, r: number): boolean => r >= 0 && String.fromCharCode(...img.subarray(r, r + 4)) === 'FILE' && (u16(img, r + 0x16) & 1) !== 0;

/** Every in-use record's attributes as [image offset, type]. */
function attributesOf(img: Uint8Array, g: NtfsLayout, r: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let a = r + u16(img, r + 0x14); a + 8 <= r + g.recordBytes && out.length < 64; ) {
    const type = u32(img, a);
    const len = u32(img, a + 4);
    if (type === 0xffffffff || len < 16) break;
    out.push([a, type]);
    a += len;
  }
  return out;
}

/** Every third user record (24 and up) gets a torn sector: its second stride's USN no longer matches. */
export function ntfsBrokenFixups(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const g = ntfsLayout(img);
  g.records.forEach((r, n) => {
    const at = r + Math.min(1024, g.recordBytes) - 2;
    if (n >= 24 && n % 3 === 0 && inUse(img, r)) img[at] = img[at]! ^ 0x55;
  });
  return img;
}

/** The first attribute of every user record claims a length far past the record. */
export function ntfsAttributeLengthPastRecord(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const g = ntfsLayout(img);
  g.records.forEach((r, n) => {
    if (n < 24 || !inUse(img, r)) return;
    const first = r + u16(img, r + 0x14);
    writeProtected(img, r, first + 4 - r, [0xf0, 0xff, 0, 0]);
  });
  return img;
}

/** Every non-resident unnamed $DATA of a user file gets a first run far past the device. */
export function ntfsRunPastDevice(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const g = ntfsLayout(img);
  g.records.forEach((r, n) => {
    if (n < 24 || !inUse(img, r)) return;
    for (const [a, type] of attributesOf(img, g, r)) {
      if (type !== 0x80 || img[a + 8] !== 1 || img[a + 9] !== 0) continue;
      const runs = a + u16(img, a + 0x20);
      const h = img[runs]!;
      const lb = h & 15;
      const ob = h >> 4;
      if (ob === 0) continue;
      // The largest positive delta the field holds: 0x7F FF … FF clusters.
      const delta = Array.from({ length: ob }, (_, i) => (i === ob - 1 ? 0x7f : 0xff));
      writeProtected(img, r, runs + 1 + lb - r, delta);
    }
  });
  return img;
}

/** In every index block with child pointers, the last entry's child is the block itself. */
export function ntfsIndexLoop(image: Uint8Array): Uint8Array {
  const img = image.slice();
  const g = ntfsLayout(img);
  const step = Math.min(g.bytesPerCluster, g.indexBytes);
  for (let b = g.base; b + g.indexBytes <= img.length; b += step) {
    if (img[b] !== 0x49 || img[b + 1] !== 0x4e || img[b + 2] !== 0x44 || img[b + 3] !== 0x58) continue; // "INDX"
    const vcn = img.slice(b + 0x10, b + 0x18);
    const header = b + 0x18;
    const end = header + u32(img, header + 4);
    for (let e = header + u32(img, header); e + 16 <= end && e + 16 <= b + g.indexBytes; ) {
      const len = u16(img, e + 8);
      const flags = u16(img, e + 12);
      if (len < 16) break;
      if ((flags & 2) !== 0) {
        if ((flags & 1) !== 0) writeProtected(img, b, e + len - 8 - b, vcn);
        break;
      }
      e += len;
    }
  }
  return img;
}
