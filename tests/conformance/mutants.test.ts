// Robustness: seeded mutants of every fixture must end in a listing or a typed error, quickly,
// in-process and through the CLI — never a crash, a hang, another exception or exit status.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryDevice, type BlockDevice } from '../../core/block/device.js';
import { GloveboxError } from '../../core/errors.js';
import { FaultyDevice } from '../support/faulty-device.js';
import { inProcessService, loadImage, runCli, walkVolume } from './harness.js';
import { makeMutant } from './mutate.js';
import { rows } from './rows.js';

const IN_PROCESS_MUTANTS = Number(process.env.GLOVEBOX_MUTANTS ?? 60);
const CLI_MUTANTS = Number(process.env.GLOVEBOX_CLI_MUTANTS ?? 3);
const MUTANT_DEADLINE_MS = 5_000;

const scratch = mkdtempSync(join(tmpdir(), 'glovebox-mutants-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Probes and lists every volume; returns what went wrong, or null when all is as it must be. */
async function survive(image: Uint8Array, device?: BlockDevice): Promise<string | null> {
  const service = inProcessService(image, device);
  const work = (async () => {
    let info;
    try {
      info = await service.probe(device?.size ?? image.length, []);
    } catch (e) {
      return e instanceof GloveboxError ? null : `probe threw ${String(e)}`;
    }
    for (const v of info.volumes) {
      if (v.fs === null || v.error) continue;
      try {
        const walk = await walkVolume(service, v.index, { readData: true, tolerant: true, maxEntries: 200_000 });
        // Loops and shared directories are damage the walker must survive, not listing bugs.
        const bad = walk.violations.filter((x) => !x.includes('contains itself') && !x.includes('is the directory at'));
        if (bad.length > 0) return bad.join('; ');
      } catch (e) {
        if (!(e instanceof GloveboxError)) return `walk threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`;
      }
    }
    return null;
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<string>((r) => (timer = setTimeout(() => r(`did not finish within ${MUTANT_DEADLINE_MS} ms`), MUTANT_DEADLINE_MS)));
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

for (const row of rows) {
  describe(`mutants: ${row.name}`, () => {
    it(`${IN_PROCESS_MUTANTS} seeded mutants end in a listing or a typed error (in-process)`, async () => {
      const original = loadImage(row.image);
      const failures: string[] = [];
      for (let seed = 1; seed <= IN_PROCESS_MUTANTS; seed++) {
        const m = makeMutant(row, original, seed);
        const problem = await survive(m.image);
        if (problem) failures.push(`seed ${seed} (${m.kind}): ${problem}`);
      }
      expect(failures).toEqual([]);
    }, 120_000);

    it('I/O faults (errors, short reads, flipped bits) become typed errors', async () => {
      const original = loadImage(row.image);
      const failures: string[] = [];
      for (let seed = 1; seed <= 20; seed++) {
        const device = new FaultyDevice(new MemoryDevice(original), seed, { errorRate: 0.02, shortRate: 0.02, flipRate: 0.05 });
        const problem = await survive(original, device);
        if (problem) failures.push(`seed ${seed}: ${problem}`);
      }
      expect(failures).toEqual([]);
    }, 120_000);

    it(`${CLI_MUTANTS} mutants through the CLI: ls -r and extract exit 0 or 1 with a one-line error`, async () => {
      const original = loadImage(row.image);
      for (let seed = 1000; seed < 1000 + CLI_MUTANTS; seed++) {
        const m = makeMutant(row, original, seed);
        const path = join(scratch, `${row.name}-${seed}.img`);
        writeFileSync(path, m.image);
        for (const args of [['ls', path, '-r', '--json'], ['extract', path, '-o', join(scratch, `${row.name}-${seed}-out`)]]) {
          const r = await runCli(args, 20_000);
          const what = `${args[0]} seed ${seed} (${m.kind})`;
          expect(r.timedOut, what).toBe(false);
          expect(r.signal, what).toBeNull();
          expect([0, 1], `${what}: ${r.stderr}`).toContain(r.code);
          expect(r.stderr, what).not.toMatch(/^\s+at /m);
          if (r.code === 1) expect(r.stderr.trimEnd().split('\n').pop(), what).toMatch(/^glovebox: /);
        }
      }
    }, 120_000);
  });
}
