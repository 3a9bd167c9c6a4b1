// Compound File Binary ("OLE2", [MS-CFB]) directory reading, to learn whether an Office
// document carries a VBA project. Only the structures needed to list the directory are read:
// 2.2 the header, 2.3 the DIFAT (header array, then the DIFAT sector chain), 2.4 the FAT
// sectors the directory chain runs through (read lazily), and 2.6 the directory entries.
// Every sector number is checked against the file; every chain walk keeps a visited set.
import type { BlockDevice } from '../block/device.js';
import { corrupt } from '../errors.js';
import { Fields, utf16le } from './bytes.js';

export const CFB_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/** 2.1 special sector numbers. */
const MAXREGSECT = 0xfffffffa;
const ENDOFCHAIN = 0xfffffffe;
const FREESECT = 0xffffffff;
/** Directory sectors read at most (4,096-byte sectors hold 32 entries each). */
const MAX_DIRECTORY_SECTORS = 2048;
const MAX_DIFAT_SECTORS = 1024;
const MAX_ENTRIES = 16384;
const DIRECTORY_ENTRY_BYTES = 128;

export interface CfbEntry {
  name: string;
  /** 2.6.1 object type: 1 storage, 2 stream, 5 root storage. */
  type: number;
  size: number;
}

export const isCfb = (head: Uint8Array): boolean => head.length >= 8 && CFB_SIGNATURE.every((b, i) => head[i] === b);

interface Header {
  sectorSize: number;
  firstDirectorySector: number;
  difat: number[];
  firstDifatSector: number;
  difatSectors: number;
  fatSectors: number;
}

function decodeHeader(h: Uint8Array): Header {
  const f = new Fields(h, 'CFB header');
  if (!isCfb(h)) throw corrupt('CFB header signature', { expected: 'D0CF11E0A1B11AE1' });
  const major = f.u16(0x1a);
  const byteOrder = f.u16(0x1c);
  const sectorShift = f.u16(0x1e);
  if (byteOrder !== 0xfffe) throw corrupt('CFB byte order', { expected: '0xFFFE', found: `0x${byteOrder.toString(16)}` });
  if (!((major === 3 && sectorShift === 9) || (major === 4 && sectorShift === 12))) {
    throw corrupt('CFB version and sector shift', { expected: '3/9 or 4/12', found: `${major}/${sectorShift}` });
  }
  const difat: number[] = [];
  for (let i = 0; i < 109; i++) {
    const s = f.u32(0x4c + i * 4);
    if (s <= MAXREGSECT) difat.push(s);
  }
  return {
    sectorSize: 1 << sectorShift,
    fatSectors: f.u32(0x2c),
    firstDirectorySector: f.u32(0x30),
    firstDifatSector: f.u32(0x44),
    difatSectors: f.u32(0x48),
    difat,
  };
}

