// The scan of one volume, in steps: each step walks on from a cursor (the stack of directories
// being scanned and the position in each) until it has used its budget of entries, bytes read,
// time or findings, and returns its findings with the cursor to continue from. The cursor is
// plain data that the host keeps, so no step runs long, and a restarted sandbox continues
// where the last one stopped. Depth-first, in listing order; loops are refused.
import { GloveboxError } from '../errors.js';
import { MAX_PATH_DEPTH, type NodeId, type NodeStat, type NodeType } from '../fs/types.js';
import { MAX_STEP_FINDINGS, MAX_STEP_NOTES, type ScanCursor, type ScanFrame } from './cursor.js';
import { nameFindings, twinFindings, volumeFindings } from './name-rules.js';
import { fileFindings } from './rules.js';
import type { Finding, ScanNote } from './types.js';

/** Entries one scan visits at most (a directory shared by many parents is visited from each). */
export const MAX_SCAN_ENTRIES = 10_000_000;
/** Bytes read from one file at most (a zip's central directory, an OLE2 directory). */
export const MAX_FILE_SCAN_BYTES = 8 * 1024 * 1024;
/** A step stops early enough that one more entry cannot overflow its page. */
const STEP_FINDINGS_MARGIN = 32;

export interface ScanEntry {
  name: string;
  node: NodeId;
  type: NodeType;
  size: number;
  system?: boolean;
  stream?: boolean;
}

/** What the scan needs of a volume (the kernel's service gives its cached, escaped listings). */
export interface ScanTarget {
  label: string | null;
  root(): NodeId;
  list(node: NodeId): Promise<readonly ScanEntry[]>;
  stat(node: NodeId): Promise<NodeStat>;
  read(node: NodeId, offset: number, length: number): Promise<Uint8Array>;
}

export interface ScanStepResult {
  findings: Finding[];
  notes: ScanNote[];
  /** Where to continue, null when the volume is done. */
  next: ScanCursor | null;
  /** Entries visited in this step, and file bytes read. */
  entries: number;
  bytes: number;
}

export interface StepBudget {
  maxEntries: number;
  maxBytes: number;
  maxMillis: number;
  now: () => number;
}

export const DEFAULT_STEP_BUDGET: Omit<StepBudget, 'now'> = { maxEntries: 4000, maxBytes: 64 * 1024 * 1024, maxMillis: 2000 };

/** Kinds of errors that end the step (the caller's), rather than one file's check. */
const FATAL: readonly string[] = ['Cancelled', 'Timeout', 'Crashed', 'Protocol'];

const pathOf = (frames: readonly ScanFrame[], name?: string): string => {
  const parts = frames.slice(1).map((f) => f.name);
  if (name !== undefined) parts.push(name);
  return `/${parts.join('/')}`;
};

/** One step of the scan from `cursor` (null: from the start). */
export async function scanStep(target: ScanTarget, cursor: ScanCursor | null, budget: StepBudget): Promise<ScanStepResult> {
  const started = budget.now();
  const findings: Finding[] = [];
  const notes: ScanNote[] = [];
  let bytes = 0;
  let entries = 0;
  const state: ScanCursor = cursor ? { frames: cursor.frames.map((f) => ({ ...f })), visited: cursor.visited } : { frames: [{ node: target.root(), name: '', index: 0 }], visited: 0 };
  if (!cursor) findings.push(...volumeFindings(target.label));
  const note = (path: string, message: string) => {
    if (notes.length < MAX_STEP_NOTES) notes.push({ path, message: message.slice(0, 2000) });
  };
  // Moves: entries visited and directories left. A one-move step does exactly one thing, so a
  // host can tell which entry (or directory listing) stopped a sandbox.
  let moves = 0;
  const full = () =>
    moves >= budget.maxEntries || bytes >= budget.maxBytes || budget.now() - started >= budget.maxMillis ||
    findings.length >= MAX_STEP_FINDINGS - STEP_FINDINGS_MARGIN || notes.length >= MAX_STEP_NOTES - STEP_FINDINGS_MARGIN;

  while (state.frames.length > 0 && !full()) {
    const frame = state.frames[state.frames.length - 1]!;
    const dirPath = pathOf(state.frames);
    let listing: readonly ScanEntry[];
    try {
      listing = await target.list(frame.node);
    } catch (e) {
      if (!(e instanceof GloveboxError) || FATAL.includes(e.kind)) throw e;
      note(dirPath, `directory not scanned: ${e.message}`);
      state.frames.pop();
      moves++;
      continue;
    }
    if (frame.index >= listing.length) {
      state.frames.pop();
      moves++;
      continue;
    }
    const e = listing[frame.index]!;
    frame.index++;
    moves++;
    if (e.system === true || e.stream === true) continue;
    entries++;
    if (++state.visited > MAX_SCAN_ENTRIES) {
      note('/', `the scan stopped after ${MAX_SCAN_ENTRIES} entries`);
      return { findings, notes, next: null, entries, bytes };
    }
    const path = pathOf(state.frames, e.name);
    findings.push(...nameFindings(e, path));
    try {
      if (e.type === 'dir') {
        const st = await target.stat(e.node);
        findings.push(...twinFindings(e, st, listing, path));
        if (state.frames.some((f) => f.node === e.node)) note(path, 'directory loop: this directory contains itself; not entered');
        else if (state.frames.length > MAX_PATH_DEPTH) note(path, `deeper than ${MAX_PATH_DEPTH} levels; not entered`);
        else state.frames.push({ node: e.node, name: e.name, index: 0 });
      } else if (e.type === 'file') {
        let fileBytes = 0;
        const file = {
          size: e.size,
          read: async (offset: number, length: number): Promise<Uint8Array> => {
            if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > e.size) {
              throw new GloveboxError('Corrupt', `a structure points outside the file: ${offset}+${length} > ${e.size}`);
            }
            if (fileBytes + length > MAX_FILE_SCAN_BYTES) throw new GloveboxError('Limit', `stopped reading after ${MAX_FILE_SCAN_BYTES} bytes of this file`);
            fileBytes += length;
            bytes += length;
            const got = await target.read(e.node, offset, length);
            if (got.length !== length) throw new GloveboxError('Io', `file data ends early: ${got.length} of ${length} bytes at ${offset}`);
            return got;
          },
        };
        findings.push(...(await fileFindings({ path, name: e.name, node: e.node, size: e.size, atRoot: state.frames.length === 1, file })));
      }
    } catch (err) {
      if (err instanceof GloveboxError && FATAL.includes(err.kind)) throw err;
      // A driver or decoder failure spoils this entry's check, never the scan.
      note(path, `not fully checked: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { findings: findings.slice(0, MAX_STEP_FINDINGS), notes, next: state.frames.length > 0 ? state : null, entries, bytes };
}
