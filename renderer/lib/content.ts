// What a file's first bytes are, decided from the bytes (never from the name), and text made
// safe to show. Pure: runs in the renderer and in unit tests.

export type PreviewKind = 'text' | 'hex' | 'image';

export interface Sniffed {
  kind: PreviewKind;
  /** The MIME type an image is decoded as (only raster formats; never SVG). */
  mime: string | null;
  /** A word for the details pane ("PNG image", "PDF document", "UTF-8 text"…). */
  description: string;
  /** Why the preview is not what one might expect ("SVG is shown as text…"). */
  note: string | null;
}

const starts = (b: Uint8Array, sig: readonly number[], at = 0) => sig.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

const RASTER: Array<{ sig: number[]; at?: number; mime: string; name: string }> = [
  { sig: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], mime: 'image/png', name: 'PNG image' },
  { sig: [0xff, 0xd8, 0xff], mime: 'image/jpeg', name: 'JPEG image' },
  { sig: ascii('GIF87a'), mime: 'image/gif', name: 'GIF image' },
  { sig: ascii('GIF89a'), mime: 'image/gif', name: 'GIF image' },
  { sig: ascii('BM'), mime: 'image/bmp', name: 'BMP image' },
  { sig: [0x00, 0x00, 0x01, 0x00], mime: 'image/x-icon', name: 'Windows icon' },
];
const OTHER: Array<{ sig: number[]; name: string; note?: string }> = [
  { sig: ascii('%PDF-'), name: 'PDF document', note: 'PDF files are not rendered; their bytes are shown.' },
  { sig: ascii('MZ'), name: 'Windows executable', note: 'A Windows program. Glovebox never runs anything.' },
  { sig: [0x7f, 0x45, 0x4c, 0x46], name: 'ELF executable', note: 'A Linux program. Glovebox never runs anything.' },
  { sig: ascii('PK\x03\x04'), name: 'ZIP archive (or Office document)' },
  { sig: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], name: 'OLE compound file (old Office document)' },
  { sig: [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00], name: 'Windows shortcut (LNK)', note: 'A shortcut can start any program; shown as bytes.' },
  { sig: [0x1f, 0x8b], name: 'gzip data' },
];

export function sniff(b: Uint8Array): Sniffed {
  for (const r of RASTER) if (starts(b, r.sig, r.at ?? 0)) return { kind: 'image', mime: r.mime, description: r.name, note: null };
  if (starts(b, ascii('RIFF')) && starts(b, ascii('WEBP'), 8)) return { kind: 'image', mime: 'image/webp', description: 'WebP image', note: null };
  for (const o of OTHER) if (starts(b, o.sig)) return { kind: 'hex', mime: null, description: o.name, note: o.note ?? null };
  const enc = detectEncoding(b);
  if (enc === null) return { kind: 'hex', mime: null, description: b.length === 0 ? 'Empty file' : 'Binary data', note: null };
  const head = decode(b.subarray(0, 2048), enc).text.trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) {
    return { kind: 'text', mime: null, description: 'SVG image', note: 'SVG can carry scripts: it is shown as text, never rendered.' };
  }
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) {
    return { kind: 'text', mime: null, description: 'HTML document', note: 'HTML is shown as text, never rendered.' };
  }
  return { kind: 'text', mime: null, description: `${ENCODING_NAMES[enc]} text`, note: null };
}

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
const ENCODING_NAMES: Record<TextEncoding, string> = { 'utf-8': 'UTF-8', 'utf-16le': 'UTF-16 LE', 'utf-16be': 'UTF-16 BE', 'windows-1252': 'Windows-1252' };
export const encodingName = (e: TextEncoding) => ENCODING_NAMES[e];

/** The text encoding of these bytes, or null when they do not look like text. */
export function detectEncoding(b: Uint8Array): TextEncoding | null {
  if (b.length === 0) return null;
  if (starts(b, [0xef, 0xbb, 0xbf])) return 'utf-8';
  if (starts(b, [0xff, 0xfe])) return 'utf-16le';
  if (starts(b, [0xfe, 0xff])) return 'utf-16be';
  const n = Math.min(b.length, 64 * 1024);
  let zeroEven = 0;
  let zeroOdd = 0;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0) {
      if (i % 2 === 0) zeroEven++;
      else zeroOdd++;
    } else if (c < 0x20 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 27) control++;
  }
  const pairs = Math.floor(n / 2);
  // UTF-16 without a BOM: mostly-Latin text has a zero in every other byte.
  if (pairs >= 2 && zeroOdd > pairs * 0.4 && zeroEven < pairs * 0.05) return 'utf-16le';
  if (pairs >= 2 && zeroEven > pairs * 0.4 && zeroOdd < pairs * 0.05) return 'utf-16be';
  if (zeroEven + zeroOdd > 0 || control > n * 0.02) return null;
  return validUtf8(b.subarray(0, n)) ? 'utf-8' : 'windows-1252';
}

function validUtf8(b: Uint8Array): boolean {
  try {
    // stream: a sequence cut at the end (by the preview's size cap) is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(b, { stream: true });
    return true;
  } catch {
    return false;
  }
}

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
  lines: number;
  /** Lines longer than LONG_LINE_CHARS (wrapped, not scrolled sideways). */
  longLines: number;
}

export const LONG_LINE_CHARS = 2000;
const CONTROL_PICTURE = (c: number) => String.fromCharCode(c === 0x7f ? 0x2421 : 0x2400 + c);
const CONTROLS = /[\u0000-\u0008\u000B\u000E-\u001F\u007F]/g;
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/**
 * Bytes as text to show: controls as their visible pictures (␀, ␛…), direction overrides as
 * markers (they could reorder what the reader sees), carriage returns dropped before a newline.
 */
export function decode(b: Uint8Array, encoding: TextEncoding): DecodedText {
  const raw = new TextDecoder(encoding).decode(b);
  const text = raw
    .replace(/\r\n/g, '\n')
    .replace(CONTROLS, (c) => CONTROL_PICTURE(c.charCodeAt(0)))
    .replace(BIDI, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase()}⟩`)
    .replace(/^\uFEFF/, '');
  let lines = 1;
  let longLines = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      lines++;
      run = 0;
    } else if (++run === LONG_LINE_CHARS + 1) longLines++;
  }
  return { text, encoding, lines, longLines };
}

/** One row of a hex dump: offset, 16 bytes in hex, and their printable ASCII. */
export function hexRow(offset: number, bytes: Uint8Array): { offset: string; hex: string; ascii: string } {
  let hex = '';
  let asc = '';
  for (let i = 0; i < 16; i++) {
    if (i < bytes.length) {
      const c = bytes[i]!;
      hex += c.toString(16).padStart(2, '0');
      asc += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '·';
    } else hex += '  ';
    hex += i === 7 ? '  ' : ' ';
  }
  return { offset: offset.toString(16).padStart(8, '0'), hex: hex.trimEnd(), ascii: asc };
}
