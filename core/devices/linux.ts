// Linux discovery from sysfs (Documentation/ABI/stable/sysfs-block, sysfs-bus-usb) and
// /proc/self/mountinfo, without opening any device. The sysfs root and the mountinfo text are
// injectable so that tests run from recorded trees (tests/fixtures/devices).
//
//   /sys/block/<disk>                -> ../devices/<bus path>/block/<disk>
//   <disk>/{size,removable,ro,dev}    size in 512-byte sectors, whatever the logical block size
//   <disk>/<disk><n>/{partition,start,size,ro,dev}   one directory per partition
//   <disk>/device                     -> the SCSI/NVMe/MMC/virtio device: vendor, model, serial
//   <disk>/loop/backing_file          loop devices
//   <disk>/slaves/*                   what a dm/md device is built on
//   a USB ancestor directory has idVendor, idProduct, manufacturer, product, serial, and one
//   subdirectory per interface (<port>:<config>.<n>) with bInterfaceClass/SubClass/Protocol.

import { open, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { withWarnings } from './badusb.js';
import { parseMountInfo, SYSTEM_MOUNT_POINTS, type MountEntry } from './mountinfo.js';
import { cleanLabel, type DeviceBus, type DeviceRecord, type MountPoint, type UsbDevice, type UsbInterface } from './types.js';

export interface LinuxDiscoveryOptions {
  /** Where sysfs is mounted (default `/sys`). */
  sysRoot?: string;
  /** The text of /proc/self/mountinfo (default: read it). */
  mountInfo?: string;
}

/** A sysfs attribute is at most one page; more is not sysfs. */
const MAX_ATTR_BYTES = 4096;
/** Bounds on what one scan walks. */
const MAX_BLOCK_DEVICES = 1024;
const MAX_PARTITIONS = 256;
const MAX_USB_INTERFACES = 32;
const MAX_ANCESTOR_LEVELS = 32;
const MAX_SLAVE_DEPTH = 8;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:+!-]{0,63}$/;

async function readAttr(path: string): Promise<string | null> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(MAX_ATTR_BYTES);
    const { bytesRead } = await fh.read(buf, 0, MAX_ATTR_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('utf8').replace(/\n$/, '');
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

async function readInt(path: string, radix: 10 | 16 = 10): Promise<number | null> {
  const t = (await readAttr(path))?.trim();
  if (t === undefined) return null;
  if (radix === 10 ? !/^\d{1,19}$/.test(t) : !/^(0x)?[0-9a-fA-F]{1,8}$/.test(t)) return null;
  const n = radix === 10 ? Number(t) : parseInt(t.replace(/^0x/, ''), 16);
  return Number.isSafeInteger(n) ? n : null;
}

async function list(dir: string, max: number): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => NAME.test(n)).sort().slice(0, max);
  } catch {
    return [];
  }
}

async function real(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch {
    return null;
  }
}

