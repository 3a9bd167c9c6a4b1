import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkRead, MemoryDevice, type BlockDevice } from '../core/block/device.js';
import { corrupt, GloveboxError, ioError } from '../core/errors.js';
import type { FsDriver } from '../core/fs/types.js';
import { probeImage, type ProbeResult } from '../core/probe.js';
import {
  CORPUS_MBR_EXPECTED,
  FIXTURE_NAMES,
  PatchedDevice,
  corpusAvailable,
  fakeFatDriver,
  loadCorpusMbr,
  loadExpected,
  loadFixture,
  prng,
  stubVolume,
  writeMbrSector,
  type FakeDriverLog,
  type FixtureName,
} from './partitions/helpers.js';

/** The fields a fixture's expected JSON describes. */
function layoutOf(result: ProbeResult) {
  return result.volumes.map((v) => ({
    partition: v.partition,
    offset: v.offset,
    size: v.size,
    ...(v.partitionType !== undefined ? { partitionType: v.partitionType } : {}),
    ...(v.partitionTypeName !== undefined ? { partitionTypeName: v.partitionTypeName } : {}),
    ...(v.partitionName !== undefined ? { partitionName: v.partitionName } : {}),
    fs: v.fs,
    label: v.label,
  }));
}

describe('probeImage on the fixtures', () => {
  for (const name of FIXTURE_NAMES) {
    it(`${name}: volumes, types, names and FAT labels as util-linux sees them`, async () => {
      const bytes = loadFixture(name);
      const expected = loadExpected(name);
      const result = await probeImage(new MemoryDevice(bytes), [fakeFatDriver()]);
      expect(result.container).toBe('raw');
      expect(result.size).toBe(expected.size);
      expect(result.partitioning).toBe(expected.partitioning);
      expect(layoutOf(result)).toEqual(expected.volumes);
      result.volumes.forEach((v, i) => {
        expect(v.index).toBe(i + 1);
        expect(v.driver).toBe(v.fs === null ? null : 'fakefat');
        expect(v.volume === null).toBe(v.fs === null);
        expect(v.error).toBeUndefined();
      });
    });
  }

  it("each volume's device is the partition's bytes, with its offset in the source", async () => {
    const bytes = loadFixture('mbr-ext');
    const result = await probeImage(new MemoryDevice(bytes), []);
    for (const v of result.volumes) {
      expect(v.device.size).toBe(v.size);
      expect(v.device.sourceOffset).toBe(v.offset);
      expect(await v.device.read(v.size - 512, 512)).toEqual(bytes.slice(v.offset + v.size - 512, v.offset + v.size));
    }
  });

  it.skipIf(!corpusAvailable)('corpus mbr.raw__99021ea: two ext2 volumes, no FAT', async () => {
    const result = await probeImage(new MemoryDevice(loadCorpusMbr()), [fakeFatDriver()]);
    expect(result.partitioning).toBe('mbr');
    expect(result.volumes.map((v) => [v.index, v.partition, v.offset, v.size, v.partitionType, v.fs])).toEqual(
      CORPUS_MBR_EXPECTED.partitions.map((p, i) => [i + 1, p.number, p.offset, p.size, p.type, null]),
    );
  });
});

// The real drivers, once core/fs/fat exists: the labels must be those blkid read.
const fatDriverPresent = existsSync(new URL('../core/fs/fat/index.ts', import.meta.url));
describe.skipIf(!fatDriverPresent)('probeImage with the registered drivers', () => {
  for (const name of ['mbr-ext', 'gpt', 'superfloppy', 'superfloppy-mbr'] as const) {
    it(`${name}: FAT labels`, async () => {
      const { drivers } = await import('../core/fs/registry.js');
      const result = await probeImage(new MemoryDevice(loadFixture(name)), drivers);
      expect(result.volumes.map((v) => v.label)).toEqual(loadExpected(name).volumes.map((v) => v.label));
    });
  }
});

