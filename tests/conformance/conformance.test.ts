// One test body for every driver: each row's image is listed in-process, through the real
// sandbox process and through the CLI, and must reproduce the tree that went into it.
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageSession } from '../../core/sandbox/host/session.js';
import { BufferSource } from '../../core/sources/file-source.js';
import {
  comparable,
  inProcessService,
  loadExpected,
  loadImage,
  runCli,
  walkVolume,
  type ConformanceRow,
  type ListedItem,
} from './harness.js';
import { rows } from './rows.js';

const scratch = mkdtempSync(join(tmpdir(), 'glovebox-conformance-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function imageFile(row: ConformanceRow): string {
  const path = join(scratch, `${row.name}.img`);
  writeFileSync(path, loadImage(row.image));
  return path;
}

async function volumeOf(row: ConformanceRow, service: { probe(size: number, pinned: Array<[number, string | null]>): Promise<{ volumes: Array<{ index: number; fs: string | null; label: string | null; error?: string }> }> }, size: number) {
  const info = await service.probe(size, []);
  const vol = row.volume !== undefined ? info.volumes.find((v) => v.index === row.volume) : info.volumes.find((v) => v.fs !== null && !v.error);
  expect(vol, 'volume with a file system').toBeDefined();
  if (row.fs !== undefined) expect(vol!.fs).toBe(row.fs);
  if (row.label !== undefined) expect(vol!.label).toBe(row.label);
  return vol!.index;
}

for (const row of rows) {
  const expected = row.expected ? comparable(loadExpected(row.expected), row, true) : null;
  const expectedNoData = expected?.map(({ sha256: _s, ...rest }) => rest as ListedItem) ?? null;

  describe(`conformance: ${row.name}`, () => {
    it('in-process: reproduces the tree, bytes and extents', async () => {
      const image = loadImage(row.image);
      const service = inProcessService(image);
      const volume = await volumeOf(row, service, image.length);
      const walk = await walkVolume(service, volume, { readData: true, source: image });
      expect(walk.violations).toEqual([]);
      expect(walk.errors.map((e) => e.message)).toEqual([]);
      if (expected) expect(comparable(walk.items, row, true)).toEqual(expected);
    });

    it('through the sandbox process: same tree and bytes', async () => {
      const image = loadImage(row.image);
      const session = new ImageSession(new BufferSource(image));
      try {
        const info = await session.info();
        const volume = row.volume ?? info.volumes.find((v) => v.fs !== null && !v.error)!.index;
        expect(session.supervisor.confinement?.nodePermission).toBe(true);
        const walk = await walkVolume(session.supervisor, volume, { readData: true, source: image });
        expect(walk.violations).toEqual([]);
        if (expected) expect(comparable(walk.items, row, true)).toEqual(expected);
      } finally {
        await session.close();
      }
    });

    it('through the CLI: ls -r --json and extract', async () => {
      const path = imageFile(row);
      const vol = row.volume !== undefined ? ['--volume', String(row.volume)] : [];
      const ls = await runCli(['ls', path, '-r', '--json', ...vol]);
      expect(ls.stderr).toBe('');
      expect(ls.code).toBe(0);
      const listed = ls.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as ListedItem);
      if (expectedNoData) expect(comparable(listed, row, false)).toEqual(expectedNoData);

      const out = join(scratch, `${row.name}-out`);
      const ex = await runCli(['extract', path, '-o', out, ...vol]);
      expect(ex.code, ex.stderr).toBe(0);
      if (expected) {
        // Every file's bytes and time, read back from the disk.
        const files = expected.filter((e) => e.type === 'file');
        for (const f of files) {
          const onDisk = join(out, ...f.path.split('/').filter(Boolean));
          const st = statSync(onDisk);
          expect(st.mode & 0o777, f.path).toBe(0o644);
          expect(createHash('sha256').update(readFileSync(onDisk)).digest('hex'), f.path).toBe(f.sha256);
          // ECMAScript reads a date-time without a zone as local time, as the extractor must.
          if (f.mtime !== null) expect(Math.round(st.mtimeMs / 1000), f.path).toBe(Math.round(new Date(f.mtime).getTime() / 1000));
        }
        expect(countFiles(out)).toBe(files.length);
        // Links come out as links when they stay inside the target, else as a .symlink.txt note.
        for (const l of expected.filter((e) => e.type === 'symlink')) {
          const onDisk = join(out, ...l.path.split('/').filter(Boolean));
          const asLink = lstatSync(onDisk, { throwIfNoEntry: false });
          if (asLink?.isSymbolicLink()) expect(readlinkSync(onDisk), l.path).toBe(l.target);
          else expect(readFileSync(`${onDisk}.symlink.txt`, 'utf8'), l.path).toBe(l.target);
        }
      }
    });
  });
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countFiles(join(dir, e.name));
    else if (e.isFile() && !e.name.endsWith('.symlink.txt')) n++;
  }
  return n;
}
