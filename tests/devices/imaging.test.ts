import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imageSource, ImagingError } from '../../core/devices/imaging.js';
import { BufferSource } from '../../core/sources/file-source.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + (i >> 9)) & 0xff;
  return b;
}

/** A source whose reads fail over [badStart, badEnd) always, and the first `flaky` times elsewhere. */
class FailingSource extends BufferSource {
  calls = 0;
  failedOnce = new Set<number>();
  constructor(bytes: Uint8Array, private readonly bad: Array<[number, number]>, private readonly flakyAt: number | null = null) {
    super(bytes);
  }
  override async read(offset: number, length: number): Promise<Uint8Array> {
    this.calls++;
    for (const [s, e] of this.bad) if (offset < e && offset + length > s) throw new Error(`EIO at ${offset}`);
    if (this.flakyAt !== null && offset <= this.flakyAt && this.flakyAt < offset + length && !this.failedOnce.has(offset)) {
      this.failedOnce.add(offset);
      throw new Error('transient');
    }
    return super.read(offset, length);
  }
}

describe('imaging a source', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'glovebox-image-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies every byte, hashes on the way, writes a sha256sum line', async () => {
    const bytes = pattern(3 * 1024 * 1024 + 777);
    const out = join(dir, 'stick.img');
    const progress: number[] = [];
    const r = await imageSource(new BufferSource(bytes), { output: out, onProgress: (p) => progress.push(p.done) });
    expect(readFileSync(out).equals(Buffer.from(bytes))).toBe(true);
    expect(r.sha256).toBe(sha(bytes));
    expect(readFileSync(`${out}.sha256`, 'utf8')).toBe(`${sha(bytes)}  stick.img\n`);
    expect(r.badBlocksFile).toBeNull();
    expect(progress.at(-1)).toBe(bytes.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('a range (a partition) only', async () => {
    const bytes = pattern(1 << 20);
    const out = join(dir, 'part.img');
    const r = await imageSource(new BufferSource(bytes), { output: out, offset: 4096, length: 65536 });
    expect(readFileSync(out).equals(Buffer.from(bytes.subarray(4096, 4096 + 65536)))).toBe(true);
    expect(r.sha256).toBe(sha(bytes.subarray(4096, 4096 + 65536)));
    await expect(imageSource(new BufferSource(bytes), { output: join(dir, 'x.img'), offset: 1 << 20, length: 1 })).rejects.toThrow(ImagingError);
  });

  it('never overwrites without being asked; --overwrite replaces and refuses the source itself', async () => {
    const out = join(dir, 'stick.img');
    writeFileSync(out, 'precious');
    await expect(imageSource(new BufferSource(pattern(1000)), { output: out })).rejects.toThrow(/already exists/);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    await imageSource(new BufferSource(pattern(1000)), { output: out, overwrite: true });
    expect(readFileSync(out).length).toBe(1000);
    // The old .sha256 now exists: a second run without --overwrite refuses before writing.
    rmSync(out);
    await expect(imageSource(new BufferSource(pattern(10)), { output: out })).rejects.toThrow(/sha256 already exists/);
    expect(existsSync(out)).toBe(false);
    const src = join(dir, 'src.img');
    writeFileSync(src, pattern(100));
    await expect(imageSource(new BufferSource(pattern(100)), { output: src, overwrite: true, sourcePath: src })).rejects.toThrow(/is the source itself/);
    expect(readFileSync(src).equals(Buffer.from(pattern(100)))).toBe(true);
  });

  it('retries a read that fails once, with no trace in the result', async () => {
    const bytes = pattern(256 * 1024);
    const src = new FailingSource(bytes, [], 70_000);
    const r = await imageSource(src, { output: join(dir, 'a.img'), chunkBytes: 64 * 1024 });
    expect(r.badRanges).toEqual([]);
    expect(r.sha256).toBe(sha(bytes));
    expect(src.failedOnce.size).toBe(1);
  });

  it('a range that never reads is retried 3 times, zero-filled and logged; the copy goes on', async () => {
    const bytes = pattern(512 * 1024);
    const bad: Array<[number, number]> = [[100_000, 110_000]];
    const src = new FailingSource(bytes, bad);
    const out = join(dir, 'bad.img');
    const r = await imageSource(src, { output: out, chunkBytes: 64 * 1024, retryBytes: 4096 });
    // 4 KiB pieces overlapping [100000, 110000): 98304..110592.
    expect(r.badRanges).toEqual([{ offset: 98304, length: 12288, error: 'EIO at 98304' }].map((x) => ({ ...x, error: expect.stringMatching(/^EIO at /) as unknown as string })));
    expect(r.badBytes).toBe(12288);
    const expected = Buffer.from(bytes);
    expected.fill(0, 98304, 98304 + 12288);
    const got = readFileSync(out);
    expect(got.equals(expected)).toBe(true);
    expect(r.sha256).toBe(sha(expected));
    const log = readFileSync(`${out}.badblocks`, 'utf8');
    expect(log).toContain('could not be read after 3 retries; zeros were written');
    expect(log.trim().split('\n').filter((l) => !l.startsWith('#'))).toEqual([expect.stringMatching(/^98304 12288 EIO at /)]);
    expect(src.calls).toBe(7 + 4 + 13 + 3 * 4); // 7 good chunks; the bad one 1 + 3 times; its 16 pieces, the 3 bad ones 4 times each
  });

  it('a cancelled copy leaves no partial image', async () => {
    const ac = new AbortController();
    const out = join(dir, 'c.img');
    const run = imageSource(new BufferSource(pattern(4 << 20)), { output: out, chunkBytes: 65536, signal: ac.signal, onProgress: (p) => p.done >= 65536 * 4 && ac.abort() });
    await expect(run).rejects.toThrow(/cancelled/);
    expect(existsSync(out)).toBe(false);
  });
});