describe('drivers, pins and errors', () => {
  it('pinned volumes are opened only with their driver and never probed', async () => {
    const log: FakeDriverLog = { probes: 0, opens: 0 };
    const pinned = new Map<number, string | null>([[1, null], [2, 'fakefat'], [3, 'gone']]);
    const result = await probeImage(new MemoryDevice(loadFixture('mbr-ext')), [fakeFatDriver(log)], pinned);
    const v = result.volumes;
    expect([v[0]!.fs, v[0]!.driver, v[0]!.error]).toEqual([null, null, undefined]);
    expect([v[1]!.fs, v[1]!.driver, v[1]!.label]).toEqual(['fat16', 'fakefat', 'PRIMARY2']);
    expect([v[2]!.fs, v[2]!.driver, v[2]!.error]).toEqual([null, 'gone', 'driver "gone" is not available']);
    expect([v[3]!.fs, v[3]!.driver]).toEqual([null, null]); // not pinned: probed, not FAT
    expect(log).toEqual({ probes: 1, opens: 1 });
  });

  it('an open() that throws gives fs = the driver, no volume, the error; the other volumes are fine', async () => {
    const failing: FsDriver = {
      name: 'picky',
      probe: async (d) => d.size === 1024 * 512,
      open: async () => {
        throw corrupt('FAT', { where: 'cluster 7', expected: 'a chain', found: 'a loop' });
      },
    };
    const buggy: FsDriver = {
      name: 'buggy',
      probe: async (d) => d.size === 5120 * 512,
      open: async () => {
        throw new TypeError('x is undefined');
      },
    };
    const result = await probeImage(new MemoryDevice(loadFixture('mbr-ext')), [failing, buggy, fakeFatDriver()]);
    const [p1, p2, p5] = result.volumes;
    expect(p1).toMatchObject({ fs: 'picky', driver: 'picky', volume: null, label: null, error: 'FAT: at cluster 7: expected a chain: found a loop' });
    expect(p2).toMatchObject({ fs: 'buggy', driver: 'buggy', volume: null, error: 'x is undefined' });
    expect(p5).toMatchObject({ fs: 'fat12', driver: 'fakefat', label: 'LOGICAL5' });
  });

  it('a probe() that throws is noted and the next driver asked', async () => {
    const throwing: FsDriver = {
      name: 'throws',
      probe: async () => {
        throw new RangeError('offset is outside the bounds of the DataView');
      },
      open: async () => stubVolume('never', null),
    };
    const result = await probeImage(new MemoryDevice(loadFixture('superfloppy')), [throwing, fakeFatDriver()]);
    expect(result.volumes[0]).toMatchObject({ fs: 'fat12', driver: 'fakefat', label: 'FLOPPY' });
    expect(result.volumes[0]!.error).toBeUndefined();
    const alone = await probeImage(new MemoryDevice(loadFixture('superfloppy')), [throwing]);
    expect(alone.volumes[0]).toMatchObject({ fs: null, driver: null, error: 'throws probe failed: out of range: offset is outside the bounds of the DataView' });
  });

  it("a driver reading past its volume's end is that volume's error, not the probe's", async () => {
    const greedy: FsDriver = {
      name: 'greedy',
      probe: async (d) => (await d.read(d.size - 512, 1024)).length > 0,
      open: async () => stubVolume('x', null),
    };
    const result = await probeImage(new MemoryDevice(loadFixture('gpt')), [greedy]);
    expect(result.volumes).toHaveLength(4);
    for (const v of result.volumes) expect(v.error).toMatch(/^greedy probe failed: read past the end of the device/);
  });

  it('errors of the source device itself propagate', async () => {
    const bytes = loadFixture('mbr-ext');
    class Failing implements BlockDevice {
      readonly size = bytes.length;
      constructor(private readonly badFrom: number) {}
      async read(offset: number, length: number): Promise<Uint8Array> {
        checkRead(this.size, offset, length);
        if (offset + length > this.badFrom) throw ioError(`unreadable sector at ${this.badFrom}`);
        return bytes.slice(offset, offset + length);
      }
    }
    // While reading the table, and while a driver reads a volume (partition 5's boot sector).
    await expect(probeImage(new Failing(0), [fakeFatDriver()])).rejects.toMatchObject({ kind: 'Io', message: 'unreadable sector at 0' });
    await expect(probeImage(new Failing(6336 * 512), [fakeFatDriver()])).rejects.toMatchObject({ kind: 'Io' });
  });

  it('an empty or tiny device is one volume, not probed', async () => {
    const log: FakeDriverLog = { probes: 0, opens: 0 };
    for (const size of [0, 1, 511]) {
      const result = await probeImage(new MemoryDevice(new Uint8Array(size)), [fakeFatDriver(log)]);
      expect(result.partitioning).toBe('none');
      expect(result.warnings).toEqual([]);
      expect(result.volumes).toMatchObject([{ index: 1, partition: null, offset: 0, size, fs: null, driver: null, volume: null }]);
    }
    expect(log.probes).toBe(0);
  });

  it('a partitioned disk with no entries has no volumes', async () => {
    const bytes = new Uint8Array(64 * 512);
    writeMbrSector(bytes, 0, []);
    const result = await probeImage(new MemoryDevice(bytes), [fakeFatDriver()]);
    expect(result).toMatchObject({ partitioning: 'mbr', volumes: [], warnings: [] });
  });

  it('a superfloppy is one volume with no partition number', async () => {
    const result = await probeImage(new MemoryDevice(loadFixture('superfloppy-mbr')), [fakeFatDriver()]);
    expect(result.volumes).toMatchObject([{ index: 1, partition: null, offset: 0, fs: 'fat12', label: 'FAKEMBR' }]);
    expect(result.volumes[0]!.partitionType).toBeUndefined();
  });
});

