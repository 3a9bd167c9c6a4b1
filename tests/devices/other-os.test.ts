import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { discoverMacos } from '../../core/devices/macos.js';
import { parsePlist, PlistError } from '../../core/devices/plist.js';
import { discoverWindows } from '../../core/devices/windows.js';
import type { CommandRunner } from '../../core/devices/types.js';
import { fixturePath } from '../conformance/harness.js';

const fx = (rel: string) => readFileSync(fixturePath(`devices/${rel}`), 'utf8');

/** diskutil as recorded: `list -plist`, and `info -plist <id>` where a recording exists; ioreg's USB tree. */
const macos = (ioreg: string | null): CommandRunner => async (command, args) => {
  if (command === 'ioreg') {
    expect(args).toEqual(['-a', '-l', '-r', '-c', 'IOUSBHostDevice']);
    if (ioreg === null) throw new Error('ioreg: not found');
    return fx(`macos/${ioreg}`);
  }
  expect(command).toBe('diskutil');
  if (args.join(' ') === 'list -plist') return fx('macos/diskutil-list.plist');
  if (args[0] === 'info' && args[1] === '-plist') {
    try {
      return fx(`macos/diskutil-info-${args[2]}.plist`);
    } catch {
      throw new Error(`Could not find disk: ${args[2]}`);
    }
  }
  throw new Error(`unexpected diskutil ${args.join(' ')}`);
};

describe('macOS discovery (recorded diskutil output)', () => {
  it('lists the internal disk as the system disk, the USB stick, the attached disk image; not the APFS container', async () => {
    const list = await discoverMacos(macos('ioreg-usb.plist'));
    expect(list.map((d) => [d.name, d.kind, d.bus, d.removable, d.system])).toEqual([
      ['disk0', 'disk', 'nvme', false, true],
      ['disk4', 'disk', 'usb', true, false],
      ['disk5', 'loop', 'image', true, false],
    ]);
    const stick = list[1]!;
    expect(stick).toMatchObject({ path: '/dev/disk4', size: 15376318464, vendor: 'SanDisk', model: 'SanDisk Cruzer Blade', serial: '4C530001230518117342' });
    expect(stick.usb).toEqual({ id: '0781:5567', manufacturer: 'SanDisk', product: 'Cruzer Blade', serial: '4C530001230518117342', port: null, interfaces: [{ number: 0, class: 8, subclass: 6, protocol: 0x50, driver: null }] });
    expect(list[0]!.usb).toBeNull();
    expect(stick.partitions.map((p) => [p.path, p.number, p.size, p.offset])).toEqual([['/dev/disk4s1', 1, 15374221312, null]]);
    expect(stick.partitions[0]!.mountPoints).toEqual([{ path: '/Volumes/MY STICK', fsType: 'msdos', readOnly: false }]);
    expect(stick.warnings.map((w) => w.kind)).toEqual(['mounted']);
    expect(list[0]!.partitions).toHaveLength(3);
    expect(list[0]!.warnings.map((w) => w.kind)).toEqual(['system-disk']);
    expect(list[2]!.readOnly).toBe(true);
  });
});

describe('macOS BadUSB correlation (recorded ioreg USB tree)', () => {
  it('a stick whose USB device also has a keyboard interface is flagged; the real keyboard is not a disk', async () => {
    const list = await discoverMacos(macos('ioreg-usb-badusb.plist'));
    const stick = list.find((d) => d.name === 'disk4')!;
    expect(stick.warnings.map((w) => w.kind)).toEqual(['badusb', 'mounted']);
    expect(stick.warnings[0]!.message).toContain('with-interface { 08:06:50 03:01:01 }');
    expect(list.filter((d) => d.usb !== null).map((d) => d.name)).toEqual(['disk4']);
  });

  it('without ioreg, discovery still works (no USB details)', async () => {
    const list = await discoverMacos(macos(null));
    expect(list.find((d) => d.name === 'disk4')).toMatchObject({ bus: 'usb', usb: null, serial: null });
  });
});

