// The UDF driver against damage: each edit is made on the bridge fixture with the conformance
// damage functions (written against ECMA-167, not against the driver) or by hand here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { udfDriver } from '../../core/fs/udf/index.js';
import { crc16 } from '../../core/fs/udf/tag.js';
import { pathComponents } from '../../core/fs/udf/symlink.js';
import { udfTime } from '../../core/fs/udf/time.js';
import { aedLoop, directoryPointsAtParent, fidPastDirectory } from '../conformance/udf-damage.js';
import { errorOf, fixtureImage, open, walk } from './udf-helpers.js';

const dv = (img: Uint8Array): DataView => new DataView(img.buffer, img.byteOffset, img.byteLength);

function seal(img: Uint8Array, at: number, crcLength: number): void {
  const d = dv(img);
  d.setUint16(at + 10, crcLength, true);
  d.setUint16(at + 8, crc16(img, at + 16, at + 16 + crcLength), true);
  let sum = 0;
  for (let i = 0; i < 16; i++) if (i !== 4) sum += img[at + i]!;
  img[at + 4] = sum & 0xff;
}

async function nodeOf(img: Uint8Array, name: string): Promise<number> {
  const v = await open(img);
  const e = (await v.readdir(v.root())).find((x) => x.name === name);
  if (e === undefined) throw new Error(`${name} not in the root`);
  return e.node;
}

describe('probe', () => {
  it('is false for zeros, random bytes, FAT and an ISO 9660-only volume', async () => {
    const zeros = new Uint8Array(2 * 1024 * 1024);
    let x = 12345;
    const random = zeros.map(() => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24) & 0xff);
    const fat = new Uint8Array(gunzipSync(readFileSync(fileURLToPath(new URL('../fixtures/fat/fat16.img.gz', import.meta.url)))));
    // The bridge without its UDF: NSR/BEA/TEA renamed, every AVDP gone; CD001 stays.
    const iso = fixtureImage('bridge');
    for (let at = 32768; at < 32768 + 16 * 2048; at += 2048) {
      const id = String.fromCharCode(...iso.subarray(at + 1, at + 6));
      if (['BEA01', 'NSR02', 'NSR03', 'TEA01'].includes(id)) iso.fill(0, at, at + 2048);
    }
    for (const s of [256, iso.length / 2048 - 256, iso.length / 2048 - 1]) iso.fill(0, s * 2048, s * 2048 + 16);
    for (const img of [zeros, random, fat, iso]) expect(await udfDriver.probe(new MemoryDevice(img))).toBe(false);
    expect(await udfDriver.probe(new MemoryDevice(new Uint8Array(100)))).toBe(false);
  });
});

describe('descriptors', () => {
  it('falls back to the reserve sequence, with a note, when the main one fails its CRC', async () => {
    const img = fixtureImage('bridge');
    const main = dv(img).getUint32(256 * 2048 + 20, true);
    img[main * 2048 + 100]! ^= 0xff; // inside the first descriptor's CRC-covered body
    const v = await open(img);
    expect(v.notes?.()[0]?.message).toMatch(/main volume descriptor sequence is damaged.*CRC.*using the reserve/);
    expect((await walk(v)).length).toBeGreaterThan(5);
  });

  it('is Corrupt when both sequences fail', async () => {
    const img = fixtureImage('bridge');
    for (const off of [20, 28]) img[dv(img).getUint32(256 * 2048 + off, true) * 2048 + 100]! ^= 0xff;
    expect((await errorOf(open(img))).kind).toBe('Corrupt');
  });

  it('a bad tag checksum on the only anchors is Corrupt at open', async () => {
    const img = fixtureImage('bridge');
    for (const s of [256, img.length / 2048 - 256, img.length / 2048 - 1]) img[s * 2048 + 4]! ^= 1;
    expect((await errorOf(open(img))).message).toMatch(/anchor/);
  });
});

