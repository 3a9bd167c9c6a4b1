// Each fixture's table, read by us, against what util-linux read from it (the .expected.json
// files written by tests/fixtures/make-partitions.sh), and the public corpus MBR image.
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { readPartitionTable } from '../../core/partitions/index.js';
import {
  CORPUS_MBR,
  CORPUS_MBR_EXPECTED,
  FIXTURE_NAMES,
  corpusAvailable,
  loadCorpusMbr,
  loadExpected,
  loadFixture,
} from './helpers.js';

describe('fixture layouts match sfdisk/fdisk/blkid', () => {
  for (const name of FIXTURE_NAMES) {
    it(name, async () => {
      const bytes = loadFixture(name);
      const expected = loadExpected(name);
      expect(bytes.length).toBe(expected.size);
      const table = await readPartitionTable(new MemoryDevice(bytes));
      expect(table.scheme).toBe(expected.partitioning);
      expect(table.sectorSize).toBe(expected.sectorSize);
      const got = table.partitions.map((p) => ({
        partition: p.number,
        offset: p.offset,
        size: p.size,
        partitionType: p.type,
        partitionTypeName: p.typeName ?? undefined,
        ...(p.name !== undefined ? { partitionName: p.name } : {}),
      }));
      // A table-less device has no partitions; its one volume is probeImage's business.
      const want = expected.volumes
        .filter((v) => v.partition !== null)
        .map(({ fs: _fs, label: _label, ...layout }) => layout);
      expect(got).toEqual(want);
      expect(table.partitions.every((p) => !p.clipped)).toBe(true);
    });
  }

  it('intact fixtures read without warnings', async () => {
    for (const name of ['mbr-ext', 'gpt', 'gpt-4k', 'superfloppy', 'superfloppy-mbr'] as const) {
      const table = await readPartitionTable(new MemoryDevice(loadFixture(name)));
      expect(table.warnings, name).toEqual([]);
    }
  });

  it('GPT partitions carry their UniquePartitionGUID in text form', async () => {
    const table = await readPartitionTable(new MemoryDevice(loadFixture('gpt')));
    expect(table.partitions.map((p) => p.guid)).toEqual([
      '11111111-2222-4333-8444-555555555501',
      '11111111-2222-4333-8444-555555555502',
      '11111111-2222-4333-8444-555555555503',
      '11111111-2222-4333-8444-555555555505',
    ]);
  });

  it('the MBR bootable flag is BootIndicator 0x80', async () => {
    const table = await readPartitionTable(new MemoryDevice(loadFixture('mbr-ext')));
    expect(table.partitions.map((p) => p.bootable)).toEqual([true, false, false, false]);
  });
});

describe.skipIf(!corpusAvailable)(`corpus: ${CORPUS_MBR}`, () => {
  it('mbr.raw__99021ea: primary 1 and logical 5 of extended 2, as sfdisk reads it', async () => {
    const bytes = loadCorpusMbr();
    expect(bytes.length).toBe(CORPUS_MBR_EXPECTED.size);
    const table = await readPartitionTable(new MemoryDevice(bytes));
    expect(table.scheme).toBe('mbr');
    expect(table.warnings).toEqual([]);
    expect(table.partitions.map(({ number, offset, size, type }) => ({ number, offset, size, type }))).toEqual(
      CORPUS_MBR_EXPECTED.partitions,
    );
  });
});

if (!corpusAvailable) {
  it.skip(`corpus tests skipped: ${CORPUS_MBR} not found (the public corpus lives beside the repository)`, () => {});
}
