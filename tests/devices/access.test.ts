import { describe, expect, it } from 'vitest';
import { accessHint, describeOpenError, openWarnings } from '../../core/devices/access.js';
import { deviceRows } from '../../core/cli/commands/devices.js';
import { discoverLinux } from '../../core/devices/linux.js';
import { materialise } from './sysfs-tree.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('device access messages', () => {
  it('EACCES on a device says how to get access, per OS', async () => {
    expect(await describeOpenError('/dev/null', errno('EACCES'), 'linux')).toMatch(/^permission denied \(.*"disk" group.*sudo/);
    expect(await describeOpenError('/tmp/nonexistent.img', errno('EACCES'), 'linux')).toBe('permission denied');
    expect(await describeOpenError('\\\\.\\PHYSICALDRIVE1', errno('EPERM'), 'win32')).toContain('Run as administrator');
    expect(accessHint('darwin')).toContain('sudo');
    expect(await describeOpenError('/x', errno('ENOENT'))).toBe('no such file');
  });

  it('warns about a mounted partition, the system disk, and BadUSB', async () => {
    const laptop = materialise('linux-laptop.json');
    const bad = materialise('linux-badusb.json');
    try {
      const list = await discoverLinux({ sysRoot: laptop.root, mountInfo: laptop.mountInfo });
      const sda = list.find((d) => d.name === 'sda')!;
      expect(openWarnings('/dev/sda', { device: sda, disk: sda })).toEqual([
        '/dev/sda is mounted read-write by the OS at /media/alice/MY STICK: its kernel driver has already parsed it, and what Glovebox reads may change under it; unmount it first for a consistent view',
      ]);
      expect(openWarnings('/dev/sda2', { device: sda.partitions[1]!, disk: sda })).toEqual([]);
      const nvme = list.find((d) => d.name === 'nvme0n1')!;
      expect(openWarnings('/dev/nvme0n1p1', { device: nvme.partitions[0]!, disk: nvme })[1]).toBe('/dev/nvme0n1p1 is the system disk (or part of it)');
      const [sdc] = await discoverLinux({ sysRoot: bad.root, mountInfo: bad.mountInfo });
      expect(openWarnings('/dev/sdc1', { device: sdc!.partitions[0]!, disk: sdc! })[0]).toMatch(/^\/dev\/sdc1: this USB device \(1a86:e429\) is not only storage/);
      // The table: one row per disk and partition, the BadUSB flag in the notes.
      const rows = deviceRows([sdc!, ...list]);
      expect(rows[0]).toMatch(/^device\s+size\s+vendor\/model\s+bus\s+removable\s+mounted\s+notes$/);
      expect(rows[1]).toMatch(/^\/dev\/sdc\s+3\.8 GiB\s+USB Flash Disk\s+usb\s+yes\s+-\s+BADUSB WARNING$/);
      expect(rows.find((r) => r.startsWith('  /dev/sda1'))).toMatch(/\/media\/alice\/MY STICK$/);
    } finally {
      laptop.remove();
      bad.remove();
    }
  });
});
