// Name tricks: what a name makes a user believe. Pure string logic over one name, or over the
// names of one directory (twins). Unicode references: UAX #9 (bidirectional controls), UTS #39
// (confusables; a small hand-picked subset of Latin look-alikes is used here, not the table).

/** Extensions Windows runs (or hands to an interpreter) on a double click. */
export const EXECUTABLE_EXTENSIONS = new Set([
  'exe', 'scr', 'com', 'pif', 'cpl', 'msi', 'msp', 'bat', 'cmd', 'ps1', 'vbs', 'vbe', 'js', 'jse', 'wsf', 'wsh', 'hta', 'lnk',
  'jar', 'reg', 'dll', 'sys', 'chm', 'appref-ms', 'application', 'msc', 'gadget', 'inf', 'url', 'scf', 'iso', 'img', 'vhd', 'vhdx',
]);

/** Extensions of documents and media: what a disguised program pretends to be. */
export const DOCUMENT_EXTENSIONS = new Set([
  'pdf', 'doc', 'docx', 'docm', 'xls', 'xlsx', 'xlsm', 'ppt', 'pptx', 'odt', 'ods', 'odp', 'rtf', 'txt', 'csv', 'jpg', 'jpeg',
  'png', 'gif', 'bmp', 'tif', 'tiff', 'heic', 'webp', 'svg', 'mp3', 'wav', 'flac', 'mp4', 'mov', 'avi', 'mkv', 'wmv', 'zip',
  'rar', '7z', 'html', 'htm', 'xml', 'json', 'eml', 'msg',
]);

/** UAX #9 explicit directional formatting characters and marks. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const BIDI_NAMES: Record<string, string> = {
  '\u202e': 'RIGHT-TO-LEFT OVERRIDE (U+202E)',
  '\u202d': 'LEFT-TO-RIGHT OVERRIDE (U+202D)',
  '\u202b': 'RIGHT-TO-LEFT EMBEDDING (U+202B)',
  '\u202a': 'LEFT-TO-RIGHT EMBEDDING (U+202A)',
  '\u202c': 'POP DIRECTIONAL FORMATTING (U+202C)',
  '\u2066': 'LEFT-TO-RIGHT ISOLATE (U+2066)',
  '\u2067': 'RIGHT-TO-LEFT ISOLATE (U+2067)',
  '\u2068': 'FIRST STRONG ISOLATE (U+2068)',
  '\u2069': 'POP DIRECTIONAL ISOLATE (U+2069)',
  '\u200e': 'LEFT-TO-RIGHT MARK (U+200E)',
  '\u200f': 'RIGHT-TO-LEFT MARK (U+200F)',
  '\u061c': 'ARABIC LETTER MARK (U+061C)',
};
/** Characters that render as nothing or as a blank. */
const INVISIBLE = /^[\s\u00a0\u00ad\u115f\u1160\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2800\u3000\u3164\ufeff\uffa0]+$/u;

/** Latin look-alikes: Cyrillic, Greek and fullwidth letters that render like ASCII. */
const CONFUSABLES: Record<string, string> = {
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', һ: 'h', ԛ: 'q', ԝ: 'w', ү: 'y',
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', І: 'I', Ј: 'J', Ѕ: 'S',
  ο: 'o', α: 'a', ν: 'v', ι: 'i', κ: 'k', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
};

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** The bidi controls in a name, by name. */
export function bidiControls(name: string): string[] {
  if (!BIDI.test(name)) return [];
  return [...new Set([...name].filter((c) => BIDI_NAMES[c] !== undefined).map((c) => BIDI_NAMES[c]!))];
}

/**
 * Roughly how a name shows on screen: each override or embedding reverses (RTL) or keeps (LTR)
 * the run up to its pop or the end. Good enough to show "invoice‮fdp.exe" as "invoiceexe.pdf".
 */
export function displayedName(name: string): string {
  let out = '';
  let i = 0;
  const chars = [...name];
  while (i < chars.length) {
    const c = chars[i]!;
    if (c === '\u202e' || c === '\u202b' || c === '\u2067') {
      let j = i + 1;
      while (j < chars.length && chars[j] !== '\u202c' && chars[j] !== '\u2069') j++;
      out += chars.slice(i + 1, j).filter((x) => !BIDI.test(x)).reverse().join('');
      i = j + 1;
      continue;
    }
    if (!BIDI.test(c)) out += c;
    i++;
  }
  return out;
}

/** "invoice.pdf.exe" -> { shown: "pdf", real: "exe", padding } when a document extension hides a program's. */
export function doubleExtension(name: string): { shown: string; real: string; padded: boolean } | null {
  const parts = name.split('.');
  if (parts.length < 3) return null;
  const real = parts[parts.length - 1]!.toLowerCase();
  const inner = parts[parts.length - 2]!;
  const shown = inner.trim().toLowerCase();
  if (!EXECUTABLE_EXTENSIONS.has(real) || !DOCUMENT_EXTENSIONS.has(shown)) return null;
  return { shown, real, padded: inner.length !== shown.length || /\s{3,}/.test(name) };
}

export function trailingDotOrSpace(name: string): boolean {
  return name !== '.' && name !== '..' && /[. ]$/.test(name);
}

export function invisibleName(name: string): boolean {
  return INVISIBLE.test(name);
}

/** The name with look-alike letters replaced by their ASCII twins; null when it has none. */
export function confusableSkeleton(name: string): string | null {
  let changed = false;
  let out = '';
  for (const c of name) {
    const code = c.codePointAt(0)!;
    let m = CONFUSABLES[c];
    if (m === undefined && code >= 0xff01 && code <= 0xff5e) m = String.fromCharCode(code - 0xfee0);
    if (m !== undefined) {
      changed = true;
      out += m;
    } else out += c;
  }
  return changed ? out : null;
}

/** Hidden folders Windows and macOS make themselves: hidden, but no trick. */
export const SYSTEM_HIDDEN_NAMES = new Set([
  'system volume information', '$recycle.bin', 'recycler', 'recycled', '.trashes', '.spotlight-v100', '.fseventsd',
  '.temporaryitems', '.documentrevisions-v100', 'lost.dir', 'android', '.ds_store', 'thumbs.db', 'desktop.ini', 'autorun.inf',
]);
