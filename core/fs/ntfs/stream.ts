// An attribute's value as a byte stream: resident bytes, or clusters through the runlist of
// every extent of a non-resident attribute (extents may live in several MFT records). Holes
// (sparse runs) and bytes past the initialized size read as zeros; compressed attributes are
// decompressed one compression unit at a time (LZNT1).
import { MAX_READ_BYTES, type BlockDevice } from '../../block/device.js';
import { corrupt, limit, unsupported } from '../../errors.js';
import { readExact } from './io.js';
import { lznt1Decompress } from './lznt1.js';
import { ATTR_IS_COMPRESSED, ATTR_IS_ENCRYPTED, ATTR_IS_SPARSE, type Attribute } from './record.js';
import type { Run } from './runlist.js';

export interface Stream {
  resident: Uint8Array | null;
  runs: Run[];
  dataSize: number;
  initializedSize: number;
  allocatedSize: number;
  /** Log2 of the compression unit in clusters; 0 when not compressed. */
  compressionUnit: number;
  compressed: boolean;
  sparse: boolean;
  encrypted: boolean;
  where: string;
}

/** Largest compression unit accepted (Windows uses 16 clusters of at most 4 KiB). */
const MAX_COMPRESSION_UNIT_BYTES = 1024 * 1024;
/** Most runs one attribute may have, over all its extents. */
const MAX_RUNS = 1 << 20;

/** One stream from the extents of one attribute (same type and name), any order. */
export function streamOf(extents: Attribute[], where: string): Stream {
  const sorted = [...extents].sort((a, b) => a.lowestVcn - b.lowestVcn);
  const first = sorted[0]!;
  const s: Stream = {
    resident: first.resident,
    runs: [],
    dataSize: first.dataSize,
    initializedSize: first.initializedSize,
    allocatedSize: first.allocatedSize,
    compressionUnit: first.resident === null ? first.compressionUnit : 0,
    compressed: (first.flags & ATTR_IS_COMPRESSED) !== 0,
    sparse: (first.flags & ATTR_IS_SPARSE) !== 0,
    encrypted: (first.flags & ATTR_IS_ENCRYPTED) !== 0,
    where,
  };
  if (first.resident !== null) {
    if (sorted.length > 1) throw corrupt('resident attribute with more than one extent', { where, expected: '1 extent', found: `${sorted.length}` });
    return s;
  }
  if (first.lowestVcn !== 0) throw corrupt('attribute has no first extent', { where, expected: 'an extent at VCN 0', found: `lowest VCN ${first.lowestVcn}` });
  let nextVcn = 0;
  for (const ext of sorted) {
    if (ext.resident !== null) throw corrupt('attribute mixes resident and non-resident extents', { where });
    if (ext.lowestVcn < nextVcn) throw corrupt('attribute extents overlap', { where, expected: `VCN >= ${nextVcn}`, found: `${ext.lowestVcn}` });
    for (const run of ext.runs) {
      if (run.vcn < nextVcn) throw corrupt('runs overlap', { where, expected: `VCN >= ${nextVcn}`, found: `${run.vcn}` });
      s.runs.push(run);
      nextVcn = run.vcn + run.length;
    }
    if (s.runs.length > MAX_RUNS) throw limit(`${where}: more than ${MAX_RUNS} runs`);
    nextVcn = Math.max(nextVcn, ext.highestVcn + 1);
  }
  return s;
}

/** Segments of the cluster range [vcn, vcn + count): each from one run; a VCN no run maps is Corrupt. */
export function mapClusters(s: Stream, vcn: number, count: number): Run[] {
  const out: Run[] = [];
  let i = firstRunEndingAfter(s.runs, vcn);
  let at = vcn;
  const end = vcn + count;
  while (at < end) {
    const run = s.runs[i];
    if (run === undefined || run.vcn > at) {
      throw corrupt('runlist does not cover the data', { where: s.where, expected: `a run for VCN ${at}`, found: run === undefined ? 'end of runlist' : `next run at VCN ${run.vcn}` });
    }
    const n = Math.min(end, run.vcn + run.length) - at;
    out.push({ vcn: at, length: n, lcn: run.lcn === null ? null : run.lcn + (at - run.vcn) });
    at += n;
    i++;
  }
  return out;
}

