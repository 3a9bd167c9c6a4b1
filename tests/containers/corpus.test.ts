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

  for (const [file, container] of [
    ['test_data/ext2.vhd', 'vhd'],
    ['test_data/ext2.qcow2', 'qcow2'],
    // QCOW2 v2 whose clusters are zlib-compressed; NTFS in compressed v3 and v2 images.
    ['test_data_history/image.qcow2', 'qcow2'],
    ['test_data/windows_volume.qcow2', 'qcow2'],
    ['test_data_history/vsstest.qcow2', 'qcow2'],
    // monolithicSparse VMDK (image.vmdk: 200 sectors, the last grain cut short).
    ['test_data/ext2.vmdk', 'vmdk'],
    ['test_data_history/image.vmdk', 'vmdk'],
  ] as const) {
    it.skipIf(!have || !existsSync(`${CORPUS}/${file}`))(`${file}: ${container} with an ext volume`, async () => {
      const r = await probeImage(load(file), drivers);
      expect(r.container).toBe(container);
      expect(r.warnings).toEqual([]);
      expect(r.volumes.some((v) => v.fs !== null && v.error === undefined)).toBe(true);
    });
  }

  // LVM physical volumes (no driver for them): the container opens and reads to its last byte.
  for (const file of ['test_data_history/lvm.qcow2', 'test_data_history/lvmtest.qcow2']) {
    it.skipIf(!have || !existsSync(`${CORPUS}/${file}`))(`${file}: opens, every cluster reads`, async () => {
      const { container, device } = await openContainer(load(file));
      expect(container).toBe('qcow2');
      for (let off = 0; off < device.size; off += 4 * 1024 * 1024) await device.read(off, Math.min(4 * 1024 * 1024, device.size - off));
      const r = await probeImage(load(file), drivers);
      expect(r.warnings).toEqual([]);
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
