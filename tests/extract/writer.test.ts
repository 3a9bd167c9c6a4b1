// The writer against hostile entries. Every test runs in a fresh area, and afterEach proves
// nothing outside the extraction folder was touched.
import { link, lstat, mkdir, readFile, readlink, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExtractWriter } from '../../core/extract/writer.js';
import type { ExtractOptions, ExtractReport } from '../../core/extract/writer.js';
import type { MarkedFile, MarkFailure, UntrustedMarker } from '../../core/extract/mark.js';
import { chunks, failing, makeArea, tree } from './helpers.js';
import type { Area } from './helpers.js';

let area: Area;
beforeEach(async () => {
  area = await makeArea();
});
afterEach(async () => {
  try {
    await area.check();
  } finally {
    await area.cleanup();
  }
});

/** Records marks instead of touching the OS. */
class RecordingMarker implements UntrustedMarker {
  added: string[] = [];
  flushes = 0;
  async add(file: MarkedFile): Promise<MarkFailure[]> {
    this.added.push(file.written);
    return [];
  }
  async flush(): Promise<MarkFailure[]> {
    this.flushes++;
    return [];
  }
}

const open = (options: ExtractOptions = {}): Promise<ExtractWriter> =>
  ExtractWriter.open(area.target, { markUntrusted: false, ...options });
const inTarget = (...p: string[]): string => path.join(area.target, ...p);
const text = (...p: string[]): Promise<string> => readFile(inTarget(...p), 'utf8');
const only = (reports: ExtractReport[], imagePath: string): ExtractReport => {
  const mine = reports.filter((r) => r.path === imagePath);
  expect(mine).toHaveLength(1);
  return mine[0]!;
};

describe('open', () => {
  it('creates the folder (and its parents) and works in its real path', async () => {
    await rm(path.dirname(area.target), { recursive: true });
    await mkdir(path.dirname(area.target));
    const w = await open();
    expect((await stat(area.target)).isDirectory()).toBe(true);
    expect(w.folder).toBe(area.target);
  });

  it('refuses a file as the folder', async () => {
    await writeFile(area.target, 'x');
    await expect(ExtractWriter.open(area.target)).rejects.toThrow();
    await rm(area.target);
  });
});

describe('hostile names', () => {
  it.each([
    ['../../etc/passwd', '.._.._etc_passwd'],
    ['a/b', 'a_b'],
    ['a\\b', 'a_b'],
    ['/abs', '_abs'],
    ['..', '__'],
    ['.', '_'],
    ['', '_'],
    ['CON', '_CON'],
    ['con.txt', '_con.txt'],
    ['nul', '_nul'],
    ['COM1.log', '_COM1.log'],
    ['trailing. ', 'trailing__'],
    ['x\u0000y', 'x_y'],
    ['\u202Etxt.exe', '_txt.exe'],
    ['a:b?.txt', 'a_b_.txt'],
    ['x'.repeat(300) + '.txt', 'x'.repeat(251) + '.txt'],
  ])('file %j is written as %j, inside, and reported', async (name, safe) => {
    const w = await open();
    const written = await w.file(w.root(), name, `/${name}`, null, chunks('data'));
    expect(written).toBe(safe);
    expect(await readdir(area.target)).toEqual([safe]);
    expect(await text(safe)).toBe('data');
    const r = only(w.reports, `/${name}`);
    expect(r).toMatchObject({ action: 'sanitised', written: safe });
    expect(r.reason).toMatch(/^name sanitised \(.+\)$/);
    expect(r.reason).not.toMatch(/[\u0000-\u001f\u202e]/);
  });

  it.each([
    ['..', '__'],
    ['.', '_'],
    ['../..', '..___'],
    ['', '_'],
    ['AUX', '_AUX'],
  ])('directory %j is created as %j and its children stay in it', async (name, safe) => {
    const w = await open();
    const d = await w.dir(w.root(), name, `/${name}`, null);
    expect(d?.written).toBe(safe);
    await w.file(d!, '..', `/${name}/..`, null, chunks('child'));
    await w.finish();
    expect(await tree(area.target)).toEqual([safe, `${safe}/__`]);
    expect(await text(safe, '__')).toBe('child');
  });

  it('writes names that need nothing as they are, without a report', async () => {
    const w = await open();
    const d = await w.dir(w.root(), 'Docs é', '/Docs é', null);
    await w.file(d!, 'read me.txt', '/Docs é/read me.txt', null, chunks('hi'));
    expect(await tree(area.target)).toEqual(['Docs é', 'Docs é/read me.txt']);
    expect(w.reports).toEqual([]);
  });
});

