// Helpers for the UDF driver tests: fixtures, expected listings, a whole-volume walk.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { MemoryDevice } from '../../core/block/device.js';
import type { Volume } from '../../core/fs/types.js';
import { udfDriver } from '../../core/fs/udf/index.js';
export { errorOf } from '../support/driver-helpers.js';

const dir = fileURLToPath(new URL('../fixtures/udf/', import.meta.url));

export interface Listed {
  path: string;
  type: string;
  size: number;
  mtime: string | null;
  sha256?: string;
  target?: string;
}

export function fixtureImage(name: string): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(`${dir}${name}.img.gz`)));
}

export function expectedListing(name: string): Listed[] {
  return readFileSync(`${dir}${name}.expected.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Listed);
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export function open(img: Uint8Array): Promise<Volume> {
  return udfDriver.open(new MemoryDevice(img));
}

/** Lists every directory from the root (refusing to re-enter a directory), with file hashes. */
export async function walk(volume: Volume, img?: Uint8Array): Promise<Listed[]> {
  const out: Listed[] = [];
  const entered = new Set<number>([volume.root()]);
  const visit = async (node: number, path: string): Promise<void> => {
    for (const e of await volume.readdir(node)) {
      const p = `${path}/${e.name}`;
      const item: Listed = { path: p, type: e.type, size: e.size, mtime: e.mtime };
      out.push(item);
      if (e.type === 'file') {
        const data = await volume.read(e.node, 0, e.size);
        item.sha256 = sha256(data);
        const extents = await volume.extents?.(e.node);
        if (extents && img) {
          const parts = extents.map((x) => img.subarray(x.deviceOffset, x.deviceOffset + x.length));
          if (sha256(Buffer.concat(parts)) !== item.sha256) throw new Error(`extents disagree with read() for ${p}`);
        }
      }
      if (e.type === 'symlink') item.target = await volume.readlink(e.node);
      if (e.type === 'dir' && !entered.has(e.node)) {
        entered.add(e.node);
        await visit(e.node, p);
      }
    }
  };
  await visit(volume.root(), '');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

