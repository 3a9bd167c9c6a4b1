// The app's device watcher over recorded sysfs trees: what the renderer gets (the few facts the
// sidebar shows, opaque ids, the BadUSB warning with its interfaces), and opening only what it
// listed, with the access message when the device cannot be read.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverLinux } from '../../core/devices/linux.js';
import type { DeviceRecord } from '../../core/devices/types.js';
import { deviceId, DeviceWatcher } from '../../electron/main/devices.js';
import type { DeviceInfo } from '../../electron/shared/api.js';
import { materialise, type SysfsTree } from '../devices/sysfs-tree.js';

let trees: SysfsTree[];
const list = async () => {
  const all: DeviceRecord[] = [];
  for (const t of trees) all.push(...(await discoverLinux({ sysRoot: t.root, mountInfo: t.mountInfo })));
  return all;
};

beforeAll(() => {
  trees = ['linux-laptop.json', 'linux-badusb.json'].map(materialise);
});
afterAll(() => trees.forEach((t) => t.remove()));

describe('the app’s devices', () => {
  it('lists disks and loop devices (not partitions) with opaque ids, sticks first and the system disk last', async () => {
    const w = new DeviceWatcher({ onChange: () => undefined, list, hotplug: null });
    try {
      const devices = await w.list();
      expect(devices.map((d) => d.name)).toEqual(['sda', 'sdb', 'sdc', 'mmcblk0', 'loop0', 'dm-0', 'nvme0n1']);
      for (const d of devices) {
        expect(d.id).toMatch(/^d[0-9a-f]{24}$/);
        expect(d.id).toBe(deviceId(d.path));
      }
      const sda = devices.find((d) => d.name === 'sda')!;
      expect(sda).toMatchObject({ vendor: 'SanDisk', model: 'Cruzer Blade', bus: 'USB', removable: true, system: false, mountPoints: ['/media/alice/MY STICK'], mountedReadWrite: true, badUsb: null });
      expect(sda.interfaces).toEqual([{ code: '08:06:50', what: 'mass storage', driver: 'usb-storage', suspicious: false }]);
      expect(devices.find((d) => d.name === 'nvme0n1')).toMatchObject({ system: true, bus: 'NVMe' });
      expect(devices.find((d) => d.name === 'loop0')).toMatchObject({ kind: 'loop', bus: 'Loop device' });
      expect(devices.find((d) => d.name === 'mmcblk0')).toMatchObject({ bus: 'SD card' });
    } finally {
      w.stop();
    }
  });

  it('flags a stick that is also a keyboard, with its interfaces in USBGuard form', async () => {
    const w = new DeviceWatcher({ onChange: () => undefined, list, hotplug: null });
    try {
      const sdc = (await w.list()).find((d) => d.name === 'sdc')!;
      expect(sdc.badUsb).toMatchObject({ usbId: '1a86:e429', usbGuard: 'with-interface { 08:06:50 03:01:01 }' });
      expect(sdc.badUsb!.message).toContain('a keyboard');
      expect(sdc.interfaces.filter((i) => i.suspicious)).toEqual([{ code: '03:01:01', what: 'a keyboard (HID boot keyboard)', driver: 'usbhid', suspicious: true }]);
    } finally {
      w.stop();
    }
  });

  it('pushes snapshots as devices come and go', async () => {
    const seen: DeviceInfo[][] = [];
    let withStick = true;
    const w = new DeviceWatcher({ onChange: (d) => seen.push(d), list: async () => (await list()).filter((d) => withStick || d.name !== 'sdc'), hotplug: null, pollMs: 20 });
    try {
      await w.list();
      withStick = false;
      const t0 = Date.now();
      while (!seen.some((s) => !s.some((d) => d.name === 'sdc')) && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 10));
      expect(seen.at(-1)!.map((d) => d.name)).not.toContain('sdc');
      await expect(w.open(deviceId('/dev/sdc'))).rejects.toThrow('no longer connected');
    } finally {
      w.stop();
    }
  });

  it('opens only listed devices; a refused open says why in one line', async () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const w = new DeviceWatcher({ onChange: () => undefined, list, hotplug: null, openBytes: async () => Promise.reject(denied) });
    try {
      await w.list();
      await expect(w.open('dffffffffffffffffffffffff')).rejects.toMatchObject({ kind: 'NotFound' });
      await expect(w.open(deviceId('/dev/sda'))).rejects.toMatchObject({ kind: 'Io', message: expect.stringMatching(/^\/dev\/sda: permission denied/) });
    } finally {
      w.stop();
    }
  });
});