function firstRunEndingAfter(runs: readonly Run[], vcn: number): number {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = runs[mid]!;
    if (r.vcn + r.length > vcn) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Bytes [offset, offset + length) of the stream, cut at its size. */
export async function readStream(device: BlockDevice, bytesPerCluster: number, s: Stream, offset: number, length: number): Promise<Uint8Array> {
  const end = Math.min(s.dataSize, offset + length);
  if (end <= offset) return new Uint8Array(0);
  if (end - offset > MAX_READ_BYTES) throw limit(`read of ${end - offset} bytes exceeds the ${MAX_READ_BYTES}-byte limit`);
  if (s.resident !== null) return s.resident.slice(offset, end);
  if (s.encrypted) throw unsupported('files encrypted with EFS');
  const out = new Uint8Array(end - offset);
  if (s.compressed && s.compressionUnit !== 0) {
    await readCompressed(device, bytesPerCluster, s, offset, end, out);
  } else {
    // Only the initialized part is on the device; the rest is zeros (out starts zeroed).
    const validEnd = Math.min(end, s.initializedSize);
    if (validEnd > offset) await readPlain(device, bytesPerCluster, s, offset, validEnd, out);
  }
  return out;
}

async function readPlain(device: BlockDevice, bpc: number, s: Stream, start: number, end: number, out: Uint8Array): Promise<void> {
  const firstVcn = Math.floor(start / bpc);
  const lastVcn = Math.ceil(end / bpc);
  for (const seg of mapClusters(s, firstVcn, lastVcn - firstVcn)) {
    const segStart = Math.max(start, seg.vcn * bpc);
    const segEnd = Math.min(end, (seg.vcn + seg.length) * bpc);
    if (seg.lcn === null || segEnd <= segStart) continue;
    const deviceOffset = seg.lcn * bpc + (segStart - seg.vcn * bpc);
    out.set(await readExact(device, deviceOffset, segEnd - segStart), segStart - start);
  }
}

async function readCompressed(device: BlockDevice, bpc: number, s: Stream, start: number, end: number, out: Uint8Array): Promise<void> {
  const unitClusters = 2 ** s.compressionUnit;
  const unitBytes = unitClusters * bpc;
  if (s.compressionUnit > 16 || unitBytes > MAX_COMPRESSION_UNIT_BYTES) throw unsupported(`compression units of ${unitClusters} clusters of ${bpc} bytes`);
  const validEnd = Math.min(end, s.initializedSize);
  for (let unit = Math.floor(start / unitBytes); unit * unitBytes < validEnd; unit++) {
    const unitStart = unit * unitBytes;
    const clusters = Math.min(unitClusters, Math.ceil(s.allocatedSize / bpc) - unit * unitClusters);
    if (clusters <= 0) throw corrupt('compressed data past the allocated size', { where: s.where, expected: `<= ${s.allocatedSize}`, found: `${unitStart}` });
    const segs = mapClusters(s, unit * unitClusters, clusters);
    const allocated = segs.reduce((n, seg) => n + (seg.lcn === null ? 0 : seg.length), 0);
    let unitData: Uint8Array;
    if (allocated === 0) {
      continue; // a hole: zeros
    } else if (allocated === unitClusters) {
      // Stored uncompressed: the unit's clusters are the data.
      unitData = new Uint8Array(unitBytes);
      await readSegments(device, bpc, segs, unitData);
    } else {
      // Compressed: the allocated clusters come first, then a hole to the unit's end.
      const packed = new Uint8Array(allocated * bpc);
      await readSegments(device, bpc, segs.filter((seg) => seg.lcn !== null), packed);
      unitData = new Uint8Array(unitBytes);
      lznt1Decompress(packed, unitData, `${s.where}, compression unit ${unit}`);
    }
    const from = Math.max(start, unitStart);
    const to = Math.min(validEnd, unitStart + unitBytes);
    out.set(unitData.subarray(from - unitStart, to - unitStart), from - start);
  }
}

async function readSegments(device: BlockDevice, bpc: number, segs: Run[], into: Uint8Array): Promise<void> {
  let at = 0;
  for (const seg of segs) {
    if (seg.lcn !== null) into.set(await readExact(device, seg.lcn * bpc, seg.length * bpc), at);
    at += seg.length * bpc;
  }
}

/** The device ranges of a plain stream, or null when its bytes are not stored as they are read. */
export function plainExtents(s: Stream, bpc: number): Array<{ fileOffset: number; deviceOffset: number; length: number }> | null {
  if (s.resident !== null || s.compressed || s.sparse || s.encrypted || s.initializedSize < s.dataSize) return null;
  if (s.dataSize === 0) return [];
  const segs = mapClusters(s, 0, Math.ceil(s.dataSize / bpc));
  if (segs.some((seg) => seg.lcn === null)) return null;
  const out: Array<{ fileOffset: number; deviceOffset: number; length: number }> = [];
  for (const seg of segs) {
    const fileOffset = seg.vcn * bpc;
    const length = Math.min(s.dataSize, (seg.vcn + seg.length) * bpc) - fileOffset;
    const last = out[out.length - 1];
    if (last !== undefined && last.deviceOffset + last.length === seg.lcn! * bpc) last.length += length;
    else out.push({ fileOffset, deviceOffset: seg.lcn! * bpc, length });
  }
  return out;
}
