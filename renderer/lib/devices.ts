// How a device is named and described in the sidebar. Pure.

import type { DeviceInfo } from '../../electron/shared/api.js';
import { displayName } from './names.js';

/** Vendor and model as the device gives them (shown safely), else the OS's name. */
export function deviceTitle(d: DeviceInfo): string {
  const t = [d.vendor, d.model].filter((x): x is string => x !== null && x.trim() !== '').join(' ');
  return displayName(t || d.name);
}

/** The short facts line: bus, removable or fixed, the OS's node. */
export function deviceFacts(d: DeviceInfo): string {
  const parts = [d.bus];
  // A built-in card slot is not removable itself; its card is.
  if (d.kind === 'disk' && d.bus !== 'SD card') parts.push(d.removable ? 'removable' : 'fixed');
  parts.push(d.path);
  return parts.join(' · ');
}

/** What the non-storage interfaces are, for the warning's first line. */
export function extraFunctions(d: DeviceInfo): string {
  const what = [...new Set(d.interfaces.filter((i) => i.suspicious).map((i) => i.what))];
  return what.join(', ');
}

/** A stick or card: removable, or on USB or an SD slot, and never the system disk. */
export function isStick(d: DeviceInfo): boolean {
  return !d.system && d.kind === 'disk' && (d.removable || d.bus === 'USB' || d.bus === 'SD card');
}
