// The service the sandbox kernel offers, declared once: method names, argument shapes and
// result validators. The host's client proxy and the kernel's dispatcher are both typed from
// this, and the host checks every result with the validator before using it.

import type { NodeStat, NodeType, NodeId } from '../../fs/types.js';
import { FINDING_KINDS, MAX_EVIDENCE_CHARS, MAX_EVIDENCE_LINES, MAX_TITLE_CHARS, MAX_WHY_CHARS, SEVERITIES, type Finding, type ScanNote } from '../../scan/types.js';
import { checkCursor, MAX_STEP_FINDINGS, MAX_STEP_NOTES, type ScanCursor } from '../../scan/cursor.js';

export interface VolumeSummary {
  index: number;
  partition: number | null;
  offset: number;
  size: number;
  fs: string | null;
  driver: string | null;
  label: string | null;
  partitionType?: string;
  partitionTypeName?: string;
  partitionName?: string;
  error?: string;
  /** The driver's notes at probe time ("warning: ..."). */
  notes?: string[];
}

/** A compressed source that must be expanded before it can be read (see KernelApi.expand). */
export interface StreamSummary {
  format: string;
  /** The uncompressed size where the format records it, else null. */
  expandedSize: number | null;
  /** The file inside a zip. */
  name?: string;
}

export interface ImageInfo {
  /** Size of the virtual disk (the container's, or the source's when raw or not opened). */
  size: number;
  /** The outermost container: raw, vhd, vhdx, vmdk, qcow2, vdi, or xz, gz, zst, bz2, zip. */
  container: string;
  /** The container inside a compressed image or zip (e.g. "vhd" in disk.vhd.gz). */
  inner?: string;
  partitioning: string;
  volumes: VolumeSummary[];
  warnings: string[];
  /** Why the container was not opened (a differencing disk, a backing file, corruption...). */
  refused?: string;
  /** Present when the source is a compressed stream not yet expanded. */
  stream?: StreamSummary;
}

/** A directory entry as listed: `name` is a safe path component (escaped when needed). */
export interface ListedEntry {
  name: string;
  escaped: boolean;
  node: NodeId;
  type: NodeType;
  size: number;
  mtime: string | null;
  system?: boolean;
  stream?: boolean;
}

export interface DirPage {
  entries: ListedEntry[];
  /** Index to pass as `start` for the next page, null when this was the last. */
  next: number | null;
  total: number;
}

/** File data that lies plainly in the source the host opened (bytes). */
export interface SourceExtent {
  fileOffset: number;
  sourceOffset: number;
  length: number;
}

/** What one self-test attempt came to: refused (as it must be), allowed, or failed otherwise. */
export type ProbeOutcome = 'blocked' | 'allowed' | 'failed' | 'untested';
const PROBE_OUTCOMES: readonly string[] = ['blocked', 'allowed', 'failed', 'untested'];

/** The kernel's self-test, run once per start: can it open a file, a socket, a process? */
export interface SelfTestResult {
  file: ProbeOutcome;
  socket: ProbeOutcome;
  spawn: ProbeOutcome;
}

export interface KernelApi {
  /** Tries to open a file, listen on a socket and start a process, and says what was blocked. */
  selftest(): Promise<SelfTestResult>;
  /** Probes the source (`size` bytes); pinned volumes are opened only with the named driver. */
  probe(size: number, pinned: Array<[number, string | null]>): Promise<ImageInfo>;
  root(volume: number): Promise<NodeStat>;
  /** Resolves a `/`-separated path of listed (escaped) names. */
  lookup(volume: number, path: string): Promise<NodeStat>;
  readdir(volume: number, node: NodeId, start: number, max: number): Promise<DirPage>;
  stat(volume: number, node: NodeId): Promise<NodeStat>;
  read(volume: number, node: NodeId, offset: number, length: number): Promise<Uint8Array>;
  readlink(volume: number, node: NodeId): Promise<string>;
  extents(volume: number, node: NodeId): Promise<SourceExtent[] | null>;
  /**
   * The next decompressed bytes of a compressed source (probe said `stream`), from byte
   * `position` of the expanded image, which must be where the previous call ended (0 starts
   * over); at most `max` bytes, empty at the end.
   */
  expand(position: number, max: number): Promise<Uint8Array>;
  /**
   * One step of the scan of a volume for traps (core/scan), from `cursor` (null starts at the
   * root): the findings of the entries it got through within its budget, and the cursor to
   * continue from (null when the volume is done). The host keeps the cursor between steps.
   * `maxEntries` (1 or more) makes a shorter step: one entry at a time finds the one that
   * stopped a sandbox.
   */
  scan(volume: number, cursor: ScanCursor | null, maxEntries?: number | null): Promise<ScanPage>;
}

