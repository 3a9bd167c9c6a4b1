// A scan must survive entries that stop the sandbox (a parser that hangs or crashes on them):
// the range is redone one move at a time, the culprit is skipped and reported, and the scan
// goes on to find the rest. Here a test driver hangs on one file and on one directory's listing.
import { describe, expect, it } from 'vitest';
import type { BlockDevice } from '../../core/block/device.js';
import type { DirEntry, FsDriver, NodeStat, Volume } from '../../core/fs/types.js';
import { probeImage } from '../../core/probe.js';
import { ImageSession } from '../../core/sandbox/host/session.js';
import { InMemoryLauncher } from '../../core/sandbox/in-memory.js';
import { BufferSource } from '../../core/sources/file-source.js';

const MAGIC = new TextEncoder().encode('POISON01');
const never = <T>() => new Promise<T>(() => {});
const MZ = (() => {
  // A DOS program header that fits the file: 1 page of 128 bytes, a 2-paragraph header.
  const b = new Uint8Array(128);
  b.set([0x4d, 0x5a, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00]);
  return b;
})();

const tree: Record<number, DirEntry[]> = {
  1: [
    { name: 'a.txt', node: 2, type: 'file', size: 5, mtime: null },
    { name: 'poison.lnk', node: 3, type: 'file', size: 200, mtime: null },
    { name: 'b.exe', node: 4, type: 'file', size: MZ.length, mtime: null },
    { name: 'd', node: 5, type: 'dir', size: 0, mtime: null },
    { name: 'c.bat', node: 6, type: 'file', size: 4, mtime: null },
  ],
};

const volume: Volume = {
  fs: 'poison',
  label: null,
  caseInsensitive: false,
  root: () => 1,
  readdir: async (node) => (node === 5 ? never() : (tree[node] ?? [])),
  stat: async (node): Promise<NodeStat> => ({ node, type: node === 1 || node === 5 ? 'dir' : 'file', size: node === 4 ? MZ.length : 5, mtime: null }),
  read: async (node, offset, length) => {
    if (node === 3) return never();
    const data = node === 4 ? MZ : new TextEncoder().encode('hello');
    return data.slice(offset, offset + length);
  },
  readlink: async () => '',
};

const poisonDriver: FsDriver = {
  name: 'poison',
  probe: async (d: BlockDevice) => {
    const head = await d.read(0, 8);
    return head.every((b, i) => b === MAGIC[i]);
  },
  open: async () => volume,
};

describe('scan: entries that stop the sandbox', () => {
  it('skips and reports the culprits, finds the rest', async () => {
    const image = new Uint8Array(65536);
    image.set(MAGIC);
    const session = new ImageSession(new BufferSource(image), { launcher: new InMemoryLauncher([poisonDriver], probeImage), allowUnconfined: true, requestTimeoutMs: 400 });
    try {
      const vol = await session.volume();
      expect(vol.fs).toBe('poison');
      const report = await session.scan(vol.index);
      expect(report.findings.map((f) => `${f.severity} ${f.kind} ${f.path}`).sort()).toEqual([
        'warning executable /b.exe',
        'warning malformed /poison.lnk',
        'warning script /c.bat',
      ]);
      const poison = report.findings.find((f) => f.path === '/poison.lnk')!;
      expect(poison.title).toBe('Checking this entry stopped the sandbox');
      expect(poison.evidence[0]).toMatch(/did not answer "scan"/);
      expect(report.notes.map((n) => [n.path, n.message.replace(/ \(.*$/, '')])).toEqual([
        ['/d', 'entry 1 of this directory not checked: the sandbox stopped while checking it'],
        ['/d', 'entry 2 of this directory not checked: the sandbox stopped while checking it'],
        ['/d', 'directory not scanned: the sandbox stopped 3 times in it'],
      ]);
    } finally {
      await session.close();
    }
  }, 30_000);
});
