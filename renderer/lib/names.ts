// Names from the image are hostile text. They are always rendered as text (React escapes
// markup), and here made unable to reorder or hide themselves: bidirectional controls and other
// invisible characters are shown as visible markers, so "invoice‮fdp.exe" cannot pose as a PDF.
// Also: the name patterns worth a warning on a stick found in a car park.

const INVISIBLE: Record<string, string> = {
  '\u202A': 'LRE', '\u202B': 'RLE', '\u202C': 'PDF', '\u202D': 'LRO', '\u202E': 'RLO',
  '\u2066': 'LRI', '\u2067': 'RLI', '\u2068': 'FSI', '\u2069': 'PDI',
  '\u200E': 'LRM', '\u200F': 'RLM', '\u061C': 'ALM',
  '\u200B': 'ZWSP', '\u200C': 'ZWNJ', '\u200D': 'ZWJ', '\u2060': 'WJ', '\uFEFF': 'BOM', '\u00AD': 'SHY',
};
const HIDDEN = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u200B-\u200F\u061C\u2060\uFEFF\u00AD]/g;

const marker = (c: string) => `⟨${INVISIBLE[c] ?? `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`}⟩`;

/** Characters that draw nothing; a name made only of them looks like no name at all. */
const BLANK = /^[\s\u00A0\u1680\u2000-\u200A\u202F\u205F\u2800\u3000\u3164\uFFA0]+$/u;
const BLANK_NAMES: Record<string, string> = { ' ': 'SP', '\u00A0': 'NBSP', '\u3000': 'IDSP', '\u2800': 'BRAILLE BLANK', '\u3164': 'HANGUL FILLER' };
const blankMarker = (c: string) => `⟨${BLANK_NAMES[c] ?? `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`}⟩`;

/**
 * The name with every control or invisible formatting character shown as ⟨NAME⟩; a name made
 * only of blanks (a folder named U+00A0 beside a real one) is shown blank by blank.
 */
export function displayName(name: string): string {
  if (BLANK.test(name)) return [...name].map(blankMarker).join('');
  return name.replace(HIDDEN, marker);
}

/** The name in runs of plain text and markers (for showing the markers distinctly). */
export function nameParts(name: string): Array<{ text: string; hidden: boolean }> {
  if (BLANK.test(name)) return [{ text: displayName(name), hidden: true }];
  const out: Array<{ text: string; hidden: boolean }> = [];
  let plain = '';
  for (const c of name) {
    HIDDEN.lastIndex = 0;
    if (c.length === 1 && HIDDEN.test(c)) {
      if (plain) out.push({ text: plain, hidden: false });
      plain = '';
      out.push({ text: marker(c), hidden: true });
    } else plain += c;
  }
  HIDDEN.lastIndex = 0;
  if (plain || out.length === 0) out.push({ text: plain, hidden: false });
  return out;
}

export function hasHiddenCharacters(name: string): boolean {
  HIDDEN.lastIndex = 0;
  const found = HIDDEN.test(name);
  HIDDEN.lastIndex = 0;
  return found;
}

const EXECUTABLE = new Set([
  'exe', 'com', 'scr', 'pif', 'bat', 'cmd', 'vbs', 'vbe', 'js', 'jse', 'wsf', 'wsh', 'ps1', 'msi', 'msp',
  'hta', 'cpl', 'jar', 'dll', 'lnk', 'url', 'reg', 'inf', 'app', 'command', 'sh', 'desktop', 'appimage', 'scf',
]);
const DOCUMENT = new Set(['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'txt', 'jpg', 'jpeg', 'png', 'gif', 'mp3', 'mp4', 'zip', 'rtf', 'odt']);
const MACRO = new Set(['docm', 'xlsm', 'pptm', 'dotm', 'xltm']);

export function extensionOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i <= 0 ? '' : name.slice(i + 1).toLowerCase();
}

/** Why a name deserves a second look, or null. */
export function suspicion(name: string, type: string): string | null {
  if (hasHiddenCharacters(name)) return 'The name contains invisible or direction-changing characters that can disguise its real extension.';
  const lower = name.toLowerCase();
  if (type !== 'file') return null;
  if (lower === 'autorun.inf') return 'autorun.inf tells older Windows what to run when the stick is inserted.';
  if (lower === 'desktop.ini') return 'desktop.ini can change how Windows shows this folder.';
  const parts = lower.split('.');
  const ext = parts.length > 1 ? parts[parts.length - 1]! : '';
  const inner = parts.length > 2 ? parts[parts.length - 2]! : '';
  if (EXECUTABLE.has(ext) && DOCUMENT.has(inner)) return `A program disguised by a double extension (.${inner}.${ext}).`;
  if (ext === 'lnk') return 'A Windows shortcut: it can start any program with any arguments.';
  if (MACRO.has(ext)) return 'An Office document that can contain macros.';
  if (EXECUTABLE.has(ext)) return 'A program or script: do not run it.';
  if (/\s{4,}/.test(name)) return 'Long runs of spaces can push the real extension out of sight.';
  return null;
}

/** A short file-type word for the list's Type column. */
export function typeLabel(name: string, type: string): string {
  if (type === 'dir') return 'Folder';
  if (type === 'symlink') return 'Link';
  if (type === 'other') return 'Special';
  const ext = extensionOf(name);
  return ext === '' ? 'File' : `${ext.toUpperCase().slice(0, 8)} file`;
}
