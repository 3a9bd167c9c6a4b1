// Linux errno values the mount answers with, and the one translation of Glovebox's closed set
// of error kinds into them (STYLE.md: errors are translated once at each edge).

import { GloveboxError, type ErrorKind } from '../errors.js';

/** errno numbers (Linux, asm-generic/errno-base.h and errno.h); the binding negates them. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EACCES: 13,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EMFILE: 24,
  EROFS: 30,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ELOOP: 40,
  ENODATA: 61,
} as const;

export type ErrnoName = keyof typeof Errno;

/** A FUSE operation's failure: the errno the kernel passes on to the program that asked. */
export class MountError extends Error {
  override name = 'MountError';
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
  }
}

const BY_KIND: Record<ErrorKind, number> = {
  NotFound: Errno.ENOENT,
  Invalid: Errno.EINVAL,
  // The image is damaged, a feature is missing, the device failed: the program sees an I/O error.
  Corrupt: Errno.EIO,
  Io: Errno.EIO,
  Unsupported: Errno.EIO,
  Limit: Errno.EIO,
  Protocol: Errno.EIO,
  // The sandbox crashed or hung: this call fails, the supervisor restarts it for the next one.
  Timeout: Errno.EIO,
  Crashed: Errno.EIO,
  Cancelled: Errno.EIO,
};

/** The errno for anything an operation threw; a non-Glovebox error is a bug, shown as EIO. */
export function errnoOf(e: unknown): number {
  if (e instanceof MountError) return e.errno;
  if (e instanceof GloveboxError) return BY_KIND[e.kind];
  return Errno.EIO;
}
