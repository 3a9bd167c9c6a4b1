// Small helpers every driver's own tests use.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { GloveboxError } from '../../core/errors.js';
import type { DirEntry, NodeId, Volume } from '../../core/fs/types.js';

/** The GloveboxError a promise rejects with; anything else (or a result) fails the test. */
export async function errorOf(p: Promise<unknown>): Promise<GloveboxError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GloveboxError) return e;
    throw e;
  }
  throw new Error('expected a GloveboxError, got a result');
}

/** The entry at `path` ("/a/b"), by listing each directory on the way. */
export async function lookup(volume: Volume, path: string): Promise<DirEntry> {
  let dir: NodeId = volume.root();
  let found: DirEntry | undefined;
  for (const part of path.split('/').filter((p) => p !== '')) {
    found = (await volume.readdir(dir)).find((e) => e.name === part);
    if (found === undefined) throw new Error(`${path}: no ${part}`);
    dir = found.node;
  }
  if (found === undefined) throw new Error('lookup of the root');
  return found;
}

/** One JSON object per non-empty line. */
export function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

/**
 * A fixture family in tests/fixtures/<dir>/: its folder, its gunzipped images (cached: callers
 * that patch one must copy it first) and its expected listings (NAME.expected.jsonl).
 */
export function fixtureFamily<Item>(dir: string) {
  const fixtureDir = fileURLToPath(new URL(`../fixtures/${dir}/`, import.meta.url));
  const images = new Map<string, Uint8Array>();
  return {
    fixtureDir,
    fixtureImage(name: string): Uint8Array {
      let image = images.get(name);
      if (image === undefined) {
        image = new Uint8Array(gunzipSync(readFileSync(`${fixtureDir}${name}.img.gz`)));
        images.set(name, image);
      }
      return image;
    },
    expectedListing: (name: string): Item[] => readJsonl<Item>(`${fixtureDir}${name}.expected.jsonl`),
  };
}
