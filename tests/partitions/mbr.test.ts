import { describe, expect, it } from 'vitest';
import { MAX_EBRS, MAX_LOGICAL_PARTITIONS, readPartitionTable } from '../../core/partitions/index.js';
import { classifyMbr, decodeMbrSector } from '../../core/partitions/mbr.js';
import { bootSectorKind } from '../../core/partitions/vbr.js';
import { CountingDevice, loadFixture, writeFatBpb, writeMbrSector } from './helpers.js';

const read = (bytes: Uint8Array, size = bytes.length) => readPartitionTable(new CountingDevice(bytes, size));

/** mbr-ext's extended partition (slot 3) and the EBRs of its chain, from the bytes themselves. */
function chainOf(bytes: Uint8Array): { extStart: number; ebrs: number[] } {
  const records = decodeMbrSector(bytes.subarray(0, 512))!;
  const extStart = records[2]!.startingLba;
  const ebrs = [extStart];
  for (;;) {
    const at = ebrs[ebrs.length - 1]! * 512;
    const link = decodeMbrSector(bytes.subarray(at, at + 512))![1]!;
    if (link.osType === 0) return { extStart, ebrs };
    ebrs.push(extStart + link.startingLba);
  }
}

describe('MBR with an extended partition', () => {
  it('an EBR that links to itself ends the chain with a warning', async () => {
    const bytes = loadFixture('mbr-ext');
    const { extStart, ebrs } = chainOf(bytes);
    expect(ebrs).toHaveLength(2);
    const second = ebrs[1]!;
    const logical = decodeMbrSector(bytes.subarray(second * 512, second * 512 + 512))![0]!;
    writeMbrSector(bytes, second * 512, [
      { type: logical.osType, start: logical.startingLba, size: logical.sizeInLba },
      { type: 0x05, start: second - extStart, size: 1 },
    ]);
    const table = await read(bytes);
    expect(table.partitions.map((p) => p.number)).toEqual([1, 2, 5, 6]);
    expect(table.warnings).toEqual([`MBR: extended partition 3: the EBR chain loops back to LBA ${second}: stopped there`]);
  });

  it('a chain that loops back to the first EBR is read once', async () => {
    const bytes = loadFixture('mbr-ext');
    const { extStart, ebrs } = chainOf(bytes);
    const second = ebrs[1]!;
    const logical = decodeMbrSector(bytes.subarray(second * 512, second * 512 + 512))![0]!;
    writeMbrSector(bytes, second * 512, [
      { type: logical.osType, start: logical.startingLba, size: logical.sizeInLba },
      { type: 0x0f, start: 0, size: 1 },
    ]);
    const table = await read(bytes);
    expect(table.partitions.map((p) => p.number)).toEqual([1, 2, 5, 6]);
    expect(table.warnings[0]).toMatch(`loops back to LBA ${extStart}`);
  });

  /** A disk whose extended partition (slot 1) holds `count` EBRs, each with `withData` logical partitions. */
  function longChain(count: number, withData: boolean): Uint8Array {
    const bytes = new Uint8Array((2 + count * 2) * 512);
    const extStart = 1;
    writeMbrSector(bytes, 0, [{ type: 0x05, start: extStart, size: count * 2 }]);
    for (let i = 0; i < count; i++) {
      const ebr = extStart + i * 2;
      const records = withData ? [{ type: 0x83, start: 1, size: 1 }] : [{ type: 0, start: 0, size: 0 }];
      if (i + 1 < count) records.push({ type: 0x05, start: (i + 1) * 2, size: 2 });
      writeMbrSector(bytes, ebr * 512, records);
    }
    return bytes;
  }

  it(`stops after ${MAX_LOGICAL_PARTITIONS} logical partitions`, async () => {
    const table = await read(longChain(MAX_LOGICAL_PARTITIONS + 20, true));
    expect(table.partitions).toHaveLength(MAX_LOGICAL_PARTITIONS);
    expect(table.partitions[0]!.number).toBe(5);
    expect(table.partitions.at(-1)!.number).toBe(4 + MAX_LOGICAL_PARTITIONS);
    expect(table.warnings).toEqual([`MBR: more than ${MAX_LOGICAL_PARTITIONS} logical partitions: the rest are not read`]);
  });

  it(`follows at most ${MAX_EBRS} EBRs, even without partitions in them`, async () => {
    const bytes = longChain(MAX_EBRS + 50, false);
    const device = new CountingDevice(bytes);
    const table = await readPartitionTable(device);
    expect(table.partitions).toEqual([]);
    expect(table.warnings).toEqual([`MBR: extended partition 1: more than ${MAX_EBRS} EBRs in the chain: stopped there`]);
  });

  it('an EBR link outside the extended partition stops the chain', async () => {
    const bytes = longChain(3, true);
    writeMbrSector(bytes, 3 * 512, [{ type: 0x83, start: 1, size: 1 }, { type: 0x05, start: 5000, size: 2 }]);
    const table = await read(bytes);
    expect(table.partitions.map((p) => p.number)).toEqual([5, 6]);
    expect(table.warnings).toEqual(['MBR: extended partition 1: EBR link to LBA 5001 points outside the extended partition: chain stopped']);
  });

  it('an EBR without its signature stops the chain; a blank first EBR is just an empty extended partition', async () => {
    const bytes = longChain(3, true);
    bytes[3 * 512 + 511] = 0;
    expect((await read(bytes)).warnings).toEqual(['MBR: extended partition 1: EBR at LBA 3 has no 0xAA55 signature: chain stopped']);
    bytes[1 * 512 + 511] = 0;
    const empty = await read(bytes);
    expect(empty.scheme).toBe('mbr');
    expect(empty.partitions).toEqual([]);
    expect(empty.warnings).toEqual([]);
  });
});

