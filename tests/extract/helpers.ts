// A fresh extraction target per test, three levels inside its own temp folder, with a decoy
// "outside" folder beside it. check() proves nothing outside the target changed: "../../x"
// from the target lands inside the watched area.
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';

export interface Area {
  /** The whole watched area (removed by cleanup()). */
  outer: string;
  /** Where the writer extracts to; not created yet. */
  target: string;
  /** A decoy folder outside the target, with secret.txt in it. */
  outside: string;
  /** Asserts that nothing outside `target` was added, removed or changed. */
  check(): Promise<void>;
  cleanup(): Promise<void>;
}

async function snapshot(root: string, skip: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const p = path.join(dir, name);
      if (p === skip) continue;
      const st = await lstat(p);
      const rel = path.relative(root, p);
      if (st.isSymbolicLink()) out.set(rel, `link ${await readlink(p)}`);
      else if (st.isDirectory()) {
        out.set(rel, `dir ${st.mode.toString(8)}`);
        await walk(p);
      } else {
        const hash = createHash('sha256').update(await readFile(p)).digest('hex');
        out.set(rel, `file ${st.mode.toString(8)} ${st.mtimeMs} ${hash}`);
      }
    }
  };
  await walk(root);
  return out;
}

export async function makeArea(): Promise<Area> {
  const outer = await mkdtemp(path.join(tmpdir(), 'glovebox-extract-'));
  const parent = path.join(outer, 'a', 'b');
  const outside = path.join(outer, 'outside');
  await mkdir(parent, { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), 'original');
  const target = path.join(parent, 'target');
  const before = await snapshot(outer, target);
  return {
    outer,
    target,
    outside,
    async check() {
      expect(await snapshot(outer, target)).toEqual(before);
    },
    cleanup: () => rm(outer, { recursive: true, force: true }),
  };
}

/** Bytes from strings, one chunk each. */
export async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

/** Yields `parts`, then fails like a corrupt image mid-file. */
export async function* failing(...parts: string[]): AsyncGenerator<Uint8Array> {
  yield* chunks(...parts);
  throw new Error('Corrupt: cluster chain ends early');
}

/** Every path under `dir`, relative, sorted, links not followed. */
export async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      out.push(rel);
      const st = await lstat(path.join(d, name));
      if (st.isDirectory() && !st.isSymbolicLink()) await walk(path.join(d, name), rel);
    }
  };
  await walk(dir, '');
  return out.sort();
}
