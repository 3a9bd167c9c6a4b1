// `glovebox image <device|image> -o out.img [--partition N] [--overwrite]`: the source's
// bytes copied to a file, with SHA-256 (out.img.sha256) and a log of unreadable ranges
// (out.img.badblocks). A partition's range comes from the sandbox's reading of the partition
// table, bounds-checked here; the host never parses it.

import { basename } from 'node:path';
import { imageSource, type ImageProgress, type ImagingResult } from '../../devices/imaging.js';
import { GloveboxError } from '../../errors.js';
import type { HostSource } from '../../sandbox/host/source.js';
import type { ImageSession } from '../../sandbox/host/session.js';
import { humanSize, terminalSafe } from '../format.js';

export interface ImageCommandOptions {
  source: string;
  output: string;
  overwrite: boolean;
  partition: number | undefined;
  /** Opens the source read-only (whole-source copy: no sandbox needed). */
  open: () => Promise<HostSource>;
  /** Opens a sandbox session on the source (to find a partition). */
  session: () => Promise<ImageSession>;
  warn: (message: string) => void;
  signal?: AbortSignal;
}

function progress(name: string): ((p: ImageProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  const started = Date.now();
  return (p) => {
    const now = Date.now();
    const finished = p.done >= p.total;
    if (now - last < 200 && !finished) return;
    last = now;
    const rate = p.done / Math.max((now - started) / 1000, 0.001);
    const pct = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
    const bad = p.badBytes > 0 ? `, ${humanSize(p.badBytes)} unreadable` : '';
    process.stderr.write(`\r\x1b[Kglovebox: imaging ${terminalSafe(name)}: ${humanSize(p.done)} of ${humanSize(p.total)} (${pct}%), ${humanSize(rate)}/s${bad}${finished ? '\r\x1b[K' : ''}`);
  };
}

export async function imageCommand(o: ImageCommandOptions): Promise<ImagingResult> {
  const onProgress = progress(basename(o.source));
  const common = { output: o.output, overwrite: o.overwrite, sourcePath: o.source, ...(onProgress ? { onProgress } : {}), ...(o.signal ? { signal: o.signal } : {}) };
  let result: ImagingResult;
  if (o.partition === undefined) {
    const source = await o.open();
    try {
      result = await imageSource(source, common);
    } finally {
      await source.close();
    }
  } else {
    const session = await o.session();
    try {
      const info = await session.info();
      // Partition offsets are in the virtual disk's coordinates: the same as the source's only
      // for raw images and devices (and the expanded copy of a compressed raw image).
      const compressed = ['xz', 'gz', 'zst', 'bz2', 'zip'].includes(info.container);
      if (info.container !== 'raw' && !(compressed && info.inner === undefined)) {
        throw new GloveboxError('Unsupported', `--partition works on devices and raw images; this is a ${info.inner ?? info.container} image (image the whole file instead)`);
      }
      const v = info.volumes.find((x) => x.partition === o.partition);
      if (!v) {
        const parts = [...new Set(info.volumes.map((x) => x.partition).filter((x): x is number => x !== null))];
        throw new GloveboxError('NotFound', `no partition ${o.partition} (${parts.length > 0 ? `partitions: ${parts.join(', ')}` : 'the source has no partition table'})`);
      }
      const source = session.source;
      if (!Number.isSafeInteger(v.offset) || !Number.isSafeInteger(v.size) || v.offset < 0 || v.size < 0 || v.offset + v.size > source.size) {
        throw new GloveboxError('Corrupt', `partition ${o.partition} lies outside the source`, { found: `${v.offset}+${v.size}`, expected: `inside ${source.size} bytes` });
      }
      result = await imageSource(source, { ...common, offset: v.offset, length: v.size });
    } finally {
      await session.close();
    }
  }
  return result;
}
