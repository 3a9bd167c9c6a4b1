// Windows discovery from PowerShell's Storage module (MSFT_Disk, MSFT_Partition), run as
//   Get-Disk | Select-Object <fields> | ConvertTo-Json -Depth 2 -Compress
//   Get-Partition | Select-Object <fields> | ConvertTo-Json -Depth 2 -Compress
// ConvertTo-Json writes one object (not an array) when there is one item, enums as numbers
// (BusType 7 = USB) in Windows PowerShell 5.1 and sometimes as names, [char] drive letters as
// one-character strings ("\u0000" when none): all of these are accepted.
//
// Not available here: the USB device's interfaces (that needs the PnP tree, Get-PnpDevice and
// its parent's compatible ids): the BadUSB check is Linux-only for now.

import { withWarnings } from './badusb.js';
import { cleanLabel, type CommandRunner, type DeviceBus, type DeviceRecord, type MountPoint } from './types.js';

const MAX_ITEMS = 1024;
const MAX_JSON_CHARS = 16 * 1024 * 1024;

const DISK_FIELDS = ['Number', 'FriendlyName', 'Manufacturer', 'Model', 'SerialNumber', 'BusType', 'Size', 'IsBoot', 'IsSystem', 'IsReadOnly', 'IsOffline', 'Location'];
const PARTITION_FIELDS = ['DiskNumber', 'PartitionNumber', 'Offset', 'Size', 'DriveLetter', 'AccessPaths', 'IsBoot', 'IsSystem', 'IsReadOnly'];

export const POWERSHELL = 'powershell.exe';
export const diskCommand = (): string[] => ['-NoProfile', '-NonInteractive', '-Command', `Get-Disk | Select-Object ${DISK_FIELDS.join(',')} | ConvertTo-Json -Depth 2 -Compress`];
export const partitionCommand = (): string[] => ['-NoProfile', '-NonInteractive', '-Command', `Get-Partition | Select-Object ${PARTITION_FIELDS.join(',')} | ConvertTo-Json -Depth 2 -Compress`];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** MSFT_Disk.BusType (the Storage Management API's value map). */
const BUS_TYPES: Record<number, DeviceBus> = { 1: 'scsi', 2: 'sata', 3: 'sata', 4: 'firewire', 6: 'scsi', 7: 'usb', 10: 'scsi', 11: 'sata', 12: 'mmc', 13: 'mmc', 14: 'virtual', 15: 'image', 17: 'nvme' };
const BUS_NAMES: Record<string, DeviceBus> = { SCSI: 'scsi', ATAPI: 'sata', ATA: 'sata', '1394': 'firewire', USB: 'usb', SAS: 'scsi', SATA: 'sata', SD: 'mmc', MMC: 'mmc', Virtual: 'virtual', 'File Backed Virtual': 'image', NVMe: 'nvme' };

function items(text: string): Obj[] {
  if (text.length > MAX_JSON_CHARS) throw new Error('PowerShell output too large');
  if (text.trim() === '') return [];
  const v = JSON.parse(text) as Json;
  const list = Array.isArray(v) ? v : [v];
  return list.slice(0, MAX_ITEMS).filter((x): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x));
}

const int = (o: Obj, k: string): number | null => {
  const v = o[k];
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
};
const text = (o: Obj, k: string): string | null => (typeof o[k] === 'string' ? cleanLabel(o[k] as string) : null);
const flag = (o: Obj, k: string): boolean => o[k] === true;

function bus(v: Json | undefined): DeviceBus {
  if (typeof v === 'number') return BUS_TYPES[v] ?? 'unknown';
  if (typeof v === 'string') return BUS_NAMES[v] ?? 'unknown';
  return 'unknown';
}

function driveLetter(v: Json | undefined): string | null {
  const c = typeof v === 'number' ? String.fromCharCode(v) : typeof v === 'string' ? v : '';
  return /^[A-Za-z]$/.test(c) ? c.toUpperCase() : null;
}

function mounts(p: Obj): MountPoint[] {
  const out: MountPoint[] = [];
  const letter = driveLetter(p.DriveLetter);
  if (letter) out.push({ path: `${letter}:\\`, fsType: null, readOnly: flag(p, 'IsReadOnly') });
  const paths = Array.isArray(p.AccessPaths) ? p.AccessPaths.slice(0, 32) : [];
  for (const a of paths) {
    // Volume GUID paths are not mount points; folder mounts (C:\mnt\stick\) are.
    if (typeof a !== 'string' || a.startsWith('\\\\?\\Volume{') || a.length > 260) continue;
    const clean = cleanLabel(a);
    if (clean && !out.some((m) => m.path.toLowerCase() === clean.toLowerCase())) out.push({ path: clean, fsType: null, readOnly: flag(p, 'IsReadOnly') });
  }
  return out;
}

export async function discoverWindows(run: CommandRunner): Promise<DeviceRecord[]> {
  const disks = items(await run(POWERSHELL, diskCommand()));
  const parts = items(await run(POWERSHELL, partitionCommand()));
  const out: DeviceRecord[] = [];
  for (const d of disks) {
    const n = int(d, 'Number');
    if (n === null || n > 4096) continue;
    const b = bus(d.BusType);
    const path = `\\\\.\\PHYSICALDRIVE${n}`;
    const system = flag(d, 'IsBoot') || flag(d, 'IsSystem');
    const removable = b === 'usb' || b === 'mmc';
    const readOnly = flag(d, 'IsReadOnly');
    const vendor = text(d, 'Manufacturer');
    const model = text(d, 'Model') ?? text(d, 'FriendlyName');
    const serial = text(d, 'SerialNumber');
    const partitions: DeviceRecord[] = parts
      .filter((p) => int(p, 'DiskNumber') === n && int(p, 'PartitionNumber') !== null)
      .map((p) => {
        const pn = int(p, 'PartitionNumber')!;
        return {
          path: `\\\\.\\Harddisk${n}Partition${pn}`, name: `Harddisk${n}Partition${pn}`, kind: 'partition' as const, parent: path,
          number: pn, offset: int(p, 'Offset'), size: int(p, 'Size') ?? 0, removable, readOnly: readOnly || flag(p, 'IsReadOnly'),
          vendor, model, serial, bus: b, partitions: [], mountPoints: mounts(p), system, usb: null, backingFile: null, warnings: [],
        };
      })
      .sort((a, c) => (a.number ?? 0) - (c.number ?? 0));
    out.push(withWarnings({
      path, name: `PhysicalDrive${n}`, kind: b === 'image' ? 'loop' : 'disk', parent: null, number: null, offset: 0,
      size: int(d, 'Size') ?? 0, removable, readOnly, vendor, model, serial, bus: b, partitions, mountPoints: [], system,
      usb: null, backingFile: null, warnings: [],
    }));
  }
  return out;
}
