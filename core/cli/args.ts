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
    help: values.help ?? false,
    version: values.version ?? false,
  };
}
