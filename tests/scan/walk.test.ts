// The scan's walk over synthetic volumes: loops, huge directories, failing drivers. Every step
// stays within its budget, and the walk always ends.
import { describe, expect, it } from 'vitest';
import { GloveboxError } from '../../core/errors.js';
import type { NodeStat } from '../../core/fs/types.js';
import { scanStep, type ScanCursor, type ScanEntry, type ScanTarget } from '../../core/scan/index.js';
import type { Finding, ScanNote } from '../../core/scan/types.js';

interface FakeNode {
  entries?: ScanEntry[];
  data?: Uint8Array;
  attributes?: string[];
  listError?: unknown;
  readError?: unknown;
}

function fake(nodes: Map<number, FakeNode>): ScanTarget {
  return {
    label: 'FAKE',
    root: () => 1,
    list: async (node) => {
      const n = nodes.get(node);
      if (n?.listError !== undefined) throw n.listError;
      return n?.entries ?? [];
    },
    stat: async (node): Promise<NodeStat> => ({ node, type: nodes.get(node)?.entries ? 'dir' : 'file', size: nodes.get(node)?.data?.length ?? 0, mtime: null, attributes: nodes.get(node)?.attributes ?? [] }),
    read: async (node, offset, length) => {
      const n = nodes.get(node);
      if (n?.readError !== undefined) throw n.readError;
      return (n?.data ?? new Uint8Array(0)).slice(offset, offset + length);
    },
  };
}

async function scanAll(target: ScanTarget, maxEntries = 4000): Promise<{ findings: Finding[]; notes: ScanNote[]; steps: number }> {
  const out = { findings: [] as Finding[], notes: [] as ScanNote[], steps: 0 };
  let cursor: ScanCursor | null = null;
  do {
    const page = await scanStep(target, cursor, { maxEntries, maxBytes: 64 << 20, maxMillis: 60_000, now: () => 0 });
    expect(page.entries).toBeLessThanOrEqual(maxEntries);
    expect(page.findings.length).toBeLessThanOrEqual(1000);
    out.findings.push(...page.findings);
    out.notes.push(...page.notes);
    cursor = page.next;
    out.steps++;
  } while (cursor !== null && out.steps < 100_000);
  expect(cursor).toBeNull();
  return out;
}

describe('scan walk', () => {
  it('a directory that contains itself, or its parent, is noted and not entered again', async () => {
    const nodes = new Map<number, FakeNode>([
      [1, { entries: [{ name: 'a', node: 2, type: 'dir', size: 0 }] }],
      [2, { entries: [{ name: 'self', node: 2, type: 'dir', size: 0 }, { name: 'up', node: 1, type: 'dir', size: 0 }] }],
    ]);
    const r = await scanAll(fake(nodes));
    expect(r.notes.map((n) => n.path)).toEqual(['/a/self', '/a/up']);
    expect(r.notes.every((n) => n.message.includes('directory loop'))).toBe(true);
  });

  it('50,000 hidden folders with visible twins in one directory: linear, paged, all found', async () => {
    const entries: ScanEntry[] = [];
    const nodes = new Map<number, FakeNode>();
    for (let i = 0; i < 25_000; i++) {
      entries.push({ name: `d${i}`, node: 10 + 2 * i, type: 'dir', size: 0 }, { name: `d${i}.lnk`, node: 11 + 2 * i, type: 'file', size: 0 });
      nodes.set(10 + 2 * i, { entries: [], attributes: ['hidden'] });
    }
    nodes.set(1, { entries });
    const started = Date.now();
    const r = await scanAll(fake(nodes));
    expect(r.findings.filter((f) => f.kind === 'hidden-twin')).toHaveLength(25_000);
    expect(r.steps).toBeGreaterThan(25);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it('a directory that cannot be listed and a file that cannot be read are notes; foreign errors too', async () => {
    const nodes = new Map<number, FakeNode>([
      [1, { entries: [{ name: 'broken', node: 2, type: 'dir', size: 0 }, { name: 'x.lnk', node: 3, type: 'file', size: 100 }, { name: 'y.doc', node: 4, type: 'file', size: 100 }] }],
      [2, { entries: [], listError: new GloveboxError('Corrupt', 'bad directory') }],
      [3, { readError: new GloveboxError('Io', 'bad sector') }],
      [4, { readError: new TypeError('driver bug') }],
    ]);
    const r = await scanAll(fake(nodes));
    expect(r.notes).toEqual([
      { path: '/broken', message: 'directory not scanned: bad directory' },
      { path: '/x.lnk', message: 'not fully checked: bad sector' },
      { path: '/y.doc', message: 'not fully checked: driver bug' },
    ]);
  });

  it('cancellation ends the step (it is not a note)', async () => {
    const nodes = new Map<number, FakeNode>([
      [1, { entries: [{ name: 'x.lnk', node: 3, type: 'file', size: 100 }] }],
      [3, { readError: new GloveboxError('Cancelled', 'request cancelled') }],
    ]);
    await expect(scanStep(fake(nodes), null, { maxEntries: 10, maxBytes: 1 << 20, maxMillis: 1000, now: () => 0 })).rejects.toMatchObject({ kind: 'Cancelled' });
  });

  it('a driver that returns fewer bytes than the file size says is a note, not a misread', async () => {
    const lnk = new Uint8Array(10);
    const nodes = new Map<number, FakeNode>([
      [1, { entries: [{ name: 'short.exe', node: 3, type: 'file', size: 4096 }] }],
      [3, { data: lnk }],
    ]);
    const r = await scanAll(fake(nodes));
    expect(r.notes.map((n) => n.message)).toEqual(['not fully checked: file data ends early: 10 of 4096 bytes at 0']);
  });

  it('the time budget ends a step early and the next step goes on', async () => {
    const entries: ScanEntry[] = Array.from({ length: 100 }, (_, i) => ({ name: `f${i}.txt`, node: 100 + i, type: 'file' as const, size: 0 }));
    const nodes = new Map<number, FakeNode>([[1, { entries }]]);
    let clock = 0;
    const first = await scanStep(fake(nodes), null, { maxEntries: 1000, maxBytes: 1 << 20, maxMillis: 10, now: () => (clock += 1) });
    expect(first.entries).toBeLessThan(100);
    expect(first.next).not.toBeNull();
  });
});
