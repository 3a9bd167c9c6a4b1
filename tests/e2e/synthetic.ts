// A volume that exists only in the test host: one folder of many entries, to show that the
// list stays smooth (and its DOM small) at 100,000 entries. Everything else in the end-to-end
// tests runs on real images through the real sandbox.

import { Channel, DIR_PAGE_ENTRIES, type ChannelName, type Entry, type Result, type SourceInfo } from '../../electron/shared/api.js';

export const SYNTHETIC_PATH = '/synthetic/many-files.img';
const ID = 'synthetic-source';
const ROOT = 1;
const BIG = 2;

export class SyntheticSource {
  constructor(readonly count: number) {}

  /** An answer when the request is for the synthetic source, else undefined. */
  handle(channel: ChannelName, req: unknown): Result<unknown> | undefined {
    const r = (req ?? {}) as { path?: string; sourceId?: string; node?: number; start?: number };
    if (channel === Channel.openPath && r.path === SYNTHETIC_PATH) return { ok: true, value: this.info() };
    if (r.sourceId !== ID) return undefined;
    switch (channel) {
      case Channel.readdir:
        return { ok: true, value: this.page(r.node ?? 0, r.start ?? 0) };
      case Channel.stats:
        return { ok: true, value: { reads: 0, bytesRead: 0, launches: 1, kills: 0, isolation: ['process', 'synthetic'] } };
      case Channel.stat:
        return { ok: true, value: { node: r.node ?? 0, type: r.node === BIG || r.node === ROOT ? 'dir' : 'file', size: 0, mtime: null, atime: null, ctime: null, birthtime: null, mode: null, attributes: [], target: null } };
      case Channel.read:
        return { ok: true, value: new Uint8Array(0) };
      case Channel.closeSource:
        return { ok: true, value: null };
      default:
        return { ok: false, error: { kind: 'Unsupported', message: 'not in the synthetic source' } };
    }
  }

  private info(): SourceInfo {
    return {
      id: ID,
      kind: 'image',
      name: 'many-files.img',
      path: SYNTHETIC_PATH,
      size: 1 << 30,
      container: 'raw',
      partitioning: 'none',
      volumes: [{ index: 1, partition: null, offset: 0, size: 1 << 30, fs: 'synthetic', label: 'MANY', error: null, rootNode: ROOT, notes: [] }],
      warnings: [],
      isolation: ['process', 'synthetic'],
    };
  }

  private page(node: number, start: number) {
    if (node === ROOT) {
      return { entries: [{ name: 'big', escaped: false, node: BIG, type: 'dir', size: 0, mtime: '2024-01-01T00:00:00Z' }], next: null, total: 1 };
    }
    const entries: Entry[] = [];
    const end = Math.min(this.count, start + DIR_PAGE_ENTRIES);
    for (let i = start; i < end; i++) {
      entries.push({ name: `file-${String(i).padStart(6, '0')}.txt`, escaped: false, node: 1000 + i, type: 'file', size: (i * 37) % 100_000, mtime: '2024-05-01T12:00:00Z' });
    }
    return { entries, next: end < this.count ? end : null, total: this.count };
  }
}