/** One step of a volume scan (KernelApi.scan). */
export interface ScanPage {
  findings: Finding[];
  notes: ScanNote[];
  next: ScanCursor | null;
  /** Entries visited and file bytes read in this step. */
  entries: number;
  bytes: number;
}

export type MethodName = keyof KernelApi;
export const METHODS: readonly MethodName[] = ['selftest', 'probe', 'root', 'lookup', 'readdir', 'stat', 'read', 'readlink', 'extents', 'expand', 'scan'];

/** Largest page of directory entries per call, and largest data read per call. */
export const MAX_PAGE_ENTRIES = 4096;
export const MAX_CALL_READ_BYTES = 8 * 1024 * 1024;
export const MAX_NAME_CHARS = 4096;
export const MAX_EXTENTS = 1_000_000;

// ---- result validators (the kernel is untrusted) ---------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isStr = (v: unknown, max = MAX_NAME_CHARS): v is string => typeof v === 'string' && v.length <= max;
const isNullableStr = (v: unknown, max?: number): v is string | null => v === null || isStr(v, max);
const NODE_TYPES: readonly string[] = ['file', 'dir', 'symlink', 'other'];
const isNodeType = (v: unknown): v is NodeType => typeof v === 'string' && NODE_TYPES.includes(v);

function optStr(o: Obj, key: string, out: Obj): boolean {
  if (o[key] === undefined) return true;
  if (!isStr(o[key], 1000)) return false;
  out[key] = o[key];
  return true;
}

export function checkVolumeSummary(v: unknown): VolumeSummary | null {
  if (!isObj(v)) return null;
  if (!isCount(v.index) || !(v.partition === null || isCount(v.partition)) || !isCount(v.offset) || !isCount(v.size)) return null;
  if (!isNullableStr(v.fs, 64) || !isNullableStr(v.driver, 64) || !isNullableStr(v.label, 1000)) return null;
  const out: Obj = { index: v.index, partition: v.partition, offset: v.offset, size: v.size, fs: v.fs, driver: v.driver, label: v.label };
  for (const key of ['partitionType', 'partitionTypeName', 'partitionName', 'error']) if (!optStr(v, key, out)) return null;
  if (v.notes !== undefined) {
    if (!Array.isArray(v.notes) || v.notes.length > 100 || !v.notes.every((n) => isStr(n, 1000))) return null;
    out.notes = v.notes;
  }
  return out as unknown as VolumeSummary;
}

export function checkImageInfo(v: unknown): ImageInfo | null {
  if (!isObj(v) || !isCount(v.size) || !isStr(v.container, 64) || !isStr(v.partitioning, 64)) return null;
  if (!Array.isArray(v.volumes) || v.volumes.length > 4096 || !Array.isArray(v.warnings) || v.warnings.length > 1000) return null;
  const volumes: VolumeSummary[] = [];
  for (const item of v.volumes) {
    const s = checkVolumeSummary(item);
    if (!s) return null;
    volumes.push(s);
  }
  if (!v.warnings.every((w) => isStr(w, 2000))) return null;
  const out: ImageInfo = { size: v.size, container: v.container, partitioning: v.partitioning, volumes, warnings: v.warnings as string[] };
  if (v.inner !== undefined) {
    if (!isStr(v.inner, 64)) return null;
    out.inner = v.inner;
  }
  if (v.refused !== undefined) {
    if (!isStr(v.refused, 2000)) return null;
    out.refused = v.refused;
  }
  if (v.stream !== undefined) {
    const st = v.stream;
    if (!isObj(st) || !isStr(st.format, 16) || !(st.expandedSize === null || isCount(st.expandedSize))) return null;
    out.stream = { format: st.format, expandedSize: st.expandedSize };
    if (st.name !== undefined) {
      if (!isStr(st.name, 1000)) return null;
      out.stream.name = st.name;
    }
  }
  return out;
}

export function checkStat(v: unknown): NodeStat | null {
  if (!isObj(v) || !isCount(v.node) || !isNodeType(v.type) || !isCount(v.size) || !isNullableStr(v.mtime, 64)) return null;
  const out: NodeStat = { node: v.node, type: v.type, size: v.size, mtime: v.mtime };
  for (const key of ['atime', 'ctime', 'birthtime'] as const) {
    const t = v[key];
    if (t === undefined) continue;
    if (!isNullableStr(t, 64)) return null;
    out[key] = t;
  }
  if (v.mode !== undefined) {
    if (!isCount(v.mode) || v.mode > 0o7777) return null;
    out.mode = v.mode;
  }
  if (v.attributes !== undefined) {
    if (!Array.isArray(v.attributes) || v.attributes.length > 64 || !v.attributes.every((a) => isStr(a, 64))) return null;
    out.attributes = v.attributes as string[];
  }
  return out;
}

