// The one error type that crosses every boundary in Glovebox. Kinds are a small closed set
// (like rumpuser's error codes): stable, serialisable, and translated once at each edge.

export const ERROR_KINDS = [
  'Io', // the block device could not deliver the bytes asked for
  'Corrupt', // on-disk structures are inconsistent (expected / found / where)
  'Unsupported', // a real feature of the format that Glovebox does not implement (named)
  'NotFound', // a path or node that does not exist
  'Invalid', // a request that makes no sense (not a directory, bad argument)
  'Limit', // a hard limit was reached (entries, bytes, depth)
  'Timeout', // the sandbox did not answer within the deadline
  'Crashed', // the sandbox process died (crash, out of memory, killed)
  'Cancelled', // the caller cancelled the request
  'Protocol', // a malformed message crossed the sandbox boundary
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface CorruptDetail {
  expected?: string;
  found?: string;
  /** Where, e.g. "FAT entry 1234" or "byte 0x1C0". */
  where?: string;
}

export class GloveboxError extends Error {
  readonly kind: ErrorKind;
  readonly detail: CorruptDetail | undefined;

  constructor(kind: ErrorKind, message: string, detail?: CorruptDetail) {
    super(message);
    this.name = 'GloveboxError';
    this.kind = kind;
    this.detail = detail;
  }
}

export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && (ERROR_KINDS as readonly string[]).includes(value);
}

/** A corruption error whose message says what was expected, what was found and where. */
export function corrupt(what: string, detail: CorruptDetail = {}): GloveboxError {
  const parts = [what];
  if (detail.where !== undefined) parts.push(`at ${detail.where}`);
  if (detail.expected !== undefined) parts.push(`expected ${detail.expected}`);
  if (detail.found !== undefined) parts.push(`found ${detail.found}`);
  return new GloveboxError('Corrupt', parts.join(': '), detail);
}

export function unsupported(feature: string): GloveboxError {
  return new GloveboxError('Unsupported', `unsupported: ${feature}`);
}

export function notFound(what: string): GloveboxError {
  return new GloveboxError('NotFound', `not found: ${what}`);
}

export function invalid(message: string): GloveboxError {
  return new GloveboxError('Invalid', message);
}

export function ioError(message: string): GloveboxError {
  return new GloveboxError('Io', message);
}

export function limit(message: string): GloveboxError {
  return new GloveboxError('Limit', message);
}

/** Anything thrown, as a GloveboxError; foreign errors become `kind` with their message. */
export function toGloveboxError(e: unknown, kind: ErrorKind = 'Corrupt'): GloveboxError {
  if (e instanceof GloveboxError) return e;
  if (e instanceof RangeError) return new GloveboxError(kind, `out of range: ${e.message}`);
  if (e instanceof Error) return new GloveboxError(kind, e.message);
  return new GloveboxError(kind, String(e));
}
