// The volume descriptor set (ECMA-119 8): from logical sector 16, one 2048-byte descriptor per
// sector, until the Set Terminator (type 255). Primary (1), Supplementary (2: Joliet when its
// escape sequences say UCS-2), Boot Record (0: El Torito), Partition (3) and anything else are
// recognised by type and the standard identifier "CD001".
import type { BlockDevice } from '../../block/device.js';
import { corrupt } from '../../errors.js';
import type { Timestamp } from '../types.js';
import { latin1, readExact, u16le, u32le } from './io.js';
import { longTime } from './time.js';

export const SECTOR_BYTES = 2048;
export const DESCRIPTORS_START = 16 * SECTOR_BYTES;
/** Descriptors read before giving up on a terminator (real discs have 3..6). */
export const MAX_DESCRIPTORS = 64;

export const VD_BOOT = 0;
export const VD_PRIMARY = 1;
export const VD_SUPPLEMENTARY = 2;
export const VD_TERMINATOR = 255;

export interface VolumeDescriptor {
  type: number;
  /** Byte offset of the descriptor on the device. */
  offset: number;
  volumeId: string;
  blockSize: number;
  volumeBlocks: number;
  /** The 34-byte root directory record. */
  root: Uint8Array;
  /** Joliet level 1..3, or 0 for the primary and non-Joliet supplementaries. */
  joliet: number;
  created: Timestamp | null;
}

export interface DescriptorSet {
  primary: VolumeDescriptor | null;
  joliet: VolumeDescriptor | null;
  /** El Torito boot catalog sector, when a Boot Record says "EL TORITO SPECIFICATION". */
  bootCatalog: number | null;
  /** Problems worth a note (a missing terminator...). */
  problems: string[];
}

export function isDescriptorHeader(b: Uint8Array, o = 0): boolean {
  return b[o + 1] === 0x43 && b[o + 2] === 0x44 && b[o + 3] === 0x30 && b[o + 4] === 0x30 && b[o + 5] === 0x31 && b[o + 6] === 1;
}

/** Escape sequences of a Joliet SVD (field at 88): "%/@", "%/C", "%/E" give levels 1..3. */
function jolietLevel(b: Uint8Array): number {
  if (b[88] !== 0x25 || b[89] !== 0x2f) return 0;
  return b[90] === 0x40 ? 1 : b[90] === 0x43 ? 2 : b[90] === 0x45 ? 3 : 0;
}

function decodeVolumeId(b: Uint8Array, joliet: boolean): string {
  if (!joliet) return latin1(b, 40, 72).replace(/[ \0]+$/, '');
  let s = '';
  for (let i = 40; i + 1 < 72; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
  return s.replace(/[ \0]+$/, '');
}

function parseVolume(b: Uint8Array, offset: number, type: number): VolumeDescriptor {
  const joliet = type === VD_SUPPLEMENTARY ? jolietLevel(b) : 0;
  const blockSize = u16le(b, 128);
  if (blockSize !== 512 && blockSize !== 1024 && blockSize !== 2048) {
    throw corrupt('logical block size', { where: `volume descriptor at byte ${offset}`, expected: '512, 1024 or 2048', found: String(blockSize) });
  }
  if (b[156] !== 34) {
    throw corrupt('root directory record length', { where: `volume descriptor at byte ${offset}`, expected: '34', found: String(b[156]) });
  }
  return {
    type,
    offset,
    volumeId: decodeVolumeId(b, joliet > 0),
    blockSize,
    volumeBlocks: u32le(b, 80),
    root: b.slice(156, 190),
    joliet,
    created: longTime(b, 813),
  };
}

export async function readDescriptors(device: BlockDevice): Promise<DescriptorSet> {
  const set: DescriptorSet = { primary: null, joliet: null, bootCatalog: null, problems: [] };
  let terminated = false;
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const offset = DESCRIPTORS_START + i * SECTOR_BYTES;
    if (offset + SECTOR_BYTES > device.size) {
      set.problems.push(`volume descriptor set runs past the end of the device at byte ${offset}`);
      break;
    }
    const b = await readExact(device, offset, SECTOR_BYTES);
    if (!isDescriptorHeader(b)) {
      if (i === 0) throw corrupt('volume descriptor', { where: `byte ${offset}`, expected: '"CD001" version 1', found: JSON.stringify(latin1(b, 1, 6)) });
      set.problems.push(`volume descriptor ${i} (byte ${offset}) has no "CD001" identifier; the set ends there`);
      break;
    }
    const type = b[0]!;
    if (type === VD_TERMINATOR) {
      terminated = true;
      break;
    }
    try {
      if (type === VD_PRIMARY && set.primary === null) set.primary = parseVolume(b, offset, type);
      else if (type === VD_SUPPLEMENTARY && set.joliet === null && jolietLevel(b) > 0) set.joliet = parseVolume(b, offset, type);
    } catch (e) {
      if (type === VD_PRIMARY) throw e;
      set.problems.push(`Joliet descriptor at byte ${offset} ignored: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (type === VD_BOOT && set.bootCatalog === null && latin1(b, 7, 30) === 'EL TORITO SPECIFICATION') {
      set.bootCatalog = u32le(b, 0x47);
    }
  }
  if (!terminated && set.problems.length === 0) set.problems.push(`no volume descriptor set terminator in the first ${MAX_DESCRIPTORS} descriptors`);
  if (set.primary === null) {
    throw corrupt('primary volume descriptor', { where: `volume descriptor set at byte ${DESCRIPTORS_START}`, expected: 'a type 1 descriptor', found: 'none' });
  }
  return set;
}
