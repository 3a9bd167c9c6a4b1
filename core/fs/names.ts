// Turning stored names into path components. A stored name that cannot be a path component
// is shown with a visible escape, never silently changed or dropped:
//   "/" -> %2F   NUL -> %00   "." -> %2E   ".." -> %2E%2E   lone surrogate U+D8xx -> %uD8XX
// and, only in a name that needed escaping, "%" -> %25 so the escape is unambiguous.
// Names that need no escape are returned unchanged (a plain "%" stays "%").

export interface PathName {
  name: string;
  escaped: boolean;
}

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

export function needsEscape(name: string, undecodable = false): boolean {
  if (undecodable) return true;
  if (name === '' || name === '.' || name === '..') return true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2f || c === 0) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = name.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return true;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

export function escapeName(name: string, undecodable = false): PathName {
  if (!needsEscape(name, undecodable)) return { name, escaped: false };
  if (name === '') return { name: '%', escaped: true };
  if (name === '.') return { name: '%2E', escaped: true };
  if (name === '..') return { name: '%2E%2E', escaped: true };
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x25) out += '%25';
    else if (c === 0x2f || c === 0) out += `%${hex2(c)}`;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = name.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += name[i]! + name[i + 1]!;
        i++;
      } else out += `%u${c.toString(16).toUpperCase()}`;
    } else if (c >= 0xdc00 && c <= 0xdfff) out += `%u${c.toString(16).toUpperCase()}`;
    else out += name[i]!;
  }
  return { name: out, escaped: true };
}

/** Splits an absolute or relative volume path into components; "" and "." are dropped. */
export function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
