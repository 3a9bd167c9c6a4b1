// An in-memory stand-in for window.glovebox behind the store: a small tree, with a folder
// that fails to list and a file that fails to read.

import type { Client } from '../../renderer/api.js';
import { ApiFailure } from '../../renderer/api.js';
import { Channel, type AppEvent, type ChannelName, type Entry, type Req, type Res, type SourceInfo } from '../../electron/shared/api.js';

export interface FakeNode {
  name: string;
  type: 'file' | 'dir';
  bytes?: Uint8Array;
  children?: FakeNode[];
  fails?: string;
}

export const text = (s: string) => new TextEncoder().encode(s);

export function fakeClient(tree: FakeNode[], extra: { dirPage?: number } = {}) {
  const nodes = new Map<number, FakeNode>();
  let next = 2;
  const root: FakeNode = { name: '', type: 'dir', children: tree };
  nodes.set(1, root);
  const ids = new Map<FakeNode, number>([[root, 1]]);
  const index = (n: FakeNode) => {
    for (const c of n.children ?? []) {
      ids.set(c, next);
      nodes.set(next++, c);
      index(c);
    }
  };
  index(root);
  const calls: Array<{ channel: ChannelName; req: unknown }> = [];
  const listeners = new Set<(e: AppEvent) => void>();
  const source: SourceInfo = {
    id: 'src1', kind: 'image', name: 'stick.img', path: '/images/stick.img', size: 1 << 20, container: 'raw', partitioning: 'none',
    volumes: [{ index: 1, partition: null, offset: 0, size: 1 << 20, fs: 'fat16', label: 'STICK', error: null, rootNode: 1, notes: [] }],
    warnings: [], isolation: ['process', 'seccomp', 'no-files', 'no-network', 'no-processes'],
  };
  const entry = (n: FakeNode): Entry => ({ name: n.name, escaped: false, node: ids.get(n)!, type: n.type, size: n.bytes?.length ?? 0, mtime: '2024-05-01T10:00:00' });
  const page = extra.dirPage ?? 4096;

  const answer = async (channel: ChannelName, req: unknown): Promise<unknown> => {
    calls.push({ channel, req });
    const r = req as Record<string, number & string>;
    switch (channel) {
      case Channel.openPath:
        return source;
      case Channel.openDialog:
        return '/images/stick.img';
      case Channel.readdir: {
        const n = nodes.get(r.node);
        if (n?.fails) throw new ApiFailure('Corrupt', n.fails);
        const all = (n?.children ?? []).map(entry);
        const end = Math.min(all.length, r.start + page);
        return { entries: all.slice(r.start, end), next: end < all.length ? end : null, total: all.length };
      }
      case Channel.stat: {
        const n = nodes.get(r.node)!;
        return { node: r.node, type: n.type, size: n.bytes?.length ?? 0, mtime: '2024-05-01T10:00:00', atime: null, ctime: null, birthtime: null, mode: null, attributes: [], target: null };
      }
      case Channel.read: {
        const n = nodes.get(r.node)!;
        if (n.fails) throw new ApiFailure('Io', n.fails);
        return (n.bytes ?? new Uint8Array()).slice(r.offset, r.offset + r.length);
      }
      case Channel.recentImages:
      case Channel.listDevices:
        return [];
      case Channel.stats:
        return { reads: calls.length, bytesRead: 0, launches: 1, kills: 0, isolation: source.isolation };
      case Channel.extract:
        return { taskId: r.taskId, kind: 'extract', files: 1, dirs: 0, bytes: 1, problems: [], folder: '/out', sha256: null };
      case Channel.hash:
        return { taskId: r.taskId, kind: 'hash', files: 1, dirs: 0, bytes: 1, problems: [], folder: null, sha256: 'ab'.repeat(32) };
      default:
        return null;
    }
  };
  const client: Client = {
    call: async <C extends ChannelName>(channel: C, req: Req<C>) => (await answer(channel, req)) as Res<C>,
    onEvent: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    pathForFile: () => null,
  };
  return { client, calls, source, emit: (e: AppEvent) => listeners.forEach((l) => l(e)) };
}

export const until = async (cond: () => boolean, ms = 2000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};