describe('metadata partition', () => {
  const fileOfType = (img: Uint8Array, type: number): number => {
    for (let at = 0; at + 512 <= img.length; at += 512) if (dv(img).getUint16(at, true) === 261 && img[at + 27] === type) return at;
    throw new Error(`no file entry of type ${type}`);
  };

  it('uses the mirror, with a note, when the metadata file is damaged', async () => {
    const img = fixtureImage('udf250-meta');
    img[fileOfType(img, 250) + 4]! ^= 0xff;
    const v = await open(img);
    expect(v.notes?.().map((n) => n.message).join('\n')).toMatch(/metadata file unusable.*using the metadata mirror/);
    expect(await walk(v, img)).toEqual(await walk(await open(fixtureImage('udf250-meta'))));
  });

  it('is Corrupt when the metadata file and its mirror are both damaged', async () => {
    const img = fixtureImage('udf250-meta');
    img[fileOfType(img, 250) + 4]! ^= 0xff;
    img[fileOfType(img, 251) + 4]! ^= 0xff;
    expect((await errorOf(open(img))).kind).toBe('Corrupt');
  });
});

describe('files', () => {
  it.each([
    ['bridge', 'hello.txt'],
    ['udfclient', 'big.bin'],
  ])('%s: AEDs that continue at themselves are Corrupt, not a hang', async (fixture, file) => {
    const img = aedLoop(fixtureImage(fixture));
    const v = await open(img);
    const node = await nodeOf(img, file);
    const e = await errorOf(v.read(node, 0, 10));
    expect(e.kind).toBe('Corrupt');
    expect(e.message).toMatch(/loop/);
  });

  it.each(['bridge', 'udfclient'])('%s: a FID whose lengths run past the directory is Corrupt', async (fixture) => {
    const img = fidPastDirectory(fixtureImage(fixture));
    const v = await open(img);
    const e = await errorOf(v.readdir(v.root()));
    expect(e.kind).toBe('Corrupt');
    expect(e.message).toMatch(/run past the directory/);
  });

  it.each(['bridge', 'udfclient'])('%s: a directory entry naming the parent gives the parent id, so walkers stop', async (fixture) => {
    const img = directoryPointsAtParent(fixtureImage(fixture));
    const v = await open(img);
    const docs = (await v.readdir(v.root())).find((x) => x.name === 'docs')!;
    const inside = await v.readdir(docs.node);
    expect(inside.some((x) => x.node === v.root() && x.type === 'dir')).toBe(true);
  });

  it('a FID whose tag location is wrong is read, with a note', async () => {
    const img = fixtureImage('bridge');
    const v0 = await open(img);
    const docs = (await v0.readdir(v0.root())).find((x) => x.name === 'docs')!;
    // The root directory's second FID: find the FID naming docs' ICB block.
    const block = docs.node % 2 ** 32;
    let at = -1;
    for (let o = 0; o + 40 <= img.length && at < 0; o += 4) {
      if (dv(img).getUint16(o, true) === 257 && dv(img).getUint32(o + 24, true) === block && (img[o + 18]! & 8) === 0) at = o;
    }
    expect(at).toBeGreaterThan(0);
    dv(img).setUint32(at + 12, 9999, true);
    seal(img, at, dv(img).getUint16(at + 10, true));
    const v = await open(img);
    expect((await v.readdir(v.root())).some((x) => x.name === 'docs')).toBe(true);
    expect(v.notes?.().map((n) => n.message).join('\n')).toMatch(/records tag location 9999/);
  });

  it('udfclient: files and directories embedded in their ICB are read, with no extents', async () => {
    const img = fixtureImage('udfclient');
    const v = await open(img);
    const node = await nodeOf(img, 'hello.txt');
    expect(new TextDecoder().decode(await v.read(node, 0, 100))).toBe('Hello from a UDF bridge disc.\n');
    expect(await v.read(node, 6, 4)).toEqual(new TextEncoder().encode('from'));
    expect(await v.extents!(node)).toBeNull();
  });

  it('reads embedded (inline) data, and gives no extents for it', async () => {
    const img = fixtureImage('bridge');
    const v0 = await open(img);
    const node = await nodeOf(img, 'hello.txt');
    const block = node % 2 ** 32;
    // Find the FE's sector: its tag location is `block`.
    let at = -1;
    for (let s = 0; s + 2048 <= img.length; s += 2048) if (dv(img).getUint16(s, true) === 261 && dv(img).getUint32(s + 12, true) === block) at = s;
    expect(at).toBeGreaterThan(0);
    const d = dv(img);
    const text = new TextEncoder().encode('inline bytes!');
    const lEa = d.getUint32(at + 168, true);
    const adAt = at + 176 + lEa;
    d.setUint16(at + 34, (d.getUint16(at + 34, true) & ~7) | 3, true);
    d.setUint32(at + 172, text.length, true);
    img.set(text, adAt);
    d.setUint32(at + 56, text.length, true);
    d.setUint32(at + 60, 0, true);
    seal(img, at, adAt + text.length - at - 16);
    expect(v0.fs).toBe('udf');
    const v = await open(img);
    expect(new TextDecoder().decode(await v.read(node, 0, 100))).toBe('inline bytes!');
    expect(await v.extents!(node)).toBeNull();
  });

  it('a ranged read equals the same slice of the whole file, and of its extents', async () => {
    const img = fixtureImage('bridge');
    const v = await open(img);
    const node = await nodeOf(img, 'big.bin');
    const whole = await v.read(node, 0, 1 << 20);
    expect(whole.length).toBe(70001);
    expect(await v.read(node, 2047, 4099)).toEqual(whole.subarray(2047, 2047 + 4099));
    const ext = (await v.extents!(node))!;
    expect(Buffer.concat(ext.map((x) => img.subarray(x.deviceOffset, x.deviceOffset + x.length)))).toEqual(Buffer.from(whole));
  });
});

