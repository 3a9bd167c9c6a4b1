import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { GloveboxError } from '../../core/errors.js';
import { crc32, formatGuid, MAX_ENTRY_ARRAY_BYTES, readPartitionTable } from '../../core/partitions/index.js';
import { decodeGptHeader } from '../../core/partitions/gpt.js';
import { CountingDevice, loadFixture, prng, resealGpt, writeMbrSector } from './helpers.js';

// gpt.img: 4 MiB of 512-byte sectors; primary header at LBA 1, entries at LBA 2 (128 x 128 bytes),
// backup entries at LBA 8159, backup header at LBA 8191.
const PRIMARY = 512;
const PRIMARY_ARRAY = 2 * 512;
const BACKUP = 8191 * 512;
const BACKUP_ARRAY = 8159 * 512;
const ENTRY = 128;

const setU32 = (b: Uint8Array, at: number, n: number): void => new DataView(b.buffer).setUint32(at, n >>> 0, true);
const setU64 = (b: Uint8Array, at: number, n: bigint): void => new DataView(b.buffer).setBigUint64(at, n, true);
const flip = (b: Uint8Array, at: number, mask: number): void => {
  b[at] = b[at]! ^ mask;
};
const numbers = (t: { partitions: { number: number }[] }): number[] => t.partitions.map((p) => p.number);

describe('CRC-32', () => {
  it('matches the check value and node:zlib on random data', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const next = prng(7);
    for (let n = 0; n < 20; n++) {
      const bytes = Uint8Array.from({ length: Math.floor(next() * 3000) }, () => Math.floor(next() * 256));
      expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    }
  });
});

