// What a program should see through the mount, from a fixture's expected listing: shared by the
// in-process test (volume.test.ts) and the real-FUSE one (fuse.test.ts).
import { createHash } from 'node:crypto';
import { toDate } from '../../core/mount/attr.js';
import { loadExpected, type ConformanceRow, type ListedItem } from '../conformance/harness.js';
import { exfatRows } from '../conformance/rows/exfat.js';
import { extRows } from '../conformance/rows/ext.js';
import { fatRows } from '../conformance/rows/fat.js';
import { iso9660Rows } from '../conformance/rows/iso9660.js';
import { ntfsRows } from '../conformance/rows/ntfs.js';
import { udfRows } from '../conformance/rows/udf.js';

export const EMPTY_SHA256 = createHash('sha256').digest('hex');

/**
 * Every fixture family with an expected listing, taken from the conformance table (so a new
 * fixture row there is mounted here too): FAT12/16/32, exFAT (+ MBR), NTFS (+ GPT), ext2/3/4 and
 * inline data, ISO 9660 (plain, Joliet, Rock Ridge) and the populated UDF discs.
 */
const ISO = new Set(['iso9660-plain', 'iso9660-joliet', 'iso9660-rockridge']);
export const MOUNT_ROWS: Array<ConformanceRow & { expected: string }> = [...fatRows, ...exfatRows, ...ntfsRows, ...extRows, ...iso9660Rows, ...udfRows].filter(
  (r): r is ConformanceRow & { expected: string } => r.expected !== undefined && (r.fs !== 'iso9660' || ISO.has(r.name)),
);

export function mountRow(name: string): ConformanceRow & { expected: string } {
  const r = MOUNT_ROWS.find((x) => x.name === name);
  if (!r) throw new Error(`no mount fixture ${name}`);
  return r;
}

/**
 * The expected listing in mount terms: alternate data streams are not shown; devices and FIFOs are
 * empty regular files; directories have size 0; times are what attr.ts makes of them.
 */
export function expectedThroughMount(expected: string): Array<ListedItem & { mtime: string }> {
  return loadExpected(expected)
    .filter((e) => !e.path.split('/').some((p) => p.includes(':')))
    .map((e) => (e.type === 'other' ? { ...e, type: 'file' as const, size: 0, sha256: EMPTY_SHA256 } : e))
    .map((e) => ({
      path: e.path,
      type: e.type,
      size: e.type === 'dir' ? 0 : e.size,
      mtime: toDate(e.mtime).toISOString(),
      ...(e.sha256 !== undefined ? { sha256: e.sha256 } : {}),
      ...(e.target !== undefined ? { target: e.target } : {}),
    }));
}
