import { parseArgs } from 'node:util';
import { UsageError } from './usage.js';

export interface CliArgs {
  command: string;
  positionals: string[];
  json: boolean;
  recursive: boolean;
  all: boolean;
  volume: number | undefined;
  output: string | undefined;
  overwrite: boolean;
  requireIsolation: boolean;
  /** Largest decompressed size for a compressed image (bytes). */
  expandLimit: number | undefined;
  /** scan: add the SHA-256 of flagged files. */
  hash: boolean;
  /** hash: the algorithms, comma-separated (sha256, sha1, md5). */
  algo: string | undefined;
  /** scan: one self-contained HTML report on stdout. */
  html: boolean;
  /** scan: a file of digests (or NSRL RDS) to match every file against. */
  hashList: string | undefined;
  /** devices: print changes as they happen. */
  watch: boolean;
  /** image: copy only this partition (1-based). */
  partition: number | undefined;
  /** mount: serve in this process until unmounted (default: in the background). */
  foreground: boolean;
  /** mount: let other users read the mount (FUSE allow_other). */
  allowOther: boolean;
  help: boolean;
  version: boolean;
}

export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        recursive: { type: 'boolean', short: 'r' },
        all: { type: 'boolean', short: 'a' },
        volume: { type: 'string' },
        output: { type: 'string', short: 'o' },
        overwrite: { type: 'boolean' },
        'require-isolation': { type: 'boolean' },
        'expand-limit': { type: 'string' },
        hash: { type: 'boolean' },
        algo: { type: 'string' },
        html: { type: 'boolean' },
        'hash-list': { type: 'string' },
        watch: { type: 'boolean' },
        partition: { type: 'string' },
        foreground: { type: 'boolean' },
        'allow-other': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  let volume: number | undefined;
  if (values.volume !== undefined) {
    volume = Number(values.volume);
    if (!/^\d+$/.test(values.volume) || !Number.isSafeInteger(volume) || volume < 1) {
      throw new UsageError(`--volume takes a volume number (1, 2, ...), not "${values.volume}"`);
    }
  }
  let expandLimit: number | undefined;
  if (values['expand-limit'] !== undefined) {
    const bytes = parseSize(values['expand-limit']);
    if (bytes === null) throw new UsageError(`--expand-limit takes a size (e.g. 500M, 64G), not "${values['expand-limit']}"`);
    expandLimit = bytes;
  }
  let partition: number | undefined;
  if (values.partition !== undefined) {
    partition = Number(values.partition);
    if (!/^\d+$/.test(values.partition) || !Number.isSafeInteger(partition) || partition < 1) {
      throw new UsageError(`--partition takes a partition number (1, 2, ...), not "${values.partition}"`);
    }
  }
  const [command = '', ...rest] = positionals;
  return {
    command,
    positionals: rest,
    json: values.json ?? false,
    recursive: values.recursive ?? false,
    all: values.all ?? false,
    volume,
    output: values.output,
    overwrite: values.overwrite ?? false,
    requireIsolation: values['require-isolation'] ?? false,
    expandLimit,
    hash: values.hash ?? false,
    algo: values.algo,
    html: values.html ?? false,
    hashList: values['hash-list'],
    watch: values.watch ?? false,
    partition,
    foreground: values.foreground ?? false,
    allowOther: values['allow-other'] ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** "123", "500M", "64G", "1.5T" (binary units, an optional trailing "iB" or "B") -> bytes. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!m) return null;
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}