describe('duplicate names', () => {
  it('file vs file: the second is renamed, neither is overwritten', async () => {
    const w = await open({ overwrite: true });
    expect(await w.file(w.root(), 'a.txt', '/a.txt', null, chunks('one'))).toBe('a.txt');
    expect(await w.file(w.root(), 'a.txt', '/a.txt#2', null, chunks('two'))).toBe('a (1).txt');
    expect(await w.file(w.root(), 'a.txt', '/a.txt#3', null, chunks('three'))).toBe('a (2).txt');
    expect([await text('a.txt'), await text('a (1).txt'), await text('a (2).txt')]).toEqual(['one', 'two', 'three']);
    expect(only(w.reports, '/a.txt#2')).toMatchObject({ action: 'renamed', written: 'a (1).txt' });
    expect(only(w.reports, '/a.txt#2').reason).toContain('an earlier entry');
  });

  it('dir vs dir: never merged', async () => {
    const w = await open();
    const d1 = await w.dir(w.root(), 'd', '/d', null);
    const d2 = await w.dir(w.root(), 'd', '/d#2', null);
    expect(d2?.written).toBe('d (1)');
    await w.file(d1!, 'f', '/d/f', null, chunks('1'));
    await w.file(d2!, 'f', '/d#2/f', null, chunks('2'));
    expect(await tree(area.target)).toEqual(['d', 'd (1)', 'd (1)/f', 'd/f']);
    expect(await text('d (1)', 'f')).toBe('2');
  });

  it('file vs dir, either way round', async () => {
    const w = await open({ overwrite: true });
    await w.file(w.root(), 'x', '/x', null, chunks('file'));
    expect((await w.dir(w.root(), 'x', '/x#dir', null))?.written).toBe('x (1)');
    await w.dir(w.root(), 'y', '/y', null);
    expect(await w.file(w.root(), 'y', '/y#file', null, chunks('file'))).toBe('y (1)');
    expect((await lstat(inTarget('x'))).isFile()).toBe(true);
    expect((await lstat(inTarget('y'))).isDirectory()).toBe(true);
  });

  it('names that sanitise alike do not merge', async () => {
    const w = await open();
    expect(await w.file(w.root(), 'a:b', '/a:b', null, chunks('1'))).toBe('a_b');
    expect(await w.file(w.root(), 'a?b', '/a?b', null, chunks('2'))).toBe('a_b (1)');
    expect(await w.file(w.root(), 'a_b', '/a_b', null, chunks('3'))).toBe('a_b (2)');
    const r = only(w.reports, '/a?b');
    expect(r.action).toBe('renamed');
    expect(r.reason).toMatch(/sanitised.*renamed/);
  });

  it('case variants are distinct on a case-sensitive host', async () => {
    const w = await open({ platform: 'linux' });
    await w.file(w.root(), 'README', '/README', null, chunks('1'));
    expect(await w.file(w.root(), 'readme', '/readme', null, chunks('2'))).toBe('readme');
  });

  it.each(['darwin', 'win32'] as const)('case and normalisation variants are renamed on %s', async (platform) => {
    const w = await open({ platform });
    const d = await w.dir(w.root(), 'Dir', '/Dir', null);
    expect((await w.dir(w.root(), 'DIR', '/DIR', null))?.written).toBe('DIR (1)');
    await w.file(d!, 'README.md', '/Dir/README.md', null, chunks('1'));
    expect(await w.file(d!, 'readme.MD', '/Dir/readme.MD', null, chunks('2'))).toBe('Dir/readme (1).MD');
    await w.file(w.root(), 'caf\u00e9', '/cafe1', null, chunks('nfc'));
    expect(await w.file(w.root(), 'cafe\u0301', '/cafe2', null, chunks('nfd'))).toBe('cafe\u0301 (1)');
  });

  it('concurrent calls still get distinct names', async () => {
    const w = await open();
    const handles = await Promise.all([1, 2, 3].map((i) => w.dir(w.root(), 'same', `/same#${i}`, null)));
    expect(handles.map((h) => h?.written).sort()).toEqual(['same', 'same (1)', 'same (2)']);
  });
});

