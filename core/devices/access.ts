// What to say about a device path (the CLI and the app): why it could not be opened (and how
// to get read access on this OS), and whether the OS has it mounted (its kernel driver has
// already parsed it), is the system disk, or is more than storage (BadUSB).

import { realpath, stat } from 'node:fs/promises';
import { allMounts, findDevice, listDevices, type DeviceRecord } from './index.js';

/** Looks like a device path on this OS (stat says so on Unix; `\\.\` names on Windows). */
export async function isDevicePath(path: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  if (platform === 'win32') return /^\\\\[.?]\\/.test(path);
  const st = await stat(path).catch(() => null);
  return st !== null && (st.isBlockDevice() || st.isCharacterDevice());
}

/** How to get read access to block devices, per OS. */
export function accessHint(platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'linux':
      return 'block devices are readable by root and the "disk" group: run this command with sudo, or add yourself to the group (sudo usermod -aG disk $USER, then log in again; note that the group can also write to every disk)';
    case 'darwin':
      return 'disks are readable by root (and the operator group): run this command with sudo';
    case 'win32':
      return 'reading a physical drive needs administrator rights: run the command from a prompt opened with "Run as administrator"';
    default:
      return 'run this command as a user who may read the device';
  }
}

/** The one-line reason for a failed open, with the access hint for a device. */
export async function describeOpenError(path: string, e: unknown, platform: NodeJS.Platform = process.platform): Promise<string> {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM') {
    return (await isDevicePath(path, platform)) ? `permission denied (${accessHint(platform)})` : 'permission denied';
  }
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOMEDIUM') return 'no medium (is there a card in the reader?)';
  if (code === 'EBUSY') return 'the device is busy (held exclusively by another program)';
  return e instanceof Error ? e.message : String(e);
}

/** The record of a device path (following /dev/disk/by-id links), where discovery knows it. */
export async function deviceRecordFor(path: string, list: () => Promise<DeviceRecord[]> = () => listDevices()): Promise<{ device: DeviceRecord; disk: DeviceRecord } | null> {
  if (!(await isDevicePath(path))) return null;
  const real = await realpath(path).catch(() => path);
  try {
    const devices = await list();
    const device = findDevice(devices, real) ?? findDevice(devices, path);
    if (!device) return null;
    return { device, disk: devices.find((d) => d.path === device.parent) ?? device };
  } catch {
    return null;
  }
}

/** Warnings to print before reading a device: mounted by the OS, the system disk, BadUSB. */
export function openWarnings(path: string, { device: d, disk }: { device: DeviceRecord; disk: DeviceRecord }): string[] {
  const out: string[] = [];
  const mounts = allMounts(d);
  if (mounts.length > 0) {
    const rw = mounts.filter((m) => !m.readOnly);
    out.push(
      rw.length > 0
        ? `${path} is mounted read-write by the OS at ${rw.map((m) => m.path).join(', ')}: its kernel driver has already parsed it, and what Glovebox reads may change under it; unmount it first for a consistent view`
        : `${path} is mounted (read-only) by the OS at ${mounts.map((m) => m.path).join(', ')}: its kernel driver has already parsed it`,
    );
  }
  if (d.system) out.push(`${path} is the system disk (or part of it)`);
  for (const w of disk.warnings) if (w.kind === 'badusb') out.push(`${path}: ${w.message}`);
  return out;
}
