// macOS discovery from `diskutil list -plist` (the disks, their partitions, APFS containers)
// and `diskutil info -plist <disk>` (bus, removable, internal, media name, size, mount point).
// Keys as diskutil writes them; anything missing or of the wrong type is left unknown.
//
// The USB side comes from IOKit's registry: `ioreg -a -l -r -c IOUSBHostDevice` lists each USB
// device with its properties (idVendor, idProduct, the strings) and its subtree: the
// IOUSBHostInterface children (bInterfaceClass/SubClass/Protocol) and, deep below the mass
// storage interface, the IOMedia objects with their "BSD Name" (disk4). That ties a disk to
// its USB device and interfaces without opening anything. Not available: partition offsets.

import { withWarnings } from './badusb.js';
import { isDict, parsePlist, type PlistDict, type PlistValue } from './plist.js';
import { cleanLabel, type CommandRunner, type DeviceBus, type DeviceRecord, type MountPoint, type UsbDevice, type UsbInterface } from './types.js';

const MAX_DISKS = 64;
const MAX_PARTITIONS = 128;
const DISK_ID = /^disk\d{1,4}(s\d{1,4}){0,2}$/;

const str = (d: PlistDict, k: string): string | null => (typeof d[k] === 'string' ? (d[k] as string) : null);
const num = (d: PlistDict, k: string): number | null => {
  const v = d[k];
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
};
const bool = (d: PlistDict, k: string): boolean | null => (typeof d[k] === 'boolean' ? (d[k] as boolean) : null);
const arr = (d: PlistDict, k: string): PlistValue[] => (Array.isArray(d[k]) ? (d[k] as PlistValue[]) : []);

function busOf(protocol: string | null): DeviceBus {
  switch (protocol) {
    case 'USB': return 'usb';
    case 'SATA': return 'sata';
    case 'PCI-Express': case 'PCI': case 'Apple Fabric': case 'NVMe': return 'nvme';
    case 'Secure Digital': return 'mmc';
    case 'Disk Image': return 'image';
    case 'Thunderbolt': return 'thunderbolt';
    case 'FireWire': return 'firewire';
    case 'SAS': case 'SCSI': case 'Fibre Channel Interface': return 'scsi';
    case 'Virtual Interface': return 'virtual';
    default: return 'unknown';
  }
}

/** Whole disks that hold the running system: the physical stores of the APFS container with `/`. */
function systemDisks(list: PlistDict): Set<string> {
  const out = new Set<string>();
  const isSystemMount = (m: string | null) => m === '/' || (m !== null && m.startsWith('/System/Volumes/'));
  for (const entry of arr(list, 'AllDisksAndPartitions').slice(0, MAX_DISKS)) {
    if (!isDict(entry)) continue;
    const id = str(entry, 'DeviceIdentifier');
    const volumes = [...arr(entry, 'APFSVolumes'), ...arr(entry, 'Partitions')].filter(isDict);
    if (!id || !(isSystemMount(str(entry, 'MountPoint')) || volumes.some((v) => isSystemMount(str(v, 'MountPoint'))))) continue;
    out.add(id);
    for (const store of arr(entry, 'APFSPhysicalStores').filter(isDict)) {
      const s = str(store, 'DeviceIdentifier');
      if (s && DISK_ID.test(s)) out.add(s.replace(/s\d+(s\d+)?$/, ''));
    }
  }
  return out;
}

function mountOf(info: PlistDict): MountPoint[] {
  const m = str(info, 'MountPoint');
  if (!m) return [];
  const writable = bool(info, 'WritableVolume') ?? bool(info, 'Writable') ?? true;
  return [{ path: m, fsType: cleanLabel(str(info, 'FilesystemType')), readOnly: !writable }];
}

const MAX_IOREG_NODES = 200_000;
const MAX_IOREG_DEPTH = 64;
const MAX_INTERFACES = 32;

const byte = (d: PlistDict, k: string): number | null => {
  const v = num(d, k);
  return v !== null && v <= 255 ? v : null;
};