describe('what is already in the folder', () => {
  it('never writes through a symlink to a directory outside', async () => {
    await mkdir(area.target, { recursive: true });
    await symlink(area.outside, inTarget('evil'));
    const w = await open({ overwrite: true });
    const d = await w.dir(w.root(), 'evil', '/evil', null);
    expect(d?.written).toBe('evil (1)');
    await w.file(d!, 'secret.txt', '/evil/secret.txt', null, chunks('pwned'));
    await w.file(d!, 'new.txt', '/evil/new.txt', null, chunks('pwned'));
    expect(await readdir(area.outside)).toEqual(['secret.txt']);
    expect(await readlink(inTarget('evil'))).toBe(area.outside);
    expect(only(w.reports, '/evil').reason).toContain('an existing entry in the folder');
  });

  it.each([false, true])('never writes through a symlink to a file outside (overwrite %s)', async (overwrite) => {
    await mkdir(area.target, { recursive: true });
    await symlink(path.join(area.outside, 'secret.txt'), inTarget('evil.txt'));
    const w = await open({ overwrite });
    expect(await w.file(w.root(), 'evil.txt', '/evil.txt', null, chunks('pwned'))).toBe('evil (1).txt');
    expect(await readFile(path.join(area.outside, 'secret.txt'), 'utf8')).toBe('original');
    expect((await lstat(inTarget('evil.txt'))).isSymbolicLink()).toBe(true);
  });

  it('never creates a file through a dangling symlink', async () => {
    await mkdir(area.target, { recursive: true });
    await symlink(path.join(area.outside, 'planted.txt'), inTarget('dangle'));
    const w = await open({ overwrite: true });
    expect(await w.file(w.root(), 'dangle', '/dangle', null, chunks('pwned'))).toBe('dangle (1)');
    expect(await readdir(area.outside)).toEqual(['secret.txt']);
  });

  it('merges into a real pre-existing directory, without touching its files or time', async () => {
    await mkdir(inTarget('d'), { recursive: true });
    await writeFile(inTarget('d', 'keep.txt'), 'mine');
    const old = new Date('2001-01-01T00:00:00Z');
    await utimes(inTarget('d'), old, old);
    const w = await open();
    const d = await w.dir(w.root(), 'd', '/d', '2020-01-01T00:00:00Z');
    expect(d?.written).toBe('d');
    expect(await w.file(d!, 'keep.txt', '/d/keep.txt', null, chunks('theirs'))).toBe('d/keep (1).txt');
    await w.file(d!, 'new.txt', '/d/new.txt', null, chunks('new'));
    await utimes(inTarget('d'), old, old); // our writes bumped it; finish must not set the image's time
    await w.finish();
    expect(await text('d', 'keep.txt')).toBe('mine');
    expect(await tree(area.target)).toEqual(['d', 'd/keep (1).txt', 'd/keep.txt', 'd/new.txt']);
    expect((await stat(inTarget('d'))).mtime.getTime()).toBe(old.getTime());
  });

  it('does not merge a second entry into a pre-existing directory the first one merged into', async () => {
    await mkdir(inTarget('d'), { recursive: true });
    const w = await open();
    expect((await w.dir(w.root(), 'd', '/d', null))?.written).toBe('d');
    expect((await w.dir(w.root(), 'd', '/d#2', null))?.written).toBe('d (1)');
  });

  it('without overwrite, an existing file is kept and the entry renamed', async () => {
    await mkdir(area.target, { recursive: true });
    await writeFile(inTarget('f.txt'), 'old');
    const w = await open();
    expect(await w.file(w.root(), 'f.txt', '/f.txt', null, chunks('new'))).toBe('f (1).txt');
    expect(await text('f.txt')).toBe('old');
    expect(only(w.reports, '/f.txt')).toMatchObject({ action: 'renamed', written: 'f (1).txt' });
  });

  it('with overwrite, an existing regular file is replaced by a new one (hard links elsewhere keep their bytes)', async () => {
    await mkdir(area.target, { recursive: true });
    await writeFile(inTarget('f.txt'), 'old', { mode: 0o755 });
    await link(path.join(area.outside, 'secret.txt'), inTarget('h.txt'));
    const w = await open({ overwrite: true });
    expect(await w.file(w.root(), 'f.txt', '/f.txt', null, chunks('new'))).toBe('f.txt');
    expect(await w.file(w.root(), 'h.txt', '/h.txt', null, chunks('pwned'))).toBe('h.txt');
    expect(await text('f.txt')).toBe('new');
    expect((await stat(inTarget('f.txt'))).mode & 0o111).toBe(0);
    expect(await readFile(path.join(area.outside, 'secret.txt'), 'utf8')).toBe('original');
    expect(only(w.reports, '/f.txt')).toMatchObject({ action: 'replaced', written: 'f.txt' });
  });

  it('with overwrite, a directory is never replaced by a file, nor a file by a directory', async () => {
    await mkdir(inTarget('d'), { recursive: true });
    await writeFile(inTarget('f'), 'old');
    const w = await open({ overwrite: true });
    expect(await w.file(w.root(), 'd', '/d', null, chunks('x'))).toBe('d (1)');
    expect((await w.dir(w.root(), 'f', '/f', null))?.written).toBe('f (1)');
    expect((await lstat(inTarget('d'))).isDirectory()).toBe(true);
    expect(await text('f')).toBe('old');
  });
});