/** All directory entries of a compound file, in directory order (unused entries skipped). */
export async function readCfbDirectory(file: BlockDevice): Promise<CfbEntry[]> {
  if (file.size < 512) throw corrupt('CFB file', { expected: 'at least 512 bytes', found: `${file.size}` });
  const header = decodeHeader(await file.read(0, 512));
  const ss = header.sectorSize;
  const perFatSector = ss / 4;
  const sectorCount = Math.ceil(file.size / ss) - 1;
  const sectorAt = (s: number, what: string): number => {
    if (s > MAXREGSECT || s >= sectorCount) throw corrupt(`CFB ${what} sector`, { expected: `below ${sectorCount}`, found: String(s) });
    return (s + 1) * ss;
  };
  const readSector = async (s: number, what: string) => file.read(sectorAt(s, what), Math.min(ss, file.size - sectorAt(s, what)));

  // The DIFAT: 109 FAT sector numbers in the header, then a chain of DIFAT sectors.
  const fatSectorNumbers = [...header.difat];
  let difatLoaded = header.firstDifatSector > MAXREGSECT || header.difatSectors === 0;
  let nextDifat = header.firstDifatSector;
  const difatSeen = new Set<number>();
  const loadMoreDifat = async (): Promise<boolean> => {
    if (difatLoaded) return false;
    if (nextDifat > MAXREGSECT) {
      difatLoaded = true;
      return false;
    }
    if (difatSeen.has(nextDifat)) throw corrupt('CFB DIFAT chain', { found: `a cycle at sector ${nextDifat}` });
    if (difatSeen.size >= MAX_DIFAT_SECTORS) throw corrupt('CFB DIFAT chain', { expected: `at most ${MAX_DIFAT_SECTORS} sectors` });
    difatSeen.add(nextDifat);
    const d = new Fields(await readSector(nextDifat, 'DIFAT'), 'CFB DIFAT sector');
    for (let i = 0; i < perFatSector - 1 && (i + 1) * 4 <= d.length; i++) {
      const s = d.u32(i * 4);
      if (s <= MAXREGSECT) fatSectorNumbers.push(s);
    }
    nextDifat = d.length >= ss ? d.u32(ss - 4) : ENDOFCHAIN;
    return true;
  };

  const fatCache = new Map<number, Fields>();
  const fatEntry = async (s: number): Promise<number> => {
    const index = Math.floor(s / perFatSector);
    while (index >= fatSectorNumbers.length && (await loadMoreDifat()));
    const fatSector = fatSectorNumbers[index];
    if (fatSector === undefined) throw corrupt('CFB FAT', { expected: `an entry for sector ${s}`, found: `${fatSectorNumbers.length} FAT sectors` });
    let fat = fatCache.get(index);
    if (!fat) {
      fat = new Fields(await readSector(fatSector, 'FAT'), 'CFB FAT sector');
      fatCache.set(index, fat);
    }
    return fat.u32((s % perFatSector) * 4, 'FAT entry');
  };

  // The directory chain, each sector once.
  const entries: CfbEntry[] = [];
  const seen = new Set<number>();
  for (let s = header.firstDirectorySector; s !== ENDOFCHAIN; ) {
    if (s === FREESECT || s > MAXREGSECT) throw corrupt('CFB directory chain', { where: `after ${seen.size} sectors`, found: `0x${s.toString(16)}` });
    if (seen.has(s)) throw corrupt('CFB directory chain', { found: `a cycle at sector ${s}` });
    if (seen.size >= MAX_DIRECTORY_SECTORS) throw corrupt('CFB directory chain', { expected: `at most ${MAX_DIRECTORY_SECTORS} sectors` });
    seen.add(s);
    const sector = await readSector(s, 'directory');
    for (let o = 0; o + DIRECTORY_ENTRY_BYTES <= sector.length && entries.length < MAX_ENTRIES; o += DIRECTORY_ENTRY_BYTES) {
      const e = decodeEntry(sector.subarray(o, o + DIRECTORY_ENTRY_BYTES));
      if (e) entries.push(e);
    }
    s = await fatEntry(s);
  }
  if (entries.length === 0 || entries[0]!.type !== 5) throw corrupt('CFB root entry', { expected: 'a root storage first', found: entries[0] ? `type ${entries[0].type}` : 'none' });
  return entries;
}

function decodeEntry(b: Uint8Array): CfbEntry | null {
  const f = new Fields(b, 'CFB directory entry');
  const type = f.u8(0x42);
  if (type === 0) return null;
  const nameLength = Math.min(f.u16(0x40), 64);
  const name = utf16le(b.subarray(0, Math.max(0, nameLength - 2)));
  const lo = f.u32(0x78);
  const hi = f.u32(0x7c);
  return { name, type, size: hi >= 0x200000 ? Infinity : hi * 0x1_0000_0000 + lo };
}

export interface OleFacts {
  /** A VBA project: storage "VBA" / streams "_VBA_PROJECT", "dir", "PROJECT". */
  vba: boolean;
  /** Storage names that hold it (Word "Macros", Excel "_VBA_PROJECT_CUR"). */
  vbaStorages: string[];
  /** Embedded OLE packages (\x01Ole10Native) and object pools. */
  embedded: string[];
}

/** What the directory says about macros and embedded objects. */
export function oleFacts(entries: readonly CfbEntry[]): OleFacts {
  const names = new Set(entries.map((e) => e.name.toLowerCase()));
  const vba = (names.has('vba') && (names.has('_vba_project') || names.has('dir'))) || names.has('_vba_project_cur');
  const vbaStorages = entries.filter((e) => e.type === 1 && ['macros', '_vba_project_cur', 'vba'].includes(e.name.toLowerCase())).map((e) => e.name);
  const embedded = entries.filter((e) => e.name === '\u0001Ole10Native' || e.name === 'ObjectPool').map((e) => (e.name === '\u0001Ole10Native' ? 'an OLE package (Ole10Native)' : 'an object pool (ObjectPool)'));
  return { vba, vbaStorages: [...new Set(vbaStorages)].slice(0, 8), embedded: [...new Set(embedded)] };
}