describe('plist reader', () => {
  it('reads the value types and entities', () => {
    const v = parsePlist('<?xml version="1.0"?><plist version="1.0"><dict><key>a&amp;b</key><array><integer>-3</integer><real>1.5</real><true/><false/><string/><string>x&lt;&#x41;&#66;</string><date>2024-01-01T00:00:00Z</date><data>AAE=</data><dict/><array/></array></dict></plist>');
    expect(v).toEqual({ 'a&b': [-3, 1.5, true, false, '', 'x<AB', '2024-01-01T00:00:00Z', 'AAE=', {}, []] });
  });

  it('refuses malformed, unknown and too deep input with its own error', () => {
    for (const bad of [
      '',
      '<plist><dict><key>a</key></dict></plist>',
      '<plist><dict><string>a</string></dict></plist>',
      '<plist><foo/></plist>',
      '<plist><integer>1e5</integer></plist>',
      '<plist><string>a<b/></string></plist>',
      '<plist><array>',
      `<plist>${'<array>'.repeat(100)}${'</array>'.repeat(100)}</plist>`,
      '<plist><true/></plist><plist>',
    ]) {
      expect(() => parsePlist(bad), bad.slice(0, 40)).toThrow(PlistError);
    }
  });

  it('a key named __proto__ stays data', () => {
    const v = parsePlist('<plist><dict><key>__proto__</key><dict><key>polluted</key><true/></dict></dict></plist>') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('Windows discovery (recorded PowerShell output)', () => {
  const ps = (disks: string, parts: string): CommandRunner => async (command, args) => {
    expect(command).toBe('powershell.exe');
    const script = args[args.length - 1]!;
    if (script.startsWith('Get-Disk ')) return fx(`windows/${disks}`);
    if (script.startsWith('Get-Partition ')) return fx(`windows/${parts}`);
    throw new Error(script);
  };

  it('the NVMe boot disk and a USB stick with its drive letter', async () => {
    const list = await discoverWindows(ps('get-disk.json', 'get-partition.json'));
    expect(list.map((d) => [d.path, d.bus, d.removable, d.system])).toEqual([
      ['\\\\.\\PHYSICALDRIVE0', 'nvme', false, true],
      ['\\\\.\\PHYSICALDRIVE1', 'usb', true, false],
    ]);
    const stick = list[1]!;
    expect(stick).toMatchObject({ vendor: 'SanDisk', model: 'Cruzer Blade', serial: '4C530001230518117342', size: 15376318464 });
    expect(stick.partitions.map((p) => [p.path, p.offset, p.size, p.mountPoints.map((m) => m.path)])).toEqual([['\\\\.\\Harddisk1Partition1', 1048576, 15375269888, ['E:\\']]]);
    expect(list[0]!.partitions.map((p) => p.mountPoints.map((m) => m.path))).toEqual([[], [], ['C:\\']]);
    expect(list[0]!.warnings.map((w) => w.kind)).toEqual(['system-disk', 'mounted']);
  });

  it('one disk (an object, not an array), BusType by name, a numeric drive letter, a folder mount', async () => {
    const [sd] = await discoverWindows(ps('get-disk-one.json', 'get-partition-one.json'));
    expect(sd).toMatchObject({ name: 'PhysicalDrive2', bus: 'usb', readOnly: true, serial: null });
    expect(sd!.partitions[0]!.mountPoints.map((m) => m.path)).toEqual(['F:\\', 'C:\\mnt\\sd\\']);
  });

  it('junk in the output is skipped, not trusted', async () => {
    const run: CommandRunner = async (_c, args) => (args[args.length - 1]!.startsWith('Get-Disk') ? '[{"Number":"0"},{"Number":-1},null,7,{"Number":3,"Size":1e300,"BusType":{"x":1}}]' : '');
    const list = await discoverWindows(run);
    expect(list.map((d) => [d.name, d.size, d.bus])).toEqual([['PhysicalDrive3', 0, 'unknown']]);
  });
});