describe('robustness: seeded mutations of every fixture', () => {
  const KiB = 1024;
  const RUNS_PER_IMAGE = 40;
  const MAX_MS_PER_PROBE = 500;

  const images: [string, () => Uint8Array][] = FIXTURE_NAMES.map((n: FixtureName) => [n, () => loadFixture(n)]);
  if (corpusAvailable) images.push(['corpus mbr.raw', loadCorpusMbr]);

  /**
   * Bit flips in the first and last 64 KiB, where the tables live, half of them in the first and
   * last KiB (MBR, GPT headers) so that the few bytes that matter most are hit often; and
   * sometimes a truncation.
   */
  function mutate(bytes: Uint8Array, next: () => number): PatchedDevice {
    const flips = new Map<number, number>();
    const span = (n: number): number => Math.min(n, bytes.length);
    const count = 1 + Math.floor(next() * 12);
    for (let i = 0; i < count; i++) {
      const width = span(next() < 0.5 ? KiB : 64 * KiB);
      const fromEnd = next() < 0.5;
      const delta = Math.floor(next() * width);
      const at = fromEnd ? bytes.length - 1 - delta : delta;
      flips.set(at, (flips.get(at) ?? 0) ^ (1 << Math.floor(next() * 8)));
    }
    let size = bytes.length;
    const r = next();
    if (r < 0.15) size = Math.floor(next() * 1024); // next to nothing
    else if (r < 0.35) size = Math.floor(next() * bytes.length); // anywhere
    else if (r < 0.45) size = Math.floor((next() * bytes.length) / 512) * 512; // on a sector boundary
    return new PatchedDevice(bytes, flips, size);
  }

  for (const [name, load] of images) {
    it(`${name}: ${RUNS_PER_IMAGE} mutants end in a result or a GloveboxError, quickly`, async () => {
      const bytes = load();
      const next = prng(0x9e3779b9 ^ name.length ^ bytes.length);
      const outcomes = new Set<string>();
      for (let run = 0; run < RUNS_PER_IMAGE; run++) {
        const device = mutate(bytes, next);
        const started = performance.now();
        let result: ProbeResult | undefined;
        try {
          result = await probeImage(device, [fakeFatDriver()]);
        } catch (e) {
          expect(e, `${name} run ${run}`).toBeInstanceOf(GloveboxError);
          outcomes.add(`threw ${(e as GloveboxError).kind}`);
        }
        expect(performance.now() - started, `${name} run ${run}`).toBeLessThan(MAX_MS_PER_PROBE);
        if (result === undefined) continue;
        const fs = result.volumes.map((v) => v.fs ?? '-').join(',');
        outcomes.add(`${result.partitioning} [${fs}] ${result.warnings.length > 0 ? 'warned' : 'clean'}`);
        result.volumes.forEach((v, i) => {
          expect(v.index).toBe(i + 1);
          expect(v.offset >= 0 && v.size >= 0 && v.offset + v.size <= device.size, `${name} run ${run} volume ${v.index}`).toBe(true);
        });
        expect(result.warnings.length).toBeLessThanOrEqual(65);
      }
      // The mutations must reach the tables: more than one kind of outcome per image.
      expect(outcomes.size, [...outcomes].join(', ')).toBeGreaterThan(1);
    });
  }
});
