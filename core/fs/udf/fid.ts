// File Identifier Descriptors (ECMA-167 4/14.4): every length is checked against the
// directory's bytes; the parent entry is skipped, deleted entries are skipped, hidden ones kept.
import { corrupt, limit } from '../../errors.js';
import { MAX_DIR_ENTRIES } from '../types.js';
import { decodeDchars } from './cs0.js';
import { u16, u32 } from './io.js';
import { readTag, TAG_FID } from './tag.js';

const FC_HIDDEN = 1;
const FC_DIRECTORY = 2;
const FC_DELETED = 4;
const FC_PARENT = 8;

export interface Fid {
  name: string;
  undecodable: boolean;
  hidden: boolean;
  directory: boolean;
  partition: number;
  block: number;
  /** Tag location as recorded, and where in the directory's bytes the FID starts. */
  tagLocation: number;
  offset: number;
}

export function parseFids(dir: Uint8Array, where: string): Fid[] {
  const out: Fid[] = [];
  let at = 0;
  while (at < dir.length) {
    if (dir.length - at < 38) throw corrupt('file identifier descriptor cut short', { where: `${where}, byte ${at}`, expected: '>= 38 bytes', found: String(dir.length - at) });
    const head = dir.subarray(at, at + 38);
    const lFi = head[19]!;
    const lIu = u16(head, 36);
    const total = (38 + lFi + lIu + 3) & ~3;
    if (at + 38 + lFi + lIu > dir.length) {
      throw corrupt('file identifier descriptor lengths run past the directory', { where: `${where}, byte ${at}`, found: `L_FI ${lFi}, L_IU ${lIu}` });
    }
    const fid = dir.subarray(at, Math.min(dir.length, at + total));
    const tag = readTag(fid, 0, `${where}, byte ${at}`, TAG_FID);
    const characteristics = head[18]!;
    const icbLength = u32(head, 20) & 0x3fffffff;
    if ((characteristics & (FC_PARENT | FC_DELETED)) === 0 && icbLength !== 0) {
      if (out.length >= MAX_DIR_ENTRIES) throw limit(`${where}: more than ${MAX_DIR_ENTRIES} entries`);
      const { name, undecodable } = decodeDchars(fid.subarray(38 + lIu, 38 + lIu + lFi));
      out.push({
        name,
        undecodable,
        hidden: (characteristics & FC_HIDDEN) !== 0,
        directory: (characteristics & FC_DIRECTORY) !== 0,
        block: u32(head, 24),
        partition: u16(head, 28),
        tagLocation: tag.location,
        offset: at,
      });
    }
    at += total;
  }
  return out;
}
