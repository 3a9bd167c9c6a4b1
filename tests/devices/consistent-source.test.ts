import { describe, expect, it } from 'vitest';
import { GloveboxError } from '../../core/errors.js';
import { ConsistentSource, type DataChange } from '../../core/sources/consistent-source.js';
import { BufferSource } from '../../core/sources/file-source.js';

/** A device that answers block 1 differently from the second read on (a TOCTOU attack). */
class LyingSource extends BufferSource {
  reads = 0;
  constructor(bytes: Uint8Array, private readonly liesAt: number) {
    super(bytes);
  }
  override async read(offset: number, length: number): Promise<Uint8Array> {
    const b = await super.read(offset, length);
    if (offset <= this.liesAt && this.liesAt < offset + length && this.reads++ > 0) b[this.liesAt - offset] = b[this.liesAt - offset]! ^ 0xff;
    return b;
  }
}

const bytes = () => Uint8Array.from({ length: 6 * 4096 + 100 }, (_, i) => i & 0xff);

describe('a consistent view of a device that changes its data', () => {
  it('serves the first copy again and reports the block once', async () => {
    const changes: DataChange[] = [];
    const src = new ConsistentSource(new LyingSource(bytes(), 5000), { onChange: (c) => changes.push(c) });
    const first = await src.read(4000, 2000);
    const again = await src.read(4000, 2000);
    const third = await src.read(4096, 100);
    expect(again).toEqual(first);
    expect(third).toEqual(first.subarray(96, 196));
    expect(changes).toEqual([{ offset: 4096, length: 4096, servedFirstCopy: true }]);
    expect(src.changes).toBe(1);
  });

  it('unaligned reads and the short last block come back exact', async () => {
    const b = bytes();
    const src = new ConsistentSource(new BufferSource(b));
    expect(await src.read(3, 10)).toEqual(b.subarray(3, 13));
    expect(await src.read(b.length - 50, 50)).toEqual(b.subarray(b.length - 50));
    expect(await src.read(b.length - 50, 50)).toEqual(b.subarray(b.length - 50));
    expect((await src.read(0, 0)).length).toBe(0);
  });

  it('beyond the copy budget, a changed block is refused (only its hash was kept)', async () => {
    const changes: DataChange[] = [];
    const src = new ConsistentSource(new LyingSource(bytes(), 3 * 4096 + 1), { maxCopyBytes: 2 * 4096, onChange: (c) => changes.push(c) });
    await src.read(0, 4 * 4096);
    const e = await src.read(3 * 4096, 10).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GloveboxError);
    expect((e as GloveboxError).kind).toBe('Io');
    expect((e as GloveboxError).message).toContain('the device changed its data at byte 12288');
    expect(changes).toEqual([{ offset: 12288, length: 4096, servedFirstCopy: false }]);
  });

  it('beyond both budgets, blocks pass through untracked', async () => {
    const src = new ConsistentSource(new LyingSource(bytes(), 5 * 4096), { maxCopyBytes: 0, maxHashedBlocks: 2 });
    await src.read(0, 6 * 4096);
    const changed = await src.read(5 * 4096, 1);
    expect(changed[0]).toBe((5 * 4096) & 0xff ^ 0xff);
    expect(src.changes).toBe(0);
  });
});
