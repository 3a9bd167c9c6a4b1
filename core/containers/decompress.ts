// Decoding one compressed unit (a QCOW2 cluster, a VMDK grain) to an exact, known size, with
// the output bounded while it is produced: a unit that decodes to more or less is Corrupt, and a
// decompression bomb stops at the bound instead of filling memory.
import { Inflate } from 'fflate';
import { Decompress } from 'fzstd';
import { corrupt, GloveboxError, unsupported } from '../errors.js';
import { isZstdMagic, ZSTD_BLOCK_MAX, zstdBlockHeader, zstdFrameHeader } from './zstd-frame.js';

/**
 * Compressed input handed to the inflater per push. Deflate expands at most about 1032:1, so one
 * push yields at most ~4 MiB before the output bound below is checked.
 */
const INFLATE_PIECE_BYTES = 4 * 1024;
/**
 * Input in a row that yields nothing before the stream counts as ended: what follows is padding
 * (QCOW2 reads whole sectors), and feeding it on would only be copied around by the inflater.
 * More than a stored block (RFC 1951 3.2.4: up to 65535 bytes, yielded only when complete).
 */
const INFLATE_IDLE_BYTES = 72 * 1024;

/**
 * Raw deflate (RFC 1951) that must decode to exactly `expected` bytes (or, given `minimum`, to
 * between `minimum` and `expected`); bytes after the end of the stream are ignored. Output is
 * bounded as it is produced (no bombs): more or less is Corrupt.
 */
export function inflateExact(data: Uint8Array, expected: number, what: string, where: string, minimum = expected): Uint8Array {
  const out = new Uint8Array(expected);
  let produced = 0;
  const inflater = new Inflate((chunk: Uint8Array) => {
    if (chunk.length > expected - produced) {
      throw corrupt(`${what}: decompressed data too long`, { where, expected: `${expected} bytes`, found: `more` });
    }
    out.set(chunk, produced);
    produced += chunk.length;
  });
  try {
    let idle = 0;
    for (let at = 0; at < data.length && idle < INFLATE_IDLE_BYTES; at += INFLATE_PIECE_BYTES) {
      const end = Math.min(data.length, at + INFLATE_PIECE_BYTES);
      const before = produced;
      inflater.push(data.subarray(at, end), end === data.length);
      idle = produced === before ? idle + (end - at) : 0;
    }
  } catch (e) {
    if (e instanceof GloveboxError) throw e;
    throw corrupt(`${what}: bad deflate data`, { where, found: e instanceof Error ? e.message : String(e) });
  }
  if (produced < minimum) throw corrupt(`${what}: decompressed data too short`, { where, expected: `${minimum === expected ? '' : `at least ${minimum} of `}${expected} bytes`, found: `${produced}` });
  return produced === expected ? out : out.subarray(0, produced);
}

/** A zlib stream (RFC 1950: a 2-byte header, deflate; Adler-32 not checked), as inflateExact. */
export function unzlibExact(data: Uint8Array, expected: number, what: string, where: string, minimum = expected): Uint8Array {
  const cmf = data[0] ?? 0;
  const flg = data[1] ?? 0;
  if (data.length < 2 || (cmf & 0x0f) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) {
    throw corrupt(`${what}: zlib header`, { where, expected: 'deflate with a valid check', found: `0x${cmf.toString(16)} 0x${flg.toString(16)}` });
  }
  if (flg & 0x20) throw unsupported(`${what}: zlib stream with a preset dictionary`);
  return inflateExact(data.subarray(2), expected, what, where, minimum);
}

/** The largest zstd window accepted (the decoder allocates it). */
const MAX_ZSTD_WINDOW = 8 * 1024 * 1024;

/**
 * The length of the one Zstandard frame (RFC 8878) at the start of `data`, walked block by
 * block: every size is checked before the decoder sees it (the decoder allocates a window as
 * large as the header says, and the frame's content size when it gives one).
 */
function zstdFrameLength(data: Uint8Array, expected: number, what: string, where: string): number {
  const bad = (found: string): GloveboxError => corrupt(`${what}: zstd frame`, { where, found });
  if (!isZstdMagic(data)) throw bad('no zstd magic');
  const h = zstdFrameHeader(data);
  if (h === null) throw bad('truncated header');
  if (h.reservedBit) throw bad('reserved header bit set');
  if (h.dictionaryId !== 0) throw unsupported(`${what}: zstd frame with dictionary ${h.dictionaryId}`);
  if (h.contentSize !== null && h.contentSize !== expected) throw corrupt(`${what}: zstd frame content size`, { where, expected: `${expected} bytes`, found: `${h.contentSize}` });
  if (h.window > MAX_ZSTD_WINDOW) throw corrupt(`${what}: zstd window`, { where, expected: `at most ${MAX_ZSTD_WINDOW} bytes`, found: `${h.window}` });
  const blockMax = Math.min(h.window, ZSTD_BLOCK_MAX);
  let pos = h.length;
  // Each block header is 3 bytes, so the walk ends within data.length / 3 steps.
  for (;;) {
    if (pos + 3 > data.length) throw bad('truncated (no last block)');
    const b = zstdBlockHeader(data, pos);
    if (b.type === 3) throw bad(`reserved block type at byte ${pos}`);
    if (b.size > blockMax) throw bad(`block of ${b.size} bytes over the ${blockMax}-byte maximum`);
    pos += b.length;
    if (pos > data.length) throw bad('truncated block');
    if (b.last) break;
  }
  pos += h.checksum ? 4 : 0;
  if (pos > data.length) throw bad('truncated checksum');
  return pos;
}

/**
 * One Zstandard frame that must decode to exactly `expected` bytes; bytes after the frame are
 * ignored. Sizes are checked before decoding and output is bounded as it is produced.
 */
export function zstdExact(data: Uint8Array, expected: number, what: string, where: string): Uint8Array {
  const frame = data.subarray(0, zstdFrameLength(data, expected, what, where));
  const out = new Uint8Array(expected);
  let produced = 0;
  try {
    const d = new Decompress((chunk: Uint8Array) => {
      if (chunk.length > expected - produced) {
        throw corrupt(`${what}: decompressed data too long`, { where, expected: `${expected} bytes`, found: 'more' });
      }
      out.set(chunk, produced);
      produced += chunk.length;
    });
    d.push(frame, true);
  } catch (e) {
    if (e instanceof GloveboxError) throw e;
    throw corrupt(`${what}: bad zstd data`, { where, found: e instanceof Error ? e.message : String(e) });
  }
  if (produced !== expected) throw corrupt(`${what}: decompressed data too short`, { where, expected: `${expected} bytes`, found: `${produced}` });
  return out;
}