describe('symlinks', () => {
  it('creates relative links that stay inside', async () => {
    const w = await open();
    const sub = await w.dir(w.root(), 'sub', '/sub', null);
    await w.file(sub!, 'f', '/sub/f', null, chunks('x'));
    expect(await w.symlink(w.root(), 'down', '/down', 'sub/f', null)).toBe('down');
    expect(await w.symlink(sub!, 'up', '/sub/up', '../sub/f', null)).toBe('sub/up');
    expect(await w.symlink(sub!, 'dangling', '/sub/dangling', 'missing', null)).toBe('sub/dangling');
    expect(await readlink(inTarget('down'))).toBe('sub/f');
    expect(await readlink(inTarget('sub', 'up'))).toBe('../sub/f');
    expect(await text('down')).toBe('x');
    expect((await w.finish()).symlinks).toBe(3);
    expect(w.reports).toEqual([]);
  });

  it.each([
    ['../outside/secret.txt', 'outside'],
    ['../../../outside/secret.txt', 'outside'],
    ['/etc/passwd', 'absolute'],
    ['..\\..\\secret.txt', 'backslash'],
    ['', 'empty'],
    ['sub/../../x', '".." after a name'],
  ])('writes the link to %j as a text file', async (target, why) => {
    const w = await open();
    expect(await w.symlink(w.root(), 'l', '/l', target, null)).toBe('l.symlink.txt');
    expect((await lstat(inTarget('l.symlink.txt'))).isFile()).toBe(true);
    expect(await text('l.symlink.txt')).toBe(target);
    const r = only(w.reports, '/l');
    expect(r).toMatchObject({ action: 'symlink-as-file', written: 'l.symlink.txt' });
    expect(r.reason).toContain(why);
    const s = await w.finish();
    expect([s.files, s.symlinks]).toEqual([1, 0]);
  });

  it('refuses the link chain that escapes although each link looks inside lexically', async () => {
    const w = await open();
    const a = await w.dir(w.root(), 'a', '/a', null);
    const b = await w.dir(a!, 'b', '/a/b', null);
    expect(await w.symlink(b!, 'l1', '/a/b/l1', '../..', null)).toBe('a/b/l1'); // the root: fine
    // Lexically a/b/l1/../.. is "a"; the kernel resolves l1 first and lands two levels above the root.
    expect(await w.symlink(w.root(), 'l2', '/l2', 'a/b/l1/../../outside', null)).toBe('l2.symlink.txt');
  });

  it('on Windows, links are always text files', async () => {
    const w = await open({ platform: 'win32' });
    expect(await w.symlink(w.root(), 'l', '/l', 'inside', null)).toBe('l.symlink.txt');
    expect(only(w.reports, '/l').reason).toContain('Windows');
  });

  it('later entries never go through a link this run created', async () => {
    const w = await open({ overwrite: true });
    const sub = await w.dir(w.root(), 'sub', '/sub', null);
    await w.file(sub!, 'f', '/sub/f', null, chunks('original'));
    await w.symlink(w.root(), 'lf', '/lf', 'sub/f', null);
    await w.symlink(w.root(), 'ld', '/ld', 'sub', null);
    expect(await w.file(w.root(), 'lf', '/lf#file', null, chunks('pwned'))).toBe('lf (1)');
    const d = await w.dir(w.root(), 'ld', '/ld#dir', null);
    expect(d?.written).toBe('ld (1)');
    await w.file(d!, 'f', '/ld#dir/f', null, chunks('pwned'));
    expect(await text('sub', 'f')).toBe('original');
    expect(await readdir(inTarget('sub'))).toEqual(['f']);
  });

  it('renames a link whose name is taken, and sanitises its name', async () => {
    await mkdir(area.target, { recursive: true });
    await writeFile(inTarget('l'), 'existing');
    const w = await open();
    expect(await w.symlink(w.root(), 'l', '/l', 'x', null)).toBe('l (1)');
    expect(await w.symlink(w.root(), '..', '/..', 'x', null)).toBe('__');
    expect(only(w.reports, '/l').action).toBe('renamed');
    expect(only(w.reports, '/..').action).toBe('sanitised');
  });
});

