// A file's block mapping as runs of contiguous blocks, whatever stored it (block map or
// extent tree): logical block → physical block, sorted, non-overlapping, coalesced.
import { corrupt, limit } from '../../errors.js';

/** At most this many runs per file (a hostile mapping of single scattered blocks ends here). */
export const MAX_RUNS = 1 << 20;

export interface Run {
  lblk: number;
  pblk: number;
  len: number;
  /** An uninitialised (preallocated) extent: reads as zeros. */
  uninit: boolean;
}

export interface MapContext {
  blockSize: number;
  blocksCount: number;
  firstDataBlock: number;
  /** Reads one metadata block (extent tree node, indirect block). */
  readBlock(block: number): Promise<Uint8Array>;
  note(message: string): void;
  where: string;
}

/** Checks a physical run against the volume. */
export function checkPhysical(ctx: MapContext, pblk: number, len: number, what: string): void {
  if (pblk < ctx.firstDataBlock || pblk + len > ctx.blocksCount || !Number.isSafeInteger(pblk + len)) {
    throw corrupt(`${ctx.where}: ${what} points past the volume`, {
      where: `${what} block ${pblk}+${len}`,
      expected: `blocks ${ctx.firstDataBlock}..${ctx.blocksCount - 1}`,
      found: String(pblk),
    });
  }
}

/** Appends a run, merging it with the previous one when both are contiguous. */
export function pushRun(ctx: MapContext, runs: Run[], lblk: number, pblk: number, len: number, uninit: boolean): void {
  const last = runs[runs.length - 1];
  if (last !== undefined) {
    const end = last.lblk + last.len;
    if (lblk < end) {
      throw corrupt(`${ctx.where}: extents out of order or overlapping`, { where: `logical block ${lblk}`, expected: `>= ${end}`, found: String(lblk) });
    }
    if (end === lblk && last.pblk + last.len === pblk && last.uninit === uninit) {
      last.len += len;
      return;
    }
  }
  if (runs.length >= MAX_RUNS) throw limit(`${ctx.where}: more than ${MAX_RUNS} runs of blocks`);
  runs.push({ lblk, pblk, len, uninit });
}
