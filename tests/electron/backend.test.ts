// The app's Backend (what main answers the renderer with) over the real sandbox: open a fixture
// image, list, read, hash, extract with progress, cancel, and fail clearly.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend } from '../../electron/main/backend.js';
import { NodeLauncher } from '../../core/sandbox/host/node-launcher.js';
import { Channel, type AppEvent, type Entry, type Result, type SourceInfo } from '../../electron/shared/api.js';

const FAT = new URL('../fixtures/fat/', import.meta.url).pathname;
const expected = readFileSync(join(FAT, 'fat16.expected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string; type: string; size: number; sha256?: string });

let work: string;
let backend: Backend;
let folder: string | null = null;
const events: AppEvent[] = [];
const dragged: string[][] = [];
let source: SourceInfo;

const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'glovebox-backend-'));
  writeFileSync(join(work, 'stick.img'), gunzipSync(readFileSync(join(FAT, 'fat16.img.gz'))));
  mkdirSync(join(work, 'staging'));
  backend = new Backend({
    launcher: () => new NodeLauncher(),
    emit: (e) => events.push(e),
    chooseFolder: async () => folder,
    stagingRoot: join(work, 'staging'),
    startDrag: (files) => dragged.push(files),
  });
  source = value(await backend.handle(Channel.openPath, { path: join(work, 'stick.img'), taskId: 'open1' }));
});

afterAll(async () => {
  await backend.closeAll();
  rmSync(work, { recursive: true, force: true });
});

const root = () => source.volumes[0]!.rootNode!;
async function list(node: number): Promise<Entry[]> {
  return value(await backend.handle(Channel.readdir, { sourceId: source.id, volume: 1, node, start: 0 })).entries;
}

describe('Backend over the real sandbox', () => {
  it('opens an image: volumes with their root, and the isolation in force', () => {
    expect(source.volumes).toHaveLength(1);
    expect(source.volumes[0]).toMatchObject({ fs: 'fat16', label: 'GLOVE FAT16', error: null });
    expect(root()).toBeTypeOf('number');
    expect(source.isolation).toContain('process');
    expect(source.isolation).toContain('no-files');
  });

  it('lists directories and reads bounded ranges', async () => {
    const entries = await list(root());
    expect(entries.map((e) => e.name).sort()).toEqual(expected.filter((e) => e.path.lastIndexOf('/') === 0).map((e) => e.path.slice(1)).sort());
    const hello = entries.find((e) => e.name === 'hello.txt')!;
    const bytes = value(await backend.handle(Channel.read, { sourceId: source.id, volume: 1, node: hello.node, offset: 0, length: 1000 }));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(expected.find((e) => e.path === '/hello.txt')!.sha256);
    const stats = value(await backend.handle(Channel.stats, { sourceId: source.id }));
    expect(stats.reads).toBeGreaterThan(0);
  });

  it('hashes a file with progress', async () => {
    const binary = (await list(root())).find((e) => e.name === 'binary')!;
    const big = (await list(binary.node)).find((e) => e.name === 'big.bin')!;
    const r = value(await backend.handle(Channel.hash, { sourceId: source.id, volume: 1, node: big.node, size: big.size, taskId: 'h1' }));
    expect(r.sha256).toBe(expected.find((e) => e.path === '/binary/big.bin')!.sha256);
    expect(events.some((e) => e.type === 'task-progress' && e.progress.taskId === 'h1')).toBe(true);
  });

  it('extracts into the chosen folder, and answers null when the dialog was cancelled', async () => {
    folder = null;
    expect(value(await backend.handle(Channel.extract, { sourceId: source.id, volume: 1, paths: ['/docs'], taskId: 'x0' }))).toBeNull();
    folder = join(work, 'out');
    mkdirSync(folder);
    const r = value(await backend.handle(Channel.extract, { sourceId: source.id, volume: 1, paths: ['/docs', '/hello.txt'], taskId: 'x1' }));
    expect(r).toMatchObject({ files: 2, folder });
    expect(readFileSync(join(folder, 'docs', 'guide.md')).length).toBe(61);
    expect(existsSync(join(folder, 'hello.txt'))).toBe(true);
  });

  it('stages dragged items in a private folder and starts the drag with them', async () => {
    const r = value(await backend.handle(Channel.dragOut, { sourceId: source.id, volume: 1, paths: ['/deep'], taskId: 'd1' }));
    expect(r.files).toBe(1);
    expect(dragged).toHaveLength(1);
    expect(dragged[0]).toEqual([join(r.folder!, 'deep')]);
    expect(r.folder!.startsWith(join(work, 'staging'))).toBe(true);
  });

  it('cancels a running task', async () => {
    folder = join(work, 'cancelled');
    mkdirSync(folder);
    const running = backend.handle(Channel.extract, { sourceId: source.id, volume: 1, paths: ['/many'], taskId: 'c1' });
    await new Promise((r) => setTimeout(r, 30));
    value(await backend.handle(Channel.cancelTask, { taskId: 'c1' }));
    const r = await running;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('Cancelled');
  });

  it('opens a compressed image with progress, and can cancel the open', async () => {
    const demo = new URL('../../assets/demo/glovebox-demo.img.gz', import.meta.url).pathname;
    const gz = value(await backend.handle(Channel.openPath, { path: demo, taskId: 'o-gz' }));
    expect(gz.container).toBe('gz');
    expect(gz.volumes[0]).toMatchObject({ fs: 'fat16', label: 'DEMO STICK' });
    expect(events.some((e) => e.type === 'task-progress' && e.progress.taskId === 'o-gz' && e.progress.kind === 'open' && e.progress.bytes > 0)).toBe(true);
    value(await backend.handle(Channel.closeSource, { sourceId: gz.id }));
    const opening = backend.handle(Channel.openPath, { path: demo, taskId: 'o-cancel' });
    value(await backend.handle(Channel.cancelTask, { taskId: 'o-cancel' }));
    const r = await opening;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('Cancelled');
  });

  it('fails clearly: missing files, unknown sources, no file system', async () => {
    const missing = await backend.handle(Channel.openPath, { path: join(work, 'nope.img'), taskId: 'o-missing' });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.message).toMatch(/nope\.img cannot be opened/);
    const gone = await backend.handle(Channel.readdir, { sourceId: 'not-open', volume: 1, node: 1, start: 0 });
    expect(gone.ok).toBe(false);
    writeFileSync(join(work, 'zeros.img'), Buffer.alloc(1 << 20));
    const zeros = value(await backend.handle(Channel.openPath, { path: join(work, 'zeros.img'), taskId: 'o-zeros' }));
    expect(zeros.volumes[0]).toMatchObject({ fs: null, rootNode: null });
    expect(zeros.volumes[0]!.error).toMatch(/no file system/);
    value(await backend.handle(Channel.closeSource, { sourceId: zeros.id }));
  });
});
