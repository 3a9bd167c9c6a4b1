// Compressed raw images (.img.xz, .gz, .zst, .bz2, a .zip holding one image): what the sandbox
// offers the host. A compressed stream has no random access, so the sandbox expands it in
// order, chunk by chunk, and the host keeps the bytes in a private temporary file that a
// second sandbox then reads as the image (see core/sandbox/host/expanded-image.ts).

export type StreamFormat = 'gz' | 'xz' | 'zst' | 'bz2' | 'zip';

export interface StreamInfo {
  format: StreamFormat;
  /** The uncompressed size where the format records it reliably (zip), else null. */
  expandedSize: number | null;
  /** What the stream holds, for messages (the file name inside a zip). */
  name?: string;
}

/** Decompressed bytes in order. */
export interface ExpandStream {
  /** The next bytes, at most `max` and at least one until the end; empty at the end. */
  next(max: number): Promise<Uint8Array>;
}