function checkEntry(v: unknown): ListedEntry | null {
  if (!isObj(v) || !isStr(v.name) || v.name === '' || typeof v.escaped !== 'boolean') return null;
  if (!isCount(v.node) || !isNodeType(v.type) || !isCount(v.size) || !isNullableStr(v.mtime, 64)) return null;
  // The host re-checks what the kernel promised: a listed name is one path component.
  if (v.name.includes('/') || v.name.includes('\0') || v.name === '.' || v.name === '..') return null;
  const out: ListedEntry = { name: v.name, escaped: v.escaped, node: v.node, type: v.type, size: v.size, mtime: v.mtime };
  if (v.system === true) out.system = true;
  if (v.stream === true) out.stream = true;
  return out;
}

export function checkDirPage(v: unknown): DirPage | null {
  if (!isObj(v) || !Array.isArray(v.entries) || v.entries.length > MAX_PAGE_ENTRIES) return null;
  if (!(v.next === null || isCount(v.next)) || !isCount(v.total)) return null;
  const entries: ListedEntry[] = [];
  for (const item of v.entries) {
    const e = checkEntry(item);
    if (!e) return null;
    entries.push(e);
  }
  return { entries, next: v.next, total: v.total };
}

export function checkBytes(max: number) {
  return (v: unknown): Uint8Array | null => (v instanceof Uint8Array && v.length <= max ? v : null);
}

export function checkString(v: unknown): string | null {
  return isStr(v, 65536) ? v : null;
}

export function checkExtents(v: unknown): SourceExtent[] | null | undefined {
  if (v === null) return null;
  if (!Array.isArray(v) || v.length > MAX_EXTENTS) return undefined;
  const out: SourceExtent[] = [];
  for (const e of v) {
    if (!isObj(e) || !isCount(e.fileOffset) || !isCount(e.sourceOffset) || !isCount(e.length)) return undefined;
    out.push({ fileOffset: e.fileOffset, sourceOffset: e.sourceOffset, length: e.length });
  }
  return out;
}

export function checkSelfTest(v: unknown): SelfTestResult | null {
  if (!isObj(v)) return null;
  const ok = (x: unknown): x is ProbeOutcome => typeof x === 'string' && PROBE_OUTCOMES.includes(x);
  if (!ok(v.file) || !ok(v.socket) || !ok(v.spawn)) return null;
  return { file: v.file, socket: v.socket, spawn: v.spawn };
}

function checkFinding(v: unknown): Finding | null {
  if (!isObj(v) || typeof v.severity !== 'string' || !(SEVERITIES as readonly string[]).includes(v.severity)) return null;
  if (typeof v.kind !== 'string' || !(FINDING_KINDS as readonly string[]).includes(v.kind)) return null;
  if (!isStr(v.path, 65536) || !v.path.startsWith('/') || !isStr(v.title, MAX_TITLE_CHARS) || !isStr(v.why, MAX_WHY_CHARS)) return null;
  if (!Array.isArray(v.evidence) || v.evidence.length > MAX_EVIDENCE_LINES || !v.evidence.every((e) => isStr(e, MAX_EVIDENCE_CHARS))) return null;
  const out: Finding = { severity: v.severity as Finding['severity'], kind: v.kind as Finding['kind'], path: v.path, title: v.title, evidence: [...(v.evidence as string[])], why: v.why };
  if (v.node !== undefined || v.size !== undefined) {
    if (!isCount(v.node) || !isCount(v.size)) return null;
    out.node = v.node;
    out.size = v.size;
  }
  return out;
}

export function checkScanPage(v: unknown): ScanPage | null {
  if (!isObj(v) || !isCount(v.entries) || !isCount(v.bytes)) return null;
  if (!Array.isArray(v.findings) || v.findings.length > MAX_STEP_FINDINGS || !Array.isArray(v.notes) || v.notes.length > MAX_STEP_NOTES) return null;
  const findings: Finding[] = [];
  for (const item of v.findings) {
    const f = checkFinding(item);
    if (!f) return null;
    findings.push(f);
  }
  const notes: ScanNote[] = [];
  for (const n of v.notes) {
    if (!isObj(n) || !isStr(n.path, 65536) || !isStr(n.message, 2000)) return null;
    notes.push({ path: n.path, message: n.message });
  }
  let next: ScanCursor | null = null;
  if (v.next !== null) {
    try {
      next = checkCursor(v.next);
    } catch {
      return null;
    }
  }
  return { findings, notes, next, entries: v.entries, bytes: v.bytes };
}
