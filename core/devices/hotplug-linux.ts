// A hot-plug source for Linux that needs no npm package: the kernel's uevents for block and
// USB devices, as printed by `udevadm monitor --kernel` (util-linux/systemd; it listens on the
// kernel's netlink socket itself, so udevd need not run). Each event line triggers a re-scan
// (after the watcher's settle delay); the text is only counted, never trusted. Where udevadm is
// missing or fails, there are simply no events and the watcher's 1 s poll does the work.

import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { HotplugSource } from './watch.js';

/** Longest line kept while looking for the end of a line (uevent lines are short). */
const MAX_LINE_CHARS = 4096;

export interface MonitorProcess {
  stdout: Readable | null;
  on(event: 'error', listener: (e: Error) => void): unknown;
  kill(): unknown;
}

export type MonitorSpawner = () => MonitorProcess;

const defaultSpawner: MonitorSpawner = () =>
  spawn('udevadm', ['monitor', '--kernel', '--subsystem-match=block', '--subsystem-match=usb'], { stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin:/usr/sbin:/sbin', LC_ALL: 'C' } });

export function udevadmHotplug(spawner: MonitorSpawner = defaultSpawner): HotplugSource {
  return {
    start(onEvent) {
      let child: MonitorProcess;
      try {
        child = spawner();
      } catch {
        return () => {};
      }
      child.on('error', () => {}); // no udevadm: polling only
      let partial = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (text: string) => {
        const lines = (partial + text).split('\n');
        partial = (lines.pop() ?? '').slice(-MAX_LINE_CHARS);
        if (lines.some((l) => l.startsWith('KERNEL['))) onEvent();
      });
      return () => {
        child.kill();
      };
    },
  };
}
