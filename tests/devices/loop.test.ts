// A loop device over a fixture image, discovered and opened through the same path as a USB
// stick; imaging it gives the same bytes. Needs root and losetup (skipped cleanly otherwise).
// Every loop device and mount made here is undone in afterAll, whatever failed.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverLinux } from '../../core/devices/linux.js';
import { cliPath, loadImage, runCli } from '../conformance/harness.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const usable = process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('losetup', ['--version']).status === 0;

const attached: string[] = [];
const mounted: string[] = [];

function attach(file: string): string | null {
  const r = spawnSync('losetup', ['-f', '--show', '-r', file], { encoding: 'utf8' });
  const dev = r.stdout.trim();
  if (r.status !== 0 || !/^\/dev\/loop\d+$/.test(dev)) return null;
  attached.push(dev);
  return dev;
}

function detach(dev: string): void {
  spawnSync('losetup', ['-d', dev]);
  attached.splice(attached.indexOf(dev), 1);
}

describe.skipIf(!usable)('a loop device as a stick (root, losetup)', () => {
  let dir: string;
  let imagePath: string;
  let image: Uint8Array;
  let dev: string | null = null;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'glovebox-loop-'));
    image = loadImage('partitions/gpt.img.gz');
    imagePath = join(dir, 'stick.img');
    writeFileSync(imagePath, image);
    dev = attach(imagePath);
  });

  afterAll(() => {
    for (const m of mounted.splice(0)) spawnSync('umount', [m]);
    for (const d of [...attached]) detach(d);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is discovered from the real sysfs: a read-only loop device with its backing file', async (ctx) => {
    if (!dev) return ctx.skip();
    const d = (await discoverLinux()).find((x) => x.path === dev);
    expect(d).toMatchObject({ kind: 'loop', bus: 'virtual', readOnly: true, size: image.length, backingFile: imagePath, system: false });
    const r = await runCli(['devices', '--json']);
    expect(r.code).toBe(0);
    const listed = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { path: string; backingFile: string | null });
    expect(listed.find((x) => x.path === dev)?.backingFile).toBe(imagePath);
    const table = await runCli(['devices']);
    expect(table.stdout).toMatch(new RegExp(`^${dev}\\s+4\\.0 MiB\\s+loop: ${imagePath.replace(/[.]/g, '\\.')}\\s+virtual\\s+no\\s+-\\s+read-only$`, 'm'));
  });

  it('info and ls read the device exactly as the image file', async (ctx) => {
    if (!dev) return ctx.skip();
    const [a, b] = await Promise.all([runCli(['info', '--json', dev]), runCli(['info', '--json', imagePath])]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(JSON.parse(a.stdout).volumes.map((v: { partition: number }) => v.partition)).toContain(1);
    const [la, lb] = await Promise.all([runCli(['ls', '-r', '--json', dev]), runCli(['ls', '-r', '--json', imagePath])]);
    expect(la.code, la.stderr).toBe(0);
    expect(la.stdout).toBe(lb.stdout);
    expect(la.stdout.length).toBeGreaterThan(0);
  });

  it('imaging the device, a partition of it, and the file: identical bytes and hashes', async (ctx) => {
    if (!dev) return ctx.skip();
    const whole = join(dir, 'whole.img');
    const r = await runCli(['image', dev, '-o', whole]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(whole).equals(Buffer.from(image))).toBe(true);
    expect(readFileSync(`${whole}.sha256`, 'utf8')).toBe(`${sha(image)}  whole.img\n`);
    expect(r.stderr).toContain(`SHA-256 ${sha(image)}`);
    expect(existsSync(`${whole}.badblocks`)).toBe(false);
    // sha256sum agrees, where it exists.
    const check = spawnSync('sha256sum', ['-c', 'whole.img.sha256'], { cwd: dir, encoding: 'utf8' });
    if (check.status !== null && !check.error) expect(check.stdout.trim()).toBe('whole.img: OK');

    const part = join(dir, 'p1.img');
    const p = await runCli(['image', dev, '-o', part, '--partition', '1']);
    expect(p.code, p.stderr).toBe(0);
    const esp = image.subarray(32768, 32768 + 1048576);
    expect(readFileSync(part).equals(Buffer.from(esp))).toBe(true);
    expect(readFileSync(`${part}.sha256`, 'utf8')).toBe(`${sha(esp)}  p1.img\n`);

    const file = join(dir, 'file.img');
    const f = await runCli(['image', imagePath, '-o', file]);
    expect(f.code, f.stderr).toBe(0);
    expect(readFileSync(file).equals(Buffer.from(image))).toBe(true);

    const again = await runCli(['image', dev, '-o', whole]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n').at(-1)).toBe(`glovebox: ${whole} already exists (use --overwrite to replace it)`);
    expect((await runCli(['image', dev, '-o', whole, '--overwrite'])).code).toBe(0);
    const none = await runCli(['image', dev, '-o', join(dir, 'p9.img'), '--partition', '9']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no partition 9 \(partitions: 1, /);
    expect((await runCli(['image', dev])).code).toBe(2);
  });

  it('a user without access gets one line saying how to get it', async (ctx) => {
    if (!dev) return ctx.skip();
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [cliPath, 'info', dev!], { uid: 65534, gid: 65534, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => resolve({ code, stderr: err }));
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^glovebox: cannot open ${dev}: permission denied \\(.*"disk" group`))]);
  });

  it('a device the OS has mounted is flagged before it is read', async (ctx) => {
    // ext4: the one file system this test machine's kernel is sure to have (it is the root's).
    const ext = join(dir, 'ext4.img');
    writeFileSync(ext, loadImage('ext/ext4.img.gz'));
    const loop = attach(ext);
    if (!loop) return ctx.skip();
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    if (spawnSync('mount', ['-o', 'ro,noload', '-t', 'ext4', loop, mnt]).status !== 0) return ctx.skip();
    mounted.push(mnt);
    const r = await runCli(['ls', loop]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`glovebox: warning: ${loop} is mounted (read-only) by the OS at ${mnt}: its kernel driver has already parsed it`);
  });

  it('devices --watch --json prints a loop device attached and detached, and ends on SIGINT', async (ctx) => {
    if (!dev) return ctx.skip();
    const child = spawn(process.execPath, [cliPath, 'devices', '--watch', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const events = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; device: { path: string } });
    const waitFor = async (pred: () => boolean) => {
      const end = Date.now() + 8000;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out; output so far:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await waitFor(() => events().some((e) => e.event === 'added' && e.device.path === dev));
      const second = join(dir, 'second.img');
      writeFileSync(second, image.subarray(0, 1024 * 1024));
      const loop = attach(second);
      if (!loop) return ctx.skip();
      await waitFor(() => events().some((e) => e.event === 'added' && e.device.path === loop));
      detach(loop);
      await waitFor(() => events().some((e) => e.event === 'removed' && e.device.path === loop));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});
