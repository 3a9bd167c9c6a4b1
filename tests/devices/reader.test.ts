// The privileged reader helper, run directly and unprivileged: its checks (not a block device,
// a path swapped after the prompt, a symlink, a range past the end, oversize requests) and its
// protocol, in-process over pipes and as a child process. Loop devices need root (skipped
// otherwise); every loop device is detached in afterAll.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivilegedReaderSource, ReaderError, type HelperProcess } from '../../core/devices/reader/client.js';
import { serveReader } from '../../core/devices/reader/helper.js';
import { encodeRequest, MAX_READ_BYTES, Status } from '../../core/devices/reader/protocol.js';
import { repoRoot } from '../conformance/harness.js';

const usable = process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('losetup', ['--version']).status === 0;

/** The helper in this process, over a pair of pipes. */
function inProcess(path: string, expectedRdev: number): HelperProcess & { done: Promise<void> } {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const done = serveReader({ path, expectedRdev }, stdin, stdout);
  return { stdin, stdout, kill: () => stdin.end(), done };
}

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 12)) & 0xff);

describe('privileged reader: checks that need no device', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'glovebox-reader-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a regular file (wrong device type)', async () => {
    const f = join(dir, 'file.img');
    writeFileSync(f, pattern(4096));
    const e = await PrivilegedReaderSource.start(inProcess(f, statSync(f).rdev)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ReaderError);
    expect((e as ReaderError).status).toBe(Status.notBlockDevice);
  });

  it('reports a failed open with its errno', async () => {
    const e = await PrivilegedReaderSource.start(inProcess(join(dir, 'missing'), 0)).catch((x: unknown) => x);
    expect((e as ReaderError).status).toBe(Status.openFailed);
    expect((e as ReaderError).message).toContain('ENOENT');
  });
});

describe.skipIf(!usable)('privileged reader on loop devices (root)', () => {
  let dir: string;
  let a: string | null = null;
  let b: string | null = null;
  let bytes: Uint8Array;
  let helperJs: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glovebox-reader-'));
    bytes = pattern(3 * 1024 * 1024 + 4096);
    writeFileSync(join(dir, 'a.img'), bytes);
    writeFileSync(join(dir, 'b.img'), pattern(8192));
    const attach = (f: string) => {
      const r = spawnSync('losetup', ['-f', '--show', '-r', f], { encoding: 'utf8' });
      return r.status === 0 && /^\/dev\/loop\d+$/.test(r.stdout.trim()) ? r.stdout.trim() : null;
    };
    a = attach(join(dir, 'a.img'));
    b = attach(join(dir, 'b.img'));
    helperJs = join(dir, 'reader.mjs');
    chmodSync(dir, 0o755); // the unprivileged run must reach the helper script
    await build({ entryPoints: [join(repoRoot, 'core/devices/reader/helper-main.ts')], bundle: true, platform: 'node', format: 'esm', outfile: helperJs, logLevel: 'silent' });
  });

  afterAll(() => {
    for (const d of [a, b]) if (d) spawnSync('losetup', ['-d', d]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the device as it is, across the 1 MiB request cap', async (ctx) => {
    if (!a) return ctx.skip();
    const helper = inProcess(a, statSync(a).rdev);
    const src = await PrivilegedReaderSource.start(helper);
    expect(src.size).toBe(bytes.length);
    expect(Buffer.from(await src.read(0, 512)).equals(Buffer.from(bytes.subarray(0, 512)))).toBe(true);
    const big = await src.read(1000, 2 * 1024 * 1024 + 5);
    expect(Buffer.from(big).equals(Buffer.from(bytes.subarray(1000, 1000 + 2 * 1024 * 1024 + 5)))).toBe(true);
    await expect(src.read(bytes.length - 10, 11)).rejects.toThrow(/device read failed at .*range past the end/);
    // The source still works after a refused read.
    expect((await src.read(bytes.length - 10, 10)).length).toBe(10);
    await src.close();
    await helper.done;
  });

  it('refuses malformed requests (length 0, over the cap, past the end) without dying', async (ctx) => {
    if (!a) return ctx.skip();
    const helper = inProcess(a, statSync(a).rdev);
    const answers: Buffer[] = [];
    helper.stdout.on('data', (c: Buffer) => answers.push(c));
    helper.stdin.write(encodeRequest(1, 0, 0));
    helper.stdin.write(encodeRequest(2, 0, MAX_READ_BYTES + 1));
    helper.stdin.write(encodeRequest(3, Number.MAX_SAFE_INTEGER, 1));
    helper.stdin.write(encodeRequest(4, 0, 4));
    helper.stdin.end();
    await helper.done;
    const all = Buffer.concat(answers);
    let at = 18; // after the hello
    const statuses: Array<[number, number]> = [];
    while (at < all.length) {
      statuses.push([all.readUInt32LE(at), all.readUInt16LE(at + 4)]);
      at += 12 + all.readUInt32LE(at + 8);
    }
    expect(statuses).toEqual([[1, Status.badRequest], [2, Status.badRequest], [3, Status.outOfRange], [4, Status.ok]]);
  });

  it('refuses a path swapped after the prompt (another device), and a symlink', async (ctx) => {
    if (!a || !b) return ctx.skip();
    // The user picked a; by the time the helper runs, the path names b.
    const e = await PrivilegedReaderSource.start(inProcess(b, statSync(a).rdev)).catch((x: unknown) => x);
    expect((e as ReaderError).status).toBe(Status.wrongDevice);
    const link = join(dir, 'stick');
    symlinkSync(a, link);
    const l = await PrivilegedReaderSource.start(inProcess(link, statSync(a).rdev)).catch((x: unknown) => x);
    expect((l as ReaderError).status).toBe(Status.openFailed);
    expect((l as ReaderError).message).toContain('ELOOP');
  });

  it('as a child process: serves reads; unprivileged, says the open failed', async (ctx) => {
    if (!a) return ctx.skip();
    const run = (uid?: number) => {
      const child = spawn(process.execPath, [helperJs, a!, String(statSync(a!).rdev)], { stdio: ['pipe', 'pipe', 'inherit'], env: {}, ...(uid !== undefined ? { uid, gid: uid } : {}) });
      return { stdin: child.stdin, stdout: child.stdout, kill: () => child.kill(), exited: new Promise<number | null>((r) => child.on('close', r)) };
    };
    const helper = run();
    const src = await PrivilegedReaderSource.start(helper);
    expect(Buffer.from(await src.read(4096, 8192)).equals(Buffer.from(bytes.subarray(4096, 4096 + 8192)))).toBe(true);
    await src.close();
    expect(await helper.exited).toBe(0);
    const nobody = run(65534);
    const e = await PrivilegedReaderSource.start(nobody).catch((x: unknown) => x);
    expect((e as ReaderError).message).toBe('the helper could not open the device (EACCES)');
    await nobody.exited;
  });
});
