// What a preview shows: types sniffed from bytes, encodings detected, hostile text and names
// made visible.

import { describe, expect, it } from 'vitest';
import { decode, detectEncoding, hexRow, sniff } from '../../renderer/lib/content.js';
import { displayName, suspicion } from '../../renderer/lib/names.js';
import { formatMode, formatTimeLong, humanSize } from '../../renderer/lib/format.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('sniffing and text', () => {
  it('knows pictures by signature, never SVG or HTML', () => {
    expect(sniff(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toMatchObject({ kind: 'image', mime: 'image/png' });
    expect(sniff(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toMatchObject({ kind: 'image', mime: 'image/jpeg' });
    expect(sniff(bytes('<?xml version="1.0"?>\n<svg onload="alert(1)"></svg>'))).toMatchObject({ kind: 'text', mime: null, description: 'SVG image' });
    expect(sniff(bytes('<!DOCTYPE html><script>x</script>'))).toMatchObject({ kind: 'text', mime: null });
    expect(sniff(bytes('%PDF-1.7\n'))).toMatchObject({ kind: 'hex', description: 'PDF document' });
    expect(sniff(new Uint8Array([0x4d, 0x5a, 0x90, 0]))).toMatchObject({ kind: 'hex', description: 'Windows executable' });
  });

  it('detects encodings: BOMs, UTF-16 without BOM, UTF-8, Windows-1252, binary', () => {
    expect(detectEncoding(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe('utf-8');
    expect(detectEncoding(new Uint8Array([0xff, 0xfe, 0x41, 0]))).toBe('utf-16le');
    expect(detectEncoding(new Uint8Array([0x48, 0, 0x69, 0, 0x21, 0, 0x0a, 0]))).toBe('utf-16le');
    expect(detectEncoding(new Uint8Array([0, 0x48, 0, 0x69, 0, 0x21, 0, 0x0a]))).toBe('utf-16be');
    expect(detectEncoding(bytes('Café menü'))).toBe('utf-8');
    expect(detectEncoding(new Uint8Array([0x43, 0x61, 0x66, 0xe9, 0x20]))).toBe('windows-1252');
    expect(detectEncoding(new Uint8Array([1, 2, 3, 0, 0xff, 0x10, 0x11, 0x12]))).toBe(null);
    // A multi-byte sequence cut by the preview cap is still UTF-8.
    expect(detectEncoding(bytes('naïve é').subarray(0, 9))).toBe('utf-8');
  });

  it('makes controls and direction overrides visible, counts long lines', () => {
    const d = decode(bytes('a\x1b[31mred\r\nsee \u202Etxt.exe\n' + 'x'.repeat(5000)), 'utf-8');
    expect(d.text).toBe('a␛[31mred\nsee ⟨U+202E⟩txt.exe\n' + 'x'.repeat(5000));
    expect(d.lines).toBe(3);
    expect(d.longLines).toBe(1);
  });

  it('hex rows', () => {
    expect(hexRow(0x10, new Uint8Array([0x41, 0x00, 0x7f, 0x20]))).toEqual({ offset: '00000010', hex: '41 00 7f 20', ascii: 'A·· ' });
  });
});

describe('names', () => {
  it('shows invisible and bidi characters as markers', () => {
    expect(displayName('invoice\u202Efdp.exe')).toBe('invoice⟨RLO⟩fdp.exe');
    expect(displayName('a\u200Bb\u0007')).toBe('a⟨ZWSP⟩b⟨U+0007⟩');
    expect(displayName('plain name.txt')).toBe('plain name.txt');
    // A name of blanks alone (a hidden folder posing beside a real one) is shown, not left empty.
    expect(displayName('\u00A0')).toBe('⟨NBSP⟩');
    expect(displayName('  ')).toBe('⟨SP⟩⟨SP⟩');
    expect(displayName('a\u00A0b')).toBe('a\u00A0b');
  });
  it('flags names worth a second look', () => {
    expect(suspicion('invoice.pdf.exe', 'file')).toMatch(/double extension/);
    expect(suspicion('AUTORUN.INF', 'file')).toMatch(/autorun/);
    expect(suspicion('Photos.lnk', 'file')).toMatch(/shortcut/);
    expect(suspicion('report\u202Efdp.scr', 'file')).toMatch(/invisible or direction-changing/);
    expect(suspicion('notes.txt', 'file')).toBe(null);
    expect(suspicion('autorun.inf', 'dir')).toBe(null);
  });
});

describe('formatting', () => {
  it('sizes, times and modes', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(1536)).toBe('1.5 KB');
    expect(humanSize(200_000)).toBe('195 KB');
    expect(formatTimeLong('2021-03-03T16:00:40')).toBe('2021-03-03 16:00:40');
    expect(formatTimeLong('2021-03-03T16:00:40Z')).toBe('2021-03-03 16:00:40 UTC');
    expect(formatMode(0o644)).toBe('rw-r--r-- (0644)');
  });
});
