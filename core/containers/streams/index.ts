// Compressed raw images, detected by signature (never by file name).
import type { BlockDevice } from '../../block/device.js';
import { readExact } from '../common.js';
import { isBzip2, openBzip2 } from './bzip2.js';
import { isGzip, openGzip } from './gzip.js';
import { isXz, openXz } from './xz.js';
import { isZip, openZip } from './zip.js';
import { isZstd, openZstd } from './zstd.js';
import type { ExpandStream, StreamFormat, StreamInfo } from './types.js';

export type { ExpandStream, StreamFormat, StreamInfo } from './types.js';

const DETECTORS: ReadonlyArray<[StreamFormat, (b: Uint8Array) => boolean]> = [
  ['xz', isXz],
  ['gz', isGzip],
  ['zst', isZstd],
  ['bz2', isBzip2],
  ['zip', isZip],
];

/** The compression format the source starts with, or null. */
export async function detectStream(device: BlockDevice): Promise<StreamFormat | null> {
  if (device.size < 8) return null;
  const head = await readExact(device, 0, 8);
  for (const [format, is] of DETECTORS) if (is(head)) return format;
  return null;
}

/**
 * A compressed source as the probe sees it: a stored zip entry is read in place (a device);
 * everything else must be expanded first (its format and size, when known).
 */
export async function openStreamSource(device: BlockDevice, format: StreamFormat): Promise<{ device: BlockDevice; info: StreamInfo } | { device: null; info: StreamInfo }> {
  if (format === 'zip') {
    const z = await openZip(device);
    const info: StreamInfo = { format, expandedSize: z.entry.size, name: z.entry.name };
    return z.kind === 'stored' ? { device: z.device, info } : { device: null, info };
  }
  return { device: null, info: { format, expandedSize: null } };
}

/** The decompressed bytes of a source, from the start. */
export async function openExpandStream(device: BlockDevice, format: StreamFormat): Promise<ExpandStream> {
  switch (format) {
    case 'gz':
      return openGzip(device);
    case 'xz':
      return openXz(device);
    case 'zst':
      return openZstd(device);
    case 'bz2':
      return openBzip2(device);
    case 'zip': {
      const z = await openZip(device);
      if (z.kind === 'stored') {
        // Stored entries are read in place; expanding one is a plain copy.
        let at = 0;
        return {
          async next(max: number) {
            const n = Math.min(max, z.device.size - at);
            if (n <= 0) return new Uint8Array(0);
            const bytes = await z.device.read(at, n);
            at += n;
            return bytes;
          },
        };
      }
      return z.stream;
    }
  }
}