describe('MBR entries checked against the device', () => {
  it('a truncated image: partitions past the end are cut with a warning, ones beyond it skipped, numbers kept', async () => {
    const bytes = loadFixture('mbr-ext');
    // Partition 5 is LBA 6336-8383, partition 6 LBA 8448-12543: cut in the middle of 5.
    const table = await read(bytes, 7000 * 512);
    expect(table.partitions.map((p) => [p.number, p.offset, p.size, p.clipped])).toEqual([
      [1, 128 * 512, 1024 * 512, false],
      [2, 1152 * 512, 5120 * 512, false],
      [5, 6336 * 512, (7000 - 6336) * 512, true],
    ]);
    expect(table.warnings).toEqual([
      `MBR: partition 5 (LBA 6336 + 2048 sectors) runs past the end of the device: cut to ${(7000 - 6336) * 512} bytes`,
      'MBR: extended partition 3: EBR at LBA 8447 is beyond the end of the device: chain stopped',
    ]);
  });

  it('skips records of type 0 or size 0, keeps slot numbers', async () => {
    const bytes = new Uint8Array(64 * 512);
    writeMbrSector(bytes, 0, [
      { type: 0x0c, start: 0, size: 0 },
      { type: 0x00, start: 8, size: 8 },
      { type: 0x83, start: 16, size: 0 },
      { type: 0x07, start: 32, size: 16, status: 0x80 },
    ]);
    const table = await read(bytes);
    expect(table.scheme).toBe('mbr');
    expect(table.partitions).toEqual([
      { number: 4, offset: 32 * 512, size: 16 * 512, clipped: false, type: '0x07', typeName: 'HPFS/NTFS/exFAT', bootable: true },
    ]);
    expect(table.warnings).toEqual([]);
  });

  it('a record that starts beyond the device is skipped with a warning', async () => {
    const bytes = new Uint8Array(64 * 512);
    writeMbrSector(bytes, 0, [{ type: 0x83, start: 1, size: 8 }, { type: 0x83, start: 100, size: 8 }]);
    const table = await read(bytes);
    expect(table.partitions.map((p) => p.number)).toEqual([1]);
    expect(table.warnings).toEqual(['MBR: partition 2 starts at LBA 100, beyond the end of the device: skipped']);
  });

  it('overlapping primaries are reported', async () => {
    const bytes = new Uint8Array(64 * 512);
    writeMbrSector(bytes, 0, [{ type: 0x83, start: 1, size: 20 }, { type: 0x83, start: 10, size: 20 }, { type: 0x83, start: 40, size: 8 }]);
    const table = await read(bytes);
    expect(table.partitions).toHaveLength(3);
    expect(table.warnings).toEqual(['partitions 1 and 2 overlap']);
  });

  it('a signed sector with no records and no boot sector is an MBR with no partitions', async () => {
    const bytes = new Uint8Array(64 * 512);
    writeMbrSector(bytes, 0, []);
    // GRUB's boot.img starts with a jump (EB 63 90) but has no BPB: still an MBR.
    bytes.set([0xeb, 0x63, 0x90], 0);
    const table = await read(bytes);
    expect(table).toEqual({ scheme: 'mbr', sectorSize: 512, partitions: [], warnings: [] });
  });

  it('no 0xAA55 signature: no table', async () => {
    const bytes = new Uint8Array(64 * 512);
    writeMbrSector(bytes, 0, [{ type: 0x83, start: 1, size: 8 }], false);
    expect(await read(bytes)).toEqual({ scheme: 'none', sectorSize: 512, partitions: [], warnings: [] });
  });
});

