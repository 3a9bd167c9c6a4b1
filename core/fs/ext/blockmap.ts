// Block maps (ext2/ext3 and ext4 files without EXTENTS_FL; Documentation/filesystems/ext4/
// blockmap.rst): i_block[0..11] are direct, [12] single, [13] double and [14] triple indirect.
// A zero pointer is a hole. Only pointers for logical blocks below `needed` are followed, and
// the walk reads at most MAX_INDIRECT_BLOCKS indirect blocks.
import { limit } from '../../errors.js';
import { u32 } from './io.js';
import { checkPhysical, pushRun, type MapContext, type Run } from './runs.js';

const EXT4_NDIR_BLOCKS = 12;
/** Indirect blocks read for one file at most (16 GiB of 4 KiB data blocks). */
const MAX_INDIRECT_BLOCKS = 16_384;

export async function blockMapRuns(ctx: MapContext, iBlock: Uint8Array, needed: number): Promise<Run[]> {
  const runs: Run[] = [];
  const perBlock = ctx.blockSize / 4;
  let budget = MAX_INDIRECT_BLOCKS;
  const data = (lblk: number, pblk: number): void => {
    if (pblk === 0) return;
    checkPhysical(ctx, pblk, 1, `logical block ${lblk}`);
    pushRun(ctx, runs, lblk, pblk, 1, false);
  };
  const indirect = async (block: number, level: number, base: number): Promise<void> => {
    if (block === 0 || base >= needed) return;
    checkPhysical(ctx, block, 1, `indirect block (level ${level}) for logical block ${base}`);
    if (--budget < 0) throw limit(`${ctx.where}: more than ${MAX_INDIRECT_BLOCKS} indirect blocks`);
    const bytes = await ctx.readBlock(block);
    const span = perBlock ** (level - 1);
    for (let i = 0; i < perBlock; i++) {
      const childBase = base + i * span;
      if (childBase >= needed) break;
      const ptr = u32(bytes, 4 * i);
      if (level === 1) data(childBase, ptr);
      else await indirect(ptr, level - 1, childBase);
    }
  };
  for (let i = 0; i < EXT4_NDIR_BLOCKS && i < needed; i++) data(i, u32(iBlock, 4 * i));
  let base = EXT4_NDIR_BLOCKS;
  for (let level = 1; level <= 3; level++) {
    await indirect(u32(iBlock, 4 * (EXT4_NDIR_BLOCKS + level - 1)), level, base);
    base += perBlock ** level;
  }
  return runs;
}
