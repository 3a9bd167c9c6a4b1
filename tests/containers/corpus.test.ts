import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { openContainer } from '../../core/containers/index.js';
import type { GloveboxError } from '../../core/errors.js';
import { drivers } from '../../core/fs/registry.js';
import { probeImage } from '../../core/probe.js';

// Container images from the shared corpus (absent: skipped, and said so).
const CORPUS = '/work/shared/corpus/dfvfs';
describe('containers: the dfvfs corpus', () => {
  const have = existsSync(`${CORPUS}/test_data/ext2.vhd`);
  if (!have) console.warn(`containers: ${CORPUS} is absent; corpus tests skipped`);
  const load = (p: string) => new MemoryDevice(new Uint8Array(readFileSync(`${CORPUS}/${p}`)));

  it.skipIf(!have || !existsSync(`${CORPUS}/test_data_history/image.qcow2`))('test_data_history/image.qcow2: v2 with compressed clusters, flagged not thrown', async () => {
    const r = await probeImage(load('test_data_history/image.qcow2'), drivers);
    expect(r.container).toBe('qcow2');
    const said = [...r.warnings, ...r.volumes.map((v) => v.error ?? '')].join(' ');
    expect(said).toContain('compressed QCOW2 clusters');
  });

  for (const [file, container] of [
    ['test_data/ext2.vhd', 'vhd'],
    ['test_data/ext2.qcow2', 'qcow2'],
  ] as const) {
    it.skipIf(!have || !existsSync(`${CORPUS}/${file}`))(`${file}: ${container} with an ext volume`, async () => {
      const r = await probeImage(load(file), drivers);
      expect(r.container).toBe(container);
      expect(r.warnings).toEqual([]);
      expect(r.volumes.some((v) => v.fs !== null && v.error === undefined)).toBe(true);
    });
  }

  for (const file of ['test_data/image-differential.vhd', 'test_data/fat-differential.vhd']) {
    it.skipIf(!have || !existsSync(`${CORPUS}/${file}`))(`${file}: refused, not a crash`, async () => {
      const e = await openContainer(load(file)).catch((x: unknown) => x);
      // image-differential.vhd's footer checksums (both copies) do not match: Corrupt.
      expect(['Unsupported', 'Corrupt']).toContain((e as GloveboxError).kind);
      const r = await probeImage(load(file), drivers);
      expect(r.container).toBe('vhd');
      expect(r.volumes).toEqual([]);
      expect(r.warnings.length).toBe(1);
    });
  }
});
