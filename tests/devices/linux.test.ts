import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverLinux } from '../../core/devices/linux.js';
import { parseMountInfo } from '../../core/devices/mountinfo.js';
import type { DeviceRecord } from '../../core/devices/types.js';
import { materialise, type SysfsTree } from './sysfs-tree.js';

const byName = (list: DeviceRecord[], name: string) => {
  const d = list.find((x) => x.name === name);
  if (!d) throw new Error(`${name} not discovered`);
  return d;
};

describe('Linux discovery: a laptop (NVMe system disk, USB stick, SD reader, loop)', () => {
  let tree: SysfsTree;
  let list: DeviceRecord[];
  beforeAll(async () => {
    tree = materialise('linux-laptop.json');
    list = await discoverLinux({ sysRoot: tree.root, mountInfo: tree.mountInfo });
  });
  afterAll(() => tree.remove());

  it('lists every disk, the attached loop device, not the empty one', () => {
    expect(list.map((d) => d.name)).toEqual(['dm-0', 'loop0', 'mmcblk0', 'nvme0n1', 'sda', 'sdb']);
  });

  it('the USB stick: identity, partitions with offsets, its USB device, the mount', () => {
    const sda = byName(list, 'sda');
    expect(sda).toMatchObject({ path: '/dev/sda', kind: 'disk', bus: 'usb', removable: true, size: 30031872 * 512, vendor: 'SanDisk', model: 'Cruzer Blade', serial: '4C530001230518117342', system: false });
    expect(sda.partitions.map((p) => [p.path, p.number, p.offset, p.size, p.parent])).toEqual([
      ['/dev/sda1', 1, 2048 * 512, 20971520 * 512, '/dev/sda'],
      ['/dev/sda2', 2, 20973568 * 512, 9058304 * 512, '/dev/sda'],
    ]);
    expect(sda.partitions[0]!.mountPoints).toEqual([{ path: '/media/alice/MY STICK', fsType: 'vfat', readOnly: false }]);
    expect(sda.usb).toEqual({ id: '0781:5567', manufacturer: 'SanDisk', product: 'Cruzer Blade', serial: '4C530001230518117342', port: '2-1', interfaces: [{ number: 0, class: 8, subclass: 6, protocol: 0x50, driver: 'usb-storage' }] });
    expect(sda.warnings.map((w) => w.kind)).toEqual(['mounted']);
    expect(sda.warnings[0]!.message).toContain('read-write at /media/alice/MY STICK');
  });

  it('the SD card reader: USB, removable, one partition, not mounted, no warning', () => {
    const sdb = byName(list, 'sdb');
    expect(sdb).toMatchObject({ bus: 'usb', removable: true, vendor: 'Generic-', model: 'SD/MMC', serial: '20100201396000000', warnings: [] });
    expect(sdb.usb?.id).toBe('0bda:0158');
    expect(sdb.partitions).toHaveLength(1);
  });

  it('the built-in SD slot: mmc bus, the card\'s name and serial', () => {
    const mmc = byName(list, 'mmcblk0');
    expect(mmc).toMatchObject({ bus: 'mmc', model: 'SD32G', serial: '0x1f3a5c7e', usb: null, system: false, warnings: [] });
    expect(mmc.partitions.map((p) => [p.path, p.offset])).toEqual([['/dev/mmcblk0p1', 8192 * 512]]);
  });

  it('the NVMe disk is the system disk (root on LUKS through dm-0, /boot, /boot/efi)', () => {
    const nvme = byName(list, 'nvme0n1');
    expect(nvme).toMatchObject({ bus: 'nvme', removable: false, system: true, model: 'Samsung SSD 980 PRO 1TB', serial: 'S5GXNF0R912345A', usb: null });
    expect(nvme.partitions.map((p) => p.mountPoints.map((m) => m.path))).toEqual([['/boot/efi'], ['/boot'], ['/']]);
    expect(nvme.warnings.map((w) => w.kind)).toEqual(['system-disk', 'mounted']);
    expect(byName(list, 'dm-0')).toMatchObject({ bus: 'virtual', system: true });
  });

  it('the loop device: its backing file, read-only, mounted read-only', () => {
    const loop = byName(list, 'loop0');
    expect(loop).toMatchObject({ kind: 'loop', bus: 'virtual', readOnly: true, backingFile: '/var/lib/snapd/snaps/core22_1380.snap', size: 151464 * 512 });
    expect(loop.warnings[0]!.message).toContain('read-only at /snap/core22/1380');
  });
});

