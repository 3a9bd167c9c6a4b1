// The conformance harness: one test body for every driver. A row names a fixture image and
// the tree that went into it; the harness lists the image three ways (in-process, through the
// real sandbox process, through the CLI) and checks the listing against the tree and against
// the rules every listing obeys.

import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { MemoryDevice, type BlockDevice } from '../../core/block/device.js';
import { GloveboxError } from '../../core/errors.js';
import { drivers } from '../../core/fs/registry.js';
import type { NodeStat, NodeType } from '../../core/fs/types.js';
import { probeImage } from '../../core/probe.js';
import { KernelService } from '../../core/sandbox/kernel/service.js';
import type { DirPage, SourceExtent } from '../../core/sandbox/protocol/api.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliPath = fileURLToPath(new URL('../../bin/glovebox.js', import.meta.url));

/** One row of the conformance table. Later drivers join by adding rows. */
export interface ConformanceRow {
  name: string;
  /** Fixture path relative to tests/fixtures (.img or .img.gz). */
  image: string;
  /** Expected listing (.jsonl, one {path,type,size,mtime,sha256?,target?} per line), relative to tests/fixtures. */
  expected?: string;
  /** Volume to list (default: the first with a file system). */
  volume?: number;
  fs?: string;
  label?: string | null;
  /** Directory mtimes in the expected listing are not reproducible by the fixture tools. */
  ignoreDirMtimes?: boolean;
  /** Byte ranges worth mutating (metadata); default: the first 1 MiB. */
  metadata?(image: Uint8Array): Array<[number, number]>;
  /** Format-specific damage (a FAT cycle, a directory that contains itself...). */
  special?: Array<{ name: string; mutate(image: Uint8Array): Uint8Array }>;
}

export interface ListedItem {
  path: string;
  type: NodeType;
  size: number;
  mtime: string | null;
  sha256?: string;
  target?: string;
  escaped?: boolean;
}

export function fixturePath(rel: string): string {
  return fileURLToPath(new URL(`../fixtures/${rel}`, import.meta.url));
}

const imageCache = new Map<string, Uint8Array>();
export function loadImage(rel: string): Uint8Array {
  let img = imageCache.get(rel);
  if (!img) {
    const raw = readFileSync(fixturePath(rel));
    img = new Uint8Array(rel.endsWith('.gz') ? gunzipSync(raw) : raw);
    imageCache.set(rel, img);
  }
  return img;
}

export function loadExpected(rel: string): ListedItem[] {
  return readFileSync(fixturePath(rel), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ListedItem);
}

/** What the harness needs from a kernel: KernelService in-process, or the Supervisor. */
export interface ListingApi {
  root(volume: number): Promise<NodeStat>;
  readdir(volume: number, node: number, start: number, max: number): Promise<DirPage>;
  read(volume: number, node: number, offset: number, length: number): Promise<Uint8Array>;
  readlink(volume: number, node: number): Promise<string>;
  extents(volume: number, node: number): Promise<SourceExtent[] | null>;
}

export interface WalkResult {
  items: ListedItem[];
  /** Broken listing rules: names that are not path components, directories inside themselves. */
  violations: string[];
  /** Typed errors met on the way (directories or files that could not be read). */
  errors: GloveboxError[];
}

export interface WalkOptions {
  readData?: boolean;
  /** Also copy each file through its extents from `source` and compare with read(). */
  source?: Uint8Array;
  maxEntries?: number;
  /** Keep going past typed errors (mutants); otherwise the first error is thrown. */
  tolerant?: boolean;
  /** Include metadata files and alternate streams (`ls --all`). */
  all?: boolean;
}

const READ_CHUNK = 1024 * 1024;

