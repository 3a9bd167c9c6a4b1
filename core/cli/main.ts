// The `glovebox` command. Exit status: 0 done; 1 the image or the request failed (the last
// line on stderr is "glovebox: <what went wrong>"); 2 usage error.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GloveboxError } from '../errors.js';
import type { ExpandProgress } from '../sandbox/host/expanded-image.js';
import { ImageSession } from '../sandbox/host/session.js';
import { ConsistentSource } from '../sources/consistent-source.js';
import { FileSource } from '../sources/file-source.js';
import type { HostSource } from '../sandbox/host/source.js';
import { parseCliArgs, type CliArgs } from './args.js';
import { catCommand } from './commands/cat.js';
import { devicesCommand } from './commands/devices.js';
import { imageCommand } from './commands/image.js';
import { extractCommand } from './commands/extract.js';
import { hashCommand } from './commands/hash.js';
import { loadHashList } from './hash-list.js';
import { infoCommand } from './commands/info.js';
import { lsCommand } from './commands/ls.js';
import { mountCommand, relayedToMountStarter, unmountCommand } from './commands/mount.js';
import { scanCommand } from './commands/scan.js';
import { humanSize, terminalSafe } from './format.js';
import { Output, PipeClosed } from './output.js';
import { describeOpenError, deviceRecordFor, isDevicePath, openWarnings } from '../devices/access.js';
import { elevationAvailable, openElevated, READER_COMMAND } from '../devices/reader/elevate.js';
import { readerMain } from '../devices/reader/helper.js';
import { USAGE, UsageError } from './usage.js';

const COMMANDS = ['info', 'ls', 'cat', 'extract', 'scan', 'hash', 'devices', 'image', 'mount', 'unmount'];

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function warn(message: string): void {
  // A background mount's warnings go to the command that started it.
  if (relayedToMountStarter(message)) return;
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

/** Scan progress on a terminal: one line on stderr, rewritten in place, cleared at the end. */
function scanProgress(): { progress?: (entries: number, findings: number, finished: boolean) => void } {
  if (!process.stderr.isTTY) return {};
  let last = 0;
  return {
    progress: (entries, findings, finished) => {
      const now = Date.now();
      if (finished) process.stderr.write('\r\x1b[K');
      if (finished || now - last < 200) return;
      last = now;
      process.stderr.write(`\r\x1b[Kglovebox: scanned ${entries} entries, ${findings} findings`);
    },
  };
}

/**
 * A device the user may not read (Linux): ask for permission through the privileged reader
 * (pkexec), where a prompt can be shown; otherwise the one-line reason, with how to get access.
 */
async function openDenied(path: string, e: unknown): Promise<HostSource> {
  const why = `cannot open ${path}: ${await describeOpenError(path, e)}`;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const pkexec = (code === 'EACCES' || code === 'EPERM') && (await isDevicePath(path)) ? await elevationAvailable() : null;
  if (!pkexec) throw new GloveboxError('Io', why);
  warn(`${path}: not readable by this user; asking for permission to read it (pkexec)`);
  try {
    return await openElevated(path, { pkexec, cliScript: fileURLToPath(import.meta.url) });
  } catch (x) {
    throw new GloveboxError('Io', `${why}; reading it with permission failed: ${x instanceof Error ? x.message : String(x)}`);
  }
}

/**
 * Opens an image or device read-only: a clear reason when it cannot, a device's warnings when it
 * can. `consistent: false` skips the consistent view of a device (imaging reads each byte once).
 */
async function openSource(path: string, { consistent = true } = {}): Promise<HostSource> {
  let source: HostSource;
  try {
    // macOS: the size of /dev/diskN comes from diskutil (Linux reads sysfs itself).
    source = await FileSource.open(path, { deviceSize: async () => (await deviceRecordFor(path))?.device.size ?? null });
  } catch (e) {
    source = await openDenied(path, e);
  }
  const device = await deviceRecordFor(path);
  if (device) for (const w of openWarnings(path, device)) warn(w);
  if (!consistent || !(await isDevicePath(path))) return source;
  // A device can answer the same sector differently twice: keep what was served stable.
  return new ConsistentSource(source, {
    onChange: (c) => warn(`${path} changed its data at byte ${c.offset} between two reads (a failing or malicious device); ${c.servedFirstCopy ? 'the first copy is served again' : 'the read was refused'}`),
  });
}

/** `devices` and `image`: listing and copying bytes need no sandbox (a partition's range asks one). */
async function runDeviceCommand(args: CliArgs, out: Output, image: string): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (args.command === 'devices') {
      need(args, 0, 0);
      await devicesCommand({ json: args.json, watch: args.watch, signal: stop.signal, warn }, out);
      return 0;
    }
    need(args, 1, 1);
    if (!args.output) throw new UsageError('image: the output file is required: -o <file>');
    const output = args.output;
    const r = await imageCommand({
      source: image, output, overwrite: args.overwrite, partition: args.partition, warn, signal: stop.signal,
      open: () => openSource(image, { consistent: false }),
      session: () => openSession(image, args.requireIsolation, args.expandLimit),
    });
    process.stderr.write(`glovebox: wrote ${terminalSafe(output)} (${humanSize(r.bytes)}); SHA-256 ${r.sha256} in ${terminalSafe(r.hashFile)}\n`);
    if (r.badBytes > 0) throw new GloveboxError('Io', `${r.badBytes} bytes in ${r.badRanges.length} ranges could not be read; zeros were written there (listed in ${r.badBlocksFile})`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await out.end().catch((e: unknown) => {
      if (!(e instanceof PipeClosed)) throw e;
    });
  }
}

