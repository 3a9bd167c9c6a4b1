// A hash list the user gives `glovebox scan --hash-list`: one hex digest a line (MD5, SHA-1 or
// SHA-256, told apart by length; anything after the digest, as sha256sum writes it, is
// ignored), or the NSRL RDS "NSRLFile.txt" CSV ("SHA-1","MD5","CRC32","FileName",...), whose
// entries are known *good* software files. Nothing is ever fetched.
import { readFileSync } from 'node:fs';
import type { HashAlgorithm } from '../sandbox/host/hash.js';
import { UsageError } from './usage.js';

export interface HashList {
  /** "bad": a list of files to flag; "nsrl": known good files (reported as info). */
  kind: 'bad' | 'nsrl';
  name: string;
  digests: Record<HashAlgorithm, Set<string>>;
}

/** Larger lists are refused rather than read into memory. */
const MAX_LIST_BYTES = 1024 * 1024 * 1024;
const LENGTHS: Record<number, HashAlgorithm> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };

export function parseHashList(text: string, name: string): HashList {
  const digests: Record<HashAlgorithm, Set<string>> = { md5: new Set(), sha1: new Set(), sha256: new Set() };
  const lines = text.split(/\r?\n/);
  const nsrl = /^\s*"SHA-1"\s*,\s*"MD5"/i.test(lines[0] ?? '');
  for (const line of nsrl ? lines.slice(1) : lines) {
    if (nsrl) {
      const m = /^\s*"([0-9A-Fa-f]{40})"\s*,\s*"([0-9A-Fa-f]{32})"/.exec(line);
      if (!m) continue;
      digests.sha1.add(m[1]!.toLowerCase());
      digests.md5.add(m[2]!.toLowerCase());
      continue;
    }
    const m = /^\s*([0-9A-Fa-f]+)\b/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    const algorithm = LENGTHS[m[1]!.length];
    if (algorithm) digests[algorithm].add(m[1]!.toLowerCase());
  }
  return { kind: nsrl ? 'nsrl' : 'bad', name, digests };
}

export function loadHashList(path: string): HashList {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`--hash-list: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (bytes.length > MAX_LIST_BYTES) throw new UsageError(`--hash-list: ${path} is larger than 1 GiB`);
  const list = parseHashList(bytes.toString('latin1'), path);
  if (list.digests.md5.size + list.digests.sha1.size + list.digests.sha256.size === 0) throw new UsageError(`--hash-list: no MD5, SHA-1 or SHA-256 digests in ${path}`);
  return list;
}

/** The algorithms a list needs computed. */
export function algorithmsFor(list: HashList): HashAlgorithm[] {
  return (['sha256', 'sha1', 'md5'] as const).filter((a) => list.digests[a].size > 0);
}
