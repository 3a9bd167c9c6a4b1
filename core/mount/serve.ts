// One volume of an open session served through FUSE: the step `glovebox mount` and the app's
// "Mount safely" share, so both mount the same way.

import type { ImageSession } from '../sandbox/host/session.js';
import type { FuseBinding, FuseMount } from './fuse.js';
import { MountedVolume } from './volume.js';

/** Deadline of one sandbox request made for the mount (ms): a hung driver costs one EIO. */
export const MOUNT_REQUEST_TIMEOUT_MS = 10_000;

export interface ServedVolume {
  /** The volume's 1-based index and file system. */
  index: number;
  fs: string | null;
  fuse: FuseMount;
}

export async function serveVolume(
  binding: FuseBinding,
  session: ImageSession,
  o: { volume: number | undefined; mountpoint: string; source: string; allowOther?: boolean },
): Promise<ServedVolume> {
  const vol = await session.volume(o.volume);
  const fs = new MountedVolume(session, { volume: vol.index, requestTimeoutMs: MOUNT_REQUEST_TIMEOUT_MS });
  // A volume that cannot even show its root fails here, not in the file manager.
  await fs.readdir('/');
  const fuse = await binding.mount(o.mountpoint, fs, { source: o.source, allowOther: o.allowOther ?? false });
  return { index: vol.index, fs: vol.fs, fuse };
}
