// Digests of data the host streams (a file through ImageSession.data, or the source itself),
// computed on the host with node:crypto: hashing needs no parsing, so it never needs the sandbox.
import { createHash } from 'node:crypto';
import { GloveboxError } from '../../errors.js';

export type HashAlgorithm = 'sha256' | 'sha1' | 'md5';
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['sha256', 'sha1', 'md5'];

export interface HashProgress {
  done: number;
  total: number;
}

/** Hex digests of everything `chunks` yields, with progress after each chunk. */
export async function digest(
  chunks: AsyncIterable<Uint8Array>,
  algorithms: readonly HashAlgorithm[],
  o: { total?: number; signal?: AbortSignal; onProgress?: (p: HashProgress) => void } = {},
): Promise<Partial<Record<HashAlgorithm, string>>> {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  let done = 0;
  for await (const chunk of chunks) {
    if (o.signal?.aborted) throw new GloveboxError('Cancelled', 'cancelled');
    for (const [, h] of hashes) h.update(chunk);
    done += chunk.length;
    o.onProgress?.({ done, total: o.total ?? done });
  }
  const out: Partial<Record<HashAlgorithm, string>> = {};
  for (const [a, h] of hashes) out[a] = h.digest('hex');
  return out;
}

/** The source's own bytes, in chunks (the image file as opened, before any parsing). */
export async function* sourceChunks(source: { size: number; read(offset: number, length: number): Promise<Uint8Array> }, chunkBytes: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < source.size; at += chunkBytes) {
    if (signal?.aborted) throw new GloveboxError('Cancelled', 'cancelled');
    yield await source.read(at, Math.min(chunkBytes, source.size - at));
  }
}
