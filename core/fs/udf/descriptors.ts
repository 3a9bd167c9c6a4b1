// Finding the volume: the Volume Recognition Sequence (ECMA-167 2/8.3), the Anchor Volume
// Descriptor Pointer (3/10.2, UDF 2.2.3) and the Volume Descriptor Sequence (3/8.4.2) with its
// Primary (3/10.1), Partition (3/10.5) and Logical Volume (3/10.6) descriptors and partition maps.
import type { BlockDevice } from '../../block/device.js';
import { corrupt, GloveboxError, unsupported } from '../../errors.js';
import type { VolumeNote } from '../types.js';
import { decodeDstring } from './cs0.js';
import { readExact, u16, u32 } from './io.js';
import { readTag, TAG_AVDP, TAG_LVD, TAG_PD, TAG_PVD, TAG_TD, TAG_VDP } from './tag.js';

/** Sector sizes tried, in order: optical media first, then hard-disk UDF. */
export const SECTOR_SIZES = [2048, 512, 4096] as const;
export const VRS_OFFSET = 32768;
/** Descriptors of the recognition sequence looked at. */
const MAX_VRS_DESCRIPTORS = 64;
/** Volume descriptors read from one sequence, following pointers included. */
const MAX_VDS_DESCRIPTORS = 256;
const MAX_VDP_HOPS = 16;
const MAX_PARTITION_MAPS = 64;

export interface Anchor {
  sectorSize: number;
  location: number;
  main: { location: number; length: number };
  reserve: { location: number; length: number };
}

export type PartitionMap =
  | { kind: 'physical'; partitionNumber: number }
  | { kind: 'virtual'; partitionNumber: number }
  | { kind: 'sparable'; partitionNumber: number; packetLength: number; tableSize: number; tables: number[] }
  | { kind: 'metadata'; partitionNumber: number; fileLocation: number; mirrorLocation: number; duplicated: boolean };

export interface PartitionDescriptor {
  number: number;
  accessType: number;
  start: number;
  length: number;
  vdsn: number;
}

export interface VolumeDescriptors {
  volumeIdentifier: string;
  logicalVolumeIdentifier: string;
  blockSize: number;
  domain: string;
  /** File set descriptor: long_ad in the logical volume contents use. */
  fsd: { length: number; block: number; partition: number };
  maps: PartitionMap[];
  partitions: Map<number, PartitionDescriptor>;
}

/** "BEA01 … NSR02/NSR03" in the recognition sequence (each descriptor 2048 bytes or one sector). */
export async function hasNsr(device: BlockDevice): Promise<boolean> {
  for (const step of [2048, 4096]) {
    let sawBea = false;
    for (let i = 0; i < MAX_VRS_DESCRIPTORS; i++) {
      const at = VRS_OFFSET + i * step;
      if (at + 7 > device.size) break;
      const d = await readExact(device, at, 7);
      const id = String.fromCharCode(...d.subarray(1, 6));
      if (d[0] !== 0 || !['BEA01', 'NSR02', 'NSR03', 'TEA01', 'CD001', 'CDW02', 'BOOT2'].includes(id)) break;
      if (id === 'BEA01') sawBea = true;
      if ((id === 'NSR02' || id === 'NSR03') && sawBea) return true;
      if (id === 'TEA01') break;
    }
  }
  return false;
}

/** The first verified AVDP: sector 256, then N-256, then N-1, for each sector size in turn. */
export async function findAnchor(device: BlockDevice): Promise<Anchor | null> {
  for (const sectorSize of SECTOR_SIZES) {
    const sectors = Math.floor(device.size / sectorSize);
    const places = [256, sectors - 256, sectors - 1].filter((s, i, all) => s >= 256 && s < sectors && all.indexOf(s) === i);
    for (const location of places) {
      const b = await readExact(device, location * sectorSize, 512);
      try {
        readTag(b, 0, `AVDP at sector ${location}`, TAG_AVDP, location);
      } catch (e) {
        if (e instanceof GloveboxError) continue;
        throw e;
      }
      return {
        sectorSize,
        location,
        main: { length: u32(b, 16), location: u32(b, 20) },
        reserve: { length: u32(b, 24), location: u32(b, 28) },
      };
    }
  }
  return null;
}

