// When may a symbolic link from an image be created as a link?
//
// A purely lexical check ("does a/../../x stay inside?") is not enough: the kernel resolves
// each component as it goes, so in "l/../.." a link `l` pointing up is followed before the
// "..". We therefore accept only targets of the form `(../)*name(/name)*`, relative, whose
// leading ".." steps do not climb above the extraction root. Then, by induction over the
// links the writer creates: the ".." steps walk up real directories the writer created or
// verified, and each later name is a real entry or a link that itself resolves inside.

/** Linux PATH_MAX; a longer target cannot be a link anywhere. */
export const MAX_LINK_TARGET_BYTES = 4095;

/**
 * Why `target` must not become a link in a directory `depth` levels below the extraction
 * root (0 = the root itself), or null when it may.
 */
export function linkTargetProblem(target: string, depth: number): string | null {
  if (target === '') return 'the link target is empty';
  if (target.includes('\0')) return 'the link target contains NUL';
  if (Buffer.byteLength(target, 'utf8') > MAX_LINK_TARGET_BYTES) return 'the link target is too long';
  if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) return 'the link target is absolute';
  // A backslash is an ordinary character on POSIX but a separator on Windows: refuse both readings.
  if (target.includes('\\')) return 'the link target contains a backslash';

  let up = 0;
  let seenName = false;
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (seenName) return 'the link target has ".." after a name';
      up++;
      if (up > depth) return 'the link target points outside the extraction folder';
    } else seenName = true;
  }
  return null;
}
