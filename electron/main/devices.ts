// The app's devices: core/devices' watcher (kernel uevents where available, polling at most
// every second otherwise) turned into the few facts the sidebar shows, each device named by an
// opaque id. Main keeps the records; the renderer can open or image only a device main listed,
// by that id, never a path of its choosing. Discovery opens nothing.

import { createHash } from 'node:crypto';
import { GloveboxError } from '../../core/errors.js';
import { describeOpenError } from '../../core/devices/access.js';
import { suspiciousInterface } from '../../core/devices/badusb.js';
import { allMounts, usbGuardInterfaces, watchDevices, type DeviceRecord, type DeviceWatch, type HotplugSource } from '../../core/devices/index.js';
import type { HostSource } from '../../core/sandbox/host/source.js';
import { ConsistentSource } from '../../core/sources/consistent-source.js';
import { FileSource } from '../../core/sources/file-source.js';
import { MAX_DEVICES, type DeviceInfo, type DeviceInterface } from '../shared/api.js';
import type { DeviceProvider, OpenedDevice } from './backend.js';

/** Mount points listed per device (more are rare; the count is what matters). */
const MAX_MOUNTS_SHOWN = 16;
/** Changes that arrive together (a stick and its partitions) are sent as one snapshot. */
const COALESCE_MS = 50;

export interface DeviceWatcherOptions {
  /** Each new snapshot, for the renderer (the `devices` event). */
  onChange: (devices: DeviceInfo[]) => void;
  /** Discovery (default: core's listDevices for this OS). */
  list?: () => Promise<DeviceRecord[]>;
  /** Hot-plug events (default: core's, udevadm on Linux); null: poll only. */
  hotplug?: HotplugSource | null;
  pollMs?: number;
  /** Opens a device's bytes (default: the node read-only). The e2e host maps devices to image files. */
  openBytes?: (record: DeviceRecord) => Promise<HostSource>;
  onError?: (e: unknown) => void;
}

const BUS_LABEL: Record<string, string> = {
  usb: 'USB', sata: 'SATA', scsi: 'SCSI', nvme: 'NVMe', mmc: 'SD card', virtio: 'Virtual disk', virtual: 'Virtual',
  firewire: 'FireWire', thunderbolt: 'Thunderbolt', image: 'Disk image', unknown: 'Unknown bus',
};

const USB_CLASS_NAMES: Record<number, string> = {
  0x01: 'audio', 0x05: 'physical', 0x06: 'still image', 0x07: 'printer', 0x08: 'mass storage', 0x09: 'hub', 0x0b: 'smart card',
  0x0d: 'content security', 0x0e: 'video', 0x0f: 'healthcare', 0x10: 'audio/video', 0xdc: 'diagnostic', 0xfe: 'application-specific',
};

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const short = (s: string | null, max = 128) => (s === null ? null : s.slice(0, max));

/** An id the renderer can hold but not forge into a path. */
export const deviceId = (path: string) => `d${createHash('sha256').update(path).digest('hex').slice(0, 24)}`;

/** What the sidebar needs about one disk or loop device, and nothing else. */
export function deviceInfo(d: DeviceRecord): DeviceInfo {
  const mounts = allMounts(d);
  const bad = d.warnings.find((w) => w.kind === 'badusb');
  const interfaces: DeviceInterface[] = (d.usb?.interfaces ?? []).slice(0, 32).map((i) => {
    const why = suspiciousInterface(i);
    return { code: `${hex2(i.class)}:${hex2(i.subclass)}:${hex2(i.protocol)}`, what: why ?? USB_CLASS_NAMES[i.class] ?? `class ${hex2(i.class)}`, driver: short(i.driver, 64), suspicious: why !== null };
  });
  return {
    id: deviceId(d.path),
    name: d.name.slice(0, 128),
    path: d.path.slice(0, 256),
    vendor: short(d.vendor),
    model: short(d.model),
    size: d.size,
    bus: d.kind === 'loop' ? 'Loop device' : (BUS_LABEL[d.bus] ?? 'Unknown bus'),
    kind: d.kind === 'loop' ? 'loop' : 'disk',
    removable: d.removable,
    system: d.system,
    mountPoints: mounts.slice(0, MAX_MOUNTS_SHOWN).map((m) => m.path.slice(0, 512)),
    mountedReadWrite: mounts.some((m) => !m.readOnly),
    backingFile: short(d.backingFile, 512),
    badUsb: bad && d.usb ? { usbId: d.usb.id, message: bad.message.slice(0, 1000), usbGuard: usbGuardInterfaces(d.usb).slice(0, 400) } : null,
    interfaces,
  };
}

/** Removable sticks first, then other USB and card devices, fixed disks, loop devices, the system disk last. */
function rank(d: DeviceRecord): number {
  if (d.system) return 4;
  if (d.kind === 'loop') return 3;
  if (d.removable) return 0;
  return d.bus === 'usb' || d.bus === 'mmc' ? 1 : 2;
}

export class DeviceWatcher implements DeviceProvider {
  private watch: DeviceWatch | null = null;
  private records = new Map<string, DeviceRecord>();
  private shown: DeviceInfo[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly o: DeviceWatcherOptions) {}

  start(): void {
    if (this.watch) return;
    const { onChange: _onChange, openBytes: _openBytes, hotplug, ...rest } = this.o;
    this.watch = watchDevices(() => this.schedule(), { ...rest, ...(hotplug !== undefined ? { hotplug } : {}), onError: (e) => this.o.onError?.(e) });
  }

  stop(): void {
    this.watch?.stop();
    this.watch = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.o.onChange(this.snapshot());
    }, COALESCE_MS);
  }

  private snapshot(): DeviceInfo[] {
    const all = (this.watch?.current ?? []).filter((d) => d.kind !== 'partition');
    const sorted = [...all].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)).slice(0, MAX_DEVICES);
    this.records = new Map(sorted.map((d) => [deviceId(d.path), d]));
    this.shown = sorted.map(deviceInfo);
    return this.shown;
  }

  async list(): Promise<DeviceInfo[]> {
    this.start();
    await this.watch!.ready;
    return this.snapshot();
  }

  /** Opens a listed device read-only; `raw` skips the consistent view (imaging reads each byte once). */
  async open(id: string, o: { raw?: boolean } = {}): Promise<OpenedDevice> {
    const d = this.records.get(id);
    if (!d) throw new GloveboxError('NotFound', 'this device is no longer connected');
    const info = deviceInfo(d);
    const label = [info.vendor, info.model].filter(Boolean).join(' ') || d.name;
    let source: HostSource;
    try {
      source = await (this.o.openBytes ?? openDeviceNode)(d);
    } catch (e) {
      throw new GloveboxError('Io', `${d.path}: ${await describeOpenError(d.path, e)}`);
    }
    const warnings = d.warnings.map((w) => w.message);
    if (o.raw) return { source, name: label, path: d.path, size: d.size, warnings };
    // A device can answer the same sector differently twice: what was served stays stable
    // (the first copy is served again), so the drivers in the sandbox never see data change.
    return { source: new ConsistentSource(source), name: label, path: d.path, size: d.size, warnings };
  }
}

/** The device node itself, read-only (its size from discovery where the OS does not say). */
async function openDeviceNode(d: DeviceRecord): Promise<HostSource> {
  return FileSource.open(d.path, { deviceSize: async () => d.size });
}