/** Whole disks (by BSD name) below each USB device in `ioreg -a -l -r -c IOUSBHostDevice`. */
export function usbDevicesByDisk(ioreg: PlistValue): Map<string, UsbDevice> {
  const out = new Map<string, UsbDevice>();
  let visited = 0;
  const roots = Array.isArray(ioreg) ? ioreg : [ioreg];
  for (const root of roots.slice(0, 1024)) {
    if (!isDict(root)) continue;
    const vid = num(root, 'idVendor');
    const pid = num(root, 'idProduct');
    if (vid === null || pid === null || vid > 0xffff || pid > 0xffff) continue;
    const interfaces: UsbInterface[] = [];
    for (const c of arr(root, 'IORegistryEntryChildren').filter(isDict)) {
      const cls = byte(c, 'bInterfaceClass');
      const sub = byte(c, 'bInterfaceSubClass');
      const proto = byte(c, 'bInterfaceProtocol');
      if (cls === null || sub === null || proto === null || interfaces.length >= MAX_INTERFACES) continue;
      interfaces.push({ number: byte(c, 'bInterfaceNumber') ?? 0, class: cls, subclass: sub, protocol: proto, driver: null });
    }
    interfaces.sort((a, b) => a.number - b.number);
    const hex = (n: number) => n.toString(16).padStart(4, '0');
    const usb: UsbDevice = {
      id: `${hex(vid)}:${hex(pid)}`,
      manufacturer: cleanLabel(str(root, 'USB Vendor Name') ?? str(root, 'kUSBVendorString')),
      product: cleanLabel(str(root, 'USB Product Name') ?? str(root, 'kUSBProductString')),
      serial: cleanLabel(str(root, 'USB Serial Number') ?? str(root, 'kUSBSerialNumberString')),
      port: null,
      interfaces,
    };
    // Depth-first through the subtree, bounded in depth and in nodes overall.
    const stack: Array<[PlistDict, number]> = [[root, 0]];
    while (stack.length > 0 && visited < MAX_IOREG_NODES) {
      const [node, depth] = stack.pop()!;
      visited++;
      const bsd = str(node, 'BSD Name');
      if (bsd !== null && /^disk\d{1,4}$/.test(bsd) && !out.has(bsd)) out.set(bsd, usb);
      if (depth >= MAX_IOREG_DEPTH) continue;
      for (const c of arr(node, 'IORegistryEntryChildren')) if (isDict(c)) stack.push([c, depth + 1]);
    }
  }
  return out;
}

async function usbMap(run: CommandRunner): Promise<Map<string, UsbDevice>> {
  try {
    return usbDevicesByDisk(parsePlist(await run('ioreg', ['-a', '-l', '-r', '-c', 'IOUSBHostDevice'])));
  } catch {
    return new Map();
  }
}

async function info(run: CommandRunner, id: string): Promise<PlistDict | null> {
  try {
    const v = parsePlist(await run('diskutil', ['info', '-plist', id]));
    return isDict(v) ? v : null;
  } catch {
    return null;
  }
}

export async function discoverMacos(run: CommandRunner): Promise<DeviceRecord[]> {
  const list = parsePlist(await run('diskutil', ['list', '-plist']));
  if (!isDict(list)) throw new Error('diskutil list -plist: not a dictionary');
  const system = systemDisks(list);
  const usbDevices = await usbMap(run);
  const out: DeviceRecord[] = [];
  for (const entry of arr(list, 'AllDisksAndPartitions').slice(0, MAX_DISKS)) {
    if (!isDict(entry)) continue;
    const id = str(entry, 'DeviceIdentifier');
    if (!id || !/^disk\d{1,4}$/.test(id)) continue;
    const d = await info(run, id);
    if (!d) continue;
    // APFS containers are synthesized views of a physical store listed on its own.
    if (str(d, 'VirtualOrPhysical') === 'Virtual' && str(d, 'BusProtocol') !== 'Disk Image') continue;
    const bus = busOf(str(d, 'BusProtocol'));
    const removable = bool(d, 'RemovableMedia') === true || bool(d, 'Removable') === true || bool(d, 'Internal') === false;
    const isSystem = system.has(id) || (bool(d, 'OSInternalMedia') === true && system.size === 0);
    const path = str(d, 'DeviceNode') ?? `/dev/${id}`;
    const model = cleanLabel(str(d, 'MediaName')?.replace(/ Media$/, '') ?? str(d, 'IORegistryEntryName'));
    const usb = usbDevices.get(id) ?? null;
    const vendor = usb?.manufacturer ?? null;
    const serial = usb?.serial ?? null;
    const partitions: DeviceRecord[] = [];
    for (const p of arr(entry, 'Partitions').filter(isDict).slice(0, MAX_PARTITIONS)) {
      const pid = str(p, 'DeviceIdentifier');
      if (!pid || !DISK_ID.test(pid) || !pid.startsWith(`${id}s`)) continue;
      const pi = (await info(run, pid)) ?? p;
      partitions.push({
        path: str(pi, 'DeviceNode') ?? `/dev/${pid}`, name: pid, kind: 'partition', parent: path,
        number: Number(pid.slice(id.length + 1)), offset: null, size: num(pi, 'Size') ?? num(p, 'Size') ?? 0,
        removable, readOnly: bool(pi, 'WritableMedia') === false, vendor, model, serial, bus,
        partitions: [], mountPoints: mountOf(pi), system: isSystem, usb, backingFile: null, warnings: [],
      });
    }
    out.push(withWarnings({
      path, name: id, kind: bus === 'image' ? 'loop' : 'disk', parent: null, number: null, offset: 0,
      size: num(d, 'TotalSize') ?? num(d, 'Size') ?? 0, removable, readOnly: bool(d, 'WritableMedia') === false,
      vendor, model, serial, bus: usb ? 'usb' : bus, partitions, mountPoints: mountOf(d), system: isSystem, usb,
      backingFile: null, warnings: [],
    }));
  }
  return out;
}
