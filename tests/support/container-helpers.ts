// Shared by the container tests: gzipped fixtures, probe summaries, error outcomes, field views.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { GloveboxError } from '../../core/errors.js';
import type { ProbeResult } from '../../core/probe.js';

/** A gzipped fixture under tests/fixtures, decompressed. */
export const fixture = (rel: string): Uint8Array =>
  new Uint8Array(gunzipSync(readFileSync(fileURLToPath(new URL(`../fixtures/${rel}`, import.meta.url)))));

/** What two probes must agree on when one reads a container of the other's disk. */
export const summary = (r: ProbeResult) => ({
  size: r.size,
  partitioning: r.partitioning,
  volumes: r.volumes.map((v) => ({ offset: v.offset, size: v.size, fs: v.fs, label: v.label, partition: v.partition })),
});

/** The GloveboxError a promise rejects with, 'ok', or 'foreign: …' for anything else. */
export async function errorOf(p: Promise<unknown>): Promise<GloveboxError | string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof GloveboxError ? e : `foreign: ${String(e)}`;
  }
}

/** The error kind a promise rejects with, 'ok', or 'foreign: …'. */
export async function kindOf(p: Promise<unknown>): Promise<string> {
  const e = await errorOf(p);
  return typeof e === 'string' ? e : e.kind;
}

export const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
