// A compressed image (.img.xz, .gz, .zst, .bz2, a deflated .zip) made readable: the sandbox
// decompresses it in order and the host writes what comes back, as opaque bytes, into a
// private temporary file (mode 0600 in a fresh 0700 folder), which then becomes the source of a
// second sandbox. The host never decodes anything. The file is unlinked as soon as it is open
// (POSIX), so nothing is left behind even if Glovebox is killed; runs of zeros are skipped, so
// a mostly empty disk takes little space.

import { constants } from 'node:fs';
import { mkdtemp, open, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GloveboxError, limit } from '../../errors.js';
import type { StreamSummary } from '../protocol/api.js';
import { FileSource } from '../../sources/file-source.js';
import type { HostSource } from './source.js';
import type { CallOptions, Supervisor } from './supervisor.js';

/** Largest image Glovebox expands unless told otherwise. */
export const DEFAULT_MAX_EXPANDED_BYTES = 64 * 1024 ** 3;
/** Decompressed bytes asked of the sandbox per call. */
const EXPAND_CHUNK_BYTES = 8 * 1024 * 1024;
/** Zero runs of this size (aligned) are not written: the file stays sparse. */
const SPARSE_UNIT = 64 * 1024;

export interface ExpandProgress {
  format: string;
  /** Decompressed bytes so far. */
  done: number;
  /** The final size when the format records it, else null. */
  total: number | null;
}

export interface ExpandOptions {
  /** Where the temporary folder is made (default: the OS temporary folder). */
  tempDir?: string;
  /** Largest decompressed size accepted (default DEFAULT_MAX_EXPANDED_BYTES). */
  maxBytes?: number;
  onProgress?: (p: ExpandProgress) => void;
  signal?: AbortSignal;
}

const GiB = 1024 ** 3;
const sizeText = (n: number): string => (n >= GiB ? `${(n / GiB).toFixed(n % GiB === 0 ? 0 : 1)} GiB` : `${Math.round(n / 1024 / 1024)} MiB`);

function tooBig(format: string, max: number): GloveboxError {
  return limit(`the ${format} image expands past the ${sizeText(max)} limit; nothing more was decompressed`);
}

const allZero = (b: Uint8Array): boolean => {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
};

/** The expanded image, read-only; closing it removes the temporary folder. */
class ExpandedSource implements HostSource {
  constructor(
    private readonly file: FileSource,
    private readonly dir: string,
  ) {}
  get size(): number {
    return this.file.size;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    return this.file.read(offset, length);
  }
  async close(): Promise<void> {
    await this.file.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Expands the compressed source behind `supervisor` into a temporary file and opens it. */
export async function expandImage(supervisor: Supervisor, stream: StreamSummary, options: ExpandOptions = {}): Promise<HostSource> {
  const max = options.maxBytes ?? DEFAULT_MAX_EXPANDED_BYTES;
  if (stream.expandedSize !== null && stream.expandedSize > max) throw tooBig(stream.format, max);
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'glovebox-expanded-'));
  const path = join(dir, 'image');
  let reader: Awaited<ReturnType<typeof open>> | null = null;
  try {
    const writer = await open(path, 'wx', 0o600);
    let size = 0;
    try {
      reader = await open(path, constants.O_RDONLY);
      // Both handles are open, so the name can go now: nothing is left behind whatever happens
      // next, even a kill (Windows cannot unlink an open file: there, close() removes it).
      if (process.platform !== 'win32') await unlink(path);
      const call: CallOptions = options.signal ? { signal: options.signal } : {};
      // One write in flight while the sandbox decodes the next chunk.
      let writing: Promise<void> = Promise.resolve();
      try {
        for (;;) {
          if (options.signal?.aborted) throw new GloveboxError('Cancelled', 'cancelled');
          const bytes = await supervisor.expand(size, EXPAND_CHUNK_BYTES, call);
          await writing;
          if (bytes.length === 0) break;
          if (size + bytes.length > max) throw tooBig(stream.format, max);
          writing = writeSparse(writer, bytes, size, dir);
          size += bytes.length;
          options.onProgress?.({ format: stream.format, done: size, total: stream.expandedSize });
        }
      } finally {
        await writing.catch(() => undefined);
      }
      if (stream.expandedSize !== null && size !== stream.expandedSize) {
        throw new GloveboxError('Corrupt', `the ${stream.format} image expanded to ${size} bytes, not the ${stream.expandedSize} it records`);
      }
      await writer.truncate(size);
    } finally {
      await writer.close();
    }
    return new ExpandedSource(FileSource.adopt(reader, size, path), dir);
  } catch (e) {
    await reader?.close();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

async function writeSparse(handle: Awaited<ReturnType<typeof open>>, bytes: Uint8Array, position: number, dir: string): Promise<void> {
  try {
    // Consecutive units with data go out in one write; all-zero units are left as holes.
    let runStart = -1;
    for (let at = 0; at <= bytes.length; ) {
      const n = Math.min(SPARSE_UNIT - ((position + at) % SPARSE_UNIT), bytes.length - at);
      const data = n > 0 && !allZero(bytes.subarray(at, at + n));
      if (data && runStart < 0) runStart = at;
      if (!data && runStart >= 0) {
        await handle.write(bytes, runStart, at - runStart, position + runStart);
        runStart = -1;
      }
      if (n === 0) break;
      at += n;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new GloveboxError('Io', `no space left in ${dir} for the decompressed image (${sizeText(position)} written)`);
    }
    throw e;
  }
}
