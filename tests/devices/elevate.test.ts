// Reading a device with permission (Linux, pkexec): the CLI's hidden helper mode served over
// pipes, and the CLI asking a (fake) pkexec when an unprivileged user cannot open a device.
// A real pkexec would run the helper as root after polkit's prompt; the fake one runs it as
// the same unprivileged user, so the helper's own refusal (EACCES) is what comes back.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivilegedReaderSource } from '../../core/devices/reader/client.js';
import { elevationAvailable, untrustedForElevation } from '../../core/devices/reader/elevate.js';
import { cliPath, repoRoot } from '../conformance/harness.js';

const usable = process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('losetup', ['--version']).status === 0;

describe('when elevation can be asked for', () => {
  it('only on Linux, only with a way to prompt, only with pkexec on the PATH', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glovebox-elevate-'));
    try {
      writeFileSync(join(dir, 'pkexec'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      expect(await elevationAvailable({ PATH: dir, DISPLAY: ':0' }, false, 'linux')).toBe(join(dir, 'pkexec'));
      expect(await elevationAvailable({ PATH: dir }, true, 'linux')).toBe(join(dir, 'pkexec'));
      expect(await elevationAvailable({ PATH: dir }, false, 'linux')).toBeNull();
      expect(await elevationAvailable({ PATH: dir, DISPLAY: ':0' }, true, 'darwin')).toBeNull();
      expect(await elevationAvailable({ PATH: `relative:${join(dir, 'none')}`, DISPLAY: ':0' }, true, 'linux')).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what pkexec would run must be root-owned and not writable by others', () => {
  it.skipIf(process.platform !== 'linux' || process.getuid?.() !== 0)('a user-writable script or directory is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glovebox-elevate-'));
    try {
      chmodSync(dir, 0o755);
      const script = join(dir, 'cli.mjs');
      writeFileSync(script, '', { mode: 0o644 });
      expect(await untrustedForElevation([process.execPath, script])).toBeNull();
      chmodSync(script, 0o666);
      expect(await untrustedForElevation([script])).toBe(script);
      chmodSync(script, 0o644);
      chmodSync(dir, 0o777);
      expect(await untrustedForElevation([script])).toBe(dir);
      chmodSync(dir, 0o1777); // sticky, like /tmp: others cannot replace root's file
      expect(await untrustedForElevation([script])).toBeNull();
      chmodSync(dir, 0o755);
      spawnSync('chown', ['65534', script]);
      expect(await untrustedForElevation([script])).toBe(script);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!usable)('the CLI and the privileged reader (root, losetup)', () => {
  let dir: string;
  let dev: string | null = null;
  let bytes: Uint8Array;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'glovebox-elevate-'));
    chmodSync(dir, 0o755);
    bytes = Uint8Array.from({ length: 2 * 1024 * 1024 }, (_, i) => (i * 13) & 0xff);
    writeFileSync(join(dir, 'stick.img'), bytes);
    const r = spawnSync('losetup', ['-f', '--show', '-r', join(dir, 'stick.img')], { encoding: 'utf8' });
    if (r.status === 0 && /^\/dev\/loop\d+$/.test(r.stdout.trim())) dev = r.stdout.trim();
  });

  afterAll(() => {
    if (dev) spawnSync('losetup', ['-d', dev]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('`glovebox __reader <device> <st_rdev>` serves the device over its stdin/stdout', async (ctx) => {
    if (!dev) return ctx.skip();
    const child = spawn(process.execPath, [cliPath, '__reader', dev, String(statSync(dev).rdev)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const src = await PrivilegedReaderSource.start({ stdin: child.stdin, stdout: child.stdout, kill: () => child.kill() });
    expect(src.size).toBe(bytes.length);
    expect(Buffer.from(await src.read(123_456, 1_500_000)).equals(Buffer.from(bytes.subarray(123_456, 123_456 + 1_500_000)))).toBe(true);
    await src.close();
    expect(await exited).toBe(0);
    expect(spawnSync(process.execPath, [cliPath, '__reader', dev]).status).toBe(2);
  });

  const asNobody = (args: string[], env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [cliPath, ...args], { uid: 65534, gid: 65534, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => resolve({ code, stderr: err }));
    });

  it('a user who cannot read the device: the CLI asks pkexec to start the helper on exactly that device', async (ctx) => {
    if (!dev) return ctx.skip();
    const log = join(dir, 'pkexec.log');
    writeFileSync(log, '');
    chmodSync(log, 0o666);
    writeFileSync(join(dir, 'pkexec'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${log}\nexec "$@"\n`, { mode: 0o755 });
    const r = await asNobody(['info', dev], { PATH: `${dir}:${process.env.PATH ?? ''}`, DISPLAY: ':0' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain(`glovebox: warning: ${dev}: not readable by this user; asking for permission to read it (pkexec)`);
    expect(lines.at(-1)).toMatch(new RegExp(`^glovebox: cannot open ${dev}: permission denied \\(.*"disk" group.*\\); reading it with permission failed: the helper could not open the device \\(EACCES\\)$`));
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([process.execPath, join(repoRoot, 'dist/cli.mjs'), '__reader', dev, String(statSync(dev).rdev)]);
  });

  it('a refused prompt is said as such', async (ctx) => {
    if (!dev) return ctx.skip();
    writeFileSync(join(dir, 'pkexec'), '#!/bin/sh\nexit 126\n', { mode: 0o755 });
    const r = await asNobody(['ls', dev], { PATH: `${dir}:${process.env.PATH ?? ''}`, DISPLAY: ':0' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/reading it with permission failed: the authorization was dismissed or refused$/);
  });
});
