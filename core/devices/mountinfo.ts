// /proc/self/mountinfo (proc(5)): one mount per line,
//   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
// (mount id, parent id, major:minor, root, mount point, mount options, optional fields, "-",
// fs type, source, super options). Spaces, tabs, newlines and backslashes in paths are octal
// escapes (\040).

export interface MountEntry {
  /** The device's "major:minor" (0:N for file systems without a block device, e.g. btrfs subvolumes). */
  devNumber: string;
  mountPoint: string;
  fsType: string;
  /** The mount source (`/dev/sdb1`, `tmpfs`...). */
  source: string;
  readOnly: boolean;
}

/** More lines than any real system has; a longer text is cut here. */
const MAX_MOUNT_LINES = 100_000;

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  const lines = text.split('\n', MAX_MOUNT_LINES);
  for (const line of lines) {
    const fields = line.trim().split(' ');
    const dash = fields.indexOf('-', 6);
    if (fields.length < 10 || dash < 0 || dash + 2 >= fields.length) continue;
    const devNumber = fields[2]!;
    if (!/^\d+:\d+$/.test(devNumber)) continue;
    const options = fields[5]!.split(',');
    const superOptions = (fields[dash + 3] ?? '').split(',');
    out.push({
      devNumber,
      mountPoint: unescapeOctal(fields[4]!),
      fsType: unescapeOctal(fields[dash + 1]!),
      source: unescapeOctal(fields[dash + 2]!),
      readOnly: options.includes('ro') || superOptions.includes('ro'),
    });
  }
  return out;
}

/** Mount points that make the disk beneath them the system disk. */
export const SYSTEM_MOUNT_POINTS: readonly string[] = ['/', '/boot', '/boot/efi', '/efi', '/usr', '/var'];
