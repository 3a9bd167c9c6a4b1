// "Mount safely" through the app's Backend with the real mounter (core/mount over FUSE, as
// `glovebox mount`): the volume is mounted read-only under main's own mount root, ordinary
// programs read it, Unmount and closing the source unmount it, and nothing is left behind.
// The FUSE part is skipped where FUSE cannot be used (no /dev/fuse, fusermount or binding, not root).

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFuseBinding, mountedType } from '../../core/mount/fuse.js';
import { NodeLauncher } from '../../core/sandbox/host/node-launcher.js';
import { Backend } from '../../electron/main/backend.js';
import { fuseMounter, insideMountRoot, makeMountpoint, mountDirName, mountRootFor } from '../../electron/main/mounts.js';
import { Channel, type AppEvent, type Result } from '../../electron/shared/api.js';

const run = promisify(execFile);
const FAT = new URL('../fixtures/fat/', import.meta.url).pathname;
const expected = readFileSync(join(FAT, 'fat16.expected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string; type: string; sha256?: string });

const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
};

async function fuseUsable(): Promise<string | null> {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  try {
    await run('fusermount', ['-V']);
    await loadFuseBinding();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return null;
}
const skipWhy = await fuseUsable();
if (skipWhy) console.warn(`Backend mount tests over FUSE skipped: ${skipWhy}`);

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'glovebox-backend-mount-'));
  writeFileSync(join(work, 'stick.img'), gunzipSync(readFileSync(join(FAT, 'fat16.img.gz'))));
  mkdirSync(join(work, 'staging'));
});
afterAll(async () => {
  // Whatever a failed test left mounted.
  const root = join(work, 'mounts');
  for (const d of existsSync(root) ? readdirSync(root) : []) {
    if ((await mountedType(join(root, d))) !== null) await run('fusermount', ['-uz', join(root, d)]).catch(() => undefined);
  }
  rmSync(work, { recursive: true, force: true });
});

function backendWith(o: { fuse: boolean }) {
  const events: AppEvent[] = [];
  const opened: string[] = [];
  const backend = new Backend({
    launcher: () => new NodeLauncher(),
    emit: (e) => events.push(e),
    chooseFolder: async () => null,
    stagingRoot: join(work, 'staging'),
    ...(o.fuse ? { mounter: fuseMounter(), mountRoot: join(work, 'mounts'), openFolder: (p: string) => opened.push(p) } : {}),
  });
  return { backend, events, opened };
}

describe('mount points and availability', () => {
  it('names mount points safely, under the runtime directory', async () => {
    expect(mountDirName('GLOVE FAT16', 1)).toBe('GLOVE FAT16 (1)');
    expect(mountDirName('../../etc', 2)).toBe('_.._etc (2)');
    expect(mountDirName('..', 1)).toBe('volume (1)');
    expect(mountDirName('a/b\0c\n', 3)).toBe('a_b_c_ (3)');
    expect(mountRootFor({ XDG_RUNTIME_DIR: '/run/user/1000' }, '/tmp')).toBe('/run/user/1000/glovebox');
    expect(mountRootFor({ XDG_RUNTIME_DIR: 'relative' }, '/tmp')).toMatch(/^\/tmp\/glovebox-mounts-/);
    expect(mountRootFor({}, '/tmp')).toMatch(/^\/tmp\/glovebox-mounts-/);
    expect(insideMountRoot('/run/user/1000/glovebox', '/run/user/1000/glovebox/X (1)/a.img')).toBe(true);
    expect(insideMountRoot('/run/user/1000/glovebox', '/run/user/1000/glovebox-other/a.img')).toBe(false);
    expect(insideMountRoot('/run/user/1000/glovebox', '/home/u/a.img')).toBe(false);
    const root = join(work, 'mp');
    const a = await makeMountpoint(root, 'X (1)');
    writeFileSync(join(a, 'busy'), '');
    const b = await makeMountpoint(root, 'X (1)'); // a non-empty one is not reused
    expect([a, b]).toEqual([join(root, 'X (1)'), join(root, 'X (1)-2')]);
    expect(await makeMountpoint(root, 'X (1)')).toBe(b); // an empty leftover is
  });

  it('without a mounter (or FUSE), mounting is reported unavailable and refused', async () => {
    const { backend } = backendWith({ fuse: false });
    try {
      expect(value(await backend.handle(Channel.mountSupport, null))).toEqual({ available: false, reason: expect.any(String) });
      const src = value(await backend.handle(Channel.openPath, { path: join(work, 'stick.img'), taskId: 'o1' }));
      const r = await backend.handle(Channel.mount, { sourceId: src.id, volume: 1 });
      expect(r).toEqual({ ok: false, error: { kind: 'Unsupported', message: expect.stringMatching(/not available/) } });
    } finally {
      await backend.closeAll();
    }
  });

  it('a binding that does not load makes the FUSE mounter unavailable', async () => {
    const was = process.env.GLOVEBOX_FUSE_MODULE;
    process.env.GLOVEBOX_FUSE_MODULE = join(work, 'no-such-binding');
    try {
      expect(await fuseMounter().support()).toEqual({ available: false, reason: expect.stringMatching(/FUSE support is not installed/) });
    } finally {
      if (was === undefined) delete process.env.GLOVEBOX_FUSE_MODULE;
      else process.env.GLOVEBOX_FUSE_MODULE = was;
    }
  });
});

