// Hand-written hostile entry sets, patched into the root directory of a copy of the MBR fixture's
// volume (4 KiB clusters: 128 entries in the root's first cluster). Every set is listed as stored
// or skipped with a note; nothing crashes, nothing loops.
import { describe, expect, it } from 'vitest';
import type { Volume } from '../../core/fs/types.js';
import {
  exfatBadSetChecksum,
  exfatDataLengthPastDevice,
  exfatDirectoryContainsItself,
  exfatFatCycle,
} from '../conformance/exfat-damage.js';
import { walk } from './fat-helpers.js';
import { entrySet, expectedListing, exfatLayout, fixtureImage, lookup, open, put32, units, volumeBytes } from './exfat-helpers.js';

async function hostileVolume(): Promise<Volume> {
  const img = volumeBytes('exfat-mbr').slice();
  const g = exfatLayout(img);
  const dv = new DataView(img.buffer);
  const rootAt = g.heapStart + (g.rootCluster - 2) * g.bytesPerCluster;
  put32(img, g.fatStart + 4 * g.rootCluster, 0xffffffff); // the root is its first cluster only
  // hello.txt's data, for the files below.
  const hello = await lookup(await open(img), '/hello.txt');
  const helloCluster = dv.getUint32(hello.node + 52, true);
  const data = { firstCluster: helloCluster, dataLength: hello.size };
  let at = rootAt;
  while (img[at] === 0x81 || img[at] === 0x82 || img[at] === 0x83) at += 32; // keep the critical entries
  const put = (bytes: Uint8Array): void => {
    img.set(bytes, at);
    at += bytes.length;
  };
  put(entrySet({ units: units('a/b.txt'), ...data }));
  put(entrySet({ units: units('nul\0hidden.txt'), ...data }));
  put(entrySet({ units: units('..'), ...data }));
  put(entrySet({ units: units('.'), ...data }));
  put(entrySet({ units: [...units('lone'), 0xd800, ...units('x.txt')], ...data }));
  put(entrySet({ units: units('loop'), attributes: 0x10, firstCluster: g.rootCluster, dataLength: g.bytesPerCluster }));
  put(entrySet({ units: units('cluster zero dir'), attributes: 0x10 }));
  put(entrySet({ units: units('no fat chain past the heap'), firstCluster: g.clusterCount, dataLength: 10 * g.bytesPerCluster }));
  put(entrySet({ units: units('short name'), nameLength: 200, ...data })); // NameLength past its File Name entries
  put(entrySet({ units: units('x'.repeat(255)), ...data })); // the longest name: fine
  const deleted = entrySet({ units: units('deleted.txt'), ...data });
  deleted[0] = 0x05;
  deleted[32] = 0x40;
  deleted[64] = 0x41;
  put(deleted);
  const holed = entrySet({ units: units('a deleted secondary.txt'), ...data });
  holed[64] = 0x41;
  put(holed);
  const unknownCritical = new Uint8Array(32);
  unknownCritical[0] = 0x86;
  put(unknownCritical);
  const guid = new Uint8Array(32);
  guid[0] = 0xa0; // Volume GUID: benign, skipped silently
  put(guid);
  const badSum = entrySet({ units: units('bad checksum.txt'), ...data });
  badSum[2] = badSum[2]! ^ 0xff;
  put(badSum);
  // Deleted entries up to the last slot, then a set whose SecondaryCount runs past the end.
  while (at < rootAt + g.bytesPerCluster - 32) put(Uint8Array.of(0x05, ...new Uint8Array(31)));
  put(entrySet({ units: units('past the end'), secondaryCount: 18 }).subarray(0, 32));
  return open(img);
}

describe('hostile entry sets', () => {
  it('lists names as stored, skips broken sets with notes, never loops', async () => {
    const volume = await hostileVolume();
    const root = await volume.readdir(volume.root());
    expect(root.map((e) => e.name)).toEqual([
      'a/b.txt',
      'nul\0hidden.txt',
      '..',
      '.',
      'lone\ud800x.txt',
      'loop',
      'cluster zero dir',
      'no fat chain past the heap',
      'x'.repeat(255),
    ]);
    expect(root.filter((e) => e.undecodable).map((e) => e.name)).toEqual(['lone\ud800x.txt']);
    expect(root.find((e) => e.name === 'loop')!.node).toBe(volume.root());
    const notes = volume.notes!().map((n) => n.message).join('\n');
    expect(notes).toMatch(/NameLength 200/);
    expect(notes).toMatch(/incomplete/);
    expect(notes).toMatch(/unknown critical primary entry 0x86/);
    expect(notes).toMatch(/SetChecksum/);
    expect(notes).toMatch(/runs past the end of the directory/);

    const named = root.find((e) => e.name === 'a/b.txt')!;
    expect(Buffer.from(await volume.read(named.node, 0, named.size)).toString()).toBe('Hello from exFAT.\n');
    expect(await volume.readdir(root.find((e) => e.name === 'cluster zero dir')!.node)).toEqual([]);
    const past = root.find((e) => e.name === 'no fat chain past the heap')!;
    expect((await volume.read(past.node, 0, 10).catch((e: Error) => e)) instanceof Error).toBe(true);

    const { items, errors } = await walk(volume, { tolerant: true });
    expect(items.length).toBe(root.length);
    expect(errors.map((e) => e.kind)).toEqual(['Corrupt']);
  });

  it('the fixture itself is untouched by the patching', () => {
    expect(exfatLayout(fixtureImage('exfat-mbr')).base).toBe(1024 * 1024);
  });
});

describe('the conformance damage, applied to the fixture', () => {
  const image = (): Uint8Array => fixtureImage('exfat');
  it('a FAT cycle in every root file: Corrupt on read, nothing else', async () => {
    const volume = await open(exfatFatCycle(image()));
    const { errors } = await walk(volume, { tolerant: true });
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors.map((e) => e.kind))).toEqual(new Set(['Corrupt']));
    expect(errors.some((e) => /loops/.test(e.message))).toBe(true);
  });
  it('bad set checksums: those sets are skipped with notes', async () => {
    const volume = await open(exfatBadSetChecksum(image()));
    const { items, errors } = await walk(volume, { tolerant: true });
    expect(errors).toEqual([]);
    expect(items.length).toBeLessThan(expectedListing('exfat').length);
    expect(volume.notes!().some((n) => /root directory: .*SetChecksum/.test(n.message))).toBe(true);
  });
  it('directories that contain themselves are listed once', async () => {
    const volume = await open(exfatDirectoryContainsItself(image()));
    const { items, errors } = await walk(volume, { tolerant: true });
    expect(errors).toEqual([]);
    expect(items.length).toBeGreaterThan(0);
  });
  it('DataLength past the device: listed, Corrupt on read', async () => {
    const volume = await open(exfatDataLengthPastDevice(image()));
    const { errors } = await walk(volume, { tolerant: true });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.kind === 'Corrupt' || e.kind === 'Limit')).toBe(true);
  });
});
