// Turning any string from an image into one path component that is safe on every host OS.
// The same rules apply on every platform, so an extraction made on Linux can be copied to
// Windows or macOS unchanged. Nothing here trusts core/fs/names.ts to have escaped anything.

/** Longest name most host file systems accept (ext4, APFS, NTFS in UTF-16 units ≤ this). */
export const MAX_NAME_BYTES = 255;
/** An extension longer than this is treated as part of the name when truncating. */
const MAX_EXTENSION_BYTES = 32;

/** Characters Win32 refuses in names; replaced everywhere so extractions stay portable. */
const WINDOWS_RESERVED = new Set(['<', '>', ':', '"', '|', '?', '*']);

/** Bidirectional formatting characters: "invoice\u202Eexe.pdf" displays as "invoicefdp.exe". */
function isBidiControl(cp: number): boolean {
  return (
    cp === 0x061c || cp === 0x200e || cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)
  );
}

/** C0, DEL, C1, and the Unicode line/paragraph separators that break lines in listings. */
function isControl(cp: number): boolean {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029;
}

/**
 * Win32 device names. The stem before the first dot counts ("nul.tar.gz" is NUL), and the
 * superscript-digit ports and console names are devices too (Microsoft "Naming Files").
 */
const DEVICE_NAME = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])$/i;

export interface SafeName {
  /** A name that is never "", "." or "..", and holds no separator or control character. */
  name: string;
  /** Why the name was changed, in words; empty when it was kept as it was. */
  problems: string[];
}

export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Cuts `s` to at most `maxBytes` of UTF-8 without splitting a code point. */
function cutToBytes(s: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of s) {
    const n = utf8Length(ch);
    if (bytes + n > maxBytes) break;
    bytes += n;
    out += ch;
  }
  return out;
}

/** "report.final.pdf" → ["report.final", ".pdf"]; a leading dot (".bashrc") is not an extension. */
function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return [name, ''];
  const ext = name.slice(dot);
  if (utf8Length(ext) > MAX_EXTENSION_BYTES) return [name, ''];
  return [name.slice(0, dot), ext];
}

/** Truncates to `maxBytes`, keeping a short extension. */
function truncateName(name: string, maxBytes: number): string {
  if (utf8Length(name) <= maxBytes) return name;
  const [stem, ext] = splitExtension(name);
  const budget = maxBytes - utf8Length(ext);
  if (ext !== '' && budget >= 1) return cutToBytes(stem, budget) + ext;
  return cutToBytes(name, maxBytes);
}

/** Win32 silently strips trailing dots and spaces, so "a.exe." would become "a.exe". */
function replaceTrailing(name: string): string {
  const m = /[. ]+$/.exec(name);
  return m === null ? name : name.slice(0, m.index) + '_'.repeat(m[0].length);
}

function isDeviceName(name: string): boolean {
  const stem = name.split('.')[0] ?? '';
  return DEVICE_NAME.test(stem.replace(/ +$/, ''));
}

/** Any string → one safe path component, with the reasons it had to change. */
export function sanitiseName(raw: string): SafeName {
  const problems = new Set<string>();
  let name = '';
  // for-of walks code points: a paired surrogate is one character, a lone one stays alone.
  for (const ch of raw) {
    const cp = ch.codePointAt(0) ?? 0;
    let problem: string | null = null;
    if (ch === '/' || ch === '\\') problem = 'path separator';
    else if (isControl(cp)) problem = 'control character';
    else if (WINDOWS_RESERVED.has(ch)) problem = 'character reserved on Windows';
    else if (isBidiControl(cp)) problem = 'bidirectional control character';
    else if (cp >= 0xd800 && cp <= 0xdfff) problem = 'unpaired surrogate';
    if (problem === null) name += ch;
    else {
      problems.add(problem);
      name += '_';
    }
  }
  if (name === '') {
    problems.add('empty name');
    name = '_';
  }
  if (name === '.' || name === '..') problems.add('"." or ".."');
  const trimmed = replaceTrailing(name);
  if (trimmed !== name && name !== '.' && name !== '..') problems.add('trailing dot or space');
  name = trimmed;
  if (utf8Length(name) > MAX_NAME_BYTES) {
    problems.add(`longer than ${MAX_NAME_BYTES} bytes`);
    name = replaceTrailing(truncateName(name, MAX_NAME_BYTES));
  }
  if (isDeviceName(name)) {
    problems.add('Windows device name');
    name = '_' + replaceTrailing(truncateName(name, MAX_NAME_BYTES - 1));
  }
  return { name, problems: [...problems] };
}

/** "name.ext" → "name (n).ext", still within MAX_NAME_BYTES. `name` must be sanitised. */
export function numberedName(name: string, n: number): string {
  const [stem, ext] = splitExtension(name);
  const suffix = ` (${n})`;
  return cutToBytes(stem, MAX_NAME_BYTES - utf8Length(suffix) - utf8Length(ext)) + suffix + ext;
}

/** `name` + a fixed suffix such as ".symlink.txt", still within MAX_NAME_BYTES. */
export function suffixedName(name: string, suffix: string): string {
  return truncateName(name, MAX_NAME_BYTES - utf8Length(suffix)) + suffix;
}

/**
 * The key two names collide under. Case-insensitive hosts (Windows, macOS by default) also
 * fold Unicode normalisation; over-folding only costs a rename, under-folding a merge.
 */
export function nameKey(name: string, caseInsensitive: boolean): string {
  return caseInsensitive ? name.normalize('NFC').toUpperCase().toLowerCase() : name;
}

/** A name from an image, quoted for a terminal or a log: every invisible character escaped. */
export function quoteName(s: string): string {
  return (
    '"' +
    s.replace(
      /["\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udfff]/gu,
      (ch) => {
        if (ch === '"' || ch === '\\') return '\\' + ch;
        return `\\u{${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`;
      },
    ) +
    '"'
  );
}
