// The CLI contract that users' scripts rely on: output formats, exit codes, one-line errors.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImage, runCli } from '../conformance/harness.js';

let dir: string;
let fat16: string;
let mbr: string;
let hostile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'glovebox-cli-'));
  fat16 = join(dir, 'fat16.img');
  mbr = join(dir, 'mbr.img');
  hostile = join(dir, 'hostile.img');
  writeFileSync(fat16, loadImage('fat/fat16.img.gz'));
  writeFileSync(mbr, loadImage('partitions/mbr-ext.img.gz'));
  writeFileSync(hostile, loadImage('fat/hostile.img.gz'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lastLine = (s: string) => s.trimEnd().split('\n').pop() ?? '';

describe('glovebox info', () => {
  it('prints the documented JSON', async () => {
    const r = await runCli(['info', mbr, '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(info)).toEqual(['size', 'virtualSize', 'container', 'partitioning', 'volumes', 'isolation']);
    expect(info.isolation).toEqual(expect.arrayContaining(['process', 'permission-model', 'no-files', 'no-processes']));
    if (process.platform === 'linux' && process.env.CI) expect(info.isolation).toEqual(expect.arrayContaining(['seccomp', 'no-network']));
    expect(info).toMatchObject({ size: 8388608, container: 'raw', partitioning: 'mbr' });
    const vols = info.volumes as Array<Record<string, unknown>>;
    expect(vols.map((v) => [v.index, v.partition, v.fs, v.label])).toEqual([
      [1, 1, 'fat12', 'PRIMARY1'],
      [2, 2, 'fat16', 'PRIMARY2'],
      [3, 5, 'fat12', 'LOGICAL5'],
      [4, 6, null, null],
    ]);
    expect(Object.keys(vols[0]!)).toEqual(['index', 'partition', 'offset', 'size', 'fs', 'label']);
  });

  it('prints a readable table', async () => {
    const r = await runCli(['info', fat16]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no partition table/);
    expect(r.stdout).toMatch(/fat16\s+GLOVE FAT16/);
    expect(r.stdout).toMatch(/^  isolation: process, .*permission-model/m);
  });

  it.runIf(process.platform === 'linux' && process.env.CI)('parses with --require-isolation when the OS confinement is in force', async () => {
    const r = await runCli(['info', fat16, '--require-isolation']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('glovebox ls', () => {
  it('lists one directory, or one file, with --volume', async () => {
    const r = await runCli(['ls', mbr, '/', '--volume', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { path: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.path.split('/').length === 2)).toBe(true);
    const one = await runCli(['ls', fat16, '/hello.txt', '--json']);
    expect(JSON.parse(one.stdout)).toEqual({ path: '/hello.txt', type: 'file', size: 25, mtime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/) });
  });

  it('matches FAT names case-insensitively', async () => {
    const r = await runCli(['ls', fat16, '/HELLO.TXT', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).path).toBe('/HELLO.TXT');
  });

  it('escapes names that cannot be path components, visibly, and marks them', async () => {
    const r = await runCli(['ls', hostile, '--json']);
    const entries = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { path: string; escaped?: boolean });
    const byPath = new Map(entries.map((e) => [e.path, e]));
    for (const p of ['/a%2Fb.txt', '/nul%00hidden.txt', '/%2E', '/%2E%2E', '/lone%uD800surrogate.txt']) {
      expect(byPath.get(p)?.escaped, p).toBe(true);
    }
    expect(byPath.get('/back\\slash.txt')?.escaped).toBeUndefined();
    for (const e of entries) {
      const name = e.path.slice(1);
      expect(name).not.toMatch(/[/\0]/);
      expect(['.', '..']).not.toContain(name);
    }
  });

  it('keeps control characters off the terminal in human output', async () => {
    const r = await runCli(['ls', hostile]);
    expect(r.stdout).not.toMatch(/\u001b/);
    expect(r.stdout).toMatch(/\\x1b\[31m/);
  });

  it('lists a hostile image recursively, reports the damage and exits 1', async () => {
    const r = await runCli(['ls', hostile, '-r', '--json'], 20_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/contains itself/);
    expect(lastLine(r.stderr)).toMatch(/^glovebox: \d+ director(y|ies) could not be listed/);
    expect(r.stdout).toContain('"/loops/self"');
  });
});

describe('metadata files and alternate streams', () => {
  it('are hidden from ls unless --all, and marked in JSON when shown', async () => {
    const ntfs = join(dir, 'ntfs.img');
    writeFileSync(ntfs, loadImage('ntfs/ntfs.img.gz'));
    const parse = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { path: string; stream?: boolean; system?: boolean });
    const plain = parse((await runCli(['ls', ntfs, '--json'])).stdout);
    expect(plain.some((e) => e.path === '/$MFT' || e.path.includes(':'))).toBe(false);
    const all = parse((await runCli(['ls', ntfs, '-r', '--all', '--json'])).stdout);
    expect(all.find((e) => e.path === '/$MFT')).toMatchObject({ system: true });
    const streams = all.filter((e) => e.stream === true && !e.path.startsWith('/$'));
    expect(streams.length).toBeGreaterThan(0);
    expect(streams.every((e) => /^[^:]+:[^/]+$/.test(e.path.split('/').pop()!))).toBe(true);
    const one = streams[0]!;
    const cat = await runCli(['cat', ntfs, one.path]);
    expect(cat.code, cat.stderr).toBe(0);
  });
});

describe('glovebox cat', () => {
  it('writes the bytes', async () => {
    const r = await runCli(['cat', fat16, '/hello.txt']);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(25);
  });

  it('fails with one line for a corrupt file, keeping the bytes that were good', async () => {
    const r = await runCli(['cat', hostile, '/cycle.bin']);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^glovebox: .*(loop|cycle)/i);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('glovebox extract', () => {
  it('sanitises hostile names, writes nothing outside the target, reports and exits 1 for unreadable files', async () => {
    const out = join(dir, 'hostile-out');
    const r = await runCli(['extract', hostile, '-o', out], 20_000);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^glovebox: \d+ entries could not be extracted/);
    expect(r.stderr).toMatch(/sanitised/);
    const names = readdirSync(out);
    expect(names).not.toContain('..');
    expect(names.some((n) => n.includes('/') || n.includes('\0'))).toBe(false);
    expect(names).toContain('_CON');
    expect(existsSync(join(dir, 'b.txt'))).toBe(false);
    for (const n of names) {
      const st = statSync(join(out, n));
      if (st.isFile()) expect(st.mode & 0o111).toBe(0);
    }
  });

  it('extracts one file and one directory like cp -r', async () => {
    const out = join(dir, 'some-out');
    const r = await runCli(['extract', fat16, '/hello.txt', '/deep', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['deep', 'hello.txt']);
    expect(readFileSync(join(out, 'hello.txt')).length).toBe(25);
    // A second run never overwrites: it adds a suffix.
    const again = await runCli(['extract', fat16, '/hello.txt', '-o', out]);
    expect(again.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['deep', 'hello (1).txt', 'hello.txt']);
  });
});

describe('errors and usage', () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    ['missing image', ['ls', '/nonexistent.img'], 1, /^glovebox: cannot open \/nonexistent.img: no such file$/],
    ['a directory', ['info', '/tmp'], 1, /^glovebox: cannot open \/tmp: /],
    ['missing path', ['cat', 'FAT16', '/nope.txt'], 1, /^glovebox: not found: \/nope.txt$/],
    ['cat of a directory', ['cat', 'FAT16', '/docs'], 1, /^glovebox: \/docs is a directory$/],
    ['bad volume', ['ls', 'FAT16', '--volume', '9'], 1, /^glovebox: no volume 9/],
    ['volume without a file system', ['ls', 'MBR', '--volume', '4'], 1, /^glovebox: volume 4 has no recognised file system$/],
    ['not an image', ['ls', 'NOTIMAGE'], 1, /^glovebox: no recognised file system in this image$/],
    ['unknown command', ['frobnicate'], 2, /Try 'glovebox --help'/],
    ['bad option', ['ls', 'FAT16', '--bogus'], 2, /Try 'glovebox --help'/],
    ['bad volume number', ['ls', 'FAT16', '--volume', 'x'], 2, /Try 'glovebox --help'/],
    ['extract without -o', ['extract', 'FAT16'], 2, /Try 'glovebox --help'/],
  ];
  for (const [what, args, code, message] of cases) {
    it(`${what} → exit ${code}`, async () => {
      const notImage = join(dir, 'random.bin');
      writeFileSync(notImage, Buffer.alloc(100_000, 0x5a));
      const real = args.map((a) => (a === 'FAT16' ? fat16 : a === 'MBR' ? mbr : a === 'NOTIMAGE' ? notImage : a));
      const r = await runCli(real);
      expect(r.code, r.stderr).toBe(code);
      expect(lastLine(r.stderr)).toMatch(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  }

  it('prints help and version', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/^Usage: glovebox/);
    expect((await runCli(['--version'])).stdout).toMatch(/^glovebox \d+\.\d+\.\d+/);
  });
});
