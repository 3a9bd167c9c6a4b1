import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { udevadmHotplug, type MonitorProcess } from '../../core/devices/hotplug-linux.js';

describe('Linux hot-plug through udevadm monitor', () => {
  it('one event per chunk with a KERNEL line, split lines handled, noise ignored; stop kills it', () => {
    const stdout = new PassThrough();
    let killed = false;
    const fake: MonitorProcess = { stdout, on: () => fake, kill: () => (killed = true) };
    let events = 0;
    const stop = udevadmHotplug(() => fake).start(() => events++);
    stdout.write('monitor will print the received events for:\nKERNEL - the kernel uevent\n\n');
    stdout.write('KERNEL[12607.840124] add      /devices/virtual/block/loop0 (block)\nKERN');
    stdout.write('EL[12607.9] remove /devices/virtual/block/loop0 (block)\n');
    stdout.write(`${'x'.repeat(100_000)}`);
    stdout.write('\n');
    expect(events).toBe(2);
    stop();
    expect(killed).toBe(true);
  });

  it('no udevadm: no events, no crash', () => {
    const stop = udevadmHotplug(() => {
      throw new Error('ENOENT');
    }).start(() => {
      throw new Error('no event expected');
    });
    stop();
  });

  const usable = process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('losetup', ['--version']).status === 0 && spawnSync('udevadm', ['--version']).status === 0;
  it.skipIf(!usable)('a loop device attached here is an event (root, udevadm)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glovebox-hotplug-'));
    let dev: string | null = null;
    let events = 0;
    const stop = udevadmHotplug().start(() => events++);
    try {
      writeFileSync(join(dir, 'x.img'), new Uint8Array(1 << 20));
      await new Promise((r) => setTimeout(r, 500)); // udevadm is listening
      const r = spawnSync('losetup', ['-f', '--show', '-r', join(dir, 'x.img')], { encoding: 'utf8' });
      if (r.status === 0) dev = r.stdout.trim();
      const end = Date.now() + 5000;
      while (events === 0 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
      expect(events).toBeGreaterThan(0);
    } finally {
      stop();
      if (dev) spawnSync('losetup', ['-d', dev]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