describe('permissions', () => {
  it('files never get execute bits, directories are searchable', async () => {
    const umask = process.umask();
    const w = await open();
    const d = await w.dir(w.root(), 'bin', '/bin', null);
    await w.file(d!, 'run.sh', '/bin/run.sh', null, chunks('#!/bin/sh\necho pwned\n'));
    await w.file(d!, 'elf', '/bin/elf', null, chunks('\x7fELF'));
    await w.symlink(d!, 'lnk', '/bin/lnk', '/bin/sh', null);
    for (const f of ['run.sh', 'elf', 'lnk.symlink.txt']) {
      const mode = (await stat(inTarget('bin', f))).mode & 0o777;
      expect(mode & 0o111).toBe(0);
      expect(mode).toBe(0o644 & ~umask);
    }
    expect((await stat(inTarget('bin'))).mode & 0o777).toBe(0o755 & ~umask);
  });
});

describe('timestamps', () => {
  const savedTz = process.env.TZ;
  beforeEach(() => {
    process.env.TZ = 'Asia/Tokyo'; // UTC+9, no DST: local and UTC readings differ by 9 h
  });
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('reads zone-less times as local time and Z times as UTC', async () => {
    expect(new Date(2023, 3, 5).getTimezoneOffset()).toBe(-540);
    const w = await open();
    await w.file(w.root(), 'local', '/local', '2023-04-05T06:07:08', chunks('x'));
    await w.file(w.root(), 'utc', '/utc', '2023-04-05T06:07:08Z', chunks('x'));
    expect((await stat(inTarget('local'))).mtimeMs).toBe(Date.UTC(2023, 3, 4, 21, 7, 8));
    expect((await stat(inTarget('utc'))).mtimeMs).toBe(Date.UTC(2023, 3, 5, 6, 7, 8));
  });

  it('leaves the current time for null or invalid times', async () => {
    const start = Date.now() - 2000;
    const w = await open();
    await w.file(w.root(), 'none', '/none', null, chunks('x'));
    await w.file(w.root(), 'bad', '/bad', '2023-02-30T00:00:00Z', chunks('x'));
    for (const f of ['none', 'bad']) expect((await stat(inTarget(f))).mtimeMs).toBeGreaterThan(start);
  });

  it('sets directory times in finish(), after their content, and link times without following', async () => {
    const w = await open();
    const outer = await w.dir(w.root(), 'outer', '/outer', '2001-02-03T04:05:06Z');
    const inner = await w.dir(outer!, 'inner', '/outer/inner', '2002-02-03T04:05:06Z');
    await w.file(inner!, 'f', '/outer/inner/f', '2003-02-03T04:05:06Z', chunks('x'));
    await w.symlink(outer!, 'l', '/outer/l', 'inner/f', '2004-02-03T04:05:06Z');
    await w.file(outer!, 'g', '/outer/g', null, chunks('late'));
    await w.finish();
    expect((await stat(inTarget('outer'))).mtimeMs).toBe(Date.UTC(2001, 1, 3, 4, 5, 6));
    expect((await stat(inTarget('outer', 'inner'))).mtimeMs).toBe(Date.UTC(2002, 1, 3, 4, 5, 6));
    expect((await stat(inTarget('outer', 'inner', 'f'))).mtimeMs).toBe(Date.UTC(2003, 1, 3, 4, 5, 6));
    expect((await lstat(inTarget('outer', 'l'))).mtimeMs).toBe(Date.UTC(2004, 1, 3, 4, 5, 6));
  });
});