describe('Linux discovery: a stick with storage and a keyboard (BadUSB)', () => {
  it('is flagged with the USBGuard-style interface list', async () => {
    const tree = materialise('linux-badusb.json');
    try {
      const [sdc] = await discoverLinux({ sysRoot: tree.root, mountInfo: tree.mountInfo });
      expect(sdc!.usb!.interfaces.map((i) => [i.class, i.driver])).toEqual([[8, 'usb-storage'], [3, 'usbhid']]);
      expect(sdc!.warnings.map((w) => w.kind)).toEqual(['badusb']);
      expect(sdc!.warnings[0]!.message).toContain('with-interface { 08:06:50 03:01:01 }');
      expect(sdc!.warnings[0]!.message).toContain('a keyboard (HID boot keyboard)');
      expect(sdc!.warnings[0]!.message).toContain('can only warn');
      // No serial string at all: the disk has none.
      expect(sdc!.serial).toBeNull();
    } finally {
      tree.remove();
    }
  });
});

describe('Linux discovery: this machine, recorded (virtio root, loop device)', () => {
  it('finds the virtio system disk and the attached loop device', async () => {
    const tree = materialise('linux-vm.json');
    try {
      const list = await discoverLinux({ sysRoot: tree.root, mountInfo: tree.mountInfo });
      expect(list.map((d) => d.name)).toEqual(['loop0', 'vda']);
      expect(byName(list, 'vda')).toMatchObject({ bus: 'virtio', system: true, serial: 'overlayblk', removable: false });
      expect(byName(list, 'loop0')).toMatchObject({ kind: 'loop', readOnly: true, backingFile: '/tmp/dev-probe.img', size: 8 * 1024 * 1024 });
    } finally {
      tree.remove();
    }
  });
});

describe('hostile sysfs text', () => {
  it('bounds and cleans device strings; rejects malformed ids', async () => {
    const tree = materialise('linux-badusb.json');
    try {
      const { writeFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      const scsi = join(tree.root, 'devices/pci0000:00/0000:00:14.0/usb3/3-2/3-2:1.0/host2/target2:0:0/2:0:0:0');
      writeFileSync(join(scsi, 'model'), `\u001b[2J\u202eevil${'x'.repeat(10000)}`);
      writeFileSync(join(tree.root, 'devices/pci0000:00/0000:00:14.0/usb3/3-2/idVendor'), 'zzzz\n');
      const [sdc] = await discoverLinux({ sysRoot: tree.root, mountInfo: tree.mountInfo });
      expect(sdc!.model!.startsWith('[2Jevil')).toBe(true);
      expect(sdc!.model!.length).toBeLessThanOrEqual(128);
      // A USB device with an invalid id is not trusted as one: no USB record, no interface list.
      expect(sdc!.usb).toBeNull();
    } finally {
      tree.remove();
    }
  });

  it('mountinfo: octal escapes, optional fields, read-only, junk lines', () => {
    const m = parseMountInfo('36 35 98:0 /mnt1 /mnt\\0402 ro,noatime master:1 shared:2 - ext3 /dev/root rw\ngarbage\n\n1 2 x:y / / rw - a b c\n');
    expect(m).toEqual([{ devNumber: '98:0', mountPoint: '/mnt 2', fsType: 'ext3', source: '/dev/root', readOnly: true }]);
  });
});
