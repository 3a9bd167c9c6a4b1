// Shared by the FAT driver tests: fixtures, a whole-volume walk, a counting device, and a
// sparse device for the dosfstools xxd dumps (some decode to 1 GiB images that are mostly holes).
import { createHash } from 'node:crypto';
import { checkRead, type BlockDevice } from '../../core/block/device.js';
import { GloveboxError } from '../../core/errors.js';
import type { NodeId, NodeType, Volume } from '../../core/fs/types.js';
import { fixtureFamily } from '../support/driver-helpers.js';

const family = fixtureFamily<Listed>('fat');
export const { fixtureDir } = family;
/** A gunzipped fixture image; callers that patch it must copy it first. */
export const fixtureImage = family.fixtureImage;

export interface Listed {
  path: string;
  type: NodeType;
  size: number;
  mtime: string | null;
  sha256?: string;
}

export const expectedListing = family.expectedListing;

export interface WalkOutcome {
  items: Array<Listed & { node: NodeId }>;
  errors: GloveboxError[];
}

/**
 * Lists a volume depth first, reading every file. A directory already on the current path is
 * not entered again; a typed error is collected (tolerant) or thrown; anything else is thrown.
 */
export async function walk(volume: Volume, options: { tolerant?: boolean; readData?: boolean } = {}): Promise<WalkOutcome> {
  const out: WalkOutcome = { items: [], errors: [] };
  const guard = async <T>(f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (e) {
      if (!(e instanceof GloveboxError) || !options.tolerant) throw e;
      out.errors.push(e);
      return undefined;
    }
  };
  const visit = async (dir: NodeId, path: string, ancestors: NodeId[]): Promise<void> => {
    const entries = await guard(() => volume.readdir(dir));
    for (const e of entries ?? []) {
      const p = path === '/' ? `/${e.name}` : `${path}/${e.name}`;
      const item: Listed & { node: NodeId } = { path: p, type: e.type, size: e.size, mtime: e.mtime, node: e.node };
      out.items.push(item);
      if (e.type === 'file' && options.readData !== false) {
        const bytes = await guard(() => volume.read(e.node, 0, e.size));
        if (bytes !== undefined) item.sha256 = sha256(bytes);
      }
      if (e.type === 'dir' && !ancestors.includes(e.node)) await visit(e.node, p, [...ancestors, e.node]);
    }
  };
  await visit(volume.root(), '/', [volume.root()]);
  return out;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A device over memory that counts reads and the bytes they asked for. */
export class CountingDevice implements BlockDevice {
  readonly size: number;
  reads: Array<[number, number]> = [];
  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRead(this.size, offset, length);
    this.reads.push([offset, length]);
    return this.bytes.slice(offset, offset + length);
  }
}

/** `xxd -r` into a sparse device: only the lines present hold bytes, the rest reads as zeros. */
export class SparseDevice implements BlockDevice {
  readonly size: number;
  private readonly chunks: Array<{ offset: number; bytes: Uint8Array }> = [];

  constructor(xxd: string) {
    let size = 0;
    for (const line of xxd.split('\n')) {
      const m = /^([0-9a-f]+):((?: [0-9a-f]{2,4})+)/.exec(line);
      if (!m) continue;
      const offset = parseInt(m[1]!, 16);
      const hex = m[2]!.replace(/ /g, '');
      const bytes = new Uint8Array(hex.length / 2);
      for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
      this.chunks.push({ offset, bytes });
      size = Math.max(size, offset + bytes.length);
    }
    this.chunks.sort((a, b) => a.offset - b.offset);
    this.size = size;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRead(this.size, offset, length);
    const out = new Uint8Array(length);
    for (const c of this.chunks) {
      const from = Math.max(offset, c.offset);
      const to = Math.min(offset + length, c.offset + c.bytes.length);
      if (from < to) out.set(c.bytes.subarray(from - c.offset, to - c.offset), from - offset);
    }
    return out;
  }
}