describe('data', () => {
  it('writes every chunk in order and counts the bytes', async () => {
    const w = await open();
    const parts = Array.from({ length: 100 }, (_, i) => `${i},`);
    await w.file(w.root(), 'big', '/big', null, chunks(...parts));
    await w.file(w.root(), 'empty', '/empty', null, chunks());
    expect(await text('big')).toBe(parts.join(''));
    expect(await text('empty')).toBe('');
    const s = await w.finish();
    expect([s.files, s.bytes]).toEqual([2, parts.join('').length]);
  });

  it('removes a partial file when the image fails mid-file, reports it, and goes on', async () => {
    const w = await open();
    expect(await w.file(w.root(), 'broken.bin', '/broken.bin', null, failing('half'))).toBeNull();
    expect(await readdir(area.target)).toEqual([]);
    expect(only(w.reports, '/broken.bin')).toMatchObject({ action: 'error', written: null });
    expect(only(w.reports, '/broken.bin').reason).toContain('cluster chain ends early');
    // The name is free again, and later entries are written.
    expect(await w.file(w.root(), 'broken.bin', '/broken.bin#2', null, chunks('ok'))).toBe('broken.bin');
    expect((await w.finish()).files).toBe(1);
  });

  it('treats a source that yields something other than bytes as broken', async () => {
    const w = await open();
    const bad = (async function* () {
      yield 'not bytes' as unknown as Uint8Array;
    })();
    expect(await w.file(w.root(), 'f', '/f', null, bad)).toBeNull();
    expect(await readdir(area.target)).toEqual([]);
  });

  it('throws a clear error after reporting when the host cannot write', async () => {
    const w = await open();
    const d = await w.dir(w.root(), 'gone', '/gone', null);
    await rm(inTarget('gone'), { recursive: true });
    await expect(w.file(d!, 'f', '/gone/f', null, chunks('x'))).rejects.toThrow(/cannot create .*gone\/f.*ENOENT/);
    expect(only(w.reports, '/gone/f')).toMatchObject({ action: 'error', written: null });
  });
});

describe('cancel', () => {
  it('stops at the next entry with an AbortError', async () => {
    const ac = new AbortController();
    const w = await open({ signal: ac.signal });
    await w.file(w.root(), 'before', '/before', null, chunks('x'));
    ac.abort();
    for (const call of [
      () => w.file(w.root(), 'after', '/after', null, chunks('x')),
      () => w.dir(w.root(), 'd', '/d', null),
      () => w.symlink(w.root(), 'l', '/l', 'x', null),
    ]) {
      await expect(call()).rejects.toMatchObject({ name: 'AbortError' });
    }
    expect(await readdir(area.target)).toEqual(['before']);
  });

  it('stops inside a long file, removes the part, and still marks what was written', async () => {
    const ac = new AbortController();
    const marker = new RecordingMarker();
    const w = await open({ signal: ac.signal, markUntrusted: true, marker });
    await w.file(w.root(), 'done', '/done', null, chunks('x'));
    const slow = (async function* () {
      yield new Uint8Array(10);
      ac.abort();
      yield new Uint8Array(10);
      throw new Error('must not be read this far');
    })();
    await expect(w.file(w.root(), 'long', '/long', null, slow)).rejects.toMatchObject({ name: 'AbortError' });
    expect(await readdir(area.target)).toEqual(['done']);
    expect(marker.added).toEqual(['done']);
    expect(marker.flushes).toBeGreaterThan(0);
  });
});

