// The scan's cursor: where the next step continues. Plain data that crosses the sandbox
// boundary both ways, so both sides check it (this file is imported by the host's validators:
// it must stay free of parsers).
import { invalid } from '../errors.js';
import { MAX_PATH_DEPTH, type NodeId } from '../fs/types.js';
import { MAX_NAME_CHARS } from './types.js';

/** Findings and notes one step returns at most. */
export const MAX_STEP_FINDINGS = 1000;
export const MAX_STEP_NOTES = 1000;

export interface ScanFrame {
  node: NodeId;
  /** The directory's listed name ("" for the root). */
  name: string;
  /** The next entry of the directory to scan. */
  index: number;
}

export interface ScanCursor {
  frames: ScanFrame[];
  /** Entries visited so far, over all steps. */
  visited: number;
}

/** Checks a cursor handed back by the host (it came from a kernel: maybe another one). */
export function checkCursor(v: unknown): ScanCursor {
  const bad = (why: string) => invalid(`bad scan cursor: ${why}`);
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  const o = v as Record<string, unknown>;
  if (!Number.isSafeInteger(o.visited) || (o.visited as number) < 0) throw bad('visited');
  if (!Array.isArray(o.frames) || o.frames.length < 1 || o.frames.length > MAX_PATH_DEPTH + 1) throw bad('frames');
  const frames: ScanFrame[] = [];
  for (const f of o.frames as unknown[]) {
    if (typeof f !== 'object' || f === null) throw bad('frame');
    const x = f as Record<string, unknown>;
    if (!Number.isSafeInteger(x.node) || (x.node as number) < 0 || !Number.isSafeInteger(x.index) || (x.index as number) < 0) throw bad('frame');
    if (typeof x.name !== 'string' || x.name.length > MAX_NAME_CHARS || x.name.includes('/')) throw bad('frame name');
    frames.push({ node: x.node as number, name: x.name, index: x.index as number });
  }
  return { frames, visited: o.visited as number };
}

