// System Use Sharing Protocol (IEEE P1281, SUSP 1.12) and the Rock Ridge Interchange Protocol
// (IEEE P1282, RRIP 1.12) entries a directory record's System Use area carries: NM (name),
// PX (mode), TF (times), SL (symbolic link), CL/RE/PL (relocated directories), and CE, which
// continues the area in another block. CE chains are bounded and never revisit an area.
import type { BlockDevice } from '../../block/device.js';
import type { Timestamp } from '../types.js';
import { readExact, u32le } from './io.js';
import { longTime, recordTime } from './time.js';

/** Continuation areas followed per record. */
export const MAX_CONTINUATIONS = 32;
/** Bytes of name or link target gathered per record (Linux caps names at 255; targets at a page). */
export const MAX_RR_TEXT_BYTES = 4096;

export interface RockRidge {
  /** Any RRIP entry was seen. */
  present: boolean;
  name: string | null;
  nameUndecodable: boolean;
  mode: number | null;
  mtime: Timestamp | null;
  atime: Timestamp | null;
  ctime: Timestamp | null;
  birthtime: Timestamp | null;
  symlink: string | null;
  /** CL: the relocated directory's extent. */
  childLink: number | null;
  /** RE: this record is a relocated directory, listed instead where its CL points from. */
  relocated: boolean;
  /** SP: the SUSP indicator (only in the root's "." record) and its byte skip. */
  spSkip: number | null;
  problems: string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lossy = new TextDecoder('utf-8');

function decodeText(bytes: number[]): { text: string; undecodable: boolean } {
  const b = Uint8Array.from(bytes);
  try {
    return { text: utf8.decode(b), undecodable: false };
  } catch {
    return { text: lossy.decode(b), undecodable: true };
  }
}

const sig = (b: Uint8Array, o: number): string => String.fromCharCode(b[o]!, b[o + 1]!);

export interface SuspContext {
  device: BlockDevice;
  blockSize: number;
  /** Bytes to skip at the start of each System Use area (SP's LEN_SKP). */
  skip: number;
}

/** Parses a record's System Use area, following CE continuations (bounded, no revisits). */
export async function parseSystemUse(area: Uint8Array, ctx: SuspContext, where: string): Promise<RockRidge> {
  const rr: RockRidge = {
    present: false,
    name: null,
    nameUndecodable: false,
    mode: null,
    mtime: null,
    atime: null,
    ctime: null,
    birthtime: null,
    symlink: null,
    childLink: null,
    relocated: false,
    spSkip: null,
    problems: [],
  };
  const nameBytes: number[] = [];
  let sawName = false;
  const link = { out: '', needSep: false, seen: false, bytes: 0 };
  const visited = new Set<number>();
  let bytes = area;
  let pos = Math.min(ctx.skip, area.length);
  for (let areas = 0; ; areas++) {
    let next: { block: number; offset: number; length: number } | null = null;
    while (pos + 4 <= bytes.length) {
      const s = sig(bytes, pos);
      const len = bytes[pos + 2]!;
      if (len < 4 || pos + len > bytes.length) {
        // Padding (a zero byte) ends the area quietly; anything else is worth a note.
        if (bytes[pos] !== 0) rr.problems.push(`${where}: SUSP entry "${s}" length ${len} does not fit`);
        break;
      }
      const e = bytes.subarray(pos, pos + len);
      pos += len;
      if (s === 'ST') break;
      if (s === 'CE' && len >= 28) next = { block: u32le(e, 4), offset: u32le(e, 12), length: u32le(e, 20) };
      else if (s === 'SP' && len >= 7 && e[4] === 0xbe && e[5] === 0xef) rr.spSkip = e[6]!;
      else if (s === 'NM' && len >= 5) {
        rr.present = true;
        if ((e[4]! & 0x06) !== 0) continue; // CURRENT / PARENT: not a name
        sawName = true;
        for (let i = 5; i < len && nameBytes.length < MAX_RR_TEXT_BYTES; i++) nameBytes.push(e[i]!);
      } else if (s === 'PX' && len >= 36) {
        rr.present = true;
        rr.mode = u32le(e, 4);
      } else if (s === 'TF' && len >= 5) {
        rr.present = true;
        parseTimes(e, rr);
      } else if (s === 'SL' && len >= 5) {
        rr.present = true;
        parseLink(e, link);
      } else if (s === 'CL' && len >= 12) {
        rr.present = true;
        rr.childLink = u32le(e, 4);
      } else if (s === 'RE') {
        rr.present = true;
        rr.relocated = true;
      } else if (s === 'RR' || s === 'PN' || s === 'PL') rr.present = true;
    }
    if (next === null) break;
    const at = next.block * ctx.blockSize + next.offset;
    if (areas + 1 >= MAX_CONTINUATIONS) {
      rr.problems.push(`${where}: more than ${MAX_CONTINUATIONS} SUSP continuation areas`);
      break;
    }
    if (visited.has(at)) {
      rr.problems.push(`${where}: SUSP continuation area at byte ${at} visited twice (a loop)`);
      break;
    }
    visited.add(at);
    if (next.length === 0 || next.offset + next.length > ctx.blockSize || !Number.isSafeInteger(at) || at + next.length > ctx.device.size) {
      rr.problems.push(`${where}: SUSP continuation area ${next.block}:${next.offset}+${next.length} out of range`);
      break;
    }
    bytes = await readExact(ctx.device, at, next.length);
    pos = 0;
  }
  if (sawName) {
    const d = decodeText(nameBytes);
    rr.name = d.text;
    rr.nameUndecodable = d.undecodable;
  }
  if (link.seen) rr.symlink = link.out;
  return rr;
}

/** TF (RRIP 4.1.6): stamps in flag-bit order, 7-byte or (LONG_FORM) 17-byte each. */
function parseTimes(e: Uint8Array, rr: RockRidge): void {
  const flags = e[4]!;
  const size = (flags & 0x80) !== 0 ? 17 : 7;
  let at = 5;
  for (let bit = 0; bit < 7; bit++) {
    if ((flags & (1 << bit)) === 0) continue;
    if (at + size > e.length) return;
    const t = size === 17 ? longTime(e, at) : recordTime(e, at);
    at += size;
    if (bit === 0) rr.birthtime = t;
    else if (bit === 1) rr.mtime = t;
    else if (bit === 2) rr.atime = t;
    else if (bit === 3) rr.ctime = t;
  }
}

/** SL (RRIP 4.1.3): component records; CONTINUE on a component joins it to the next. */
function parseLink(e: Uint8Array, link: { out: string; needSep: boolean; seen: boolean; bytes: number }): void {
  link.seen = true;
  let at = 5;
  while (at + 2 <= e.length) {
    const flags = e[at]!;
    const len = e[at + 1]!;
    if (at + 2 + len > e.length) return;
    const content = e.subarray(at + 2, at + 2 + len);
    at += 2 + len;
    link.bytes += len + 1;
    if (link.bytes > MAX_RR_TEXT_BYTES) return;
    if ((flags & 0x08) !== 0) {
      link.out = '/';
      link.needSep = false;
      continue;
    }
    const piece = (flags & 0x02) !== 0 ? '.' : (flags & 0x04) !== 0 ? '..' : decodeText([...content]).text;
    if (link.needSep) link.out += '/';
    link.out += piece;
    link.needSep = (flags & 0x01) === 0;
  }
}
