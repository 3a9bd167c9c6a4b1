// hostile.img (tests/fixtures/fat/tools/hostile.py): names no tool would write, directories that
// contain themselves, broken chains. The driver returns names raw (escaping happens above), and
// every broken thing is a typed error on the node concerned, never a crash or a loop.
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { GloveboxError } from '../../core/errors.js';
import { fatDriver } from '../../core/fs/fat/index.js';
import type { DirEntry, Volume } from '../../core/fs/types.js';
import { fixtureImage, walk } from './fat-helpers.js';

const openHostile = (): Promise<Volume> => fatDriver.open(new MemoryDevice(fixtureImage('hostile')));

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof GloveboxError) return e.kind;
    throw e;
  }
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe('hostile.img', () => {
  it('lists the root with names as stored, in directory order', async () => {
    const volume = await openHostile();
    expect(volume.fs).toBe('fat16');
    expect(volume.label).toBe('HOSTILE');
    const root = await volume.readdir(volume.root());
    const shape = root.map((e) => (e.undecodable ? [e.name, e.type, 'undecodable'] : [e.name, e.type]));
    expect(shape).toEqual([
      ['a/b.txt', 'file'],
      ['back\\slash.txt', 'file'],
      ['nul\u0000hidden.txt', 'file'],
      ['bell\u0007 esc\u001b[31m red\r\n.txt', 'file'],
      ['.', 'file'],
      ['..', 'file'],
      ['CON', 'file'],
      ['nul.txt', 'file'],
      ['COM1', 'file'],
      ['trailing.', 'file'],
      ['trailing   ', 'file'],
      ['invoice\u202efdp.exe', 'file'],
      ['lone\ud800surrogate.txt', 'file', 'undecodable'],
      ['twin', 'file'],
      ['twin', 'dir'],
      ['loops', 'dir'],
      ['cycle.bin', 'file'],
      ['range.bin', 'file'],
      ['jump.bin', 'file'],
      ['free.bin', 'file'],
      ['bad.bin', 'file'],
      ['short.bin', 'file'],
      ['BADSUM~1.TXT', 'file'],
      ['ORPHAN~1.TXT', 'file'],
      ['\u03c3LPHA.TXT', 'file'],
      ['CAF\u00e9.TXT', 'file'],
      ['baddate.txt', 'file'],
      ['nocluster', 'dir'],
    ]);
    // Nothing deleted, nothing after the end marker, no label, no "." or ".." entries.
    expect(new Set(root.map((e) => e.node)).size).toBe(root.length);
  });

  it('reads the files behind the odd names', async () => {
    const volume = await openHostile();
    const root = await volume.readdir(volume.root());
    const content = async (name: string, type = 'file'): Promise<string> => {
      const e = root.find((x) => x.name === name && x.type === type)!;
      return text(await volume.read(e.node, 0, e.size));
    };
    expect(await content('a/b.txt')).toBe('slash\n');
    expect(await content('nul\u0000hidden.txt')).toBe('embedded NUL\n');
    expect(await content('.')).toBe('named dot\n');
    expect(await content('twin')).toBe('twin file\n');
    expect(await content('\u03c3LPHA.TXT')).toBe('0x05 stands for 0xE5\n');
    const twinDir = root.find((x) => x.name === 'twin' && x.type === 'dir')!;
    expect((await volume.readdir(twinDir.node)).map((e) => e.name)).toEqual(['inside.txt']);
  });

  it('directories that contain themselves or their parent do not loop', async () => {
    const volume = await openHostile();
    const root = await volume.readdir(volume.root());
    const loops = root.find((e) => e.name === 'loops')!;
    const [self] = await volume.readdir(loops.node);
    expect(self).toMatchObject({ name: 'self', type: 'dir' });
    const inside = await volume.readdir(self!.node);
    expect(inside.map((e) => e.name)).toEqual(['again', 'up']);
    const again = inside[0]!;
    // A directory's id is its cluster: "again" (self's own cluster) is self, "up" is loops.
    expect(again.node).toBe(self!.node);
    expect(inside[1]!.node).toBe(loops.node);
    const againListing = await volume.readdir(again.node);
    expect(againListing.map((e: DirEntry) => e.node)).toEqual(inside.map((e) => e.node));
    const up = inside[1]!;
    expect((await volume.readdir(up.node)).map((e) => e.node)).toEqual([self!.node]);

    const started = Date.now();
    const { items, errors } = await walk(volume, { tolerant: true });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(items.filter((i) => i.path.startsWith('/loops/')).map((i) => i.path)).toEqual([
      '/loops/self',
      '/loops/self/again', // listed, not entered: its id (self's) is on the path
      '/loops/self/up', // likewise: it is loops
    ]);
    expect(errors.every((e) => e instanceof GloveboxError)).toBe(true);
  });

  it('broken chains are Corrupt on the file concerned, and only there', async () => {
    const volume = await openHostile();
    const root = await volume.readdir(volume.root());
    const file = (name: string): DirEntry => root.find((e) => e.name === name)!;
    for (const name of ['cycle.bin', 'range.bin', 'jump.bin', 'free.bin', 'bad.bin', 'short.bin']) {
      const e = file(name);
      expect(await kindOf(volume.read(e.node, 0, e.size)), name).toBe('Corrupt');
      expect(await kindOf(volume.extents!(e.node)), name).toBe('Corrupt');
    }
    // What exists before the defect is still data.
    expect(text(await volume.read(file('cycle.bin').node, 0, 1024))).toBe('C'.repeat(1024));
    expect(text(await volume.read(file('short.bin').node, 0, 512))).toBe('S'.repeat(512));
    expect(await kindOf(volume.read(file('short.bin').node, 500, 20))).toBe('Corrupt');
    expect(await kindOf(volume.readdir(root.find((e) => e.name === 'nocluster')!.node))).toBe('Corrupt');
  });

  it('invalid timestamps are null, valid ones next to them are kept', async () => {
    const volume = await openHostile();
    const root = await volume.readdir(volume.root());
    const bad = await volume.stat(root.find((e) => e.name === 'baddate.txt')!.node);
    expect(bad.mtime).toBeNull();
    expect(bad.ctime).toBeNull();
    expect(bad.birthtime).toBeNull();
    expect(bad.atime).toBe('2022-02-22T00:00:00');
    const ok = await volume.stat(root[0]!.node);
    expect(ok.mtime).toBe('2022-02-22T22:22:22');
    expect(ok.attributes).toEqual(['archive']);
  });
});
