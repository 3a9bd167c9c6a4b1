// Image paths from a command line: the app's own (`glovebox stick.img`), a second instance's
// (forwarded by `second-instance`), or a Linux desktop file's `%U` (file:// URIs). Pure.

import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `argv` as Electron gives it: the executable first, then (when started as `electron .`, i.e.
 * `defaultApp`) the app's folder, then the arguments. Switches are skipped (Chromium adds some
 * to a second instance's argv); file:// URIs become paths; relative paths resolve against `cwd`.
 */
export function imagePaths(argv: readonly string[], cwd: string, defaultApp: boolean): string[] {
  const args = argv.slice(defaultApp ? 2 : 1);
  const out: string[] = [];
  let afterDashes = false;
  for (const a of args) {
    if (!afterDashes && a === '--') {
      afterDashes = true;
      continue;
    }
    if (!afterDashes && a.startsWith('-')) continue;
    if (a === '' || a.length > 4096 || a.includes('\0')) continue;
    let p: string;
    if (/^file:/i.test(a)) {
      try {
        p = fileURLToPath(a);
      } catch {
        continue;
      }
    } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(a)) {
      continue; // other URL schemes are never opened
    } else {
      p = a;
    }
    out.push(isAbsolute(p) ? p : resolve(cwd, p));
  }
  return out;
}
