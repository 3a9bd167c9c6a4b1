// Compressed images end to end: the CLI's sandbox expands them into a private temporary file
// (under $TMPDIR, gone afterwards), a second sandbox lists them, and damage or a decompression
// bomb ends in a one-line error, never a crash, a hang or a file left behind.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, runCli } from '../conformance/harness.js';
import { Rng } from '../support/rng.js';

let dir: string;
let tmp: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'glovebox-expand-'));
  // The CLI's temporary folder for expanded images (os.tmpdir() follows $TMPDIR).
  tmp = mkdtempSync(join(dir, 'tmp-'));
  env = { ...process.env, TMPDIR: tmp };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const leftovers = () => readdirSync(tmp);
const lastLine = (s: string) => s.trimEnd().split('\n').pop() ?? '';

const COMPRESSED = [
  ['disk.img.xz', 'xz'],
  ['disk.img.gz', 'gz'],
  ['disk.img.zst', 'zst'],
  ['disk.img.bz2', 'bz2'],
  ['disk.zip', 'zip'],
] as const;

describe('compressed images through the CLI', () => {
  let rawInfo: Record<string, unknown>;
  let rawListing: string;
  beforeAll(async () => {
    const raw = join(dir, 'disk.img');
    writeFileSync(raw, gunzipSync(readFileSync(fixturePath('containers/disk.img.gz'))));
    const r = await runCli(['info', raw, '--json'], 30_000, env);
    rawInfo = JSON.parse(r.stdout) as Record<string, unknown>;
    rawListing = (await runCli(['ls', raw, '-r', '--json', '--volume', '1'], 30_000, env)).stdout;
    expect(rawListing.split('\n').length).toBeGreaterThan(100);
  });

  for (const [file, format] of COMPRESSED) {
    it(`${file}: info names ${format}, the volumes are the raw disk's, and ls -r lists the same tree`, async () => {
      const info = await runCli(['info', fixturePath(`containers/${file}`), '--json'], 30_000, env);
      expect(info.code, info.stderr).toBe(0);
      const got = JSON.parse(info.stdout) as Record<string, unknown>;
      expect(got.container).toBe(format);
      expect(got.virtualSize).toBe(rawInfo.size);
      expect(got.volumes).toEqual(rawInfo.volumes);
      const ls = await runCli(['ls', fixturePath(`containers/${file}`), '-r', '--json', '--volume', '1'], 30_000, env);
      expect(ls.code, ls.stderr).toBe(0);
      expect(ls.stdout).toBe(rawListing);
      expect(leftovers()).toEqual([]);
    });
  }

  it('a stored zip is read in place (no expansion) and cat reads a file from its ext4 volume', async () => {
    const zip = join(dir, 'stored.zip');
    writeFileSync(zip, gunzipSync(readFileSync(fixturePath('containers/disk-stored.zip.gz'))));
    const r = await runCli(['cat', zip, '/sixty.bin', '--volume', '2'], 30_000, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBe(60);
  });

  it('a gzipped VHD is named as such: gz holding vhd', async () => {
    const r = await runCli(['info', fixturePath('containers/disk-dynamic.vhd.gz'), '--json'], 30_000, env);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(got).toMatchObject({ container: 'gz', inner: 'vhd', partitioning: 'mbr', virtualSize: rawInfo.size });
    const human = await runCli(['info', fixturePath('containers/disk-dynamic.vhd.gz')], 30_000, env);
    expect(human.stdout).toContain('gz image holding vhd, MBR partition table');
  });

  it('a gzip that expands 1000x past --expand-limit stops with a one-line error and leaves nothing', async () => {
    const bomb = join(dir, 'bomb.img.gz');
    writeFileSync(bomb, gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 }));
    expect(readFileSync(bomb).length).toBeLessThan((256 * 1024 * 1024) / 1000);
    const r = await runCli(['ls', bomb, '--expand-limit', '32M'], 60_000, env);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe('glovebox: the gz image expands past the 32 MiB limit; nothing more was decompressed');
    expect(leftovers()).toEqual([]);
    const usage = await runCli(['ls', bomb, '--expand-limit', 'lots'], 30_000, env);
    expect(usage.code).toBe(2);
  });

  it('a refused container says why in info --json', async () => {
    const overlay = join(dir, 'overlay.qcow2');
    writeFileSync(overlay, gunzipSync(readFileSync(fixturePath('containers/overlay.qcow2.gz'))));
    const r = await runCli(['info', overlay, '--json'], 30_000, env);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(got.container).toBe('qcow2');
    expect(got.volumes).toEqual([]);
    expect(String(got.refused)).toContain('"disk-v3.qcow2" is not opened');
  });

  for (const [file, format] of COMPRESSED) {
    it(`${file}: truncated and damaged copies end in exit 1 with one line, never a crash`, async () => {
      const bytes = readFileSync(fixturePath(`containers/${file}`));
      const rng = new Rng(0x5eed ^ file.length);
      const variants: Array<[string, Buffer]> = [['truncated', bytes.subarray(0, Math.floor(bytes.length / 2))]];
      for (let i = 0; i < 2; i++) {
        const b = Buffer.from(bytes);
        for (let k = 0; k < 16; k++) b[rng.int(b.length)]! ^= 1 << rng.int(8);
        variants.push([`flipped-${i}`, b]);
      }
      for (const [name, b] of variants) {
        const path = join(dir, `${name}-${file}`);
        writeFileSync(path, b);
        const r = await runCli(['ls', path, '-r', '--volume', '1'], 60_000, env);
        expect(r.timedOut, `${format} ${name}`).toBe(false);
        expect([0, 1], `${format} ${name}: ${r.stderr}`).toContain(r.code);
        if (r.code === 1) expect(lastLine(r.stderr), `${format} ${name}`).toMatch(/^glovebox: /);
        expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      }
      expect(leftovers()).toEqual([]);
    });
  }
});
