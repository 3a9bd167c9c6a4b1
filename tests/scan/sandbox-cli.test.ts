// The scan through the real sandbox process (ImageSession over a forked kernel) and through the
// CLI (`glovebox scan`, `glovebox hash`), against the same fixtures as the in-process tests.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GloveboxError } from '../../core/errors.js';
import { ImageSession } from '../../core/sandbox/host/session.js';
import { BufferSource } from '../../core/sources/file-source.js';
import { loadImage, runCli } from '../conformance/harness.js';
import { makeMutant } from '../conformance/mutate.js';
import { EXPECTED_TRAPS, pairs, scanFixture } from './helpers.js';

let dir: string;
let traps: string;
let clean: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'glovebox-scan-'));
  traps = join(dir, 'traps.img');
  clean = join(dir, 'clean.img');
  writeFileSync(traps, loadImage('scan/traps.img.gz'));
  writeFileSync(clean, loadImage('scan/clean.img.gz'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ImageSession.scan (the real sandbox process)', () => {
  it('finds the same traps as the in-process scan, with progress', async () => {
    const session = new ImageSession(new BufferSource(loadImage('scan/traps.img.gz')));
    try {
      const vol = await session.volume();
      const progress: number[] = [];
      const streamed: string[] = [];
      const report = await session.scan(vol.index, { onProgress: (p) => progress.push(p.entries), onFindings: (f) => streamed.push(...f.map((x) => x.path)) });
      expect(pairs(report.findings)).toEqual(EXPECTED_TRAPS);
      expect(report.findings).toEqual((await scanFixture('scan/traps.img.gz')).findings);
      expect(report.notes).toEqual([]);
      expect(report.entries).toBeGreaterThan(30);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)).toBe(report.entries);
      expect(streamed.length).toBe(report.findings.length);
      // Hashes of flagged files, streamed by the host.
      const setup = report.findings.find((f) => f.path === '/setup.exe')!;
      const d = await session.hash(vol.index, setup.node!, setup.size!, ['sha256', 'md5']);
      const st = await session.lookup(vol.index, '/setup.exe');
      const bytes = await session.supervisor.read(vol.index, st.node, 0, st.size);
      expect(d).toEqual({ sha256: createHash('sha256').update(bytes).digest('hex'), md5: createHash('md5').update(bytes).digest('hex') });
    } finally {
      await session.close();
    }
  });

  it('can be cancelled', async () => {
    const session = new ImageSession(new BufferSource(loadImage('scan/traps.img.gz')));
    try {
      const vol = await session.volume();
      const ac = new AbortController();
      ac.abort();
      await expect(session.scan(vol.index, { signal: ac.signal })).rejects.toMatchObject({ kind: 'Cancelled' });
      expect(new GloveboxError('Cancelled', 'x')).toBeInstanceOf(GloveboxError);
    } finally {
      await session.close();
    }
  });
});

