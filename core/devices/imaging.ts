// Saving a device (or one range of it, a partition) to an image file: the bytes are copied as
// they are, never interpreted; SHA-256 is computed on the way and written next to the image in
// `sha256sum` format; a read error is retried, then the range is zero-filled and listed in a
// log instead of ending the copy (a failing stick still yields everything readable). The
// output is created with O_EXCL (never overwritten unless asked) and the source is only read.

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { HostSource } from '../sandbox/host/source.js';

/** Bytes per read and write. */
export const IMAGE_CHUNK_BYTES = 1024 * 1024;
/** Granularity of the second pass over a chunk that failed: only these pieces are zero-filled. */
export const IMAGE_RETRY_BYTES = 4096;
/** Attempts per read after the first. */
export const IMAGE_READ_RETRIES = 3;
/** Bad ranges kept in memory and in the log; past this the copy still goes on, counted. */
const MAX_BAD_RANGES = 100_000;

export interface ImageProgress {
  done: number;
  total: number;
  badBytes: number;
}

export interface BadRange {
  offset: number;
  length: number;
  error: string;
}

export interface ImagingOptions {
  output: string;
  /** Replace an existing output (and its .sha256); default false (O_EXCL). */
  overwrite?: boolean;
  /** The range of the source to copy (default: all of it). */
  offset?: number;
  length?: number;
  /** The source's own path, to refuse writing onto it. */
  sourcePath?: string;
  chunkBytes?: number;
  retryBytes?: number;
  retries?: number;
  onProgress?: (p: ImageProgress) => void;
  signal?: AbortSignal;
}

export interface ImagingResult {
  bytes: number;
  sha256: string;
  hashFile: string;
  /** Ranges that could not be read (zeros in the image), in source coordinates. */
  badRanges: BadRange[];
  badBytes: number;
  /** Where the bad ranges are listed (only when there are some). */
  badBlocksFile: string | null;
}

export class ImagingError extends Error {
  override name = 'ImagingError';
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 200);

async function createOutput(path: string, overwrite: boolean): Promise<FileHandle> {
  // O_NOFOLLOW: a symlink planted at the output path is not followed.
  const flags = constants.O_WRONLY | constants.O_CREAT | (overwrite ? constants.O_TRUNC : constants.O_EXCL) | (constants.O_NOFOLLOW ?? 0);
  if (overwrite) {
    const st = await stat(path).catch(() => null);
    if (st && !st.isFile()) throw new ImagingError(`${path} exists and is not a regular file; not overwriting it`);
  }
  try {
    return await open(path, flags, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ImagingError(`${path} already exists (use --overwrite to replace it)`);
    throw e;
  }
}

/** Refuses an output that is the source itself (same file, or the same device). */
async function refuseSameAsSource(output: string, sourcePath: string | undefined): Promise<void> {
  if (!sourcePath) return;
  const [o, s] = await Promise.all([stat(output).catch(() => null), stat(sourcePath).catch(() => null)]);
  if (!o || !s) return;
  if ((o.dev === s.dev && o.ino === s.ino) || (s.isBlockDevice() && o.isBlockDevice() && o.rdev === s.rdev)) {
    throw new ImagingError(`the output ${output} is the source itself`);
  }
}

/** Reads with retries; the last error if every attempt failed. */
async function readRetrying(source: HostSource, offset: number, length: number, retries: number): Promise<Uint8Array | Error> {
  let last: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    try {
      const b = await source.read(offset, length);
      if (b.length !== length) throw new Error(`short read: ${b.length} of ${length} bytes`);
      return b;
    } catch (e) {
      last = e;
    }
  }
  return last instanceof Error ? last : new Error(String(last));
}

async function writeAll(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    if (bytesWritten <= 0) throw new ImagingError('the output stopped accepting data');
    done += bytesWritten;
  }
}

