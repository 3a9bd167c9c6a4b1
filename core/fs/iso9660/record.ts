// Directory records (ECMA-119 9.1). Every length is checked against the record and the
// record against its logical sector: a record never crosses a 2048-byte sector (9.1.1 / 6.8.1.1),
// a length byte of 0 means "nothing more in this sector".
import { recordTime } from './time.js';
import { u32le } from './io.js';
import type { Timestamp } from '../types.js';

export const RECORD_MIN_BYTES = 34;

export const FLAG_HIDDEN = 0x01;
export const FLAG_DIRECTORY = 0x02;
export const FLAG_ASSOCIATED = 0x04;
export const FLAG_MULTI_EXTENT = 0x80;

export interface DirRecord {
  /** Device byte offset of the record. */
  offset: number;
  length: number;
  extent: number;
  dataLength: number;
  mtime: Timestamp | null;
  flags: number;
  fileUnitSize: number;
  interleaveGap: number;
  /** Raw file identifier bytes. */
  id: Uint8Array;
  /** System Use area (SUSP entries for Rock Ridge). */
  systemUse: Uint8Array;
}

export type RecordResult = { record: DirRecord } | { skipTo: 'sector'; problem?: string } | { skip: number; problem: string };

/**
 * The record at `pos` of `sector` (bytes of one logical sector whose first byte lies at
 * `base` on the device). Tells the caller how far to move when the record is unusable.
 */
export function parseRecord(sector: Uint8Array, pos: number, base: number): RecordResult {
  const length = sector[pos]!;
  if (length === 0) return { skipTo: 'sector' };
  const at = `directory record at byte ${base + pos}`;
  if (length < RECORD_MIN_BYTES) return { skipTo: 'sector', problem: `${at}: length ${length} is shorter than ${RECORD_MIN_BYTES}` };
  if (pos + length > sector.length) return { skipTo: 'sector', problem: `${at}: length ${length} runs past its sector` };
  const idLength = sector[pos + 32]!;
  if (idLength === 0 || 33 + idLength > length) return { skip: length, problem: `${at}: identifier length ${idLength} does not fit record length ${length}` };
  const suStart = 33 + idLength + (idLength % 2 === 0 ? 1 : 0);
  return {
    record: {
      offset: base + pos,
      length,
      extent: u32le(sector, pos + 2),
      dataLength: u32le(sector, pos + 10),
      mtime: recordTime(sector, pos + 18),
      flags: sector[pos + 25]!,
      fileUnitSize: sector[pos + 26]!,
      interleaveGap: sector[pos + 27]!,
      id: sector.slice(pos + 33, pos + 33 + idLength),
      systemUse: suStart < length ? sector.slice(pos + suStart, pos + length) : new Uint8Array(0),
    },
  };
}

/** "." and ".." are the one-byte identifiers 0x00 and 0x01 (9.1.11). */
export function isSelfOrParent(r: DirRecord): boolean {
  return r.id.length === 1 && (r.id[0] === 0 || r.id[0] === 1);
}

/** A plain ISO name: version ";n" dropped, and the "." of a name with no extension ("FILE."). */
export function trimIsoName(name: string): string {
  let n = name;
  const semi = n.lastIndexOf(';');
  if (semi > 0 && /^\d*$/.test(n.slice(semi + 1))) n = n.slice(0, semi);
  if (n.length > 1 && n.endsWith('.') && n.indexOf('.') === n.length - 1) n = n.slice(0, -1);
  return n;
}

/** A Joliet identifier: UCS-2 big-endian (decoded as UTF-16, lone surrogates kept and flagged). */
export function jolietName(id: Uint8Array): { name: string; undecodable: boolean } {
  let name = '';
  let undecodable = id.length % 2 !== 0;
  for (let i = 0; i + 1 < id.length; i += 2) name += String.fromCharCode((id[i]! << 8) | id[i + 1]!);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = name.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else undecodable = true;
    } else if (c >= 0xdc00 && c <= 0xdfff) undecodable = true;
  }
  return { name: trimIsoName(name), undecodable };
}