describe('timestamps', () => {
  const stamp = (tz: number, type: number, fields: number[]): Uint8Array => {
    const b = new Uint8Array(12);
    dv(b).setUint16(0, ((type << 12) | (tz & 0xfff)) >>> 0, true);
    dv(b).setUint16(2, fields[0]!, true);
    b.set(fields.slice(1), 4);
    return b;
  };
  it('converts to UTC with the zone, keeps microseconds, and leaves unzoned times as written', () => {
    expect(udfTime(stamp(120, 1, [2021, 1, 1, 2, 0, 0, 0, 0, 0]), 0)).toBe('2021-01-01T00:00:00Z');
    expect(udfTime(stamp(-60, 1, [2020, 12, 31, 23, 30, 5, 12, 34, 56]), 0)).toBe('2021-01-01T00:30:05.123456Z');
    expect(udfTime(stamp(-2047, 1, [2021, 6, 1, 8, 0, 0, 0, 0, 0]), 0)).toBe('2021-06-01T08:00:00');
    expect(udfTime(stamp(0, 1, [2021, 2, 30, 0, 0, 0, 0, 0, 0]), 0)).toBeNull();
  });
});

describe('symbolic links', () => {
  const component = (type: number, name = ''): number[] => {
    const chars = name === '' ? [] : [8, ...new TextEncoder().encode(name)];
    return [type, chars.length, 0, 0, ...chars];
  };
  it('decodes ECMA-167 path components', () => {
    expect(pathComponents(new Uint8Array([...component(2), ...component(5, 'etc'), ...component(5, 'hosts')]), 'x')).toBe('/etc/hosts');
    expect(pathComponents(new Uint8Array([...component(3), ...component(4), ...component(5, 'a b')]), 'x')).toBe('.././a b');
  });
  it('is Corrupt when a component runs past the link or has an unknown type', () => {
    expect(() => pathComponents(new Uint8Array([5, 10, 0, 0, 8, 65]), 'x')).toThrow(/runs past/);
    expect(() => pathComponents(new Uint8Array([9, 0, 0, 0]), 'x')).toThrow(/component type/);
  });
});
