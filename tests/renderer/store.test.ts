// The store alone, over a fake client: opening, navigation, selection, filtering and sorting,
// previews, tasks and errors kept in place.

import { describe, expect, it } from 'vitest';
import { createAppStore, currentDir, visibleEntries } from '../../renderer/store/index.js';
import { Channel } from '../../electron/shared/api.js';
import { fakeClient, text, until } from './fake-client.js';

const tree = () => [
  { name: 'docs', type: 'dir' as const, children: [{ name: 'guide.md', type: 'file' as const, bytes: text('# Guide\n') }] },
  { name: 'broken', type: 'dir' as const, fails: 'cluster chain loops at cluster 7' },
  { name: 'b.txt', type: 'file' as const, bytes: text('bbbb') },
  { name: 'a.txt', type: 'file' as const, bytes: text('a') },
  { name: 'c.bin', type: 'file' as const, bytes: new Uint8Array([0, 1, 2, 3, 0, 0, 0]) },
  { name: 'bad.txt', type: 'file' as const, bytes: text('x'), fails: 'read past the end of the device' },
];

async function opened(mountAvailable = false) {
  const fake = fakeClient(tree(), { mountAvailable });
  const store = createAppStore(fake.client);
  store.getState().init();
  await store.getState().openPath('/images/stick.img');
  await until(() => currentDir(store.getState())?.status === 'ready');
  return { store, fake };
}

describe('store', () => {
  it('opens an image at its first volume, folders first, first entry selected', async () => {
    const { store } = await opened();
    const s = store.getState();
    expect(s.sources).toHaveLength(1);
    expect(s.recent[0]).toBe('/images/stick.img');
    expect(visibleEntries(s).map((e) => e.name)).toEqual(['broken', 'docs', 'a.txt', 'b.txt', 'bad.txt', 'c.bin']);
    expect([...s.selected]).toEqual(['broken']);
  });

  it('navigates in and out, keeping the place it came from', async () => {
    const { store } = await opened();
    store.getState().enter('docs');
    await until(() => currentDir(store.getState())?.status === 'ready');
    expect(visibleEntries(store.getState()).map((e) => e.name)).toEqual(['guide.md']);
    expect(store.getState().location?.trail.map((c) => c.name)).toEqual(['', 'docs']);
    store.getState().goUp();
    expect(store.getState().focused).toBe('docs');
  });

  it('shows a folder that cannot be listed as an error in place, without losing the tree', async () => {
    const { store } = await opened();
    store.getState().enter('broken');
    await until(() => currentDir(store.getState())?.status === 'error');
    expect(currentDir(store.getState())?.error).toEqual({ kind: 'Corrupt', message: 'cluster chain loops at cluster 7' });
    expect(store.getState().errorCount).toBe(1);
    store.getState().goUp();
    expect(visibleEntries(store.getState())).toHaveLength(6);
  });

  it('filters, sorts and selects ranges', async () => {
    const { store } = await opened();
    store.getState().setFilter('TXT');
    expect(visibleEntries(store.getState()).map((e) => e.name)).toEqual(['a.txt', 'b.txt', 'bad.txt']);
    store.getState().setSort('size');
    expect(visibleEntries(store.getState()).map((e) => e.name)).toEqual(['a.txt', 'bad.txt', 'b.txt']);
    store.getState().setSort('size');
    expect(visibleEntries(store.getState()).map((e) => e.name)).toEqual(['b.txt', 'bad.txt', 'a.txt']);
    store.getState().setFilter('');
    store.getState().setSort('name');
    store.getState().select('a.txt', 'replace');
    store.getState().select('bad.txt', 'range');
    expect([...store.getState().selected]).toEqual(['a.txt', 'b.txt', 'bad.txt']);
    store.getState().select('docs', 'toggle');
    expect(store.getState().selected.size).toBe(4);
    store.getState().moveFocus('end', false);
    expect([...store.getState().selected]).toEqual(['c.bin']);
    store.getState().typeAhead('b');
    expect(store.getState().focused).toBe('broken');
    store.getState().typeAhead('b.');
    expect(store.getState().focused).toBe('b.txt');
  });

  it('previews the focused file as text or hex; read errors stay in the preview', async () => {
    const { store } = await opened();
    store.getState().select('b.txt', 'replace');
    await until(() => store.getState().preview?.status === 'ready');
    expect(store.getState().preview?.sniffed?.kind).toBe('text');
    store.getState().select('c.bin', 'replace');
    await until(() => store.getState().preview?.status === 'ready' && store.getState().preview?.key.endsWith('c.bin') === true);
    expect(store.getState().preview?.sniffed?.kind).toBe('hex');
    expect(store.getState().hex?.pages[0]).toEqual(new Uint8Array([0, 1, 2, 3, 0, 0, 0]));
    store.getState().select('bad.txt', 'replace');
    await until(() => store.getState().preview?.status === 'error');
    expect(store.getState().preview?.error?.message).toBe('read past the end of the device');
  });

  it('runs tasks: extract the selection, hash the focused file', async () => {
    const { store, fake } = await opened();
    store.getState().select('a.txt', 'replace');
    store.getState().select('docs', 'toggle');
    await store.getState().extract();
    const call = fake.calls.find((c) => c.channel === Channel.extract)!;
    expect((call.req as { paths: string[] }).paths.sort()).toEqual(['/a.txt', '/docs']);
    expect(store.getState().tasks[0]).toMatchObject({ status: 'done', doneLabel: 'Extracted 2 items' });
    store.getState().select('a.txt', 'replace');
    await store.getState().hash();
    expect(Object.values(store.getState().hashes)).toEqual(['ab'.repeat(32)]);
  });

  it('reacts to main’s events: menu commands and task progress', async () => {
    const { store, fake } = await opened();
    fake.emit({ type: 'menu', command: 'select-all' });
    expect(store.getState().selected.size).toBe(6);
    fake.emit({ type: 'open-failed', path: '/x/gone.img', error: { kind: 'Io', message: 'ENOENT' } });
    expect(store.getState().openError).toEqual({ title: 'gone.img could not be opened', message: 'ENOENT' });
  });

  it('fills a running scan from scan-findings events; the answer replaces them; other tasks are ignored', async () => {
    const { store, fake } = await opened();
    const scanning = store.getState().scanVolume();
    const scan = () => store.getState().scans['src1|1']!;
    expect(scan().status).toBe('running');
    expect(store.getState().tasks.map((t) => t.kind)).toEqual(['scan']);
    const f = { severity: 'warning' as const, kind: 'script', path: '/a.txt', title: 'Script', evidence: [], why: 'Runs.', node: 3 };
    fake.emit({ type: 'scan-findings', taskId: scan().taskId, findings: [f, f] });
    fake.emit({ type: 'scan-findings', taskId: 'another', findings: [f] });
    expect(scan().findings).toHaveLength(2);
    await scanning;
    expect(scan()).toMatchObject({ status: 'done', findings: [] });
    expect(store.getState().tasks).toEqual([]);
    expect(store.getState().findingsShown).toBe('src1|1');
  });
});

