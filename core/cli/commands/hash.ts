// `glovebox hash`: digests of a file inside the image, or of the image file itself, streamed
// by the host (the sandbox only names where a file's bytes lie, or relays them).
import { GloveboxError, invalid } from '../../errors.js';
import { digest, HASH_ALGORITHMS, sourceChunks, type HashAlgorithm } from '../../sandbox/host/hash.js';
import type { ImageSession } from '../../sandbox/host/session.js';
import { FileSource } from '../../sources/file-source.js';
import { terminalSafe } from '../format.js';
import type { Output } from '../output.js';
import { UsageError } from '../usage.js';
import { normalise } from './ls.js';

export interface HashCommandOptions {
  image: string;
  /** A file inside the volume; undefined hashes the image file itself. */
  path: string | undefined;
  volume: number | undefined;
  /** "sha256", "md5,sha1"...; default sha256. */
  algorithms: string | undefined;
  json: boolean;
}

export function parseAlgorithms(text: string | undefined): HashAlgorithm[] {
  if (text === undefined) return ['sha256'];
  const names = text.toLowerCase().split(',').map((s) => s.trim().replace('-', '')).filter(Boolean);
  const bad = names.filter((n) => !(HASH_ALGORITHMS as readonly string[]).includes(n));
  if (names.length === 0 || bad.length > 0) throw new UsageError(`--algo takes ${HASH_ALGORITHMS.join(', ')} (comma-separated), not "${text}"`);
  return [...new Set(names)] as HashAlgorithm[];
}

const CHUNK_BYTES = 4 * 1024 * 1024;

export async function hashCommand(session: ImageSession, o: HashCommandOptions, out: Output): Promise<void> {
  const algorithms = parseAlgorithms(o.algorithms);
  let label: string;
  let size: number;
  let digests: Partial<Record<HashAlgorithm, string>>;
  if (o.path === undefined) {
    // The image file as given: its own bytes, no parsing (the report's "source hash").
    const source = await FileSource.open(o.image);
    try {
      size = source.size;
      digests = await digest(sourceChunks(source, CHUNK_BYTES), algorithms, { total: size });
    } finally {
      await source.close();
    }
    label = o.image;
  } else {
    const vol = await session.volume(o.volume);
    const st = await session.lookup(vol.index, o.path);
    if (st.type === 'dir') throw invalid(`${o.path} is a directory`);
    if (st.type !== 'file') throw new GloveboxError('Unsupported', `${o.path} is not a regular file`);
    size = st.size;
    digests = await session.hash(vol.index, st.node, st.size, algorithms);
    label = normalise(o.path);
  }
  if (o.json) {
    await out.line(JSON.stringify({ path: label, size, ...digests }));
    return;
  }
  // BSD-style tagged lines, which `sha256sum -c` and `md5sum -c` also read.
  for (const a of algorithms) await out.line(`${a.toUpperCase()} (${terminalSafe(label)}) = ${digests[a]}`);
}