describe('superfloppies: a boot sector is not an MBR', () => {
  it('the mkfs.fat fixtures are FAT boot sectors, and not tables', () => {
    for (const name of ['superfloppy', 'superfloppy-mbr'] as const) {
      const sector = loadFixture(name).subarray(0, 512);
      expect(bootSectorKind(sector), name).toBe('fat');
      expect(classifyMbr(sector, decodeMbrSector(sector)!, 1024 * 1024), name).toEqual({ kind: 'boot-sector', fs: 'fat' });
    }
  });

  it('a FAT boot sector whose code bytes look like records with bad BootIndicators: no table, no warning', async () => {
    const bytes = new Uint8Array(64 * 512);
    writeMbrSector(bytes, 0, [{ status: 0x1f, type: 0xb8, start: 0x7c00, size: 0x1234 }]);
    writeFatBpb(bytes);
    expect(await read(bytes)).toEqual({ scheme: 'none', sectorSize: 512, partitions: [], warnings: [] });
  });

  it('bad BootIndicators without a boot sector: no table, with a warning', async () => {
    const bytes = new Uint8Array(64 * 512);
    writeMbrSector(bytes, 0, [{ status: 0x1f, type: 0x83, start: 1, size: 8 }]);
    const table = await read(bytes);
    expect(table.scheme).toBe('none');
    expect(table.warnings).toEqual([
      'MBR: sector 0 ends in 0xAA55 but holds no partition table: partition record 1 has BootIndicator 0x1f (expected 0x00 or 0x80)',
    ]);
  });

  it('NTFS and exFAT boot sectors are recognised by their OEM names', async () => {
    for (const oem of ['NTFS    ', 'EXFAT   ']) {
      const bytes = new Uint8Array(64 * 512);
      writeMbrSector(bytes, 0, [{ status: 0x00, type: 0x07, start: 0, size: 64 }]);
      bytes.set([0xeb, 0x52, 0x90, ...oem.split('').map((c) => c.charCodeAt(0))], 0);
      expect((await read(bytes)).scheme, oem).toBe('none');
    }
  });

  it('a plausible table wins over a boot-sector look-alike (documented precedence)', async () => {
    const bytes = new Uint8Array(64 * 512);
    writeMbrSector(bytes, 0, [{ type: 0x0c, start: 8, size: 56 }]);
    writeFatBpb(bytes);
    const table = await read(bytes);
    expect(table.scheme).toBe('mbr');
    expect(table.partitions.map((p) => p.offset)).toEqual([8 * 512]);
  });

  it('a record at LBA 0 in a sector that is no boot sector is skipped, the table kept', async () => {
    const bytes = new Uint8Array(64 * 512);
    writeMbrSector(bytes, 0, [{ type: 0x0c, start: 0, size: 64 }, { type: 0x83, start: 8, size: 8 }]);
    const table = await read(bytes);
    expect(table.scheme).toBe('mbr');
    expect(table.partitions.map((p) => p.number)).toEqual([2]);
    expect(table.warnings).toEqual(['MBR: partition 1 starts at LBA 0, on the MBR itself: skipped']);
  });
});