/** Reads one sequence; throws Corrupt when it is unreadable or lacks what a volume needs. */
async function readSequence(device: BlockDevice, sectorSize: number, extent: { location: number; length: number }, which: string): Promise<VolumeDescriptors> {
  let pvd: Uint8Array | null = null;
  let lvd: Uint8Array | null = null;
  let pvdn = -1;
  let lvdn = -1;
  const partitions = new Map<number, PartitionDescriptor>();
  let location = extent.location;
  let count = Math.floor(extent.length / sectorSize);
  let hops = 0;
  const sectors = Math.floor(device.size / sectorSize);
  let seen = 0;
  let terminated = false;
  while (count > 0 && !terminated) {
    if (++seen > MAX_VDS_DESCRIPTORS) throw corrupt(`${which}: too many descriptors`, { expected: `<= ${MAX_VDS_DESCRIPTORS}` });
    if (location >= sectors) throw corrupt(`${which}: runs past the device`, { where: `sector ${location}` });
    const b = await readExact(device, location * sectorSize, sectorSize);
    // An unrecorded (zero) sector ends the sequence as a terminating descriptor would.
    if (b.every((x) => x === 0)) break;
    const tag = readTag(b, 0, `${which}, sector ${location}`, undefined, location);
    switch (tag.identifier) {
      case TAG_PVD: {
        const n = u32(b, 16);
        if (n >= pvdn) [pvd, pvdn] = [b, n];
        break;
      }
      case TAG_LVD: {
        const n = u32(b, 16);
        if (n >= lvdn) [lvd, lvdn] = [b, n];
        break;
      }
      case TAG_PD: {
        const pd = { vdsn: u32(b, 16), number: u16(b, 22), accessType: u32(b, 184), start: u32(b, 188), length: u32(b, 192) };
        const old = partitions.get(pd.number);
        if (old === undefined || pd.vdsn >= old.vdsn) partitions.set(pd.number, pd);
        break;
      }
      case TAG_VDP: {
        if (++hops > MAX_VDP_HOPS) throw corrupt(`${which}: too many volume descriptor pointers`, { expected: `<= ${MAX_VDP_HOPS}` });
        location = u32(b, 24);
        count = Math.floor(u32(b, 20) / sectorSize);
        continue;
      }
      case TAG_TD:
        terminated = true;
        break;
      default:
        break; // implementation use, unallocated space, unknown: not needed to read files
    }
    location++;
    count--;
  }
  if (lvd === null) throw corrupt(`${which}: no logical volume descriptor`);
  if (partitions.size === 0) throw corrupt(`${which}: no partition descriptor`);
  return parseLvd(lvd, pvd, partitions, which);
}

function parseLvd(lvd: Uint8Array, pvd: Uint8Array | null, partitions: Map<number, PartitionDescriptor>, which: string): VolumeDescriptors {
  const blockSize = u32(lvd, 212);
  const domain = String.fromCharCode(...lvd.subarray(217, 240)).replace(/\0+$/, '');
  const mapTableLength = u32(lvd, 264);
  const mapCount = u32(lvd, 268);
  if (mapCount === 0 || mapCount > MAX_PARTITION_MAPS) throw corrupt(`${which}: partition map count`, { expected: `1..${MAX_PARTITION_MAPS}`, found: String(mapCount) });
  if (440 + mapTableLength > lvd.length) throw corrupt(`${which}: partition map table runs past the descriptor`, { found: `${mapTableLength} bytes` });
  const maps: PartitionMap[] = [];
  let at = 440;
  const end = 440 + mapTableLength;
  for (let i = 0; i < mapCount; i++) {
    if (at + 2 > end) throw corrupt(`${which}: partition map ${i} runs past the table`);
    const type = lvd[at]!;
    const length = lvd[at + 1]!;
    if (length < 6 || at + length > end) throw corrupt(`${which}: partition map ${i} length`, { found: String(length) });
    if (type === 1) {
      maps.push({ kind: 'physical', partitionNumber: u16(lvd, at + 4) });
    } else if (type === 2 && length >= 64) {
      const ident = String.fromCharCode(...lvd.subarray(at + 5, at + 28)).replace(/\0+$/, '');
      const partitionNumber = u16(lvd, at + 38);
      if (ident === '*UDF Virtual Partition') maps.push({ kind: 'virtual', partitionNumber });
      else if (ident === '*UDF Sparable Partition') {
        const n = lvd[at + 42]!;
        if (n < 1 || n > 4) throw corrupt(`${which}: sparable partition map: number of sparing tables`, { expected: '1..4', found: String(n) });
        const tables: number[] = [];
        for (let k = 0; k < n; k++) tables.push(u32(lvd, at + 48 + k * 4));
        maps.push({ kind: 'sparable', partitionNumber, packetLength: u16(lvd, at + 40), tableSize: u32(lvd, at + 44), tables });
      } else if (ident === '*UDF Metadata Partition') {
        maps.push({ kind: 'metadata', partitionNumber, fileLocation: u32(lvd, at + 40), mirrorLocation: u32(lvd, at + 44), duplicated: (lvd[at + 58]! & 1) !== 0 });
      } else throw unsupported(`UDF partition map "${ident}"`);
    } else throw unsupported(`partition map type ${type} (length ${length})`);
    at += length;
  }
  return {
    volumeIdentifier: pvd === null ? '' : decodeDstring(pvd, 24, 32),
    logicalVolumeIdentifier: decodeDstring(lvd, 84, 128),
    blockSize,
    domain,
    fsd: { length: u32(lvd, 248) & 0x3fffffff, block: u32(lvd, 252), partition: u16(lvd, 256) },
    maps,
    partitions,
  };
}

/** The main sequence, or the reserve with a warning note when the main one is unusable. */
export async function readVolumeDescriptors(device: BlockDevice, anchor: Anchor, notes: VolumeNote[]): Promise<VolumeDescriptors> {
  try {
    return await readSequence(device, anchor.sectorSize, anchor.main, 'main volume descriptor sequence');
  } catch (e) {
    if (!(e instanceof GloveboxError) || e.kind === 'Unsupported') throw e;
    try {
      const reserve = await readSequence(device, anchor.sectorSize, anchor.reserve, 'reserve volume descriptor sequence');
      notes.push({ severity: 'warning', message: `main volume descriptor sequence is damaged (${e.message}); using the reserve sequence` });
      return reserve;
    } catch {
      throw e;
    }
  }
}
