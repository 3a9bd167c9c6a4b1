// Symbolic link data: ECMA-167 4/14.16 path components, turned into a POSIX path.
import { corrupt } from '../../errors.js';
import { decodeDchars } from './cs0.js';

/** ECMA-167 4/14.16.1 path components of a symbolic link, as a POSIX path. */
export function pathComponents(b: Uint8Array, where: string): string {
  const parts: string[] = [];
  let absolute = false;
  for (let at = 0; at < b.length; ) {
    if (at + 4 > b.length) throw corrupt('path component cut short', { where: `${where}, byte ${at}` });
    const type = b[at]!;
    const lCi = b[at + 1]!;
    if (at + 4 + lCi > b.length) throw corrupt('path component identifier runs past the link', { where: `${where}, byte ${at}`, found: String(lCi) });
    if (type === 1 || type === 2) {
      absolute = true;
      parts.length = 0;
    } else if (type === 3) parts.push('..');
    else if (type === 4) parts.push('.');
    else if (type === 5) parts.push(decodeDchars(b.subarray(at + 4, at + 4 + lCi)).name);
    else throw corrupt('path component type', { where: `${where}, byte ${at}`, found: String(type) });
    at += 4 + lCi;
  }
  return (absolute ? '/' : '') + parts.join('/');
}
