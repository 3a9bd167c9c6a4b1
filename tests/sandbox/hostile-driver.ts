// A "driver" that stands in for a parser an attacker has taken over. Its image is text:
//   GBXTEST1\n<command>\n<lines...>
// `echo` lists the lines as files; every other command does something a compromised driver
// might try when the root directory is listed, and lists the outcome as a file name.
// Only ever run inside the real sandbox process (the attempts are real).

import { GloveboxError } from '../../core/errors.js';
import type { DirEntry, FsDriver, NodeStat, Volume } from '../../core/fs/types.js';

const MAGIC = 'GBXTEST1\n';

export function hostileImage(command: string, lines: string[] = []): Uint8Array {
  const text = `${MAGIC}${command}\n${lines.join('\n')}\n`;
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(Math.max(4096, bytes.length));
  out.set(bytes);
  return out;
}

type Outcome = string;

async function attempt(fn: () => unknown | Promise<unknown>): Promise<Outcome> {
  try {
    const r = await fn();
    return `allowed ${String(r).slice(0, 40).replace(/[/\0]/g, '_')}`;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return `denied ${typeof code === 'string' ? code : e instanceof Error ? e.name : 'error'}`;
  }
}

/** Settles when `emitter` emits `ok` (allowed) or 'error' (denied with its code), at most in 3 s. */
function outcomeOf(emitter: { once(event: string, l: (arg?: unknown) => void): unknown }, ok: string, cleanup: () => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error('no outcome'), { code: 'TIMEOUT' })), 3000);
    emitter.once(ok, () => {
      clearTimeout(timer);
      cleanup();
      resolve(ok);
    });
    emitter.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** The attempts (exported for the unconfined control process, which must see them succeed). */
export async function run(command: string, lines: string[]): Promise<string[]> {
  // Indirect specifiers keep bundlers from resolving these at build time.
  const load = (name: string): Promise<Record<string, unknown>> => import(/* @vite-ignore */ name) as Promise<Record<string, unknown>>;
  switch (command) {
    case 'echo':
      return lines;
    case 'read-passwd':
      return [await attempt(async () => ((await load('node:fs')).readFileSync as (p: string, e: string) => string)('/etc/passwd', 'utf8').length)];
    case 'write-file':
      return [await attempt(async () => ((await load('node:fs')).writeFileSync as (p: string, d: string) => void)(lines[0] ?? '/tmp/glovebox-escape', 'x'))];
    case 'spawn':
      return [await attempt(async () => ((await load('node:child_process')).execFileSync as (f: string) => unknown)('/bin/true'))];
    case 'spawn-async':
      return [
        await attempt(async () => {
          const spawn = (await load('node:child_process')).spawn as (f: string, a: string[], o: object) => { once: never; kill(): void };
          const child = spawn('/bin/true', [], { stdio: 'ignore' });
          return outcomeOf(child, 'spawn', () => undefined);
        }),
      ];
    case 'connect':
      return [
        await attempt(async () => {
          const connect = (await load('node:net')).connect as (port: number, host: string) => { once: never; destroy(): void };
          const socket = connect(Number(lines[0]), '127.0.0.1');
          return outcomeOf(socket, 'connect', () => socket.destroy());
        }),
      ];
    case 'worker':
      return [await attempt(async () => new ((await load('node:worker_threads')).Worker as new (s: string, o: object) => unknown)('1', { eval: true }))];
    case 'dlopen':
      // A library that exists here (lines[0] when given); loading it as an addon "succeeds"
      // far enough to fail on the missing module registration, which is the control's outcome.
      return [await attempt(() => (process as unknown as { dlopen(m: object, p: string): void }).dlopen({ exports: {} }, lines[0] ?? '/usr/lib/x86_64-linux-gnu/libc.so.6'))];
    case 'eval':
      return [await attempt(() => new Function('return 42')() as number)];
    case 'env':
      return [
        `env ${Object.keys(process.env).length}`,
        `argv ${process.argv.slice(2).filter((a) => !a.startsWith('--confine-addon=')).length}`,
        `title ${process.title}`,
        `cwd ${process.cwd().split(/[\\/]/).pop() ?? ''}`,
      ];
    case 'loop':
      for (;;) {
        /* a parser stuck in a cycle */
      }
    case 'alloc-heap': {
      const hoard: number[][] = [];
      for (;;) hoard.push(new Array<number>(1_000_000).fill(1));
    }
    case 'alloc-buffers': {
      const hoard: Uint8Array[] = [];
      for (;;) {
        hoard.push(new Uint8Array(64 * 1024 * 1024).fill(1));
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    case 'crash':
      setTimeout(() => {
        throw new Error('driver bug in a timer');
      }, 0);
      await new Promise((r) => setTimeout(r, 1000));
      return [];
    case 'throw-type-error':
      throw new TypeError('cannot read properties of undefined');
    default:
      throw new GloveboxError('Unsupported', `unknown test command ${command}`);
  }
}

export const hostileDriver: FsDriver = {
  name: 'hostile',
  async probe(device) {
    if (device.size < MAGIC.length) return false;
    const head = new TextDecoder().decode(await device.read(0, MAGIC.length));
    return head === MAGIC;
  },
  async open(device): Promise<Volume> {
    const text = new TextDecoder().decode(await device.read(0, Math.min(device.size, 65536))).replace(/\0+$/, '');
    const [, command = 'echo', ...rest] = text.split('\n');
    const lines = rest.filter((l) => l !== '');
    const files = new Map<number, string>();
    const stat = (node: number): NodeStat => ({ node, type: node === 1 ? 'dir' : 'file', size: node === 1 ? 0 : (files.get(node) ?? '').length, mtime: null });
    return {
      fs: 'hostile',
      label: command,
      caseInsensitive: false,
      root: () => 1,
      async readdir(node) {
        if (node !== 1) throw new GloveboxError('Invalid', 'not a directory');
        const names = await run(command, lines);
        files.clear();
        return names.map((name, i): DirEntry => {
          files.set(i + 2, name);
          return { name, node: i + 2, type: 'file', size: name.length, mtime: null };
        });
      },
      async stat(node) {
        if (node !== 1 && !files.has(node)) throw new GloveboxError('NotFound', `node ${node}`);
        return stat(node);
      },
      async read(node, offset, length) {
        const name = files.get(node);
        if (name === undefined) throw new GloveboxError('NotFound', `node ${node}`);
        return new TextEncoder().encode(name).slice(offset, offset + length);
      },
      async readlink() {
        throw new GloveboxError('Invalid', 'not a symlink');
      },
    };
  },
};
