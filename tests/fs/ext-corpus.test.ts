// The ext driver against e2fsprogs's test images (../shared/corpus/e2fsprogs/tests/<test>/
// image.gz; read only, never copied), most of them damaged on purpose. Each must end in a listing
// or a GloveboxError within a deadline. image.bz2 ones are skipped (no pure bzip2 decoder here).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { GloveboxError } from '../../core/errors.js';
import { extDriver } from '../../core/fs/ext/index.js';
import type { NodeId, Volume } from '../../core/fs/types.js';

const corpus = fileURLToPath(new URL('../../../shared/corpus/e2fsprogs/tests/', import.meta.url));
const present = existsSync(corpus);
if (!present) console.warn(`ext corpus test skipped: ${corpus} not found`);

const DEADLINE_MS = 5_000;
const MAX_ENTRIES = 20_000;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** Walks and reads a volume, collecting typed errors; anything else is thrown. */
async function walk(volume: Volume): Promise<{ entries: number; errors: number }> {
  let entries = 0;
  let errors = 0;
  const guard = async <T>(f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (e) {
      if (!(e instanceof GloveboxError)) throw e;
      errors++;
      return undefined;
    }
  };
  const seen = new Set<NodeId>([volume.root()]);
  const visit = async (dir: NodeId): Promise<void> => {
    for (const e of (await guard(() => volume.readdir(dir))) ?? []) {
      if (++entries > MAX_ENTRIES) return;
      if (e.type === 'file') {
        await guard(() => volume.read(e.node, 0, Math.min(e.size, MAX_FILE_BYTES)));
        await guard(() => volume.extents!(e.node));
      }
      if (e.type === 'symlink') await guard(() => volume.readlink(e.node));
      if (e.type === 'dir' && !seen.has(e.node)) {
        seen.add(e.node);
        await visit(e.node);
      }
    }
  };
  await visit(volume.root());
  return { entries, errors };
}

type Outcome = 'listed' | 'error' | 'skipped';

async function outcome(dir: string): Promise<Outcome> {
  const gz = `${corpus}${dir}/image.gz`;
  if (!existsSync(gz)) return 'skipped';
  const device = new MemoryDevice(new Uint8Array(gunzipSync(readFileSync(gz))));
  const work = (async (): Promise<Outcome> => {
    await extDriver.probe(device);
    try {
      const volume = await extDriver.open(device);
      await walk(volume);
      volume.notes!();
      return 'listed';
    } catch (e) {
      if (e instanceof GloveboxError) return 'error';
      throw e;
    }
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${dir}: no answer within ${DEADLINE_MS} ms`)), DEADLINE_MS)));
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!present)('e2fsprogs test images', () => {
  it('every image ends in a listing or a typed error within the deadline', async () => {
    const dirs = readdirSync(corpus).sort();
    const counts: Record<Outcome, number> = { listed: 0, error: 0, skipped: 0 };
    const failures: string[] = [];
    for (const dir of dirs) {
      try {
        counts[await outcome(dir)]++;
      } catch (e) {
        failures.push(`${dir}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
    }
    console.log(`e2fsprogs corpus: ${counts.listed} listed, ${counts.error} clean errors, ${counts.skipped} skipped (no image.gz)`);
    expect(failures).toEqual([]);
    expect(counts.listed).toBeGreaterThan(100);
  }, 300_000);
});