function busFromPath(devPath: string, usb: UsbDevice | null): DeviceBus {
  if (usb) return 'usb';
  const p = devPath.split(sep).join('/');
  if (p.includes('/devices/virtual/')) return 'virtual';
  if (/\/nvme\d+\//.test(p) || p.includes('/nvme-subsys')) return 'nvme';
  if (p.includes('/mmc_host/') || /\/mmc\d+\//.test(p)) return 'mmc';
  if (/\/ata\d+\//.test(p)) return 'sata';
  if (/\/virtio\d+\//.test(p)) return 'virtio';
  if (/\/fw\d+|\/firewire/.test(p)) return 'firewire';
  if (/\/host\d+\//.test(p)) return 'scsi';
  return 'unknown';
}

async function usbInterface(dir: string): Promise<UsbInterface | null> {
  const cls = await readInt(join(dir, 'bInterfaceClass'), 16);
  const sub = await readInt(join(dir, 'bInterfaceSubClass'), 16);
  const proto = await readInt(join(dir, 'bInterfaceProtocol'), 16);
  const num = await readInt(join(dir, 'bInterfaceNumber'), 16);
  if (cls === null || sub === null || proto === null || cls > 255 || sub > 255 || proto > 255) return null;
  let driver: string | null = null;
  try {
    driver = cleanLabel(basename(await readlink(join(dir, 'driver'))));
  } catch {
    // no driver bound
  }
  return { number: num !== null && num <= 255 ? num : 0, class: cls, subclass: sub, protocol: proto, driver };
}

/** The USB device above a block device's sysfs directory, if any. */
async function usbAncestor(start: string, devicesRoot: string): Promise<UsbDevice | null> {
  let dir = start;
  for (let level = 0; level < MAX_ANCESTOR_LEVELS && dir.startsWith(devicesRoot + sep); level++, dir = dirname(dir)) {
    const vid = (await readAttr(join(dir, 'idVendor')))?.trim().toLowerCase();
    if (vid === undefined) continue;
    const pid = (await readAttr(join(dir, 'idProduct')))?.trim().toLowerCase();
    if (!/^[0-9a-f]{4}$/.test(vid) || pid === undefined || !/^[0-9a-f]{4}$/.test(pid)) return null;
    const port = basename(dir);
    const interfaces: UsbInterface[] = [];
    const prefix = `${port}:`;
    for (const n of await list(dir, 4096)) {
      if (!n.startsWith(prefix) || !/^\d+\.\d+$/.test(n.slice(prefix.length))) continue;
      const i = await usbInterface(join(dir, n));
      if (i) interfaces.push(i);
      if (interfaces.length >= MAX_USB_INTERFACES) break;
    }
    interfaces.sort((a, b) => a.number - b.number);
    return {
      id: `${vid}:${pid}`,
      manufacturer: cleanLabel(await readAttr(join(dir, 'manufacturer'))),
      product: cleanLabel(await readAttr(join(dir, 'product'))),
      serial: cleanLabel(await readAttr(join(dir, 'serial'))),
      port: /^[0-9][0-9.-]{0,31}$/.test(port) ? port : null,
      interfaces,
    };
  }
  return null;
}

interface Identity {
  vendor: string | null;
  model: string | null;
  serial: string | null;
}

async function identity(blockDir: string, bus: DeviceBus, usb: UsbDevice | null): Promise<Identity> {
  const dev = join(blockDir, 'device');
  let vendor = cleanLabel(await readAttr(join(dev, 'vendor')));
  // virtio and NVMe give a PCI vendor id there, not a name.
  if (vendor !== null && /^0x[0-9a-f]{4}$/i.test(vendor)) vendor = bus === 'virtio' ? 'virtio' : null;
  let model = cleanLabel(await readAttr(join(dev, 'model')));
  if (bus === 'mmc') model ??= cleanLabel(await readAttr(join(dev, 'name')));
  const serial = cleanLabel(await readAttr(join(blockDir, 'serial'))) ?? cleanLabel(await readAttr(join(dev, 'serial'))) ?? usb?.serial ?? null;
  if (usb) {
    vendor ??= usb.manufacturer;
    model ??= usb.product;
  }
  return { vendor, model, serial };
}

/** Which block devices each mount really sits on (through dm/md `slaves`), by name. */
async function mountsByDevice(sysRoot: string, mounts: MountEntry[]): Promise<Map<string, MountPoint[]>> {
  const byName = new Map<string, MountPoint[]>();
  const add = (name: string, m: MountEntry) => {
    const list_ = byName.get(name) ?? [];
    if (!list_.some((x) => x.path === m.mountPoint)) list_.push({ path: m.mountPoint, fsType: m.fsType, readOnly: m.readOnly });
    byName.set(name, list_);
  };
  const resolveCache = new Map<string, string[]>();
  const under = async (name: string, depth: number): Promise<string[]> => {
    const slaves = await list(join(sysRoot, 'class', 'block', name, 'slaves'), 64);
    if (slaves.length === 0 || depth >= MAX_SLAVE_DEPTH) return [name];
    const out = [name];
    for (const s of slaves) out.push(...(await under(s, depth + 1)));
    return out;
  };
  for (const m of mounts) {
    let names = resolveCache.get(m.devNumber);
    if (!names) {
      const target = await real(join(sysRoot, 'dev', 'block', m.devNumber));
      names = target ? await under(basename(target), 0) : [];
      // btrfs and friends report an anonymous 0:N; the source still names the device.
      if (names.length === 0 && m.source.startsWith('/dev/') && NAME.test(basename(m.source))) names = await under(basename(m.source), 0);
      resolveCache.set(m.devNumber, names);
    }
    for (const n of names) add(n, m);
  }
  return byName;
}

interface Base {
  name: string;
  readOnly: boolean;
  size: number;
}

async function base(dir: string, name: string): Promise<Base | null> {
  const sectors = await readInt(join(dir, 'size'));
  if (sectors === null || !Number.isSafeInteger(sectors * 512)) return null;
  return { name, size: sectors * 512, readOnly: (await readAttr(join(dir, 'ro')))?.trim() === '1' };
}

export async function discoverLinux(o: LinuxDiscoveryOptions = {}): Promise<DeviceRecord[]> {
  const sysRoot = (await real(o.sysRoot ?? '/sys')) ?? o.sysRoot ?? '/sys';
  const devicesRoot = join(sysRoot, 'devices');
  let mountText = o.mountInfo;
  if (mountText === undefined) {
    try {
      mountText = (await readFile('/proc/self/mountinfo', 'utf8')).slice(0, 16 * 1024 * 1024);
    } catch {
      mountText = '';
    }
  }
  const mounts = await mountsByDevice(sysRoot, parseMountInfo(mountText));
  const out: DeviceRecord[] = [];
  for (const name of await list(join(sysRoot, 'block'), MAX_BLOCK_DEVICES)) {
    if (/^(ram|zram)\d+$/.test(name)) continue;
    const dir = await real(join(sysRoot, 'block', name));
    if (!dir || !dir.startsWith(devicesRoot + sep)) continue;
    const b = await base(dir, name);
    if (!b) continue;
    const isLoop = /^loop\d+$/.test(name);
    const removable = (await readAttr(join(dir, 'removable')))?.trim() === '1';
    // An unattached loop device, or an empty fixed slot, is not a disk to show.
    if (b.size === 0 && (isLoop || !removable)) continue;
    const devDir = await real(join(dir, 'device'));
    const usb = await usbAncestor(devDir ?? dir, devicesRoot);
    const bus = busFromPath(dir, usb);
    const id = await identity(dir, bus, usb);
    const path = `/dev/${name}`;
    const partitions: DeviceRecord[] = [];
    for (const pn of await list(dir, 4096)) {
      if (!pn.startsWith(name)) continue;
      const number = await readInt(join(dir, pn, 'partition'));
      if (number === null) continue;
      const pb = await base(join(dir, pn), pn);
      const start = await readInt(join(dir, pn, 'start'));
      if (!pb || start === null || !Number.isSafeInteger(start * 512)) continue;
      partitions.push({
        path: `/dev/${pn}`, name: pn, kind: 'partition', parent: path, number, offset: start * 512, size: pb.size,
        removable, readOnly: pb.readOnly || b.readOnly, vendor: id.vendor, model: id.model, serial: id.serial, bus,
        partitions: [], mountPoints: mounts.get(pn) ?? [], system: false, usb, backingFile: null, warnings: [],
      });
      if (partitions.length >= MAX_PARTITIONS) break;
    }
    partitions.sort((a, b2) => (a.number ?? 0) - (b2.number ?? 0));
    const mountPoints = mounts.get(name) ?? [];
    const system = [...mountPoints, ...partitions.flatMap((p) => p.mountPoints)].some((m) => SYSTEM_MOUNT_POINTS.includes(m.path));
    for (const p of partitions) p.system = system;
    out.push(withWarnings({
      path, name, kind: isLoop ? 'loop' : 'disk', parent: null, number: null, offset: 0, size: b.size, removable,
      readOnly: b.readOnly, vendor: isLoop ? null : id.vendor, model: isLoop ? null : id.model, serial: isLoop ? null : id.serial,
      bus: isLoop ? 'virtual' : bus, partitions, mountPoints, system, usb, backingFile: isLoop ? cleanBackingFile(await readAttr(join(dir, 'loop', 'backing_file'))) : null,
      warnings: [],
    }));
  }
  return out;
}

function cleanBackingFile(text: string | null): string | null {
  if (text === null) return null;
  const t = text.slice(0, 4096);
  return t === '' ? null : t;
}
