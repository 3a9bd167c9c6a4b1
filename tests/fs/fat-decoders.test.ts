// The FAT decoders on their own: timestamps, 8.3 names, long-name assembly, code page 437.
import { describe, expect, it } from 'vitest';
import { decodeCp437 } from '../../core/fs/fat/cp437.js';
import { decodeLongEntry, isDotEntry, shortNameChecksum, shortNameToString } from '../../core/fs/fat/dirent.js';
import { LongNameAssembler } from '../../core/fs/fat/longname.js';
import { fatDate, fatDateTime } from '../../core/fs/fat/time.js';

const date = (y: number, m: number, d: number): number => ((y - 1980) << 9) | (m << 5) | d;
const time = (h: number, mi: number, s: number): number => (h << 11) | (mi << 5) | (s >> 1);
const name11 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

describe('FAT timestamps', () => {
  it('decodes date and time as written, without a zone', () => {
    expect(fatDateTime(date(2023, 4, 5), time(6, 7, 8))).toBe('2023-04-05T06:07:08');
    expect(fatDateTime(date(1980, 1, 1), 0)).toBe('1980-01-01T00:00:00');
    expect(fatDateTime(date(2107, 12, 31), time(23, 59, 58))).toBe('2107-12-31T23:59:58');
    expect(fatDateTime(date(2020, 2, 29), time(12, 34, 56))).toBe('2020-02-29T12:34:56');
    expect(fatDate(date(2021, 7, 9))).toBe('2021-07-09T00:00:00');
  });

  it('adds DIR_CrtTimeTenth (10 ms units, 0..199)', () => {
    expect(fatDateTime(date(2023, 4, 5), time(6, 7, 8), 150)).toBe('2023-04-05T06:07:09.500');
    expect(fatDateTime(date(2023, 4, 5), time(6, 7, 58), 199)).toBe('2023-04-05T06:07:59.990');
    expect(fatDateTime(date(2023, 4, 5), time(6, 7, 8), 100)).toBe('2023-04-05T06:07:09');
    expect(fatDateTime(date(2023, 4, 5), time(6, 7, 8), 200)).toBeNull();
  });

  it('gives null for fields out of range, never a crash', () => {
    expect(fatDateTime(0, 0)).toBeNull();
    expect(fatDate(0)).toBeNull();
    expect(fatDateTime(date(2021, 13, 1), 0)).toBeNull();
    expect(fatDateTime(date(2021, 0, 1), 0)).toBeNull();
    expect(fatDateTime(date(2021, 2, 29), 0)).toBeNull();
    expect(fatDateTime(date(2100, 2, 29), 0)).toBeNull();
    expect(fatDateTime(date(2021, 4, 31), 0)).toBeNull();
    expect(fatDateTime(date(2021, 4, 1), (24 << 11))).toBeNull();
    expect(fatDateTime(date(2021, 4, 1), (60 << 5))).toBeNull();
    expect(fatDateTime(date(2021, 4, 1), 30)).toBeNull();
    for (let v = 0; v < 0x10000; v += 97) expect(() => fatDateTime(v, v ^ 0xffff, v & 0xff)).not.toThrow();
  });
});

describe('8.3 names', () => {
  it('applies the NT case bits to ASCII, trims spaces, omits the dot without extension', () => {
    expect(shortNameToString(name11('LOWER   TXT'), 0x18)).toBe('lower.txt');
    expect(shortNameToString(name11('README  TXT'), 0x08)).toBe('readme.TXT');
    expect(shortNameToString(name11('NOTES   TXT'), 0x10)).toBe('NOTES.txt');
    expect(shortNameToString(name11('UPPER   TXT'), 0)).toBe('UPPER.TXT');
    expect(shortNameToString(name11('MAKEFILE   '), 0)).toBe('MAKEFILE');
    expect(shortNameToString(name11('DOCS       '), 0x08)).toBe('docs');
    expect(shortNameToString(name11('A B     C  '), 0)).toBe('A B.C');
  });

  it('decodes bytes >= 0x80 as CP437 and 0x05 as 0xE5', () => {
    expect(shortNameToString(name11('CAF\x82    TXT'), 0x18)).toBe('café.txt');
    expect(shortNameToString(name11('\x05BC     TXT'), 0)).toBe('σBC.TXT');
    expect(decodeCp437(Uint8Array.from([0x80, 0x9b, 0xe1, 0xff]))).toBe('Ç¢ß\u00a0');
    expect(decodeCp437(Uint8Array.from([0x41, 0x07]))).toBe('A\u0007');
  });

  it('recognises only the real dot entries', () => {
    expect(isDotEntry(name11('.          '))).toBe(true);
    expect(isDotEntry(name11('..         '))).toBe(true);
    expect(isDotEntry(name11('...        '))).toBe(false);
    expect(isDotEntry(name11('.A         '))).toBe(false);
  });

  it('computes the spec checksum', () => {
    // Checksums written by mtools into the fixtures (LDIR_Chksum of "MIXED   TXT" is 0x46).
    expect(shortNameChecksum(name11('MIXED   TXT'))).toBe(0x46);
    expect(shortNameChecksum(name11('CAF\x90ME~1TXT'))).toBe(0xb5);
  });
});

