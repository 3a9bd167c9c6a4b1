// The FUSE binding, behind one small interface so that it can be swapped (another npm binding,
// or an N-API binding of our own). Today: `fuse-native` (libfuse 2 through N-API, prebuilt
// binaries for Linux and macOS; see README.md for why). It is loaded at run time, never bundled:
// where it is not installed, or libfuse is missing, mounting says so in one line.

import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { Errno, MountError, errnoOf } from './errno.js';
import { WRITE_OPERATIONS, type MountedVolume, type MountStatfs } from './volume.js';
import type { MountAttr } from './attr.js';

/** The npm package used when GLOVEBOX_FUSE_MODULE does not name another copy of it. */
export const FUSE_PACKAGE = 'fuse-native';
/** Seconds the kernel may keep attributes and names (the image does not change under us). */
export const ATTR_CACHE_SECONDS = 60;
export const ENTRY_CACHE_SECONDS = 60;
/** Longest a FUSE request may take before it is answered EIO (a hung sandbox is killed sooner). */
export const OPERATION_DEADLINE_MS = 30_000;

export class FuseUnavailable extends Error {
  override name = 'FuseUnavailable';
}

export interface MountOptions {
  /** Shown as the source in /proc/mounts (sanitised: only [A-Za-z0-9._+-]). */
  source: string;
  /** Let users other than the one who mounted read the mount (FUSE allow_other). */
  allowOther?: boolean;
  /** Deadline of one FUSE request (ms). */
  deadlineMs?: number;
  /** FUSE debug output on stderr. */
  debug?: boolean;
}

export interface FuseMount {
  readonly mountpoint: string;
  unmount(): Promise<void>;
}

export interface FuseBinding {
  readonly name: string;
  mount(mountpoint: string, fs: MountedVolume, o: MountOptions): Promise<FuseMount>;
}

// ---- fuse-native's shape (only what is used; checked when loaded) ----------------------------

type Callback = (code: number, ...values: unknown[]) => void;
interface NativeFuse {
  mount(cb: (err: Error | null) => void): void;
  unmount(cb: (err: Error | null) => void): void;
}
type NativeFuseClass = new (mnt: string, ops: Record<string, (...args: never[]) => void>, opts: Record<string, unknown>) => NativeFuse;

function isFuseClass(m: unknown): m is NativeFuseClass {
  return typeof m === 'function' && typeof (m as { prototype?: { mount?: unknown } }).prototype?.mount === 'function';
}

/**
 * The binding, or FuseUnavailable saying why not. GLOVEBOX_FUSE_MODULE may name the absolute
 * path of a fuse-native copy (tests, or a machine where it is installed outside the app).
 */
export async function loadFuseBinding(): Promise<FuseBinding> {
  if (process.platform !== 'linux' && process.platform !== 'darwin') {
    throw new FuseUnavailable(`FUSE support is not available on ${process.platform} (WinFsp is not supported yet)`);
  }
  const name = process.env.GLOVEBOX_FUSE_MODULE ?? FUSE_PACKAGE;
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(name);
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    const hint = /libfuse|osxfuse|macfuse/i.test(why) ? ' (install libfuse2, or macFUSE on macOS)' : ` (npm install ${FUSE_PACKAGE})`;
    throw new FuseUnavailable(`FUSE support is not installed: ${why}${hint}`);
  }
  if (!isFuseClass(mod)) throw new FuseUnavailable(`FUSE support is not installed: ${name} is not a FUSE binding`);
  if (process.platform === 'linux') {
    try {
      await access('/dev/fuse');
    } catch {
      throw new FuseUnavailable('FUSE support is not available: /dev/fuse is missing (modprobe fuse)');
    }
  }
  return fuseNativeBinding(mod);
}

