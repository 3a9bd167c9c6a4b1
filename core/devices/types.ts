// What Glovebox knows about a block device, the same shape on every OS. Everything here was
// read from sysfs, diskutil or PowerShell without opening the device: it is untrusted text
// (a USB stick chooses its own vendor, model and serial strings), validated and bounded.

export type DeviceKind = 'disk' | 'partition' | 'loop';

export type DeviceBus = 'usb' | 'sata' | 'scsi' | 'nvme' | 'mmc' | 'virtio' | 'virtual' | 'firewire' | 'thunderbolt' | 'image' | 'unknown';

/** One interface of the USB device a disk belongs to (the active configuration). */
export interface UsbInterface {
  /** bInterfaceNumber. */
  number: number;
  /** bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol (0-255). */
  class: number;
  subclass: number;
  protocol: number;
  /** The kernel driver bound to it, where the OS says (Linux: `usb-storage`, `usbhid`...). */
  driver: string | null;
}

/** The USB device a block device hangs off. */
export interface UsbDevice {
  /** idVendor:idProduct, 4 lower-case hex digits each (`0781:5583`). */
  id: string;
  manufacturer: string | null;
  product: string | null;
  serial: string | null;
  /** Where it sits (Linux `2-1.4`; null elsewhere). */
  port: string | null;
  interfaces: UsbInterface[];
}

export interface MountPoint {
  /** Where the OS mounted it (a drive letter like `E:\` on Windows). */
  path: string;
  fsType: string | null;
  readOnly: boolean;
}

export type WarningKind = 'badusb' | 'mounted' | 'system-disk';

export interface DeviceWarning {
  kind: WarningKind;
  message: string;
}

export interface DeviceRecord {
  /** What to open: `/dev/sdb`, `/dev/disk4`, `\\.\PHYSICALDRIVE2`. */
  path: string;
  /** The OS's short name (`sdb`, `disk4`, `PhysicalDrive2`). */
  name: string;
  kind: DeviceKind;
  /** For a partition: the path of its disk. */
  parent: string | null;
  /** The partition number (1-based), for partitions. */
  number: number | null;
  /** Byte offset inside the parent disk (partitions), else 0; null where the OS does not say (macOS). */
  offset: number | null;
  size: number;
  removable: boolean;
  readOnly: boolean;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  bus: DeviceBus;
  /** Partitions of a disk or loop device (empty for partitions). */
  partitions: DeviceRecord[];
  /** Mount points of this device itself (a disk's partitions carry their own). */
  mountPoints: MountPoint[];
  /** Holds the running system (`/`, `/boot`...), or is the disk that does. */
  system: boolean;
  usb: UsbDevice | null;
  /** The file a loop device reads (Linux), else null. */
  backingFile: string | null;
  warnings: DeviceWarning[];
}

/** Runs a command and returns its stdout (macOS `diskutil`, Windows PowerShell). */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<string>;

/** Every mount point of a device and of its partitions. */
export function allMounts(d: DeviceRecord): MountPoint[] {
  return [...d.mountPoints, ...d.partitions.flatMap(allMounts)];
}

/** Longest vendor/model/serial/etc. string kept (sysfs attributes are at most a page). */
export const MAX_LABEL_CHARS = 128;

/**
 * A device-supplied string, made safe to keep: trimmed, control and bidi characters dropped,
 * bounded. Empty → null.
 */
export function cleanLabel(text: string | null | undefined): string | null {
  if (typeof text !== 'string') return null;
  const s = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim().slice(0, MAX_LABEL_CHARS).trim();
  return s === '' ? null : s;
}
