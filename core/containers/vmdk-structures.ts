// VMDK on-disk structures (VMware Virtual Disk Format 1.1): the hosted sparse extent header,
// stream markers and the text descriptor. Pure decoding; the reader lives in vmdk.ts.
import { corrupt } from '../errors.js';
import { ascii, u32, u64 } from './common.js';

export const SECTOR = 512;
/** "KDMV": a hosted sparse extent (monolithicSparse, streamOptimized, twoGbMaxExtentSparse). */
export const SPARSE_MAGIC = 'KDMV';
/** "COWD": an ESX server sparse extent (vmfsSparse). */
export const COWD_MAGIC = 'COWD';
/** The first line of a text descriptor. */
export const DESCRIPTOR_SIGNATURE = '# Disk DescriptorFile';

// SparseExtentHeader.flags
export const FLAG_NEWLINE_TEST = 1 << 0;
export const FLAG_REDUNDANT_GT = 1 << 1;
export const FLAG_ZEROED_GTE = 1 << 2;
export const FLAG_COMPRESSED = 1 << 16;
export const FLAG_MARKERS = 1 << 17;

export const COMPRESSION_NONE = 0;
export const COMPRESSION_DEFLATE = 1;

// Marker.type, for markers whose size is 0 (a nonzero size makes it a grain marker).
export const MARKER_EOS = 0;
export const MARKER_GT = 1;
export const MARKER_GD = 2;
export const MARKER_FOOTER = 3;
/** A grain marker's header: lba (8 bytes), size (4 bytes); the compressed data follows. */
export const GRAIN_MARKER_BYTES = 12;

export interface SparseExtentHeader {
  version: number;
  flags: number;
  /** Sectors; Infinity past 2^53. */
  capacity: number;
  grainSize: number;
  descriptorOffset: number;
  descriptorSize: number;
  numGTEsPerGT: number;
  rgdOffset: number;
  gdOffset: number;
  /** gdOffset is 0xffffffffffffffff: the grain directory is named by the footer (streamOptimized). */
  gdAtEnd: boolean;
  overHead: number;
  /** singleEndLineChar, nonEndLineChar, doubleEndLineChar1, doubleEndLineChar2 as found. */
  newlineBytes: string;
  compressAlgorithm: number;
}

/** Decodes the 512-byte SparseExtentHeader at `o` (little-endian). The magic is checked. */
export function decodeSparseHeader(b: Uint8Array, o: number, where: string): SparseExtentHeader {
  if (b.length < o + SECTOR) throw corrupt('VMDK sparse extent header', { where, expected: `${SECTOR} bytes`, found: `${b.length - o}` });
  const magic = ascii(b, o, 4);
  if (magic !== SPARSE_MAGIC) throw corrupt('VMDK sparse extent header', { where, expected: JSON.stringify(SPARSE_MAGIC), found: JSON.stringify(magic) });
  return {
    version: u32(b, o + 4),
    flags: u32(b, o + 8),
    capacity: u64(b, o + 12),
    grainSize: u64(b, o + 20),
    descriptorOffset: u64(b, o + 28),
    descriptorSize: u64(b, o + 36),
    numGTEsPerGT: u32(b, o + 44),
    rgdOffset: u64(b, o + 48),
    gdOffset: u64(b, o + 56),
    gdAtEnd: u32(b, o + 56) === 0xffffffff && u32(b, o + 60) === 0xffffffff,
    overHead: u64(b, o + 64),
    newlineBytes: ascii(b, o + 73, 4),
    compressAlgorithm: b[o + 77]! | (b[o + 78]! << 8),
  };
}

export interface Marker {
  /** A grain marker's LBA (sectors), or the sectors of metadata that follow. */
  val: number;
  /** A grain marker's compressed byte count; 0 for metadata markers. */
  size: number;
  type: number;
}

export function decodeMarker(b: Uint8Array, o: number): Marker {
  return { val: u64(b, o), size: u32(b, o + 8), type: u32(b, o + 12) };
}

export interface ExtentLine {
  access: string;
  /** Size in sectors. */
  sectors: number;
  /** FLAT, SPARSE, ZERO, VMFS, VMFSSPARSE, VMFSRDM, VMFSRAW (upper-cased). */
  type: string;
  /** The file the extent names (none for ZERO). */
  file: string | null;
  /** Sectors into the file (FLAT, VMFS); 0 when absent. */
  offset: number;
}

export interface Descriptor {
  createType: string | null;
  parentCID: string | null;
  parentFileNameHint: string | null;
  extents: ExtentLine[];
}

/** A descriptor line longer than this is not one we read (the format's lines are short). */
const MAX_LINE_CHARS = 4096;
/** Extent lines kept (a twoGbMaxExtent disk of 2 TiB has about a thousand). */
const MAX_EXTENTS = 4096;
const EXTENT_LINE = /^(RW|RDONLY|NOACCESS)\s+(\d{1,20})\s+([A-Za-z]{1,16})(?:\s+"([^"]*)")?(?:\s+(\d{1,20}))?\s*$/;
const KEY_VALUE = /^([A-Za-z][A-Za-z0-9_.]{0,63})\s*=\s*(.*)$/;

const unquote = (v: string): string => {
  const t = v.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
};

/** True when the bytes start like a text descriptor (its first line; an optional UTF-8 BOM). */
export function isDescriptorText(b: Uint8Array): boolean {
  const start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  if (b.length < start + DESCRIPTOR_SIGNATURE.length) return false;
  return ascii(b, start, DESCRIPTOR_SIGNATURE.length).toLowerCase() === DESCRIPTOR_SIGNATURE.toLowerCase();
}

/**
 * Parses a descriptor's text (already bounded by the caller; it ends at the first NUL, as an
 * embedded descriptor is padded with zeros). Unknown lines are ignored, as VMware does.
 */
export function parseDescriptor(bytes: Uint8Array): Descriptor {
  const nul = bytes.indexOf(0);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
  const d: Descriptor = { createType: null, parentCID: null, parentFileNameHint: null, extents: [] };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '').trim();
    if (line.length === 0 || line.startsWith('#') || line.length > MAX_LINE_CHARS) continue;
    const extent = EXTENT_LINE.exec(line);
    if (extent !== null) {
      if (d.extents.length >= MAX_EXTENTS) continue;
      d.extents.push({
        access: extent[1]!.toUpperCase(),
        sectors: Number(extent[2]!),
        type: extent[3]!.toUpperCase(),
        file: extent[4] ?? null,
        offset: extent[5] === undefined ? 0 : Number(extent[5]),
      });
      continue;
    }
    const kv = KEY_VALUE.exec(line);
    if (kv === null) continue;
    const key = kv[1]!.toLowerCase();
    if (key === 'createtype') d.createType = unquote(kv[2]!);
    else if (key === 'parentcid') d.parentCID = unquote(kv[2]!).toLowerCase();
    else if (key === 'parentfilenamehint') d.parentFileNameHint = unquote(kv[2]!);
  }
  return d;
}

/** parentCID ffffffff means "no parent"; anything else makes a differencing (child) disk. */
export const isChild = (d: Descriptor): boolean => d.parentCID !== null && d.parentCID !== 'ffffffff';
