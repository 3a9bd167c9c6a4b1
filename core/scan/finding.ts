// Building findings: bounded fields, and the file a finding is about.
import type { BlockDevice } from '../block/device.js';
import { GloveboxError } from '../errors.js';
import { MAX_EVIDENCE_CHARS, MAX_EVIDENCE_LINES, MAX_TITLE_CHARS, MAX_WHY_CHARS, type Finding, type FindingKind, type Severity } from './types.js';

export interface FileContext {
  path: string;
  name: string;
  node: number;
  size: number;
  /** The file is in the volume's root directory (where autorun files count). */
  atRoot: boolean;
  /** The file's bytes (reads are capped by the scan's byte budget). */
  file: BlockDevice;
}

/** A finding with every field clipped to the protocol's bounds. */
export function makeFinding(severity: Severity, kind: FindingKind, path: string, title: string, evidence: string[], why: string, file?: { node: number; size: number }): Finding {
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const f: Finding = {
    severity,
    kind,
    path,
    title: clip(title, MAX_TITLE_CHARS),
    evidence: evidence.slice(0, MAX_EVIDENCE_LINES).map((e) => clip(e, MAX_EVIDENCE_CHARS)),
    why: clip(why, MAX_WHY_CHARS),
  };
  if (file) {
    f.node = file.node;
    f.size = file.size;
  }
  return f;
}

export function malformed(ctx: FileContext, what: string, e: unknown): Finding {
  const message = e instanceof GloveboxError ? e.message : e instanceof Error ? e.message : String(e);
  return makeFinding('info', 'malformed', ctx.path, `${what} could not be fully decoded`, [message], 'A damaged structure cannot be checked completely; treat the file with the same care as a flagged one.', ctx);
}