describe('untrusted-source marks', () => {
  it('marks every written file, including link stand-ins, and flushes in finish()', async () => {
    const marker = new RecordingMarker();
    const w = await open({ markUntrusted: true, marker });
    const d = await w.dir(w.root(), 'd', '/d', null);
    await w.file(d!, 'a.exe', '/d/a.exe', null, chunks('x'));
    await w.symlink(d!, 'l', '/d/l', '/etc', null);
    await w.symlink(d!, 'ok', '/d/ok', 'a.exe', null);
    await w.file(d!, 'bad', '/d/bad', null, failing());
    expect(marker.flushes).toBe(0);
    await w.finish();
    expect(marker.added).toEqual(['d/a.exe', 'd/l.symlink.txt']);
    expect(marker.flushes).toBe(1);
  });

  it('reports a failed mark without failing the extraction', async () => {
    const marker: UntrustedMarker = {
      add: async (file) => [{ file, message: 'cannot write Zone.Identifier: EINVAL' }],
      flush: async () => [],
    };
    const w = await open({ markUntrusted: true, marker, platform: 'win32' });
    expect(await w.file(w.root(), 'a', '/a', null, chunks('x'))).toBe('a');
    const s = await w.finish();
    expect(s.reports).toEqual([{ path: '/a', written: 'a', action: 'mark-failed', reason: 'cannot write Zone.Identifier: EINVAL' }]);
  });

  it('does nothing with markUntrusted: false', async () => {
    const marker = new RecordingMarker();
    const w = await open({ markUntrusted: false, marker });
    await w.file(w.root(), 'a', '/a', null, chunks('x'));
    await w.finish();
    expect(marker.added).toEqual([]);
  });
});

describe('the host refusing a name', () => {
  it('skips an entry whose path is too long for the host, and goes on', async () => {
    const w = await open();
    let d = w.root();
    let depth = 0;
    for (;;) {
      const next = await w.dir(d, 'd'.repeat(250), `/deep${depth}`, null);
      if (next === null) break;
      d = next;
      depth++;
      expect(depth).toBeLessThan(100);
    }
    expect(w.reports).toHaveLength(1);
    expect(w.reports[0]).toMatchObject({ path: `/deep${depth}`, written: null, action: 'skipped' });
    expect(w.reports[0]!.reason).toContain('ENAMETOOLONG');
    expect(await w.file(w.root(), 'after', '/after', null, chunks('x'))).toBe('after');
  });
});

describe('the test area itself', () => {
  it('notices a write outside the extraction folder', async () => {
    await writeFile(path.join(area.outer, 'a', 'stray'), 'x');
    await expect(area.check()).rejects.toThrow();
    await rm(path.join(area.outer, 'a', 'stray'));
  });
});

describe('handles', () => {
  it('accepts only handles it returned', async () => {
    const w = await open();
    const other = await open();
    const d = await other.dir(other.root(), 'd', '/d', null);
    await expect(w.file(d!, 'f', '/d/f', null, chunks('x'))).rejects.toThrow(/unknown directory handle/);
    await expect(w.file({ written: '../..' }, 'f', '/f', null, chunks('x'))).rejects.toThrow(/unknown directory handle/);
  });

  it('refuses entries after finish()', async () => {
    const w = await open();
    await w.finish();
    await expect(w.dir(w.root(), 'd', '/d', null)).rejects.toThrow(/finished/);
    expect(await readdir(area.target)).toEqual([]);
  });
});
