// "Mount safely" in the app: one volume of an open source served read-only through FUSE by the
// same code as `glovebox mount` (core/mount/serve.ts), from the session the app already has open.
// The mount point is a directory main makes under the user's runtime directory; nothing from the
// image ever names a host path.

import { mkdir, rmdir } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import { GloveboxError } from '../../core/errors.js';
import { FuseUnavailable, loadFuseBinding, type FuseBinding } from '../../core/mount/fuse.js';
import { serveVolume } from '../../core/mount/serve.js';
import type { ImageSession } from '../../core/sandbox/host/session.js';
import type { MountSupport } from '../shared/api.js';

export interface MountHandle {
  unmount(): Promise<void>;
}

/** What mounts a volume (FUSE in the app; a fake in the end-to-end test host). */
export interface Mounter {
  support(): Promise<MountSupport>;
  mount(session: ImageSession, volume: number, mountpoint: string, sourceName: string): Promise<MountHandle>;
}

export const NO_MOUNTS: Mounter = {
  support: async () => ({ available: false, reason: 'mounting is not available in this build' }),
  mount: async () => {
    throw new GloveboxError('Unsupported', 'mounting is not available in this build');
  },
};

/** FUSE through core/mount; unavailable when the binding does not load or /dev/fuse is missing. */
export function fuseMounter(): Mounter {
  let loaded: Promise<FuseBinding> | null = null;
  const binding = () => (loaded ??= loadFuseBinding());
  return {
    async support() {
      try {
        await binding();
        return { available: true, reason: null };
      } catch (e) {
        return { available: false, reason: e instanceof Error ? e.message : String(e) };
      }
    },
    async mount(session, volume, mountpoint, sourceName) {
      let b: FuseBinding;
      try {
        b = await binding();
      } catch (e) {
        throw new GloveboxError('Unsupported', e instanceof FuseUnavailable ? e.message : String(e));
      }
      const served = await serveVolume(b, session, { volume, mountpoint, source: sourceName });
      return served.fuse;
    },
  };
}

/** Where the app's mount points go: $XDG_RUNTIME_DIR/glovebox, else a folder in the temp dir. */
export function mountRootFor(env: NodeJS.ProcessEnv, tempDir: string): string {
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime && runtime.startsWith('/') ? join(runtime, 'glovebox') : join(tempDir, `glovebox-mounts-${process.getuid?.() ?? 'user'}`);
}

/**
 * Whether a host path lies under the mount root. Main serves those mounts on its own event loop,
 * so it must never touch such a path synchronously (existsSync on a recent image there would
 * wait for itself): recent images under it are neither kept nor checked.
 */
export function insideMountRoot(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** A name usable as one directory name: letters, digits, space, . _ - only; never "", "." or "..". */
export function mountDirName(name: string, volume: number): string {
  const clean = name.replace(/[^A-Za-z0-9 ._-]+/g, '_').replace(/^[ .]+|[ .]+$/g, '').slice(0, 80) || 'volume';
  return `${clean} (${volume})`;
}

/**
 * Makes a fresh, empty mount point under `root` (mode 0700): `name`, else `name-2`, ... An empty
 * leftover directory of an earlier run is reused; a busy one (still mounted) is skipped.
 */
export async function makeMountpoint(root: string, name: string): Promise<string> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  for (let i = 1; i <= 100; i++) {
    const dir = join(root, i === 1 ? name : `${name}-${i}`);
    try {
      await mkdir(dir, { mode: 0o700 });
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    // Exists: an empty leftover can be removed and made again; a mount or a non-empty one cannot.
    if (await rmdir(dir).then(() => true, () => false)) {
      try {
        await mkdir(dir, { mode: 0o700 });
        return dir;
      } catch {
        // Someone else made it meanwhile: try the next name.
      }
    }
  }
  throw new GloveboxError('Io', `no free mount point under ${root}`);
}
