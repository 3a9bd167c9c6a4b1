// `glovebox mount` for real: fixtures mounted through FUSE, then read by ordinary programs
// (find, stat, sha256sum, touch). Skipped where FUSE cannot be used: no /dev/fuse, no
// fusermount, not root, or no binding (fuse-native, or GLOVEBOX_FUSE_MODULE naming a copy).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFuseBinding, mountedType } from '../../core/mount/fuse.js';
import { cliPath, fixturePath, repoRoot } from '../conformance/harness.js';
import { expectedThroughMount, mountRow } from './expected.js';

const run = promisify(execFile);
const mountHelper = join(repoRoot, 'bin/mount.glovebox');

async function fuseUsable(): Promise<string | null> {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  if (!existsSync(join(repoRoot, 'dist/cli.mjs'))) return 'not built (npm run build)';
  try {
    await run('fusermount', ['-V']);
  } catch {
    return 'no fusermount';
  }
  try {
    await loadFuseBinding();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return null;
}
const skipWhy = await fuseUsable();
if (skipWhy) console.warn(`mount tests skipped: ${skipWhy}`);

const work = mkdtempSync(join(tmpdir(), 'glovebox-mount-test-'));
const mountpoints: string[] = [];
afterAll(async () => {
  for (const m of mountpoints) {
    if ((await mountedType(m)) !== null) await run('fusermount', ['-uz', m]).catch(() => undefined);
  }
  rmSync(work, { recursive: true, force: true });
});

function glovebox(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stderr }));
  });
}

function freshMountpoint(name: string): string {
  const m = join(work, name);
  rmSync(m, { recursive: true, force: true });
  mountpoints.push(m);
  return m;
}

async function mount(image: string, name: string, volume?: number): Promise<{ dir: string; pid: number }> {
  const dir = freshMountpoint(name);
  await run('mkdir', ['-p', dir]);
  const r = await glovebox(['mount', fixturePath(image), dir, ...(volume !== undefined ? ['--volume', String(volume)] : [])]);
  expect(r.stderr).toMatch(/mounted .* \(process \d+\)/);
  expect(r.code).toBe(0);
  return { dir, pid: Number(/process (\d+)/.exec(r.stderr)![1]) };
}

