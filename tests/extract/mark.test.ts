import { describe, expect, it } from 'vitest';
import {
  markerFor,
  NoMarker,
  QuarantineMarker,
  XATTR_MAX_FILES,
  XATTR_PATH,
  ZONE_IDENTIFIER,
  ZoneIdentifierMarker,
} from '../../core/extract/mark.js';
import type { MarkedFile, MarkerRuntime } from '../../core/extract/mark.js';

/** Records what a marker would do to the OS. */
function fakeRuntime(fail = false): MarkerRuntime & { writes: [string, string][]; execs: [string, string[]][] } {
  const writes: [string, string][] = [];
  const execs: [string, string[]][] = [];
  return {
    writes,
    execs,
    async writeFile(path, data) {
      if (fail) throw new Error('EINVAL: no streams on FAT');
      writes.push([path, data]);
    },
    async execFile(file, args) {
      if (fail) throw new Error('xattr exited with 1');
      execs.push([file, args]);
    },
    now: () => 0x65000000 * 1000 + 999,
  };
}

const file = (i: number, dir = '/x/out'): MarkedFile => ({ abs: `${dir}/f${i}`, written: `f${i}`, imagePath: `/f${i}` });

describe('markerFor', () => {
  it('chooses the mark per platform', () => {
    expect(markerFor('win32', fakeRuntime())).toBeInstanceOf(ZoneIdentifierMarker);
    expect(markerFor('darwin', fakeRuntime())).toBeInstanceOf(QuarantineMarker);
    expect(markerFor('linux', fakeRuntime())).toBeInstanceOf(NoMarker);
    expect(markerFor('freebsd', fakeRuntime())).toBeInstanceOf(NoMarker);
  });
});

describe('ZoneIdentifierMarker (Windows)', () => {
  it('writes the Zone.Identifier stream with ZoneId=3 at once', async () => {
    const rt = fakeRuntime();
    const m = new ZoneIdentifierMarker(rt);
    expect(await m.add({ abs: 'C:\\out\\a.exe', written: 'a.exe', imagePath: '/a.exe' })).toEqual([]);
    expect(rt.writes).toEqual([['C:\\out\\a.exe:Zone.Identifier', '[ZoneTransfer]\r\nZoneId=3\r\n']]);
    expect(ZONE_IDENTIFIER).toBe('[ZoneTransfer]\r\nZoneId=3\r\n');
    expect(await m.flush()).toEqual([]);
  });

  it('returns a failure instead of throwing', async () => {
    const m = new ZoneIdentifierMarker(fakeRuntime(true));
    const failures = await m.add(file(1));
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toMatch(/Zone\.Identifier.*no streams/);
  });
});

describe('QuarantineMarker (macOS)', () => {
  it('sets com.apple.quarantine on every file with one xattr call per batch', async () => {
    const rt = fakeRuntime();
    const m = new QuarantineMarker(rt);
    const n = XATTR_MAX_FILES * 2 + 50;
    for (let i = 0; i < n; i++) expect(await m.add(file(i))).toEqual([]);
    expect(await m.flush()).toEqual([]);
    expect(rt.execs.map(([, args]) => args.length - 3)).toEqual([XATTR_MAX_FILES, XATTR_MAX_FILES, 50]);
    for (const [cmd, args] of rt.execs) {
      expect(cmd).toBe(XATTR_PATH);
      expect(args.slice(0, 3)).toEqual(['-w', 'com.apple.quarantine', '0081;65000000;Glovebox;']);
    }
    expect(rt.execs.flatMap(([, args]) => args.slice(3))).toEqual(Array.from({ length: n }, (_, i) => `/x/out/f${i}`));
    expect(await m.flush()).toEqual([]);
    expect(rt.execs).toHaveLength(3);
  });

  it('keeps each call well below ARG_MAX', async () => {
    const rt = fakeRuntime();
    const m = new QuarantineMarker(rt);
    const dir = '/' + 'd'.repeat(2000);
    for (let i = 0; i < 150; i++) await m.add(file(i, dir));
    await m.flush();
    expect(rt.execs.length).toBeGreaterThan(1);
    for (const [, args] of rt.execs) expect(args.join(' ').length).toBeLessThan(140 * 1024);
  });

  it('reports every file of a failed batch, and never passes a relative path', async () => {
    const m = new QuarantineMarker(fakeRuntime(true));
    await m.add(file(1));
    await m.add(file(2));
    const failures = await m.flush();
    expect(failures.map((f) => f.file.written)).toEqual(['f1', 'f2']);
    expect(failures[0]!.message).toMatch(/com\.apple\.quarantine/);
    expect(await m.add({ abs: '-rf', written: '-rf', imagePath: '/-rf' })).toHaveLength(1);
  });
});
