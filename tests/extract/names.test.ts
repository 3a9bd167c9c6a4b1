import { describe, expect, it } from 'vitest';
import {
  MAX_NAME_BYTES,
  nameKey,
  numberedName,
  quoteName,
  sanitiseName,
  suffixedName,
  utf8Length,
} from '../../core/extract/names.js';

const long = (n: number, ext = ''): string => 'x'.repeat(n) + ext;

/** Everything a safe name must satisfy, whatever went in. */
function expectSafe(name: string): void {
  expect(name).not.toBe('');
  expect(name).not.toBe('.');
  expect(name).not.toBe('..');
  expect(utf8Length(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
  expect(name).not.toMatch(/[/\\<>:"|?*\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/);
  expect(name).not.toMatch(/[. ]$/);
  expect(name.split('.')[0]!.replace(/ +$/, '')).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)$/i);
  expect(/[\ud800-\udfff]/u.test(name)).toBe(false); // no lone surrogate
}

describe('sanitiseName', () => {
  it.each([
    ['../../etc/passwd', '.._.._etc_passwd', 'path separator'],
    ['a/b', 'a_b', 'path separator'],
    ['a\\b', 'a_b', 'path separator'],
    ['/etc', '_etc', 'path separator'],
    ['C:\\Windows', 'C__Windows', 'character reserved on Windows'],
    ['..', '__', '"." or ".."'],
    ['.', '_', '"." or ".."'],
    ['', '_', 'empty name'],
    ['CON', '_CON', 'Windows device name'],
    ['con.txt', '_con.txt', 'Windows device name'],
    ['nul', '_nul', 'Windows device name'],
    ['Nul.tar.gz', '_Nul.tar.gz', 'Windows device name'],
    ['COM1.log', '_COM1.log', 'Windows device name'],
    ['lpt9', '_lpt9', 'Windows device name'],
    ['aux .txt', '_aux .txt', 'Windows device name'],
    ['trailing. ', 'trailing__', 'trailing dot or space'],
    ['name.', 'name_', 'trailing dot or space'],
    ['x\u0000y', 'x_y', 'control character'],
    ['tab\there', 'tab_here', 'control character'],
    ['del\u007f', 'del_', 'control character'],
    ['c1\u0085', 'c1_', 'control character'],
    ['line\u2028break', 'line_break', 'control character'],
    ['\u202Etxt.exe', '_txt.exe', 'bidirectional control character'],
    ['a\u2066b\u200fc', 'a_b_c', 'bidirectional control character'],
    ['a<b>c:d"e|f?g*h', 'a_b_c_d_e_f_g_h', 'character reserved on Windows'],
    ['lone\ud800', 'lone_', 'unpaired surrogate'],
  ])('%j → %j', (raw, safe, problem) => {
    const got = sanitiseName(raw);
    expect(got.name).toBe(safe);
    expect(got.problems).toContain(problem);
    expectSafe(got.name);
  });

  it.each(['readme.txt', 'Ünïcödé ✓.md', '😀.png', '.bashrc', 'CONSOLE', 'com10', 'nulls.txt', 'a b', '%2F'])(
    'keeps %j as it is',
    (raw) => {
      expect(sanitiseName(raw)).toEqual({ name: raw, problems: [] });
    },
  );

  it('truncates names over 255 UTF-8 bytes and keeps the extension', () => {
    const got = sanitiseName(long(300, '.txt'));
    expect(got.name).toBe(long(251, '.txt'));
    expect(got.problems).toContain('longer than 255 bytes');
    expect(sanitiseName(long(255)).problems).toEqual([]);
    expect(sanitiseName(long(256)).name).toBe(long(255));
  });

  it('counts bytes, not characters, and never splits a code point', () => {
    const got = sanitiseName('é'.repeat(200) + '.txt'); // 404 bytes
    expect(utf8Length(got.name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(got.name.endsWith('.txt')).toBe(true);
    const emoji = sanitiseName('😀'.repeat(100)); // 400 bytes, 4 each
    expect(emoji.name).toBe('😀'.repeat(63));
  });

  it('drops an over-long extension rather than the whole name', () => {
    const got = sanitiseName('a.' + long(300));
    expect(utf8Length(got.name)).toBe(MAX_NAME_BYTES);
    expect(got.name.startsWith('a.x')).toBe(true);
  });

  it('re-fixes a trailing dot left by truncation, and prefixes a truncated device name', () => {
    expect(sanitiseName(long(254) + '.' + long(40)).name).toBe(long(254) + '_');
    const device = sanitiseName('CON.' + long(300));
    expect(device.name.startsWith('_CON.')).toBe(true);
    expect(utf8Length(device.name)).toBe(MAX_NAME_BYTES);
  });

  it('always yields a safe, stable name (seeded random strings)', () => {
    let seed = 0x9e3779b9;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = ['.', ' ', '/', '\\', ':', '\0', '\u202e', 'a', 'C', 'O', 'N', 'é', '😀', '\ud800', '\u0085', 'x'];
    for (let i = 0; i < 3000; i++) {
      let raw = '';
      const len = rand(10) === 0 ? 200 + rand(200) : rand(8);
      for (let j = 0; j < len; j++) raw += alphabet[rand(alphabet.length)];
      const { name } = sanitiseName(raw);
      expectSafe(name);
      expect(sanitiseName(name)).toEqual({ name, problems: [] });
    }
  });
});

describe('numberedName / suffixedName', () => {
  it('puts the number before the extension', () => {
    expect(numberedName('report.pdf', 1)).toBe('report (1).pdf');
    expect(numberedName('archive.tar.gz', 2)).toBe('archive.tar (2).gz');
    expect(numberedName('.bashrc', 3)).toBe('.bashrc (3)');
    expect(numberedName('_', 1)).toBe('_ (1)');
  });

  it('stays within the byte limit', () => {
    const name = sanitiseName(long(300, '.txt')).name;
    const n = numberedName(name, 12345);
    expect(utf8Length(n)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(n.endsWith(' (12345).txt')).toBe(true);
    const s = suffixedName(sanitiseName(long(300)).name, '.symlink.txt');
    expect(utf8Length(s)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(s.endsWith('.symlink.txt')).toBe(true);
  });
});

describe('nameKey', () => {
  it('folds case and normalisation only on case-insensitive hosts', () => {
    expect(nameKey('README', true)).toBe(nameKey('readme', true));
    expect(nameKey('caf\u00e9', true)).toBe(nameKey('cafe\u0301', true));
    expect(nameKey('README', false)).not.toBe(nameKey('readme', false));
  });
});

describe('quoteName', () => {
  it('escapes everything invisible or misleading', () => {
    expect(quoteName('a\u0000b\u202Ec"d\\')).toBe('"a\\u{0}b\\u{202E}c\\"d\\\\"');
    expect(quoteName('x\ud800')).toBe('"x\\u{D800}"');
    expect(quoteName('😀 ok')).toBe('"😀 ok"');
  });
});