async function unmount(dir: string, pid: number): Promise<void> {
  const r = await glovebox(['unmount', dir]);
  expect(r.stderr).toMatch(/unmounted/);
  expect(await mountedType(dir)).toBeNull();
  // The serving process and its sandbox go away by themselves.
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  expect(alive(pid)).toBe(false);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What find, stat and sha256sum say about the mounted tree, keyed by path inside the volume. */
async function observe(dir: string) {
  const { stdout } = await run('find', [dir, '-mindepth', '1', '-printf', '%P\\0%y\\0%s\\0%T@\\0%l\\0'], { maxBuffer: 64 << 20 });
  const f = stdout.split('\0');
  const seen = new Map<string, { type: string; size: number; mtime: number; target: string; sha256?: string }>();
  for (let i = 0; i + 4 < f.length; i += 5) seen.set(`/${f[i]}`, { type: f[i + 1]!, size: Number(f[i + 2]), mtime: Number(f[i + 3]), target: f[i + 4]! });
  const files = [...seen].filter(([, v]) => v.type === 'f').map(([p]) => join(dir, p));
  for (let i = 0; i < files.length; i += 200) {
    const { stdout: sums } = await run('sha256sum', ['--', ...files.slice(i, i + 200)], { maxBuffer: 64 << 20 });
    for (const line of sums.split('\n').filter((l) => l !== '')) {
      const sum = line.slice(0, 64);
      const path = line.slice(66).slice(dir.length);
      seen.get(path)!.sha256 = sum;
    }
  }
  return seen;
}

describe.skipIf(skipWhy !== null)('glovebox mount (FUSE)', () => {
  // Every family that mounts in a few seconds: ext4, FAT16, exFAT, NTFS, ISO 9660, UDF. (All of
  // them, with every fixture, are compared in-process in volume.test.ts.)
  for (const row of ['ext4', 'fat16', 'exfat', 'ntfs', 'iso9660-rockridge', 'udf-bridge'].map(mountRow)) {
    const image = row.image;
    it(`${row.name} (${image}): find, stat and sha256sum see the expected tree; writes fail; unmount cleans up`, async () => {
      const { dir, pid } = await mount(image, row.name, row.volume);
      try {
        expect(await mountedType(dir)).toBe('fuse.glovebox');
        const { stdout: mounts } = await run('grep', [` ${dir} `, '/proc/mounts']);
        for (const opt of ['ro', 'nosuid', 'nodev', 'noexec']) expect(mounts.split(' ')[3]!.split(',')).toContain(opt);
        const seen = await observe(dir);
        const want = expectedThroughMount(row.expected);
        expect(seen.size).toBe(want.length);
        for (const w of want) {
          const s = seen.get(w.path);
          expect(s, w.path).toBeDefined();
          if (w.type === 'dir') {
            expect(s!.type).toBe('d');
            continue;
          }
          if (w.type === 'symlink') {
            expect([s!.type, s!.target]).toEqual(['l', w.target]);
            continue;
          }
          // (Devices and FIFOs are already empty regular files in `want`.)
          expect({ path: w.path, type: s!.type, size: s!.size, sha256: s!.sha256 }).toEqual({ path: w.path, type: 'f', size: w.size, sha256: w.sha256 });
          // fuse-native cannot pass a time before 1970: it is shown as 1970.
          expect(Math.round(s!.mtime * 1000)).toBe(Math.max(0, Date.parse(w.mtime)));
        }
        const file = want.find((e) => e.type === 'file')!;
        const touch = await run('touch', [join(dir, file.path)]).catch((x: { stderr: string }) => x);
        expect(String((touch as { stderr: string }).stderr)).toMatch(/Read-only file system/);
        const mk = await run('mkdir', [join(dir, 'new')]).catch((x: { stderr: string }) => x);
        expect(String((mk as { stderr: string }).stderr)).toMatch(/Read-only file system/);
        const { stdout: modes } = await run('find', [dir, '-perm', '/7000']);
        expect(modes).toBe(''); // no setuid, setgid or sticky bit anywhere
        const { stdout: devices } = await run('find', [dir, '(', '-type', 'b', '-o', '-type', 'c', '-o', '-type', 'p', '-o', '-type', 's', ')']);
        expect(devices).toBe('');
      } finally {
        await unmount(dir, pid);
      }
    }, 120_000);
  }

  it('survives the sandbox being killed: the next calls work', async () => {
    const { dir, pid } = await mount('ext/ext4.img.gz', 'crash');
    try {
      expect((await run('ls', [dir])).stdout).toMatch(/hello\.txt/);
      const { stdout: kids } = await run('pgrep', ['-P', String(pid)]);
      const sandboxes = kids.split('\n').filter((l) => l !== '').map(Number);
      expect(sandboxes.length).toBeGreaterThan(0);
      for (const s of sandboxes) process.kill(s, 'SIGKILL');
      // A request that reaches the dead sandbox before its exit is noticed fails with EIO...
      const first = await run('ls', [join(dir, 'docs')]).catch((x: { stderr: string }) => x);
      if ('stderr' in first && first.stderr !== '') expect(first.stderr).toMatch(/Input\/output error/);
      // ...and the next ones (not yet listed, not yet read) work: the supervisor restarted it.
      expect((await run('ls', [join(dir, 'frag')])).stdout.length).toBeGreaterThan(0);
      const { stdout: sum } = await run('sha256sum', [join(dir, 'binary/big.bin')]);
      expect(sum.slice(0, 64)).toBe('560c0cc3009d8219e850e39db1141745b12ad5d53ed7ced32d02717be846c2ec');
    } finally {
      await unmount(dir, pid);
    }
  }, 60_000);

  it('mount.glovebox: the mount(8) helper passes volume= and mounts', async () => {
    const dir = freshMountpoint('helper');
    await run('mkdir', ['-p', dir]);
    const { stderr } = await run(mountHelper, [fixturePath('fat/fat16.img.gz'), dir, '-o', 'ro,volume=1,noauto,user']);
    const pid = Number(/process (\d+)/.exec(stderr)![1]);
    try {
      expect((await run('cat', [join(dir, 'hello.txt')])).stdout.length).toBeGreaterThan(0);
    } finally {
      await unmount(dir, pid);
    }
    await expect(run(mountHelper, [fixturePath('fat/fat16.img.gz'), dir, '-o', 'volume=x'])).rejects.toThrow(/volume= takes a number/);
  }, 60_000);

  it('an ordinary user can mount (through fusermount), as with an fstab "user" line', async () => {
    const hasRunuser = await run('runuser', ['--help']).then(() => true, () => false);
    if (!hasRunuser) return;
    const dir = freshMountpoint('as-nobody');
    await run('mkdir', ['-p', dir]);
    await run('chown', ['nobody', dir]);
    await run('chmod', ['755', work]); // mkdtemp made it 0700
    const env = process.env.GLOVEBOX_FUSE_MODULE ? ['env', `GLOVEBOX_FUSE_MODULE=${process.env.GLOVEBOX_FUSE_MODULE}`] : [];
    const { stderr } = await run('runuser', ['-u', 'nobody', '--', ...env, process.execPath, cliPath, 'mount', fixturePath('ext/ext4.img.gz'), dir]);
    const pid = Number(/process (\d+)/.exec(stderr)![1]);
    try {
      const { stdout } = await run('runuser', ['-u', 'nobody', '--', 'stat', '-c', '%U %A', join(dir, 'hello.txt')]);
      expect(stdout.trim()).toBe('nobody -r--r--r--');
      expect(await mountedType(dir)).toBe('fuse.glovebox');
    } finally {
      await unmount(dir, pid);
    }
  }, 60_000);

  it('refuses a second mount on the same directory and unmounting anything else', async () => {
    const { dir, pid } = await mount('ext/ext4.img.gz', 'twice');
    try {
      const again = await glovebox(['mount', fixturePath('ext/ext4.img.gz'), dir]);
      expect([again.code, again.stderr]).toEqual([1, expect.stringMatching(/already mounted/)]);
      const other = await glovebox(['unmount', '/proc']);
      expect([other.code, other.stderr]).toEqual([1, expect.stringMatching(/not a Glovebox mount/)]);
    } finally {
      await unmount(dir, pid);
    }
  }, 60_000);
});

describe.skipIf(!existsSync(join(repoRoot, 'dist/cli.mjs')))('glovebox mount without FUSE support', () => {
  it('says so in one line', async () => {
    const dir = freshMountpoint('nofuse');
    await run('mkdir', ['-p', dir]);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [cliPath, 'mount', fixturePath('ext/ext4.img.gz'), dir], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, GLOVEBOX_FUSE_MODULE: join(work, 'no-such-binding') },
      });
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^glovebox: FUSE support is not installed: .*\n$/);
  }, 30_000);

  it('checks its arguments', async () => {
    expect((await glovebox(['mount', fixturePath('ext/ext4.img.gz')])).code).toBe(2);
    expect((await glovebox(['unmount'])).code).toBe(2);
    const none = await glovebox(['unmount', work]);
    expect([none.code, none.stderr]).toEqual([1, expect.stringMatching(/nothing is mounted there/)]);
    const missing = await glovebox(['mount', fixturePath('ext/ext4.img.gz'), join(work, 'no-such-dir')]);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/no such directory/)]);
  }, 30_000);
});