function fuseNativeBinding(Fuse: NativeFuseClass): FuseBinding {
  return {
    name: FUSE_PACKAGE,
    async mount(mountpoint, fs, o) {
      const deadlineMs = o.deadlineMs ?? OPERATION_DEADLINE_MS;
      const source = `glovebox:${basename(o.source)}`.replace(/[^A-Za-z0-9._+:-]/g, '_').slice(0, 200);
      const native = new Fuse(mountpoint, fuseOperations(fs, deadlineMs), {
        // fuse-native passes only the options it knows; the mount flags ride on fsname's value
        // (it is the last thing before the next comma). The source is sanitised, so it cannot
        // add options of its own.
        fsname: `${source},ro,nosuid,nodev,noexec`,
        subtype: 'glovebox',
        attrTimeout: ATTR_CACHE_SECONDS,
        entryTimeout: ENTRY_CACHE_SECONDS,
        // File data never changes: keep it in the page cache across opens.
        kernelCache: true,
        // The kernel checks the permission bits we show (0444 files, 0555 directories).
        defaultPermissions: true,
        allowOther: o.allowOther === true,
        debug: o.debug === true,
        // Our own deadline answers first; the binding's is a backstop.
        timeout: deadlineMs + 5_000,
      });
      await new Promise<void>((resolve, reject) => native.mount((err) => (err ? reject(err) : resolve())));
      let unmounted: Promise<void> | null = null;
      return {
        mountpoint,
        unmount: () => (unmounted ??= new Promise<void>((resolve, reject) => native.unmount((err) => (err ? reject(err) : resolve())))),
      };
    },
  };
}

// ---- operations --------------------------------------------------------------------------------

/** fuse-native encodes times as unsigned milliseconds: a time before 1970 is shown as 1970. */
const unsignedTime = (d: Date) => (d.getTime() < 0 ? new Date(0) : d);
const toStatArray = (a: MountAttr) => ({ ...a, atime: unsignedTime(a.atime), mtime: unsignedTime(a.mtime), ctime: unsignedTime(a.ctime) });
const toStatfs = (s: MountStatfs) => ({ ...s });

/**
 * fuse-native's callback operations over a MountedVolume. Every answer comes within the
 * deadline: a request that takes longer is answered EIO (never a hung file manager).
 */
export function fuseOperations(fs: MountedVolume, deadlineMs: number): Record<string, (...args: never[]) => void> {
  const answer = <T>(work: () => Promise<T>, cb: Callback, ok: (v: T) => void) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      cb(-Errno.EIO);
    }, deadlineMs);
    work().then(
      (v) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        ok(v);
      },
      (e: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        cb(-errnoOf(e));
      },
    );
  };
  const ops: Record<string, (...args: never[]) => void> = {
    getattr: (path: string, cb: Callback) => answer(() => fs.getattr(path), cb, (a) => cb(0, toStatArray(a))),
    fgetattr: (path: string, _fd: number, cb: Callback) => answer(() => fs.getattr(path), cb, (a) => cb(0, toStatArray(a))),
    readdir: (path: string, cb: Callback) => answer(() => fs.readdir(path), cb, (names) => cb(0, names)),
    readlink: (path: string, cb: Callback) => answer(() => fs.readlink(path), cb, (t) => cb(0, t)),
    open: (path: string, flags: number, cb: Callback) => answer(() => fs.open(path, flags), cb, (fh) => cb(0, fh)),
    // A read answers with the byte count in the place of the error code.
    read: (_path: string, fh: number, buf: Buffer, length: number, position: number, cb: Callback) =>
      answer(() => fs.read(fh, position, Math.min(length, buf.length)), cb, (bytes) => {
        buf.set(bytes);
        cb(bytes.length);
      }),
    release: (_path: string, fh: number, cb: Callback) => answer(() => fs.release(fh), cb, () => cb(0)),
    statfs: (_path: string, cb: Callback) => answer(() => fs.statfs(), cb, (s) => cb(0, toStatfs(s))),
    access: (path: string, mode: number, cb: Callback) =>
      answer(
        async () => {
          // W_OK: nothing here is writable.
          if ((mode & 2) !== 0) throw new MountError(Errno.EROFS, `${path}: read-only file system`);
          await fs.resolve(path);
        },
        cb,
        () => cb(0),
      ),
  };
  for (const op of WRITE_OPERATIONS) {
    // Every write-type call: EROFS, whatever its arguments (the callback is always the last).
    ops[op] = (...args: never[]) => {
      const cb = args[args.length - 1] as unknown;
      if (typeof cb === 'function') (cb as Callback)(-Errno.EROFS);
    };
  }
  return ops;
}

// ---- what is mounted -------------------------------------------------------------------------

/** Decodes the octal escapes of /proc/mounts ("\040" for a space). */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The file system type mounted at `mountpoint` (Linux, /proc/self/mounts), or null. */
export async function mountedType(mountpoint: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile('/proc/self/mounts', 'utf8');
  } catch {
    return null;
  }
  let found: string | null = null;
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length >= 3 && unescapeMountField(f[1]!) === mountpoint) found = f[2]!;
  }
  return found;
}
