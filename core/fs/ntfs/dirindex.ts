// Directory indexes ($I30: layout.h INDEX_ROOT, INDEX_BLOCK, INDEX_ENTRY). The root node lives
// in $INDEX_ROOT; larger directories are a B+ tree whose other nodes are "INDX" blocks in
// $INDEX_ALLOCATION, addressed by VCN. Every node is walked (entries in the leaves and in the
// inner nodes both name files), with a visited set so an index that points back at a node it
// came from is Corrupt rather than a loop, and a depth limit.
import { corrupt, limit } from '../../errors.js';
import { parseFileName, type FileName } from './attributes.js';
import { applyFixups } from './fixup.js';
import { mftRef, u16, u32, u64, type MftRef } from './io.js';

const INDEX_ENTRY_NODE = 0x01;
const INDEX_ENTRY_END = 0x02;
const LARGE_INDEX = 0x01;
/** Deeper than any real $I30 tree (Windows keeps them a few levels deep). */
const MAX_INDEX_DEPTH = 32;
const MAX_INDEX_BLOCKS = 1 << 20;

export interface IndexEntry {
  ref: MftRef;
  fileName: FileName;
}

export interface IndexSource {
  bytesPerCluster: number;
  /** $INDEX_ALLOCATION bytes, or null when the directory has none. */
  readAllocation: ((offset: number, length: number) => Promise<Uint8Array>) | null;
  allocationSize: number;
}

/** Every file named by the index whose $INDEX_ROOT value is `root`. */
export async function readIndex(root: Uint8Array, src: IndexSource, where: string): Promise<IndexEntry[]> {
  if (root.length < 0x20) throw corrupt('$INDEX_ROOT too short', { where, expected: '>= 32 bytes', found: `${root.length}` });
  const blockBytes = u32(root, 0x08);
  const out: IndexEntry[] = [];
  const pending: Array<{ vcn: number; depth: number }> = [];
  const rootNode = parseNode(root, 0x10, `${where} $INDEX_ROOT`, out);
  const large = (root[0x10 + 0x0c]! & LARGE_INDEX) !== 0;
  if (rootNode.length === 0) return out;
  if (!large && rootNode.length > 0) throw corrupt('index root has children but no LARGE_INDEX flag', { where });
  if (src.readAllocation === null) throw corrupt('index has child nodes but no $INDEX_ALLOCATION', { where });
  if (blockBytes < 256 || blockBytes > 65536 || (blockBytes & (blockBytes - 1)) !== 0) {
    throw corrupt('bad index block size', { where: `${where} $INDEX_ROOT`, expected: 'a power of two in 256..65536', found: `${blockBytes}` });
  }
  // Index VCNs count clusters, or 512-byte units when a block is smaller than a cluster.
  const vcnBytes = blockBytes >= src.bytesPerCluster ? src.bytesPerCluster : 512;
  for (const vcn of rootNode) pending.push({ vcn, depth: 1 });
  const visited = new Set<number>();
  while (pending.length > 0) {
    const { vcn, depth } = pending.pop()!;
    const blockWhere = `${where} index block VCN ${vcn}`;
    if (visited.has(vcn)) throw corrupt('index loops back to a node already visited', { where: blockWhere, expected: 'each index block once', found: 'a second reference' });
    visited.add(vcn);
    if (visited.size > MAX_INDEX_BLOCKS) throw limit(`${where}: more than ${MAX_INDEX_BLOCKS} index blocks`);
    if (depth > MAX_INDEX_DEPTH) throw corrupt('index deeper than allowed', { where: blockWhere, expected: `<= ${MAX_INDEX_DEPTH} levels`, found: `${depth}` });
    const offset = vcn * vcnBytes;
    if (!Number.isSafeInteger(offset) || offset + blockBytes > src.allocationSize) {
      throw corrupt('index block past $INDEX_ALLOCATION', { where: blockWhere, expected: `<= ${src.allocationSize}`, found: `${offset}+${blockBytes}` });
    }
    const block = await src.readAllocation(offset, blockBytes);
    applyFixups(block, 'INDX', blockWhere);
    const storedVcn = u64(block, 0x10);
    if (storedVcn !== vcn) throw corrupt('index block VCN mismatch', { where: blockWhere, expected: `${vcn}`, found: `${storedVcn}` });
    for (const child of parseNode(block, 0x18, blockWhere, out)) pending.push({ vcn: child, depth: depth + 1 });
  }
  return out;
}

/** The entries of one node (INDEX_HEADER at `headerAt`) into `out`; returns its child VCNs. */
function parseNode(b: Uint8Array, headerAt: number, where: string, out: IndexEntry[]): number[] {
  const entriesOffset = u32(b, headerAt);
  const indexLength = u32(b, headerAt + 4);
  const start = headerAt + entriesOffset;
  const end = headerAt + indexLength;
  if (entriesOffset < 16 || start > end || end > b.length) {
    throw corrupt('index header outside the node', { where, expected: `entries inside ${b.length} bytes`, found: `${entriesOffset}..${indexLength}` });
  }
  const children: number[] = [];
  let pos = start;
  // Each entry is at least 16 bytes and the walk advances by its length.
  while (true) {
    if (pos + 16 > end) throw corrupt('index entries run past the node without an end entry', { where, found: `offset ${pos}` });
    const length = u16(b, pos + 8);
    const keyLength = u16(b, pos + 10);
    const flags = u16(b, pos + 12);
    if (length < 16 || length % 8 !== 0 || pos + length > end) {
      throw corrupt('index entry length past the node', { where: `${where}, entry at ${pos}`, expected: `8-aligned, 16..${end - pos}`, found: `${length}` });
    }
    if ((flags & INDEX_ENTRY_NODE) !== 0) {
      if (length < 24) throw corrupt('index entry too short for a child VCN', { where: `${where}, entry at ${pos}`, expected: '>= 24', found: `${length}` });
      const vcn = u64(b, pos + length - 8);
      if (!Number.isSafeInteger(vcn)) throw corrupt('bad child VCN', { where: `${where}, entry at ${pos}`, found: `${vcn}` });
      children.push(vcn);
    }
    if ((flags & INDEX_ENTRY_END) !== 0) break;
    if (16 + keyLength > length) throw corrupt('index key past the entry', { where: `${where}, entry at ${pos}`, expected: `<= ${length - 16}`, found: `${keyLength}` });
    out.push({ ref: mftRef(b, pos), fileName: parseFileName(b.subarray(pos + 16, pos + 16 + keyLength), `${where}, entry at ${pos}`) });
    pos += length;
  }
  return children;
}
