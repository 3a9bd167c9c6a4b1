// A write that fails mid-file (EFBIG under `ulimit -f`, standing in for a full disk) must be
// reported, remove the partial file, and throw. The writer runs in a child process, bundled
// with esbuild, because the file-size limit applies to the whole process.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeArea } from './helpers.js';
import type { Area } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

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

const child = `
import { ExtractWriter } from './writer.mjs';
const w = await ExtractWriter.open(process.argv[2], { markUntrusted: false });
await w.file(w.root(), 'small', '/small', null, (async function* () { yield new Uint8Array(100); })());
let error = null;
try {
  await w.file(w.root(), 'big', '/big', null, (async function* () {
    for (let i = 0; i < 64; i++) yield new Uint8Array(1024);
  })());
} catch (e) {
  error = e.message;
}
console.log(JSON.stringify({ error, reports: w.reports }));
`;

it.skipIf(process.platform === 'win32')('reports and throws when the host cannot write, leaving no partial file', async () => {
  const bundle = await mkdtemp(path.join(tmpdir(), 'glovebox-extract-bundle-'));
  let stdout: string;
  try {
    await build({
      entryPoints: [path.join(here, '../../core/extract/writer.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: path.join(bundle, 'writer.mjs'),
      logLevel: 'silent',
    });
    await writeFile(path.join(bundle, 'child.mjs'), child);
    // bash counts ulimit -f in 1024-byte blocks: 16 KiB is enough for "small", not for "big".
    stdout = await new Promise<string>((resolve, reject) => {
      execFile('bash', ['-c', 'ulimit -f 16 && exec node child.mjs "$0"', area.target], { cwd: bundle }, (err, out) =>
        err ? reject(err) : resolve(out),
      );
    });
  } finally {
    await rm(bundle, { recursive: true, force: true });
  }
  const result = JSON.parse(stdout) as { error: string | null; reports: { path: string; action: string; written: string | null }[] };
  expect(result.error).toMatch(/cannot write .*big.*EFBIG/);
  expect(result.reports).toMatchObject([{ path: '/big', action: 'error', written: null }]);
  expect(await readdir(area.target)).toEqual(['small']);
});