/** Long-name entries for `name` as a writer stores them (last part first). */
function longEntries(name: string, checksum: number): Uint8Array[] {
  const units: number[] = [];
  for (let i = 0; i < name.length; i++) units.push(name.charCodeAt(i));
  if (units.length % 13 !== 0) {
    units.push(0);
    while (units.length % 13 !== 0) units.push(0xffff);
  }
  const count = units.length / 13;
  const out: Uint8Array[] = [];
  for (let seq = count; seq >= 1; seq--) {
    const slot = new Uint8Array(32);
    slot[0] = seq | (seq === count ? 0x40 : 0);
    slot[11] = 0x0f;
    slot[13] = checksum;
    const part = units.slice((seq - 1) * 13, seq * 13);
    const at = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
    part.forEach((u, i) => {
      slot[at[i]!] = u & 0xff;
      slot[at[i]! + 1] = u >>> 8;
    });
    out.push(slot);
  }
  return out;
}

function assemble(slots: Uint8Array[], short: Uint8Array): ReturnType<LongNameAssembler['take']> {
  const a = new LongNameAssembler();
  for (const s of slots) a.accept(decodeLongEntry(s, 0));
  return a.take(short);
}

describe('VFAT long names', () => {
  const short = name11('LONGNA~1TXT');
  const sum = shortNameChecksum(short);

  it('assembles a name over several entries', () => {
    const name = 'A name long enough for three entries.txt';
    expect(assemble(longEntries(name, sum), short)).toEqual({ name, undecodable: false });
    expect(assemble(longEntries('exactly13char', sum), short)).toEqual({ name: 'exactly13char', undecodable: false });
  });

  it('keeps surrogate pairs, marks lone surrogates undecodable', () => {
    expect(assemble(longEntries('🎉 party.txt', sum), short)).toEqual({ name: '🎉 party.txt', undecodable: false });
    expect(assemble(longEntries('a\ud800b', sum), short)).toEqual({ name: 'a\ud800b', undecodable: true });
    expect(assemble(longEntries('a\udc00', sum), short)).toEqual({ name: 'a\udc00', undecodable: true });
    expect(assemble(longEntries('\ud83c', sum), short)).toEqual({ name: '\ud83c', undecodable: true });
  });

  it('keeps a NUL inside the name, drops the terminator and padding', () => {
    expect(assemble(longEntries('nul\0after', sum), short)).toEqual({ name: 'nul\0after', undecodable: false });
  });

  it('rejects a wrong checksum, a missing part, a wrong order, a bad first entry', () => {
    const name = 'A name long enough for three entries.txt';
    const good = longEntries(name, sum);
    expect(assemble(longEntries(name, sum ^ 1), short)).toBeNull();
    expect(assemble([good[0]!, good[2]!], short)).toBeNull();
    expect(assemble([good[0]!, good[2]!, good[1]!], short)).toBeNull();
    expect(assemble(good.slice(1), short)).toBeNull();
    const nonZeroType = good.map((s) => s.slice());
    nonZeroType[1]![12] = 1;
    expect(assemble(nonZeroType, short)).toBeNull();
    const tooMany = good.map((s) => s.slice());
    tooMany[0]![0] = 0x40 | 21;
    expect(assemble(tooMany, short)).toBeNull();
    // A later complete name after an orphan still counts.
    expect(assemble([good[1]!, ...good], short)).toEqual({ name, undecodable: false });
  });
});
