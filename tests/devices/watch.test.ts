import { describe, expect, it } from 'vitest';
import { diffDevices, watchDevices, type DeviceChange, type HotplugSource } from '../../core/devices/watch.js';
import type { DeviceRecord } from '../../core/devices/types.js';

const dev = (name: string, extra: Partial<DeviceRecord> = {}): DeviceRecord => ({
  path: `/dev/${name}`, name, kind: 'disk', parent: null, number: null, offset: 0, size: 1024, removable: true, readOnly: false,
  vendor: null, model: null, serial: null, bus: 'usb', partitions: [], mountPoints: [], system: false, usb: null, backingFile: null, warnings: [], ...extra,
});

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('device changes', () => {
  it('diff: added, removed, changed (a mount appearing)', () => {
    const a = dev('sda');
    const b = dev('sdb');
    const b2 = dev('sdb', { mountPoints: [{ path: '/media/x', fsType: 'vfat', readOnly: false }] });
    expect(diffDevices([a, b], [b2, dev('sdc')]).map((c) => [c.type, c.device.name])).toEqual([['removed', 'sda'], ['changed', 'sdb'], ['added', 'sdc']]);
    expect(diffDevices([a], [dev('sda')])).toEqual([]);
  });

  it('polls (at most every second) and reports the first scan as added', async () => {
    let now: DeviceRecord[] = [dev('sda')];
    const seen: DeviceChange[] = [];
    const w = watchDevices((c) => seen.push(c), { list: async () => now, pollMs: 20 });
    try {
      await w.ready;
      expect(seen.map((c) => c.type)).toEqual(['added']);
      now = [dev('sda'), dev('sdb')];
      await until(() => seen.length === 2);
      now = [dev('sdb')];
      await until(() => seen.length === 3);
      expect(seen.map((c) => `${c.type} ${c.device.name}`)).toEqual(['added sda', 'added sdb', 'removed sda']);
      expect(w.current.map((d) => d.name)).toEqual(['sdb']);
    } finally {
      w.stop();
    }
  });

  it('a hot-plug event triggers a re-scan after the settle delay, long before the poll', async () => {
    let fire = () => {};
    let stopped = false;
    const hotplug: HotplugSource = {
      start(onEvent) {
        fire = onEvent;
        return () => {
          stopped = true;
        };
      },
    };
    let now: DeviceRecord[] = [];
    let scans = 0;
    const seen: DeviceChange[] = [];
    // The poll interval is clamped to 1000 ms: the event must beat it.
    const w = watchDevices((c) => seen.push(c), { list: async () => (scans++, now), pollMs: 1000, settleMs: 30, hotplug });
    await w.ready;
    const t0 = Date.now();
    now = [dev('sdb')];
    fire();
    fire(); // a burst of events: one re-scan
    await until(() => seen.length === 1, 900);
    expect(Date.now() - t0).toBeLessThan(900);
    expect(scans).toBe(2);
    w.stop();
    expect(stopped).toBe(true);
  });

  it('a failing scan is reported and the watch goes on', async () => {
    let fail = true;
    const errors: unknown[] = [];
    const seen: DeviceChange[] = [];
    const w = watchDevices((c) => seen.push(c), { list: async () => { if (fail) throw new Error('sysfs gone'); return [dev('sda')]; }, pollMs: 20, onError: (e) => errors.push(e) });
    try {
      await w.ready;
      expect(errors).toHaveLength(1);
      fail = false;
      await until(() => seen.length === 1);
    } finally {
      w.stop();
    }
  });
});