/** Lists a whole volume, checking every name and refusing to go around a directory cycle. */
export async function walkVolume(api: ListingApi, volume: number, o: WalkOptions = {}): Promise<WalkResult> {
  const result: WalkResult = { items: [], violations: [], errors: [] };
  const maxEntries = o.maxEntries ?? 100_000;
  let count = 0;
  const guard = async <T>(what: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await what();
    } catch (e) {
      if (!(e instanceof GloveboxError)) throw e;
      if (!o.tolerant) throw e;
      result.errors.push(e);
      return undefined;
    }
  };
  const visit = async (node: number, path: string, ancestors: number[]): Promise<void> => {
    let start: number | null = 0;
    while (start !== null) {
      const from: number = start;
      const page = await guard(() => api.readdir(volume, node, from, 4096));
      if (!page) return;
      for (const e of page.entries) {
        // Like `ls -r`: metadata files and alternate streams only when asked for.
        if ((e.system === true || e.stream === true) && !o.all) continue;
        if (++count > maxEntries) throw new GloveboxError('Limit', `more than ${maxEntries} entries`);
        if (e.name === '' || e.name === '.' || e.name === '..' || e.name.includes('/') || e.name.includes('\0')) {
          result.violations.push(`bad name ${JSON.stringify(e.name)} in ${path}`);
        }
        const p = path === '/' ? `/${e.name}` : `${path}/${e.name}`;
        const item: ListedItem = { path: p, type: e.type, size: e.size, mtime: e.mtime };
        if (e.escaped) item.escaped = true;
        result.items.push(item);
        if (e.type === 'symlink') {
          const t = await guard(() => api.readlink(volume, e.node));
          if (t !== undefined) item.target = t;
        }
        if (e.type === 'file' && o.readData) {
          const digest = await guard(() => fileDigest(api, volume, e.node, e.size, o.source));
          if (digest !== undefined) item.sha256 = digest;
        }
        if (e.type === 'dir') {
          if (ancestors.includes(e.node)) {
            result.violations.push(`directory ${p} contains itself`);
            continue;
          }
          if (entered.has(e.node)) {
            result.violations.push(`directory ${p} is the directory at ${entered.get(e.node)}`);
            continue;
          }
          entered.set(e.node, p);
          if (ancestors.length > 300) {
            result.violations.push(`directory nesting deeper than 300 at ${p}`);
            continue;
          }
          await visit(e.node, p, [...ancestors, e.node]);
        }
      }
      if (page.next !== null && page.next <= from) {
        result.violations.push(`paging did not advance in ${path}`);
        return;
      }
      start = page.next;
    }
  };
  const entered = new Map<number, string>();
  const root = await guard(() => api.root(volume));
  if (root) {
    entered.set(root.node, '/');
    await visit(root.node, '/', [root.node]);
  }
  return result;
}

async function fileDigest(api: ListingApi, volume: number, node: number, size: number, source?: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  const parts: Uint8Array[] = [];
  let offset = 0;
  while (offset < size) {
    const chunk = await api.read(volume, node, offset, Math.min(READ_CHUNK, size - offset));
    if (chunk.length === 0) throw new GloveboxError('Corrupt', `read returned nothing at ${offset} of ${size}`);
    hash.update(chunk);
    if (source) parts.push(chunk);
    offset += chunk.length;
  }
  if (source) {
    const extents = await api.extents(volume, node);
    if (extents) {
      const viaExtents = Buffer.concat(extents.map((x) => source.subarray(x.sourceOffset, x.sourceOffset + x.length)));
      if (!viaExtents.equals(Buffer.concat(parts))) throw new Error(`extents and read() disagree for node ${node}`);
    }
  }
  return hash.digest('hex');
}

/** The kernel service in this process, over the image bytes (no protocol, no process). */
export function inProcessService(image: Uint8Array, device?: BlockDevice): KernelService {
  return new KernelService({ drivers, probeImage, openSource: () => device ?? new MemoryDevice(image) });
}

/** Rows sorted by path and shaped for comparison with an expected listing. */
export function comparable(items: ListedItem[], row: ConformanceRow, withData: boolean): ListedItem[] {
  return [...items]
    .map((i) => {
      const out: ListedItem = { path: i.path, type: i.type, size: i.type === 'dir' ? 0 : i.size, mtime: i.mtime };
      if (row.ignoreDirMtimes && i.type === 'dir') out.mtime = null;
      if (withData && i.type === 'file' && i.sha256 !== undefined) out.sha256 = i.sha256;
      if (i.target !== undefined) out.target = i.target;
      if (i.escaped) out.escaped = true;
      return out;
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs the real CLI, killing it if it outlives `timeoutMs`. */
export function runCli(args: string[], timeoutMs = 30_000, env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
  });
}
