// A small, bounded reader for Apple's XML property lists (PropertyList-1.0.dtd), enough for
// `diskutil ... -plist` output: dict, array, key, string, integer, real, true, false, date,
// data. Untrusted-text rules: size, depth and element count are capped, unknown elements are
// an error, dict keys go into null-prototype objects.

export type PlistValue = string | number | boolean | PlistValue[] | PlistDict;
export interface PlistDict {
  [key: string]: PlistValue;
}

export const MAX_PLIST_CHARS = 16 * 1024 * 1024;
const MAX_DEPTH = 32;
const MAX_ELEMENTS = 200_000;

export class PlistError extends Error {
  override name = 'PlistError';
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (m, e: string) => {
    if (e.startsWith('#')) {
      const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

interface Tag {
  name: string;
  close: boolean;
  empty: boolean;
  /** Text between the previous tag and this one. */
  textBefore: string;
}

class Lexer {
  private pos = 0;
  elements = 0;
  constructor(private readonly text: string) {}

  next(): Tag | null {
    const start = this.pos;
    for (;;) {
      const lt = this.text.indexOf('<', this.pos);
      if (lt < 0) {
        if (this.text.slice(this.pos).trim() !== '') throw new PlistError('text after the last element');
        return null;
      }
      // Skip the prolog, comments and the doctype.
      if (this.text.startsWith('<?', lt) || this.text.startsWith('<!--', lt) || this.text.startsWith('<!DOCTYPE', lt)) {
        const end = this.text.startsWith('<!--', lt) ? this.text.indexOf('-->', lt) + 2 : this.text.indexOf('>', lt);
        if (end < lt) throw new PlistError('unterminated declaration');
        this.pos = end + 1;
        continue;
      }
      const gt = this.text.indexOf('>', lt);
      if (gt < 0) throw new PlistError('unterminated element');
      const m = /^<(\/?)([A-Za-z]{1,16})(\s[^<>]*?)?(\/?)>$/.exec(this.text.slice(lt, gt + 1));
      if (!m) throw new PlistError(`malformed element at ${lt}`);
      if (++this.elements > MAX_ELEMENTS) throw new PlistError(`more than ${MAX_ELEMENTS} elements`);
      const textBefore = this.text.slice(start, lt);
      this.pos = gt + 1;
      return { name: m[2]!, close: m[1] === '/', empty: m[4] === '/', textBefore };
    }
  }
}

function expectClose(lx: Lexer, name: string): string {
  const t = lx.next();
  if (!t || !t.close || t.name !== name) throw new PlistError(`expected </${name}>`);
  if (/</.test(t.textBefore)) throw new PlistError(`markup inside <${name}>`);
  return decodeText(t.textBefore);
}

function value(lx: Lexer, open: Tag, depth: number): PlistValue {
  if (depth > MAX_DEPTH) throw new PlistError(`nested deeper than ${MAX_DEPTH}`);
  switch (open.name) {
    case 'true':
    case 'false':
      if (!open.empty) expectClose(lx, open.name);
      return open.name === 'true';
    case 'string':
    case 'date':
    case 'data':
      return open.empty ? '' : expectClose(lx, open.name);
    case 'integer':
    case 'real': {
      const t = open.empty ? '' : expectClose(lx, open.name).trim();
      const ok = open.name === 'integer' ? /^[+-]?\d{1,20}$/.test(t) : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$/.test(t);
      if (!ok) throw new PlistError(`bad <${open.name}> "${t.slice(0, 32)}"`);
      return Number(t);
    }
    case 'array': {
      const out: PlistValue[] = [];
      if (open.empty) return out;
      for (;;) {
        const t = lx.next();
        if (!t) throw new PlistError('unterminated <array>');
        if (t.close) {
          if (t.name !== 'array') throw new PlistError(`expected </array>, found </${t.name}>`);
          return out;
        }
        out.push(value(lx, t, depth + 1));
      }
    }
    case 'dict': {
      const out = Object.create(null) as PlistDict;
      if (open.empty) return out;
      for (;;) {
        const t = lx.next();
        if (!t) throw new PlistError('unterminated <dict>');
        if (t.close) {
          if (t.name !== 'dict') throw new PlistError(`expected </dict>, found </${t.name}>`);
          return out;
        }
        if (t.name !== 'key') throw new PlistError(`expected <key> in <dict>, found <${t.name}>`);
        const key = t.empty ? '' : expectClose(lx, 'key');
        const v = lx.next();
        if (!v || v.close) throw new PlistError(`no value for key "${key.slice(0, 64)}"`);
        out[key] = value(lx, v, depth + 1);
      }
    }
    default:
      throw new PlistError(`unknown element <${open.name}>`);
  }
}

export function parsePlist(text: string): PlistValue {
  if (text.length > MAX_PLIST_CHARS) throw new PlistError(`property list larger than ${MAX_PLIST_CHARS} characters`);
  const lx = new Lexer(text);
  const root = lx.next();
  if (!root || root.name !== 'plist' || root.close) throw new PlistError('not a property list (no <plist>)');
  const first = lx.next();
  if (!first || first.close) throw new PlistError('empty property list');
  const v = value(lx, first, 1);
  const end = lx.next();
  if (!end || !end.close || end.name !== 'plist') throw new PlistError('expected </plist>');
  if (lx.next() !== null) throw new PlistError('content after </plist>');
  return v;
}

export function isDict(v: PlistValue | undefined): v is PlistDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
