// The INI dialect of autorun.inf, desktop.ini, .url, .scf and freedesktop .desktop files:
// "[section]" lines and "key=value" lines; ";" and "#" start comments. Windows reads these with
// GetPrivateProfileString: sections and keys compare case-insensitively, and the first
// occurrence of a key wins.
import { decodeText } from './bytes.js';

/** Larger files are read only this far (real ones are a few hundred bytes). */
export const MAX_INI_BYTES = 64 * 1024;
const MAX_INI_LINES = 4096;
const MAX_VALUE_CHARS = 2048;

export interface IniEntry {
  /** Section name, lower-cased ("autorun", ".shellclassinfo"). */
  section: string;
  /** Key, lower-cased, as written otherwise ("shell\\open\\command"). */
  key: string;
  value: string;
}

export function parseIni(bytes: Uint8Array): IniEntry[] {
  const text = decodeText(bytes.subarray(0, MAX_INI_BYTES));
  const out: IniEntry[] = [];
  const seen = new Set<string>();
  let section = '';
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length && i < MAX_INI_LINES; i++) {
    const line = lines[i]!.replace(/^[\s\u0000]+|[\s\u0000]+$/g, '');
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      const close = line.indexOf(']');
      section = (close > 0 ? line.slice(1, close) : line.slice(1)).trim().toLowerCase();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const id = `${section}\u0000${key}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ section, key, value: line.slice(eq + 1).trim().slice(0, MAX_VALUE_CHARS) });
  }
  return out;
}

/** The value of `key` in `section`, if present. */
export function iniValue(entries: readonly IniEntry[], section: string, key: string): string | undefined {
  return entries.find((e) => e.section === section && e.key === key)?.value;
}
