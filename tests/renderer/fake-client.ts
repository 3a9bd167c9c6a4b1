// An in-memory stand-in for window.glovebox behind the store: a small tree, with a folder
// that fails to list and a file that fails to read.

import type { Client } from '../../renderer/api.js';
import { ApiFailure } from '../../renderer/api.js';
import { Channel, type AppEvent, type ChannelName, type DeviceInfo, type Entry, type FindingInfo, type Req, type Res, type SourceInfo } from '../../electron/shared/api.js';

export interface FakeNode {
  name: string;
  type: 'file' | 'dir';
  bytes?: Uint8Array;
  children?: FakeNode[];
  fails?: string;
}

export const text = (s: string) => new TextEncoder().encode(s);

export const BADUSB_STICK: DeviceInfo = {
  id: 'dbad', name: 'sdc', path: '/dev/sdc', vendor: 'USB', model: 'Flash Disk', size: 4026531840, bus: 'USB', kind: 'disk', removable: true, system: false,
  mountPoints: [], mountedReadWrite: false, backingFile: null,
  badUsb: { usbId: '1a86:e429', message: 'this USB device (1a86:e429) is not only storage', usbGuard: 'with-interface { 08:06:50 03:01:01 }' },
  interfaces: [
    { code: '08:06:50', what: 'mass storage', driver: 'usb-storage', suspicious: false },
    { code: '03:01:01', what: 'a keyboard (HID boot keyboard)', driver: 'usbhid', suspicious: true },
  ],
};
export const SYSTEM_DISK: DeviceInfo = {
  ...BADUSB_STICK, id: 'dsys', name: 'nvme0n1', path: '/dev/nvme0n1', vendor: null, model: 'Samsung SSD', bus: 'NVMe', removable: false, system: true,
  mountPoints: ['/', '/boot'], mountedReadWrite: true, badUsb: null, interfaces: [],
};

export interface FakeExtra {
  dirPage?: number;
  devices?: DeviceInfo[];
  /** Findings the scan answers with (also streamed as one `scan-findings` event). */
  findings?: FindingInfo[];
  /** Main reports mounting as available (default: not, as without FUSE). */
  mountAvailable?: boolean;
}

export function fakeClient(tree: FakeNode[], extra: FakeExtra = {}) {
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
        return [];
      case Channel.listDevices:
        return extra.devices ?? [];
      case Channel.openDevice:
        if (r.deviceId === 'dbad') return { ...source, id: 'src2', kind: 'device', name: 'USB Flash Disk', path: '/dev/sdc' };
        throw new ApiFailure('Io', '/dev/nvme0n1: permission denied (block devices are readable by root and the "disk" group)');
      case Channel.saveDeviceImage:
        return { taskId: r.taskId, kind: 'image', files: 1, dirs: 0, bytes: 4096, problems: [], folder: '/out/stick.img', sha256: 'cd'.repeat(32) };
      case Channel.scan: {
        const findings = extra.findings ?? [];
        listeners.forEach((l) => l({ type: 'scan-findings', taskId: r.taskId, findings }));
        await new Promise((res) => setTimeout(res, 10));
        return { taskId: r.taskId, sourceId: r.sourceId, volume: r.volume, findings, notes: [], entries: nodes.size, bytes: 100, dropped: 0 };
      }
      case Channel.exportReport:
        return '/out/report.html';
      case Channel.mountSupport:
        return extra.mountAvailable ? { available: true, reason: null } : { available: false, reason: 'FUSE support is not installed' };
      case Channel.mount:
        if (!extra.mountAvailable) throw new ApiFailure('Unsupported', 'mounting is not available here');
        return { sourceId: r.sourceId, volume: r.volume, path: `/run/user/1000/glovebox/STICK (${r.volume})` };
      case Channel.unmount:
        return null;
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
