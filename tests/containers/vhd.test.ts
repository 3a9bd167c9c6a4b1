import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { openContainer } from '../../core/containers/index.js';
import { fixture } from '../support/container-helpers.js';


const SECTOR = 512;
const be32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, false);
const be64 = (b: Uint8Array, o: number) => Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(o, false));

/** The byte where block `index`'s sector bitmap starts (qemu-img's dynamic VHD fixture). */
function bitmapAt(img: Uint8Array, index: number): number {
  const header = be64(img, 16); // the footer copy at 0: data offset
  const table = be64(img, header + 16);
  const e = be32(img, table + index * 4);
  expect(e).not.toBe(0xffffffff);
  return e * SECTOR;
}

describe('vhd: sector bitmaps of a dynamic disk', () => {
  const raw = fixture('containers/disk.img.gz');
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

  it('a sector whose bit is clear reads as zeros; its neighbours read from the block', async () => {
    const img = fixture('containers/disk-dynamic.vhd.gz');
    const sector = 2048; // block 0 (2 MiB blocks): the FAT16 volume's boot sector
    expect(raw.subarray(sector * SECTOR, (sector + 1) * SECTOR).some((x) => x !== 0)).toBe(true);
    img[bitmapAt(img, 0) + (sector >> 3)]! &= ~(0x80 >> (sector & 7));
    const d = (await openContainer(new MemoryDevice(img))).device;
    expect((await d.read(sector * SECTOR, SECTOR)).every((x) => x === 0)).toBe(true);
    const around = await d.read((sector - 1) * SECTOR, 3 * SECTOR);
    expect(same(around.subarray(0, SECTOR), raw.subarray((sector - 1) * SECTOR, sector * SECTOR))).toBe(true);
    expect(around.subarray(SECTOR, 2 * SECTOR).every((x) => x === 0)).toBe(true);
    expect(same(around.subarray(2 * SECTOR), raw.subarray((sector + 1) * SECTOR, (sector + 2) * SECTOR))).toBe(true);
    // The rest of the disk is untouched.
    expect(same(await d.read(0, sector * SECTOR), raw.subarray(0, sector * SECTOR))).toBe(true);
    const from = (sector + 1) * SECTOR;
    expect(same(await d.read(from, 4 * 1024 * 1024), raw.subarray(from, from + 4 * 1024 * 1024))).toBe(true);
  });

  it('whole cleared bitmap bytes, mid-block and across reads', async () => {
    const img = fixture('containers/disk-dynamic.vhd.gz');
    const at = bitmapAt(img, 6); // block 6: data from its sector 2050 (the ext4 volume)
    img.fill(0, at + 256, at + 262); // sectors 2048..2095 of the block
    const d = (await openContainer(new MemoryDevice(img))).device;
    const blockStart = 6 * 2 * 1024 * 1024;
    const got = await d.read(blockStart + 2040 * SECTOR, 160 * SECTOR);
    const want = raw.slice(blockStart + 2040 * SECTOR, blockStart + 2200 * SECTOR);
    expect(want.subarray(8 * SECTOR, 56 * SECTOR).some((x) => x !== 0)).toBe(true);
    expect(want.subarray(56 * SECTOR).some((x) => x !== 0)).toBe(true);
    want.fill(0, 8 * SECTOR, 56 * SECTOR);
    expect(same(got, want)).toBe(true);
  });
});
