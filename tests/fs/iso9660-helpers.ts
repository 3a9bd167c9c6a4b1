// Shared by the ISO 9660 driver tests: fixtures, a recursive listing, and record lookups for
// patched copies.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { MemoryDevice } from '../../core/block/device.js';
import { iso9660Driver } from '../../core/fs/iso9660/index.js';
import type { NodeId, Volume } from '../../core/fs/types.js';

export const fixtureDir = fileURLToPath(new URL('../fixtures/iso9660/', import.meta.url));

const images = new Map<string, Uint8Array>();
/** A gunzipped fixture image (tests/fixtures/<dir>/<name>.img.gz); patch a copy, never this. */
export function fixtureImage(name: string, dir = 'iso9660'): Uint8Array {
  const key = `${dir}/${name}`;
  let image = images.get(key);
  if (image === undefined) {
    image = new Uint8Array(gunzipSync(readFileSync(fileURLToPath(new URL(`../fixtures/${key}.img.gz`, import.meta.url)))));
    images.set(key, image);
  }
  return image;
}

export interface Row {
  path: string;
  type: string;
  size: number;
  mtime: string | null;
  target?: string;
}

export function expectedRows(name: string): Row[] {
  return readFileSync(`${fixtureDir}${name}.expected.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const r = JSON.parse(l) as Row & { sha256?: string };
      const out: Row = { path: r.path, type: r.type, size: r.type === 'dir' ? 0 : r.size, mtime: r.mtime };
      if (r.target !== undefined) out.target = r.target;
      return out;
    });
}

export const open = (bytes: Uint8Array): Promise<Volume> => iso9660Driver.open(new MemoryDevice(bytes));

/** Every entry under the root, depth first, as rows sorted like the expected listings. */
export async function listAll(v: Volume): Promise<Row[]> {
  const out: Row[] = [];
  const visit = async (node: NodeId, path: string, depth: number): Promise<void> => {
    if (depth > 64) throw new Error('too deep');
    for (const e of await v.readdir(node)) {
      const p = `${path}/${e.name}`;
      const row: Row = { path: p, type: e.type, size: e.type === 'dir' ? 0 : e.size, mtime: e.mtime };
      if (e.type === 'symlink') row.target = await v.readlink(e.node);
      out.push(row);
      if (e.type === 'dir') await visit(e.node, p, depth + 1);
    }
  };
  await visit(v.root(), '', 0);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The entry at `path` (components separated by "/"). */
export { lookup } from '../support/driver-helpers.js';

/** Device offset of the directory record named `id` (e.g. "HELLO.TXT;1") in the root of a plain image. */
export function rootRecordOffset(img: Uint8Array, id: string): number {
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const pvd = 16 * 2048;
  const base = dv.getUint32(pvd + 156 + 2, true) * 2048;
  const size = dv.getUint32(pvd + 156 + 10, true);
  for (let pos = base; pos < base + size; ) {
    const len = img[pos]!;
    if (len === 0) {
      pos = (Math.floor(pos / 2048) + 1) * 2048;
      continue;
    }
    const name = Buffer.from(img.subarray(pos + 33, pos + 33 + img[pos + 32]!)).toString('latin1');
    if (name === id) return pos;
    pos += len;
  }
  throw new Error(`no record ${id}`);
}