export async function imageSource(source: HostSource, o: ImagingOptions): Promise<ImagingResult> {
  const start = o.offset ?? 0;
  const total = o.length ?? source.size - start;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(total) || start < 0 || total < 0 || start + total > source.size) {
    throw new ImagingError(`range ${start}+${total} is outside the source (${source.size} bytes)`);
  }
  const chunk = o.chunkBytes ?? IMAGE_CHUNK_BYTES;
  const piece = Math.min(o.retryBytes ?? IMAGE_RETRY_BYTES, chunk);
  const retries = o.retries ?? IMAGE_READ_RETRIES;
  const overwrite = o.overwrite ?? false;
  if (overwrite) await refuseSameAsSource(o.output, o.sourcePath);
  const hashFile = `${o.output}.sha256`;
  const logFile = `${o.output}.badblocks`;
  if (!overwrite) {
    for (const f of [o.output, hashFile, logFile]) {
      if (await stat(f).catch(() => null)) throw new ImagingError(`${f} already exists (use --overwrite to replace it)`);
    }
  }
  const fh = await createOutput(o.output, overwrite);
  const hash = createHash('sha256');
  const badRanges: BadRange[] = [];
  let badBytes = 0;
  let moreBad = 0;
  const addBad = (offset: number, length: number, error: string) => {
    badBytes += length;
    const last = badRanges[badRanges.length - 1];
    if (last && last.offset + last.length === offset) last.length += length; // one range, the first error kept
    else if (badRanges.length < MAX_BAD_RANGES) badRanges.push({ offset, length, error });
    else moreBad++;
  };
  let ok = false;
  try {
    const readChunk = async (pos: number): Promise<Uint8Array> => {
      const n = Math.min(chunk, start + total - pos);
      const first = await readRetrying(source, pos, n, retries);
      if (!(first instanceof Error)) return first;
      // Second pass in small pieces: zero-fill only what really fails.
      const buf = new Uint8Array(n);
      for (let p = 0; p < n; p += piece) {
        const m = Math.min(piece, n - p);
        const r = await readRetrying(source, pos + p, m, retries);
        if (r instanceof Error) addBad(pos + p, m, errorText(r));
        else buf.set(r, p);
      }
      return buf;
    };
    let pos = start;
    // One read ahead while the previous chunk is written.
    let next: Promise<Uint8Array> | null = total > 0 ? readChunk(pos) : null;
    while (next) {
      if (o.signal?.aborted) throw new ImagingError('cancelled');
      const data = await next;
      const after = pos + data.length;
      next = after < start + total ? readChunk(after) : null;
      hash.update(data);
      await writeAll(fh, data, pos - start);
      pos = after;
      o.onProgress?.({ done: pos - start, total, badBytes });
    }
    await fh.sync();
    ok = true;
  } finally {
    await fh.close();
    if (!ok) await rm(o.output, { force: true });
  }
  const sha256 = hash.digest('hex');
  await writeSmallFile(hashFile, `${sha256}  ${basename(o.output)}\n`, overwrite);
  let badBlocksFile: string | null = null;
  if (badRanges.length > 0) {
    const lines = [
      `# glovebox image: ranges of the source that could not be read after ${retries} retries; zeros were written in their place`,
      `# offset length error (bytes, in the source's coordinates; the image starts at source offset ${start})`,
      ...badRanges.map((r) => `${r.offset} ${r.length} ${r.error}`),
      ...(moreBad > 0 ? [`# and ${moreBad} more ranges not listed`] : []),
    ];
    await writeSmallFile(logFile, `${lines.join('\n')}\n`, overwrite);
    badBlocksFile = logFile;
  } else if (overwrite) {
    // A log from an earlier run would now be wrong.
    await rm(logFile, { force: true });
  }
  return { bytes: total, sha256, hashFile, badRanges, badBytes, badBlocksFile };
}

async function writeSmallFile(path: string, text: string, overwrite: boolean): Promise<void> {
  const fh = await createOutput(path, overwrite);
  try {
    await writeAll(fh, new TextEncoder().encode(text), 0);
  } finally {
    await fh.close();
  }
}
