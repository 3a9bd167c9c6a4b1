// Extent trees (ext4_extents.h; Documentation/filesystems/ext4/ifork.rst): a 12-byte header
// (magic 0xF30A, entries, max, depth), then index entries (depth > 0) or extents (depth 0). The
// root lives in i_block (at most 4 entries); other nodes are blocks ending in a checksum tail.
// Every header is checked (entries <= max <= capacity, depth <= 5 and one less per level), every
// block is visited at most once, and the whole walk reads at most MAX_EXTENT_NODES blocks.
import { corrupt, limit } from '../../errors.js';
import { crc32c } from './crc32c.js';
import { u16, u32, u64 } from './io.js';
import { checkPhysical, pushRun, type MapContext, type Run } from './runs.js';

const EXT4_EXT_MAGIC = 0xf30a;
const EXT4_MAX_EXTENT_DEPTH = 5;
const EXT_INIT_MAX_LEN = 32768;
/** Extent tree blocks read for one file at most (each holds up to 340 extents at 4 KiB). */
const MAX_EXTENT_NODES = 4096;

interface Header {
  eh_entries: number;
  eh_max: number;
  eh_depth: number;
}

function header(node: Uint8Array, capacity: number, where: string): Header {
  const magic = u16(node, 0);
  if (magic !== EXT4_EXT_MAGIC) throw corrupt('bad extent header magic', { where, expected: '0xF30A', found: `0x${magic.toString(16)}` });
  const eh_entries = u16(node, 2);
  const eh_max = u16(node, 4);
  const eh_depth = u16(node, 6);
  if (eh_max === 0 || eh_max > capacity) throw corrupt('bad extent header eh_max', { where, expected: `1..${capacity}`, found: String(eh_max) });
  if (eh_entries > eh_max) throw corrupt('extent header eh_entries exceeds eh_max', { where, expected: `<= ${eh_max}`, found: String(eh_entries) });
  if (eh_depth > EXT4_MAX_EXTENT_DEPTH) throw corrupt('extent tree too deep', { where, expected: `<= ${EXT4_MAX_EXTENT_DEPTH}`, found: String(eh_depth) });
  return { eh_entries, eh_max, eh_depth };
}

/**
 * The runs of an extent-mapped file, for logical blocks below `needed` (extents past the end of
 * the file, e.g. fallocate's KEEP_SIZE, are ignored). `csumSeed` is the inode's checksum seed on
 * metadata_csum volumes.
 */
export async function extentRuns(ctx: MapContext, iBlock: Uint8Array, needed: number, csumSeed: number | null): Promise<Run[]> {
  const runs: Run[] = [];
  const visited = new Set<number>();
  const walk = async (node: Uint8Array, capacity: number, wantDepth: number | null, where: string): Promise<void> => {
    const h = header(node, capacity, where);
    if (wantDepth !== null && h.eh_depth !== wantDepth) {
      throw corrupt('extent tree node at the wrong depth', { where, expected: String(wantDepth), found: String(h.eh_depth) });
    }
    let prev = -1;
    for (let i = 0; i < h.eh_entries; i++) {
      const e = 12 + 12 * i;
      const first = u32(node, e);
      if (first <= prev && (i > 0)) throw corrupt('extent entries out of order', { where: `${where} entry ${i}`, expected: `> ${prev}`, found: String(first) });
      prev = first;
      if (first >= needed) break;
      if (h.eh_depth === 0) {
        const ee_len = u16(node, e + 4);
        const uninit = ee_len > EXT_INIT_MAX_LEN;
        const len = uninit ? ee_len - EXT_INIT_MAX_LEN : ee_len;
        if (len === 0) throw corrupt('zero-length extent', { where: `${where} entry ${i}`, expected: 'ee_len > 0', found: '0' });
        const pblk = u64(u32(node, e + 8), u16(node, e + 6));
        checkPhysical(ctx, pblk, len, `${where} extent ${i}`);
        pushRun(ctx, runs, first, pblk, len, uninit);
      } else {
        const child = u64(u32(node, e + 4), u16(node, e + 8));
        checkPhysical(ctx, child, 1, `${where} index ${i}`);
        if (visited.has(child)) throw corrupt('extent tree visits a block twice', { where: `${where} index ${i}`, found: `block ${child}` });
        visited.add(child);
        if (visited.size > MAX_EXTENT_NODES) throw limit(`${ctx.where}: extent tree larger than ${MAX_EXTENT_NODES} blocks`);
        const block = await ctx.readBlock(child);
        const childWhere = `${ctx.where} extent block ${child}`;
        const childCapacity = Math.floor((ctx.blockSize - 12) / 12);
        if (csumSeed !== null) verifyTail(ctx, block, childCapacity, csumSeed, childWhere);
        await walk(block, childCapacity, h.eh_depth - 1, childWhere);
      }
    }
  };
  await walk(iBlock, 4, null, `${ctx.where} extent root`);
  return runs;
}

/** struct ext4_extent_tail: crc32c(inode seed, node up to the tail), after eh_max entries. */
function verifyTail(ctx: MapContext, block: Uint8Array, capacity: number, csumSeed: number, where: string): void {
  const eh_max = u16(block, 4);
  if (u16(block, 0) !== EXT4_EXT_MAGIC || eh_max === 0 || eh_max > capacity) return; // header() reports it
  const tail = 12 + 12 * eh_max;
  if (tail + 4 > block.length) return;
  const want = crc32c(csumSeed, block.subarray(0, tail));
  const stored = u32(block, tail);
  if (want !== stored) ctx.note(`${where}: checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${want.toString(16)})`);
}
