// Robustness: seeded mutants of the traps fixture (bit flips, zeroed and random blocks,
// truncation, over the file system and the trap files' bytes) scanned to the end: each ends in
// findings and notes or a typed error, quickly, and every page passes the host's checks.
import { describe, expect, it } from 'vitest';
import { GloveboxError } from '../../core/errors.js';
import { inProcessService, loadImage, type ConformanceRow } from '../conformance/harness.js';
import { makeMutant } from '../conformance/mutate.js';
import { scanAll } from './helpers.js';

const MUTANTS = Number(process.env.GLOVEBOX_SCAN_MUTANTS ?? 150);
const DEADLINE_MS = 5_000;

/** The runs of 4 KiB blocks that hold anything but zeros. */
function usedRuns(img: Uint8Array): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (let at = 0; at < img.length; at += 4096) {
    if (!img.subarray(at, at + 4096).some((b) => b !== 0)) continue;
    const last = runs.at(-1);
    if (last && last[1] === at) last[1] = at + 4096;
    else runs.push([at, at + 4096]);
  }
  return runs;
}

const rows: ConformanceRow[] = [
  {
    name: 'scan traps (FAT12)',
    image: 'scan/traps.img.gz',
    // Everything the tools wrote lies in the first 128 KiB: boot sector, FATs, directories, files.
    metadata: () => [[0, 128 * 1024]],
  },
  // NTFS: the MFT sits in the middle and the files' data around it: every run of sectors in use.
  { name: 'scan traps (NTFS)', image: 'scan/traps-ntfs.img.gz', metadata: usedRuns },
];

/** Mutants whose findings differ from the original's: proof that the damage reaches the traps. */
let changed = 0;
let baseline: string | null = null;

async function survive(image: Uint8Array): Promise<string | null> {
  const work = (async () => {
    const service = inProcessService(image);
    let info;
    try {
      info = await service.probe(image.length, []);
    } catch (e) {
      return e instanceof GloveboxError ? null : `probe threw ${String(e)}`;
    }
    for (const v of info.volumes) {
      if (v.fs === null || v.error) continue;
      try {
        const r = await scanAll(service, v.index, 10_000);
        const summary = JSON.stringify(r.findings.map((f) => [f.kind, f.path, f.evidence]));
        if (baseline === null) baseline = summary;
        else if (summary !== baseline) changed++;
      } catch (e) {
        if (!(e instanceof GloveboxError)) return `scan threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`;
      }
    }
    return null;
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<string>((r) => (timer = setTimeout(() => r(`did not finish within ${DEADLINE_MS} ms`), DEADLINE_MS)));
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe.each(rows)('scan mutants: $name', (row) => {
  it(`${MUTANTS} seeded mutants end in findings or a typed error`, async () => {
    changed = 0;
    baseline = null;
    const original = loadImage(row.image);
    expect(await survive(original)).toBeNull();
    const failures: string[] = [];
    for (let seed = 1; seed <= MUTANTS; seed++) {
      const m = makeMutant(row, original, seed);
      const problem = await survive(m.image);
      if (problem) failures.push(`seed ${seed} (${m.kind}): ${problem}`);
    }
    expect(failures).toEqual([]);
    // Enough of the damage lands in the trap files (not only in unused or fatal places) to matter.
    expect(changed).toBeGreaterThan(MUTANTS / 20);
  }, 120_000);
});