async function openSession(path: string, requireIsolation: boolean, expandLimit: number | undefined): Promise<ImageSession> {
  const source = await openSource(path);
  const onProgress = expandProgress(path);
  return new ImageSession(source, {
    requireIsolation,
    onWarning: warn,
    expand: { ...(expandLimit !== undefined ? { maxBytes: expandLimit } : {}), ...(onProgress ? { onProgress } : {}) },
  });
}

async function run(argv: string[]): Promise<number> {
  // The privileged reader helper (started by pkexec): bounded device reads, nothing else.
  if (argv[0] === READER_COMMAND) return readerMain(argv.slice(1), process.stdin, process.stdout);
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
  if (args.command === 'devices' || args.command === 'image') return runDeviceCommand(args, out, image);
  if (args.command === 'mount') {
    need(args, 2, 2);
    const mounted = await mountCommand({
      image, mountpoint: args.positionals[1]!, volume: args.volume, foreground: args.foreground, allowOther: args.allowOther,
      cliScript: process.argv[1] ?? fileURLToPath(import.meta.url), warn,
      // The background process opens the image: it gets the same isolation and size limits.
      passOn: [...(args.requireIsolation ? ['--require-isolation'] : []), ...(args.expandLimit !== undefined ? ['--expand-limit', String(args.expandLimit)] : [])],
      openSession: () => openSession(image, args.requireIsolation, args.expandLimit),
    });
    process.stderr.write(`glovebox: ${args.foreground ? 'unmounted' : 'mounted'} ${terminalSafe(mounted)}\n`);
    return 0;
  }
  if (args.command === 'unmount') {
    need(args, 1, 1);
    process.stderr.write(`glovebox: unmounted ${terminalSafe(await unmountCommand(image))}\n`);
    return 0;
  }
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
    case 'scan':
      need(args, 1, 1);
      if (args.json && args.html) throw new UsageError('scan: --json and --html exclude each other');
      break;
    case 'hash':
      need(args, 1, 2);
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
      case 'scan':
        await scanCommand(
          session,
          { image, version: version(), volume: args.volume, json: args.json, html: args.html, hash: args.hash, warn, ...(args.hashList !== undefined ? { hashList: loadHashList(args.hashList) } : {}), ...scanProgress() },
          out,
        );
        break;
      case 'hash':
        await hashCommand(session, { image, path: args.positionals[1], volume: args.volume, algorithms: args.algo, json: args.json }, out);
        break;
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
