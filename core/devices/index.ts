// The host-side devices API, one interface for every OS: `listDevices()` for a snapshot and
// `watchDevices()` for changes (see README.md here). Nothing here opens a device.

import { execFile } from 'node:child_process';
import { udevadmHotplug } from './hotplug-linux.js';
import { discoverLinux, type LinuxDiscoveryOptions } from './linux.js';
import { discoverMacos } from './macos.js';
import type { CommandRunner, DeviceRecord } from './types.js';
import { watchDevices as watch, type DeviceChange, type DeviceWatch, type WatchOptions } from './watch.js';
import { discoverWindows } from './windows.js';

export type { CommandRunner, DeviceBus, DeviceKind, DeviceRecord, DeviceWarning, MountPoint, UsbDevice, UsbInterface, WarningKind } from './types.js';
export { allMounts } from './types.js';
export { badUsbWarning, usbGuardInterfaces } from './badusb.js';
export { imageSource, ImagingError, type BadRange, type ImageProgress, type ImagingOptions, type ImagingResult } from './imaging.js';
export { diffDevices, type DeviceChange, type DeviceWatch, type HotplugSource, type WatchOptions } from './watch.js';
export { udevadmHotplug } from './hotplug-linux.js';

export interface ListOptions extends LinuxDiscoveryOptions {
  /** Default: the running OS. */
  platform?: NodeJS.Platform;
  /** Runs diskutil / PowerShell (default: execFile with a timeout). */
  run?: CommandRunner;
}

const COMMAND_TIMEOUT_MS = 15_000;
const COMMAND_MAX_BYTES = 16 * 1024 * 1024;

/** execFile without a shell, a scrubbed locale, a deadline and an output cap. */
export const execRunner: CommandRunner = (command, args) =>
  new Promise((resolve, reject) => {
    execFile(command, [...args], { timeout: COMMAND_TIMEOUT_MS, maxBuffer: COMMAND_MAX_BYTES, windowsHide: true, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) => {
      if (err) reject(new Error(`${command} failed: ${err.message.split('\n')[0]}`));
      else resolve(stdout);
    });
  });

/** Block devices the OS knows about: disks (with their partitions) and loop devices / disk images. */
export async function listDevices(o: ListOptions = {}): Promise<DeviceRecord[]> {
  const platform = o.platform ?? process.platform;
  switch (platform) {
    case 'linux':
      return discoverLinux(o);
    case 'darwin':
      return discoverMacos(o.run ?? execRunner);
    case 'win32':
      return discoverWindows(o.run ?? execRunner);
    default:
      throw new Error(`device discovery is not implemented on ${platform}`);
  }
}

/** The record for a path the user gave (a disk, a partition or a loop device), if it is one. */
export function findDevice(list: DeviceRecord[], path: string): DeviceRecord | null {
  for (const d of list) {
    if (d.path === path) return d;
    const p = d.partitions.find((x) => x.path === path);
    if (p) return p;
  }
  return null;
}

/**
 * Watches the devices: `onChange` gets every device present as `added`, then each change.
 * Defaults: `listDevices()` every second, and on Linux the kernel's uevents (through
 * `udevadm monitor`) for an immediate re-scan. Pass `hotplug` to use another event source
 * (the `usb` package's attach/detach; see README.md), or `hotplug: null` to poll only.
 */
export function watchDevices(onChange: (c: DeviceChange) => void, o: Partial<Omit<WatchOptions, 'hotplug'>> & { hotplug?: WatchOptions['hotplug'] | null } & ListOptions = {}): DeviceWatch {
  const platform = o.platform ?? process.platform;
  const hotplug = o.hotplug === null ? undefined : (o.hotplug ?? (platform === 'linux' ? udevadmHotplug() : undefined));
  return watch(onChange, { ...o, list: o.list ?? (() => listDevices(o)), hotplug });
}