describe('glovebox scan', () => {
  it('--json: one finding per line, sorted most severe first, exit 0', async () => {
    const r = await runCli(['scan', traps, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((f) => `${f.severity} ${f.kind} ${f.path}`).sort()).toEqual(EXPECTED_TRAPS);
    const rank = { danger: 0, warning: 1, info: 2 } as Record<string, number>;
    const ranks = lines.map((f) => rank[f.severity as string]!);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(Object.keys(lines[0]!)).toEqual(['severity', 'kind', 'path', 'title', 'evidence', 'why', 'size']);
  });

  it('--hash adds the SHA-256 of flagged files', async () => {
    const r = await runCli(['scan', traps, '--json', '--hash']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const autorun = lines.find((f) => f.path === '/autorun.inf')!;
    expect(autorun.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(lines.find((f) => f.kind === 'hidden-twin')!.sha256).toBeUndefined();
  });

  it('prints a readable, terminal-safe report', async () => {
    const r = await runCli(['scan', traps]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^DANGER {2}\/autorun\.inf\n {8}AutoRun starts setup\.exe\n {10}open=setup\.exe/m);
    // The RLO in the name is shown escaped, never sent to the terminal.
    expect(r.stdout).toContain('/photo\\u202egpj.scr');
    expect(r.stdout).not.toContain('\u202e');
    expect(r.stdout).toMatch(/^11 danger, 19 warning, 1 info in \d+ entries .* on volume 1 \(fat12 "TRAPS"\)$/m);
  });

  it('a clean stick: nothing above info, exit 0', async () => {
    const r = await runCli(['scan', clean, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { severity: string });
    expect(lines.map((l) => l.severity)).toEqual(['info', 'info']);
  });

  it('usage errors exit 2, a missing image exits 1', async () => {
    expect((await runCli(['scan'])).code).toBe(2);
    expect((await runCli(['scan', traps, 'extra'])).code).toBe(2);
    const missing = await runCli(['scan', join(dir, 'nope.img')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^glovebox: cannot open .*no such file/m);
  });
});

describe('glovebox scan --html and --hash-list', () => {
  it('--html: one self-contained page, hostile names escaped', async () => {
    const r = await runCli(['scan', traps, '--html']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(r.stdout).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(r.stdout).not.toMatch(/<script|<link|<img|src=|href=/i);
    expect(r.stdout).not.toContain('\u202e');
    expect(r.stdout).toContain('/photo\\u202egpj.scr');
    expect(r.stdout).toContain(createHash('sha256').update(loadImage('scan/traps.img.gz')).digest('hex'));
    expect(r.stdout).toContain('/tools/linux-helper'); // the file listing
    expect(r.stdout).toMatch(/<b>11<\/b> danger/);
    expect((await runCli(['scan', traps, '--html', '--json'])).code).toBe(2);
  });

  it('--hash-list flags listed digests; an NSRL file marks known files', async () => {
    const setup = (await runCli(['hash', traps, '/setup.exe', '--json'])).stdout;
    const { sha256 } = JSON.parse(setup) as { sha256: string };
    const list = join(dir, 'bad.txt');
    writeFileSync(list, `# my list\n${sha256.toUpperCase()}  setup.exe\nnot a hash\n`);
    const r = await runCli(['scan', traps, '--json', '--hash-list', list]);
    expect(r.code, r.stderr).toBe(0);
    const hits = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((f) => f.kind === 'known-hash');
    // The fixture's four PE files are the same bytes.
    expect(hits.map((h) => [h.severity, h.path]).sort()).toEqual([['danger', '/invoice.pdf.exe'], ['danger', '/photo\u202egpj.scr'], ['danger', '/scan.pdf'], ['danger', '/setup.exe']]);
    const bat = Buffer.from('@echo off\r\nstart setup.exe\r\n');
    const nsrl = join(dir, 'NSRLFile.txt');
    writeFileSync(nsrl, `"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"\r\n"${createHash('sha1').update(bat).digest('hex').toUpperCase()}","${createHash('md5').update(bat).digest('hex').toUpperCase()}","00000000","run.bat",28,1,"WIN",""\r\n`);
    const n = await runCli(['scan', traps, '--json', '--hash-list', nsrl]);
    expect(n.code, n.stderr).toBe(0);
    const known = n.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((f) => f.kind === 'known-hash');
    expect(known.map((h) => [h.severity, h.path, h.title])).toEqual([['info', '/tools/run.bat', 'Known software file (NSRL)']]);
    expect((await runCli(['scan', traps, '--hash-list', join(dir, 'missing.txt')])).code).toBe(2);
  });
});

describe('glovebox scan on damaged images', () => {
  it('a few seeded mutants through the CLI: exit 0 or 1 with a one-line error, never a crash', async () => {
    const original = loadImage('scan/traps.img.gz');
    for (let seed = 1; seed <= 4; seed++) {
      const m = makeMutant({ name: 'scan', image: 'scan/traps.img.gz', metadata: () => [[0, 128 * 1024]] }, original, seed * 7919);
      const path = join(dir, `mutant-${seed}.img`);
      writeFileSync(path, m.image);
      const r = await runCli(['scan', path, '--json']);
      expect([0, 1], `seed ${seed} (${m.kind}): ${r.stderr}`).toContain(r.code);
      if (r.code === 1) expect(r.stderr.trimEnd().split('\n').pop()).toMatch(/^glovebox: /);
      expect(r.stderr).not.toMatch(/at .*\.(mjs|ts):\d+/);
      for (const line of r.stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
  });
});

describe('glovebox hash', () => {
  it('hashes a file in the image, and the image itself', async () => {
    const r = await runCli(['hash', traps, '/tools/run.bat', '--algo', 'sha256,md5']);
    expect(r.code, r.stderr).toBe(0);
    const content = Buffer.from('@echo off\r\nstart setup.exe\r\n');
    expect(r.stdout).toBe(
      `SHA256 (/tools/run.bat) = ${createHash('sha256').update(content).digest('hex')}\nMD5 (/tools/run.bat) = ${createHash('md5').update(content).digest('hex')}\n`,
    );
    const whole = await runCli(['hash', traps, '--json']);
    expect(whole.code, whole.stderr).toBe(0);
    expect(JSON.parse(whole.stdout)).toEqual({ path: traps, size: 2048 * 1024, sha256: createHash('sha256').update(loadImage('scan/traps.img.gz')).digest('hex') });
    expect((await runCli(['hash', traps, '/tools'])).code).toBe(1);
    expect((await runCli(['hash', traps, '/tools/run.bat', '--algo', 'crc'])).code).toBe(2);
  });
});

describe('layout findings (from the volume list)', () => {
  it('a partition with a hidden type, through the real sandbox', async () => {
    const image = loadImage('partitions/mbr-ext.img.gz').slice();
    image[446 + 4] = 0x11; // the first partition's type: Hidden FAT12
    const session = new ImageSession(new BufferSource(image));
    try {
      const report = await session.scan(2);
      expect(report.findings.filter((f) => f.kind === 'hidden-partition').map((f) => [f.severity, f.title])).toEqual([['warning', 'Partition 1 is marked hidden']]);
    } finally {
      await session.close();
    }
  });

  it('an ISO 9660 + UDF bridge disc is one hybrid (info), other overlaps are a warning', async () => {
    const session = new ImageSession(new BufferSource(loadImage('iso9660/bridge.img.gz')));
    try {
      const report = await session.scan((await session.volume()).index);
      expect(report.findings.filter((f) => f.kind === 'overlapping-volumes').map((f) => f.severity)).toEqual(['info']);
    } finally {
      await session.close();
    }
    const { layoutFindings } = await import('../../core/scan/layout.js');
    const polyglot = layoutFindings([
      { index: 1, partition: null, offset: 0, size: 1000, fs: 'fat12' },
      { index: 2, partition: null, offset: 512, size: 1000, fs: 'ext2' },
      { index: 3, partition: null, offset: 5000, size: 1000, fs: 'ntfs' },
    ]);
    expect(polyglot.map((f) => [f.severity, f.kind, f.title])).toEqual([['warning', 'overlapping-volumes', 'Volumes 1 and 2 share bytes']]);
  });
});