describe('GUIDs', () => {
  it('print in the mixed-endian textual form', () => {
    // EFI System's type GUID as stored on disk.
    const stored = Uint8Array.from([0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b]);
    expect(formatGuid(stored)).toBe('C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
  });
});

describe('GPT primary and backup', () => {
  it('a primary header failing its CRC: the backup is used, with a warning', async () => {
    const table = await readPartitionTable(new MemoryDevice(loadFixture('gpt-bad-primary')));
    expect(table.scheme).toBe('gpt');
    expect(numbers(table)).toEqual([1, 2, 3, 5]);
    expect(table.warnings).toHaveLength(1);
    expect(table.warnings[0]).toMatch(/^GPT: primary header \(512-byte sectors\): HeaderCRC32 mismatch: .*; using the backup header at LBA 8191$/);
  });

  it('a primary entry array failing its CRC: the backup (header and array) is used', async () => {
    const bytes = loadFixture('gpt');
    flip(bytes, PRIMARY_ARRAY + ENTRY + 56, 0x20); // first letter of partition 2's name, primary copy
    const table = await readPartitionTable(new MemoryDevice(bytes));
    expect(table.scheme).toBe('gpt');
    expect(table.partitions[1]!.name).toBe('données ☃');
    expect(table.warnings).toHaveLength(1);
    expect(table.warnings[0]).toMatch(/PartitionEntryArrayCRC32 mismatch.*using the backup header at LBA 8191/);
  });

  it('a damaged backup under a good primary is reported, the primary used', async () => {
    const bytes = loadFixture('gpt');
    flip(bytes, BACKUP_ARRAY + 60, 1);
    const table = await readPartitionTable(new MemoryDevice(bytes));
    expect(numbers(table)).toEqual([1, 2, 3, 5]);
    expect(table.warnings).toHaveLength(1);
    expect(table.warnings[0]).toMatch(/^GPT: backup header damaged \(PartitionEntryArrayCRC32 mismatch.*\); the primary is used$/);
  });

  it('both headers bad: no GPT; the protective MBR is shown as it is, with warnings', async () => {
    const table = await readPartitionTable(new MemoryDevice(loadFixture('gpt-bad-both')));
    expect(table.scheme).toBe('mbr');
    expect(table.partitions.map((p) => p.type)).toEqual(['0xee']);
    expect(table.warnings).toHaveLength(2);
    expect(table.warnings[0]).toMatch(/^GPT: no valid GPT header: primary header .*HeaderCRC32 mismatch.*; backup header at LBA 8191 .*HeaderCRC32 mismatch/);
    expect(table.warnings[1]).toBe('GPT: no usable GPT; the MBR is shown as it is');
  });

  it('a protective MBR with no GPT at all', async () => {
    const table = await readPartitionTable(new MemoryDevice(loadFixture('pmbr-only')));
    expect(table.scheme).toBe('mbr');
    expect(table.warnings).toEqual(['GPT: no GPT header at LBA 1 or at the last LBA', 'GPT: no usable GPT; the MBR is shown as it is']);
  });

  it('a truncated image: primary used, missing backup and cut partition reported', async () => {
    const bytes = loadFixture('gpt');
    const table = await readPartitionTable(new MemoryDevice(bytes.subarray(0, 2 * 1024 * 1024)));
    expect(table.scheme).toBe('gpt');
    expect(table.partitions.map((p) => [p.number, p.size, p.clipped])).toEqual([
      [1, 1048576, false],
      [2, 524288, false],
      [3, 262144, false],
      [5, 2 * 1024 * 1024 - 3648 * 512, true],
    ]);
    expect(table.warnings).toEqual([
      "GPT: the backup header's LBA 8191 is beyond the end of the device (a truncated image?)",
      'GPT: partition 5 (LBA 3648-5695) runs past the end of the device: cut to 229376 bytes',
    ]);
  });

  it('a GPT behind a wiped MBR is still found, with a warning', async () => {
    const bytes = loadFixture('gpt');
    bytes.fill(0, 0, 512);
    const table = await readPartitionTable(new MemoryDevice(bytes));
    expect(table.scheme).toBe('gpt');
    expect(table.warnings).toEqual(['GPT: sector 0 has no 0xAA55 signature (the protective MBR is missing)']);
  });

  it('a hybrid MBR: the GPT is used, with a warning', async () => {
    const bytes = loadFixture('gpt');
    writeMbrSector(bytes, 0, [{ type: 0xee, start: 1, size: 63 }, { type: 0x0c, start: 64, size: 2048 }]);
    const table = await readPartitionTable(new MemoryDevice(bytes));
    expect(table.scheme).toBe('gpt');
    expect(table.warnings).toEqual(['MBR: hybrid MBR (it also lists other partitions); the GPT is used']);
  });
});

describe('GPT header and entry checks', () => {
  it('a huge NumberOfPartitionEntries is refused before any large read', async () => {
    const bytes = loadFixture('gpt');
    for (const header of [PRIMARY, BACKUP]) {
      setU32(bytes, header + 80, 0xffffffff);
      resealGpt(bytes, header, 512);
    }
    const device = new CountingDevice(bytes);
    const table = await readPartitionTable(device);
    expect(table.scheme).toBe('mbr');
    expect(table.warnings[0]).toMatch(/4294967295 partition entries of 128 bytes exceed the 1048576-byte limit/);
    expect(device.largestRead).toBeLessThanOrEqual(64 * 1024);
  });

  it('decodeGptHeader throws Limit for an oversized entry array and Corrupt for a bad field', () => {
    const bytes = loadFixture('gpt');
    const header = (): Uint8Array => bytes.slice(PRIMARY, PRIMARY + 512);
    const kindOf = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(GloveboxError);
        return (e as GloveboxError).kind + ': ' + (e as GloveboxError).message;
      }
      return 'ok';
    };
    expect(kindOf(() => decodeGptHeader(header(), 1n, 512, 8192n))).toBe('ok');
    expect(kindOf(() => decodeGptHeader(header(), 2n, 512, 8192n))).toMatch(/^Corrupt: MyLBA does not match/);

    setU32(bytes, PRIMARY + 80, (MAX_ENTRY_ARRAY_BYTES / ENTRY) + 1);
    resealGpt(bytes, PRIMARY, 512);
    expect(kindOf(() => decodeGptHeader(header(), 1n, 512, 8192n))).toMatch(/^Limit: /);

    setU32(bytes, PRIMARY + 80, 128);
    setU32(bytes, PRIMARY + 84, 200); // SizeOfPartitionEntry not a multiple of 128
    resealGpt(bytes, PRIMARY, 512);
    expect(kindOf(() => decodeGptHeader(header(), 1n, 512, 8192n))).toMatch(/^Corrupt: bad SizeOfPartitionEntry/);

    setU32(bytes, PRIMARY + 84, 128);
    setU64(bytes, PRIMARY + 72, 40n); // PartitionEntryLBA inside the usable LBAs
    resealGpt(bytes, PRIMARY, 512);
    expect(kindOf(() => decodeGptHeader(header(), 1n, 512, 8192n))).toMatch(/^Corrupt: partition entry array out of place/);

    setU64(bytes, PRIMARY + 72, 2n);
    setU32(bytes, PRIMARY + 12, 600); // HeaderSize larger than the sector
    expect(kindOf(() => decodeGptHeader(header(), 1n, 512, 8192n))).toMatch(/^Corrupt: bad HeaderSize/);
  });

  it('an entry ending before it starts is skipped; one outside the usable LBAs is kept with a warning', async () => {
    const bytes = loadFixture('gpt');
    for (const [header, array] of [[PRIMARY, PRIMARY_ARRAY], [BACKUP, BACKUP_ARRAY]] as const) {
      setU64(bytes, array + 2 * ENTRY + 40, 100n); // partition 3: EndingLBA < StartingLBA
      setU64(bytes, array + 4 * ENTRY + 40, 8190n); // partition 5: up to LastUsableLBA + 32
      resealGpt(bytes, header, 512);
    }
    const table = await readPartitionTable(new MemoryDevice(bytes));
    expect(numbers(table)).toEqual([1, 2, 5]);
    expect(table.warnings).toEqual([
      'GPT: partition 3 ends (LBA 100) before it starts (LBA 3136): skipped',
      'GPT: partition 5 (LBA 3648-8190) lies outside the usable LBAs 34-8158',
    ]);
  });

  it('a name that fills all 36 units has no NUL and is kept whole', async () => {
    const bytes = loadFixture('gpt');
    for (const [header, array] of [[PRIMARY, PRIMARY_ARRAY], [BACKUP, BACKUP_ARRAY]] as const) {
      for (let i = 0; i < 36; i++) bytes.set([0x41 + (i % 26), 0], array + 56 + 2 * i);
      resealGpt(bytes, header, 512);
    }
    const table = await readPartitionTable(new MemoryDevice(bytes));
    expect(table.partitions[0]!.name).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ');
    expect(table.warnings).toEqual([]);
  });

  it('a valid GPT with no used entries is a GPT with no partitions', async () => {
    const bytes = loadFixture('gpt');
    for (const [header, array] of [[PRIMARY, PRIMARY_ARRAY], [BACKUP, BACKUP_ARRAY]] as const) {
      bytes.fill(0, array, array + 128 * ENTRY);
      resealGpt(bytes, header, 512);
    }
    expect(await readPartitionTable(new MemoryDevice(bytes))).toEqual({ scheme: 'gpt', sectorSize: 512, partitions: [], warnings: [] });
  });

  it('the 4096-byte-sector GPT is found at byte 4096', async () => {
    const device = new CountingDevice(loadFixture('gpt-4k'));
    const table = await readPartitionTable(device);
    expect(table.sectorSize).toBe(4096);
    expect(device.reads.some((r) => r.offset === 4096)).toBe(true);
  });
});
