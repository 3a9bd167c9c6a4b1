// What the mount shows of a node: a stat(2) structure built from the sandbox's NodeStat, with
// everything dangerous taken out. Decisions (see README.md):
//   - permission bits: files r--r--r-- plus the image's execute bits (shown, never honoured:
//     the mount is noexec); directories r-xr-xr-x; symlinks rwxrwxrwx, as Linux shows them.
//   - never setuid, setgid or sticky; never a device, FIFO or socket: those ('other') are shown
//     as empty regular files (0444), so a listing still says they exist.
//   - owner: the user who mounted (the image's uids mean nothing on this machine).

import type { NodeStat, NodeType, Timestamp } from '../fs/types.js';

export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
/** Bytes per block in st_blocks (POSIX: 512, whatever the file system's block size). */
const STAT_BLOCK_BYTES = 512;
/** st_blksize: what programs use as their preferred read size. */
export const PREFERRED_IO_BYTES = 128 * 1024;

export interface MountAttr {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  blocks: number;
  blksize: number;
  atime: Date;
  mtime: Date;
  ctime: Date;
}

export interface Owner {
  uid: number;
  gid: number;
}

/** The type the mount exposes: a device node or FIFO never reaches the host as one. */
export function exposedType(type: NodeType): 'file' | 'dir' | 'symlink' {
  return type === 'other' ? 'file' : type;
}

/**
 * A stored timestamp as a Date. A zone-less one (FAT's local wall-clock time) is taken as local
 * time, as Linux's vfat does by default; a missing or unparsable one is the epoch.
 */
export function toDate(t: Timestamp | null | undefined): Date {
  if (t === null || t === undefined) return new Date(0);
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? new Date(0) : d;
}

export function toAttr(st: NodeStat, owner: Owner): MountAttr {
  const type = exposedType(st.type);
  const size = st.type === 'other' ? 0 : st.size;
  let mode: number;
  if (type === 'dir') mode = S_IFDIR | 0o555;
  else if (type === 'symlink') mode = S_IFLNK | 0o777;
  else mode = S_IFREG | 0o444 | (st.type === 'file' && st.mode !== undefined ? st.mode & 0o111 : 0);
  const mtime = toDate(st.mtime);
  return {
    mode,
    uid: owner.uid,
    gid: owner.gid,
    size,
    nlink: type === 'dir' ? 2 : 1,
    blocks: Math.ceil(size / STAT_BLOCK_BYTES),
    blksize: PREFERRED_IO_BYTES,
    atime: st.atime ? toDate(st.atime) : mtime,
    mtime,
    ctime: st.ctime ? toDate(st.ctime) : mtime,
  };
}
