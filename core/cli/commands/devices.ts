// `glovebox devices [--json] [--watch]`: the block devices the OS knows about, with the
// BadUSB, mounted and system-disk warnings. Nothing is opened.

import { allMounts, listDevices, watchDevices, type DeviceChange, type DeviceRecord } from '../../devices/index.js';
import { humanSize, table, terminalSafe } from '../format.js';
import type { Output } from '../output.js';

export interface DevicesOptions {
  json: boolean;
  watch: boolean;
  /** Stops --watch (the CLI wires it to SIGINT/SIGTERM). */
  signal?: AbortSignal;
  list?: () => Promise<DeviceRecord[]>;
  warn: (message: string) => void;
}

const t = (s: string | null) => (s === null ? '' : terminalSafe(s));

function identity(d: DeviceRecord): string {
  if (d.kind === 'loop') return d.backingFile !== null ? `loop: ${t(d.backingFile)}` : 'loop';
  return [d.vendor, d.model].filter((x) => x !== null && x !== '').map(t).join(' ') || '-';
}

function notes(d: DeviceRecord): string {
  const n: string[] = [];
  if (d.warnings.some((w) => w.kind === 'badusb')) n.push('BADUSB WARNING');
  if (d.system) n.push('system disk');
  if (d.readOnly) n.push('read-only');
  return n.join(', ');
}

const mounted = (d: DeviceRecord) => allMounts(d).map((m) => t(m.path)).join(', ') || '-';

export function deviceRows(list: readonly DeviceRecord[]): string[] {
  const rows = [['device', 'size', 'vendor/model', 'bus', 'removable', 'mounted', 'notes']];
  for (const d of list) {
    rows.push([t(d.path), humanSize(d.size), identity(d), d.bus, d.removable ? 'yes' : 'no', mounted(d), notes(d)]);
    for (const p of d.partitions) rows.push([`  ${t(p.path)}`, humanSize(p.size), '', '', '', mounted(p), '']);
  }
  return table(rows);
}

function badUsbLines(d: DeviceRecord): string[] {
  return d.warnings.filter((w) => w.kind === 'badusb').map((w) => `warning: ${t(d.path)}: ${t(w.message)}`);
}

function changeLine(c: DeviceChange): string {
  const d = c.device;
  const what = `${t(d.path)}  ${humanSize(d.size)}  ${identity(d)}  (${d.bus}${d.removable ? ', removable' : ''}${d.system ? ', system disk' : ''})`;
  if (c.type === 'removed') return `removed  ${t(d.path)}`;
  if (c.type === 'added') return `added    ${what}${allMounts(d).length > 0 ? `  mounted at ${mounted(d)}` : ''}`;
  const was = mounted(c.before);
  const now = mounted(d);
  return `changed  ${what}${was !== now ? `  mounted: ${now}` : ''}`;
}

export async function devicesCommand(o: DevicesOptions, out: Output): Promise<void> {
  const list = o.list ?? (() => listDevices());
  if (!o.watch) {
    const devices = await list();
    if (o.json) {
      for (const d of devices) await out.line(JSON.stringify(d));
      return;
    }
    for (const line of deviceRows(devices)) await out.line(line);
    for (const d of devices) for (const line of badUsbLines(d)) await out.line(line);
    return;
  }
  // --watch: the devices present first (as "added" events), then changes as they happen.
  let writing: Promise<void> = Promise.resolve();
  let failed: unknown = null;
  const stopped = new Promise<void>((resolve) => {
    if (o.signal?.aborted) resolve();
    o.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  let stopWatch = () => {};
  const emit = (c: DeviceChange) => {
    writing = writing
      .then(async () => {
        if (o.json) {
          await out.line(JSON.stringify({ event: c.type, device: c.device }));
        } else {
          await out.line(changeLine(c));
          if (c.type !== 'removed') for (const line of badUsbLines(c.device)) await out.line(line);
        }
        await out.flush();
      })
      .catch((e: unknown) => {
        failed = e;
        stopWatch();
      });
  };
  const watch = watchDevices(emit, { list, onError: (e) => o.warn(`device scan failed: ${e instanceof Error ? e.message : String(e)}`) });
  let endWait = () => {};
  const ended = new Promise<void>((resolve) => (endWait = resolve));
  stopWatch = () => {
    watch.stop();
    endWait();
  };
  await Promise.race([stopped, ended]);
  stopWatch();
  await writing;
  if (failed) throw failed;
}