describe('safe mount', () => {
  it('is unavailable unless main says otherwise; asking anyway does nothing', async () => {
    const { store, fake } = await opened();
    await until(() => fake.calls.some((c) => c.channel === Channel.mountSupport));
    expect(store.getState().mountAvailable).toBe(false);
    await store.getState().mountVolume('src1', 1);
    expect(fake.calls.filter((c) => c.channel === Channel.mount)).toEqual([]);
    expect(store.getState().mounts).toEqual({});
  });

  it('mounts and unmounts a volume by reference; follows main’s mounts events; closing the source drops them', async () => {
    const { store, fake } = await opened(true);
    await until(() => store.getState().mountAvailable);
    await store.getState().mountVolume('src1', 1);
    expect(fake.calls.filter((c) => c.channel === Channel.mount).map((c) => c.req)).toEqual([{ sourceId: 'src1', volume: 1 }]);
    expect(store.getState().mounts).toEqual({ 'src1|1': '/run/user/1000/glovebox/STICK (1)' });
    expect(store.getState().mountBusy).toEqual({});
    await store.getState().unmountVolume('src1', 1);
    expect(store.getState().mounts).toEqual({});
    fake.emit({ type: 'mounts', mounts: [{ sourceId: 'src1', volume: 1, path: '/run/user/1000/glovebox/x' }] });
    expect(store.getState().mounts).toEqual({ 'src1|1': '/run/user/1000/glovebox/x' });
    await store.getState().closeSource('src1');
    expect(store.getState().mounts).toEqual({});
  });
});
