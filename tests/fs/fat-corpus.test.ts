// The FAT driver against other projects' images (../shared/corpus, read only, never copied):
// rust-fatfs's fat12/fat16 images with their known tree, and dosfstools's test dumps, many of
// them damaged on purpose. Each must end in a listing or a GloveboxError. Skips without the corpus.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemoryDevice, type BlockDevice } from '../../core/block/device.js';
import { GloveboxError } from '../../core/errors.js';
import { fatDriver } from '../../core/fs/fat/index.js';
import { SparseDevice, walk } from './fat-helpers.js';

const corpus = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const present = existsSync(corpus);
if (!present) console.warn(`FAT corpus tests skipped: ${corpus} not found`);

async function listOrTypedError(device: BlockDevice): Promise<{ fs: string; label: string | null; paths: string[]; errors: string[] } | GloveboxError> {
  try {
    const volume = await fatDriver.open(device);
    const { items, errors } = await walk(volume, { tolerant: true });
    return { fs: volume.fs, label: volume.label, paths: items.map((i) => `${i.path} ${i.type} ${i.size}`), errors: errors.map((e) => e.kind) };
  } catch (e) {
    if (e instanceof GloveboxError) return e;
    throw e;
  }
}

describe.skipIf(!present)('public corpus', () => {
  it.each(['fat12', 'fat16'])('rust-fatfs %s.img lists its known tree', async (name) => {
    const image = new Uint8Array(readFileSync(`${corpus}extras/rust-fatfs/resources/${name}.img`));
    const device = new MemoryDevice(image);
    expect(await fatDriver.probe(device)).toBe(true);
    const result = await listOrTypedError(device);
    expect(result).toEqual({
      fs: name,
      label: 'Test!',
      paths: [
        '/long.txt file 14000',
        '/short.txt file 14',
        '/very dir 0',
        '/very/long dir 0',
        '/very/long/path dir 0',
        '/very/long/path/test.txt file 14',
        '/very-long-dir-name dir 0',
        '/very-long-dir-name/very-long-file-name.txt file 14',
      ],
      errors: [],
    });
  });

  const dumps = present ? readdirSync(`${corpus}dosfstools/tests`).filter((f) => /\.(xxd|fsck)$/.test(f)).sort() : [];
  it.each(dumps)('dosfstools %s ends in a listing or a typed error', async (file) => {
    const device = new SparseDevice(readFileSync(`${corpus}dosfstools/tests/${file}`, 'utf8'));
    const probed = await fatDriver.probe(device);
    const result = await listOrTypedError(device);
    // Every dump here is FAT (some damaged); all of them open.
    expect(probed).toBe(true);
    expect(result).not.toBeInstanceOf(GloveboxError);
    if (file === 'check-circular_chain.fsck') expect(result).toMatchObject({ errors: ['Corrupt'] });
    if (file === 'check-huge.fsck') expect(result).toMatchObject({ errors: ['Io'] });
    if (file.startsWith('reference')) expect(result).toMatchObject({ fs: file.slice(9, 14).toLowerCase(), errors: [] });
  });
});
