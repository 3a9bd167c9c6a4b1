// The `glovebox` command. Exit status: 0 done; 1 the image or the request failed (the last
// line on stderr is "glovebox: <what went wrong>"); 2 usage error.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { GloveboxError } from '../errors.js';
import type { ExpandProgress } from '../sandbox/host/expanded-image.js';
import { ImageSession } from '../sandbox/host/session.js';
import { FileSource } from '../sources/file-source.js';
import { parseCliArgs, type CliArgs } from './args.js';
import { catCommand } from './commands/cat.js';
import { extractCommand } from './commands/extract.js';
import { infoCommand } from './commands/info.js';
import { lsCommand } from './commands/ls.js';
import { humanSize, terminalSafe } from './format.js';
import { Output, PipeClosed } from './output.js';
import { USAGE, UsageError } from './usage.js';

const COMMANDS = ['info', 'ls', 'cat', 'extract'];

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function warn(message: string): void {
  process.stderr.write(`glovebox: warning: ${message}\n`);
}

function need(args: CliArgs, min: number, max: number): void {
  const n = args.positionals.length;
  if (n < min) throw new UsageError(`${args.command}: missing ${min === 1 ? 'the image' : 'arguments'}`);
  if (n > max) throw new UsageError(`${args.command}: too many arguments`);
}

/** Decompression progress on a terminal: one line, rewritten in place, then cleared. */
function expandProgress(image: string): ((p: ExpandProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    const finished = p.total !== null && p.done >= p.total;
    if (now - last < 200 && !finished) return;
    last = now;
    const of = p.total !== null ? ` of ${humanSize(p.total)} (${Math.floor((p.done / p.total) * 100)}%)` : '';
    process.stderr.write(`\r\x1b[Kglovebox: decompressing ${terminalSafe(basename(image))} (${p.format}): ${humanSize(p.done)}${of}${finished ? '\r\x1b[K' : ''}`);
  };
}

async function openSession(path: string, requireIsolation: boolean, expandLimit: number | undefined): Promise<ImageSession> {
  let source: FileSource;
  try {
    source = await FileSource.open(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : e instanceof Error ? e.message : String(e);
    throw new GloveboxError('Io', `cannot open ${path}: ${why}`);
  }
  const onProgress = expandProgress(path);
  return new ImageSession(source, {
    requireIsolation,
    onWarning: warn,
    expand: { ...(expandLimit !== undefined ? { maxBytes: expandLimit } : {}), ...(onProgress ? { onProgress } : {}) },
  });
}

async function run(argv: string[]): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.version) {
    process.stdout.write(`glovebox ${version()}\n`);
    return 0;
  }
  if (args.help || args.command === '' || args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return args.help || args.command === 'help' ? 0 : 2;
  }
  if (!COMMANDS.includes(args.command)) throw new UsageError(`unknown command "${args.command}"`);
  const out = new Output(process.stdout);
  const image = args.positionals[0] ?? '';
  switch (args.command) {
    case 'info':
      need(args, 1, 1);
      break;
    case 'ls':
      need(args, 1, 2);
      break;
    case 'cat':
      need(args, 2, 2);
      break;
    case 'extract':
      need(args, 1, Infinity);
      if (!args.output) throw new UsageError('extract: the target directory is required: -o <dir>');
      break;
  }
  const session = await openSession(image, args.requireIsolation, args.expandLimit);
  try {
    switch (args.command) {
      case 'info':
        await infoCommand(session, image, args.json, out);
        break;
      case 'ls':
        await lsCommand(session, { path: args.positionals[1] ?? '/', volume: args.volume, recursive: args.recursive, all: args.all, json: args.json, warn }, out);
        break;
      case 'cat':
        await catCommand(session, args.positionals[1]!, args.volume, out);
        break;
      case 'extract': {
        const { summary, failures } = await extractCommand(session, {
          paths: args.positionals.slice(1),
          volume: args.volume,
          output: args.output!,
          overwrite: args.overwrite,
          warn,
        });
        process.stderr.write(`glovebox: extracted ${summary.files} files, ${summary.dirs} directories, ${summary.symlinks} links (${summary.bytes} bytes) to ${terminalSafe(args.output!)}\n`);
        if (failures > 0) throw new GloveboxError('Corrupt', `${failures} ${failures === 1 ? 'entry' : 'entries'} could not be extracted (see above)`);
        break;
      }
    }
  } finally {
    // What was listed before a failure still reaches the user, then the failure's line.
    await out.end().catch((e: unknown) => {
      if (!(e instanceof PipeClosed)) throw e;
    });
    await session.close();
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof PipeClosed) return 0;
    if (e instanceof UsageError) {
      process.stderr.write(`glovebox: ${e.message}\n${USAGE.split('\n')[0]}\nTry 'glovebox --help'.\n`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`glovebox: ${terminalSafe(message).replace(/\n/g, ' ')}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Nothing should keep the process alive now; if something does, do not hang a user's script.
setTimeout(() => process.exit(code), 3000).unref();