describe.skipIf(skipWhy !== null)('Backend mount over FUSE', () => {
  it('mounts a volume read-only, opens it, ordinary programs read it; Unmount and closing the source unmount', async () => {
    const { backend, events, opened } = backendWith({ fuse: true });
    let path: string | null = null;
    try {
      expect(value(await backend.handle(Channel.mountSupport, null))).toEqual({ available: true, reason: null });
      const src = value(await backend.handle(Channel.openPath, { path: join(work, 'stick.img'), taskId: 'o2' }));
      const m = value(await backend.handle(Channel.mount, { sourceId: src.id, volume: 1 }));
      path = m.path;
      expect(m).toEqual({ sourceId: src.id, volume: 1, path: join(work, 'mounts', 'GLOVE FAT16 (1)') });
      expect(opened).toEqual([m.path]);
      expect(events.filter((e) => e.type === 'mounts').at(-1)).toEqual({ type: 'mounts', mounts: [m] });
      expect(await mountedType(m.path)).toBe('fuse.glovebox');
      const { stdout: mounts } = await run('grep', ['-F', ` ${m.path.replace(/ /g, '\\040')} `, '/proc/mounts']);
      for (const opt of ['ro', 'nosuid', 'nodev', 'noexec']) expect(mounts.split(' ')[3]!.split(',')).toContain(opt);
      // Read by another program (never by this process, which serves the mount).
      const hello = expected.find((e) => e.path === '/hello.txt')!;
      const { stdout: sum } = await run('sha256sum', [join(m.path, 'hello.txt')]);
      expect(sum.slice(0, 64)).toBe(hello.sha256);
      // Asking again answers the same mount.
      expect(value(await backend.handle(Channel.mount, { sourceId: src.id, volume: 1 }))).toEqual(m);
      value(await backend.handle(Channel.unmount, { sourceId: src.id, volume: 1 }));
      expect(await mountedType(m.path)).toBeNull();
      expect(existsSync(m.path)).toBe(false);
      expect(backend.mounted()).toEqual([]);
      expect(events.filter((e) => e.type === 'mounts').at(-1)).toEqual({ type: 'mounts', mounts: [] });

      // Unmounted from outside: Unmount then just forgets it.
      const outside = value(await backend.handle(Channel.mount, { sourceId: src.id, volume: 1 }));
      path = outside.path;
      await run('fusermount', ['-u', outside.path]);
      expect(await mountedType(outside.path)).toBeNull();
      value(await backend.handle(Channel.unmount, { sourceId: src.id, volume: 1 }));
      expect(backend.mounted()).toEqual([]);

      // Closing the source (and so quitting: closeAll) unmounts first.
      const again = value(await backend.handle(Channel.mount, { sourceId: src.id, volume: 1 }));
      path = again.path;
      expect(await mountedType(again.path)).toBe('fuse.glovebox');
      value(await backend.handle(Channel.closeSource, { sourceId: src.id }));
      expect(await mountedType(again.path)).toBeNull();
      expect(existsSync(again.path)).toBe(false);
      path = null;
    } finally {
      if (path !== null && (await mountedType(path)) !== null) await run('fusermount', ['-uz', path]).catch(() => undefined);
      await backend.closeAll();
    }
  }, 60_000);
});
