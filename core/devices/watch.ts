// Watching for devices: a re-scan on every hot-plug event (after a short settle delay, as the
// kernel creates a disk's partitions and the desktop mounts it just after the attach), and a
// poll every second where there is no hot-plug source, or as a safety net when there is one.
// The hot-plug source is injectable: the `usb` package's `usb.on('attach'|'detach')` plugs in
// as a HotplugSource (see README.md here); until it is a dependency, polling does the work.

import type { DeviceRecord } from './types.js';

export interface HotplugSource {
  /** Calls `onEvent` on each attach or detach; returns how to stop. */
  start(onEvent: () => void): () => void;
}

export type DeviceChange =
  | { type: 'added'; device: DeviceRecord }
  | { type: 'removed'; device: DeviceRecord }
  | { type: 'changed'; device: DeviceRecord; before: DeviceRecord };

export interface WatchOptions {
  /** Takes a snapshot (listDevices, or a fake in tests). */
  list: () => Promise<DeviceRecord[]>;
  /** Poll period; capped at 1000 ms. Default 1000. */
  pollMs?: number;
  /** Wait after a hot-plug event before re-scanning. Default 300 ms. */
  settleMs?: number;
  hotplug?: HotplugSource;
  onError?: (e: unknown) => void;
}

export interface DeviceWatch {
  /** The devices as of the last scan. */
  readonly current: readonly DeviceRecord[];
  /** Resolves after the first scan (whose devices are reported as `added`). */
  readonly ready: Promise<void>;
  stop(): void;
}

const MAX_POLL_MS = 1000;

/** What makes two scans of a device differ (everything but the order of keys). */
const fingerprint = (d: DeviceRecord) => JSON.stringify(d);

export function diffDevices(before: readonly DeviceRecord[], after: readonly DeviceRecord[]): DeviceChange[] {
  const old = new Map(before.map((d) => [d.path, d]));
  const now = new Map(after.map((d) => [d.path, d]));
  const out: DeviceChange[] = [];
  for (const [path, d] of old) if (!now.has(path)) out.push({ type: 'removed', device: d });
  for (const [path, d] of now) {
    const was = old.get(path);
    if (!was) out.push({ type: 'added', device: d });
    else if (fingerprint(was) !== fingerprint(d)) out.push({ type: 'changed', device: d, before: was });
  }
  return out;
}

export function watchDevices(onChange: (c: DeviceChange) => void, o: WatchOptions): DeviceWatch {
  const pollMs = Math.min(Math.max(o.pollMs ?? MAX_POLL_MS, 10), MAX_POLL_MS);
  const settleMs = o.settleMs ?? 300;
  let current: DeviceRecord[] = [];
  let stopped = false;
  let scanning: Promise<void> | null = null;
  let again = false;
  let settle: ReturnType<typeof setTimeout> | null = null;

  const scan = (): Promise<void> => {
    // One scan at a time; a request during a scan runs one more afterwards.
    if (scanning) {
      again = true;
      return scanning;
    }
    scanning = (async () => {
      do {
        again = false;
        try {
          const next = await o.list();
          if (stopped) return;
          const changes = diffDevices(current, next);
          current = next;
          for (const c of changes) onChange(c);
        } catch (e) {
          o.onError?.(e);
        }
      } while (again && !stopped);
    })().finally(() => {
      scanning = null;
    });
    return scanning;
  };

  const ready = scan();
  const timer = setInterval(() => void scan(), pollMs);
  const stopHotplug = o.hotplug?.start(() => {
    if (settle) clearTimeout(settle);
    settle = setTimeout(() => {
      settle = null;
      void scan();
    }, settleMs);
  });

  return {
    get current() {
      return current;
    },
    ready,
    stop() {
      stopped = true;
      clearInterval(timer);
      if (settle) clearTimeout(settle);
      stopHotplug?.();
    },
  };
}
