// The BadUSB check: a USB stick is mass storage (class 08) and nothing else. One that also
// exposes a keyboard, a network adapter or a vendor-specific interface may be more than a
// stick. This is a warning, not a prevention: the OS binds a keyboard driver the moment the
// device enumerates, before any application can react; only an OS policy (USBGuard on Linux,
// device installation restrictions on Windows) can refuse it.

import type { DeviceRecord, DeviceWarning, UsbDevice, UsbInterface } from './types.js';

/** USB-IF base classes (https://www.usb.org/defined-class-codes). */
export const USB_CLASS = {
  audio: 0x01,
  communications: 0x02,
  hid: 0x03,
  massStorage: 0x08,
  hub: 0x09,
  cdcData: 0x0a,
  wireless: 0xe0,
  miscellaneous: 0xef,
  vendorSpecific: 0xff,
} as const;

/** Why one interface is suspicious next to storage, or null. */
export function suspiciousInterface(i: UsbInterface): string | null {
  if (i.class === USB_CLASS.hid) {
    if (i.subclass === 1 && i.protocol === 1) return 'a keyboard (HID boot keyboard)';
    if (i.subclass === 1 && i.protocol === 2) return 'a mouse (HID boot mouse)';
    return 'a HID device (keyboard, mouse or other input)';
  }
  // RNDIS: Microsoft's CDC variant (02:02:ff), and its wireless/misc class codes.
  if (i.class === USB_CLASS.communications && i.subclass === 2 && i.protocol === 0xff) return 'a network adapter (RNDIS)';
  if (i.class === USB_CLASS.wireless && i.subclass === 1 && i.protocol === 3) return 'a network adapter (RNDIS)';
  if (i.class === USB_CLASS.miscellaneous && i.subclass === 4 && i.protocol === 1) return 'a network adapter (RNDIS)';
  if (i.class === USB_CLASS.communications) return 'a communications device (CDC: modem, serial port or network adapter)';
  if (i.class === USB_CLASS.cdcData) return 'a CDC data interface (serial port or network adapter)';
  if (i.class === USB_CLASS.wireless) return 'a wireless controller (Bluetooth, RNDIS)';
  if (i.class === USB_CLASS.vendorSpecific) return 'a vendor-specific interface';
  return null;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** USBGuard's rule syntax for the interfaces: `with-interface { 08:06:50 03:01:01 }`. */
export function usbGuardInterfaces(usb: UsbDevice): string {
  return `with-interface { ${usb.interfaces.map((i) => `${hex2(i.class)}:${hex2(i.subclass)}:${hex2(i.protocol)}`).join(' ')} }`;
}

/** The BadUSB warning for a disk's USB device, or null when it is storage only. */
export function badUsbWarning(usb: UsbDevice | null): DeviceWarning | null {
  if (!usb) return null;
  const reasons = [...new Set(usb.interfaces.map(suspiciousInterface).filter((r): r is string => r !== null))];
  if (reasons.length === 0) return null;
  return {
    kind: 'badusb',
    message:
      `this USB device (${usb.id}) is not only storage: it also presents ${reasons.join(', ')} ` +
      `[${usbGuardInterfaces(usb)}]. The OS has already accepted those interfaces (a keyboard can type ` +
      `as soon as it is plugged in); Glovebox can only warn. If you did not expect this, unplug it.`,
  };
}

/** Adds the BadUSB, mounted and system-disk warnings to a record (and its partitions). */
export function withWarnings(d: DeviceRecord): DeviceRecord {
  const partitions = d.partitions.map(withWarnings);
  const warnings: DeviceWarning[] = [];
  const bad = d.kind !== 'partition' ? badUsbWarning(d.usb) : null;
  if (bad) warnings.push(bad);
  if (d.system && d.kind !== 'partition') warnings.push({ kind: 'system-disk', message: 'this disk holds the running system' });
  const mounted = [...d.mountPoints, ...partitions.flatMap((p) => p.mountPoints)];
  if (mounted.length > 0) {
    const rw = mounted.some((m) => !m.readOnly);
    warnings.push({
      kind: 'mounted',
      message: `mounted by the OS${rw ? ' read-write' : ' read-only'} at ${mounted.map((m) => m.path).join(', ')}: its kernel driver has already parsed it`,
    });
  }
  return { ...d, partitions, warnings };
}
