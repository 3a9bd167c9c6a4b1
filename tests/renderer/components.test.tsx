// @vitest-environment jsdom
// The components over a store with a fake client (Testing Library): accessible names, the list,
// keyboard navigation, the context menu, previews and errors in place.

import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../renderer/components/App.js';
import { createAppStore, StoreContext } from '../../renderer/store/index.js';
import { fakeClient, text, until, type FakeExtra } from './fake-client.js';

beforeAll(() => {
  // jsdom has no layout: a ResizeObserver that never reports is enough.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});
afterEach(cleanup);

function setup(
  tree = [
  { name: 'docs', type: 'dir' as const, children: [{ name: 'guide.md', type: 'file' as const, bytes: text('# Guide\n') }] },
  { name: 'hello.txt', type: 'file' as const, bytes: text('Hello, world\n') },
  { name: 'invoice.pdf.exe', type: 'file' as const, bytes: text('MZ') },
  { name: 'broken', type: 'dir' as const, fails: 'directory entry 3 points outside the volume' },
  ],
  extra: FakeExtra = {},
) {
  const fake = fakeClient(tree, extra);
  const store = createAppStore(fake.client);
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>,
  );
  return { store, fake };
}

const settle = () => act(async () => new Promise((r) => setTimeout(r, 120)));

describe('components', () => {
  it('welcome screen, then an opened image with a list of named rows', async () => {
    const { store } = setup();
    expect(screen.getByRole('heading', { name: 'Look inside a disk image or USB stick' })).toBeTruthy();
    await act(() => store.getState().openPath('/images/stick.img'));
    await settle();
    const list = screen.getByRole('listbox', { name: 'Files and folders' });
    const names = within(list).getAllByRole('option').map((o) => o.getAttribute('aria-label'));
    expect(names[0]).toBe('broken');
    expect(names).toContain('hello.txt');
    // The double extension is flagged in the row's accessible name.
    expect(names.find((n) => n?.startsWith('invoice.pdf.exe'))).toMatch(/warning: A program disguised/);
    expect(screen.getByRole('contentinfo', { name: 'Status' }).textContent).toMatch(/Sandboxed/);
  });

  it('keyboard: arrows move the selection, Enter opens, Backspace goes back', async () => {
    const { store } = setup();
    await act(() => store.getState().openPath('/images/stick.img'));
    await settle();
    const list = screen.getByRole('listbox', { name: 'Files and folders' });
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(store.getState().focused).toBe('docs');
    fireEvent.keyDown(list, { key: 'Enter' });
    await settle();
    expect(screen.getByRole('navigation', { name: 'Current folder' }).textContent).toContain('docs');
    expect(within(list).getAllByRole('option').map((o) => o.getAttribute('aria-label'))).toEqual(['guide.md']);
    fireEvent.keyDown(list, { key: 'Backspace' });
    await settle();
    expect(store.getState().focused).toBe('docs');
  });

  it('previews text in place and shows the file’s details', async () => {
    const { store } = setup();
    await act(() => store.getState().openPath('/images/stick.img'));
    await settle();
    act(() => store.getState().select('hello.txt', 'replace'));
    await settle();
    await act(() => until(() => store.getState().preview?.status === 'ready'));
    expect(screen.getByLabelText('File text').textContent).toBe('Hello, world\n');
    expect(screen.getByRole('tab', { name: 'Text' }).getAttribute('aria-selected')).toBe('true');
    fireEvent.click(screen.getByRole('tab', { name: 'Hex' }));
    expect(screen.getByLabelText('Hex dump')).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Details of the selected item' }).textContent).toContain('/hello.txt');
  });

  it('context menu: Extract to…, Copy path, Compute SHA-256', async () => {
    const { store, fake } = setup();
    await act(() => store.getState().openPath('/images/stick.img'));
    await settle();
    act(() => store.getState().select('hello.txt', 'replace'));
    const list = screen.getByRole('listbox', { name: 'Files and folders' });
    fireEvent.contextMenu(list, { clientX: 100, clientY: 100 });
    const menu = screen.getByRole('menu', { name: 'Actions' });
    expect(within(menu).getAllByRole('menuitem').map((b) => b.textContent)).toEqual(['Extract to…Ctrl+E', 'Copy pathCtrl+Shift+C', 'Compute SHA-256', 'Select allCtrl+A']);
    await act(async () => fireEvent.click(within(menu).getByRole('menuitem', { name: /Copy path/ })));
    expect(fake.calls.filter((c) => c.channel === 'glovebox:copy-text')).toEqual([{ channel: 'glovebox:copy-text', req: { text: '/hello.txt' } }]);
    expect(screen.queryByRole('menu')).toBeNull();
  });

  it('a folder that cannot be read shows its error in place, with a retry', async () => {
    const { store } = setup();
    await act(() => store.getState().openPath('/images/stick.img'));
    await settle();
    act(() => store.getState().enter('broken'));
    await settle();
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('This folder could not be read');
    expect(alert.textContent).toContain('directory entry 3 points outside the volume');
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeTruthy();
    // The sidebar still has the image and its tree.
    expect(screen.getByRole('tree').textContent).toContain('stick.img');
  });
});

describe('tasks', () => {
  it('show progress while running, offer Cancel, and report the result', async () => {
    const { store, fake } = setup();
    await act(() => store.getState().openPath('/images/stick.img'));
    await settle();
    let finish!: () => void;
    const original = fake.client.call;
    fake.client.call = (async (channel: string, req: { taskId?: string }) => {
      if (channel !== 'glovebox:extract') return original(channel as never, req as never);
      await new Promise<void>((r) => (finish = r));
      return { taskId: req.taskId, kind: 'extract', files: 3, dirs: 1, bytes: 2048, problems: ['a: renamed'], folder: '/out', sha256: null };
    }) as typeof fake.client.call;
    act(() => store.getState().select('docs', 'replace'));
    let running!: Promise<void>;
    act(() => {
      running = store.getState().extract();
    });
    const taskId = store.getState().tasks[0]!.id;
    act(() => fake.emit({ type: 'task-progress', progress: { taskId, kind: 'extract', files: 2, bytes: 1024, bytesTotal: null, current: '/docs/a' } }));
    const card = screen.getByRole('status', { name: 'Extracting “docs”' });
    expect(card.textContent).toContain('2 files · 1.0 KB');
    expect(within(card).getByRole('progressbar')).toBeTruthy();
    fireEvent.click(within(card).getByRole('button', { name: 'Cancel' }));
    expect(fake.calls.some((c) => c.channel === 'glovebox:cancel-task')).toBe(true);
    await act(async () => {
      finish();
      await running;
    });
    const done = screen.getByRole('status', { name: 'Extracted “docs”' });
    expect(done.textContent).toContain('3 files, 1 folder (2.0 KB) → /out');
    expect(done.textContent).toContain('1 note');
  });
});

describe('opening a slow (compressed) image', () => {
  it('shows a task with progress and Cancel; a cancelled open leaves no error', async () => {
    const { store, fake } = setup();
    act(() => store.getState().init());
    const original = fake.client.call;
    let fail!: (e: Error) => void;
    fake.client.call = (async (channel: string, req: unknown) => {
      if (channel !== 'glovebox:open-path') return original(channel as never, req as never);
      return new Promise((_resolve, reject) => (fail = reject));
    }) as typeof fake.client.call;
    let opening!: Promise<void>;
    act(() => {
      opening = store.getState().openPath('/images/big.img.xz');
    });
    await act(async () => new Promise((r) => setTimeout(r, 450)));
    const taskId = store.getState().tasks[0]!.id;
    act(() => fake.emit({ type: 'task-progress', progress: { taskId, kind: 'open', files: 0, bytes: 3 * 1048576, bytesTotal: 8 * 1048576, current: 'xz' } }));
    const card = screen.getByRole('status', { name: 'Opening “big.img.xz”' });
    expect(card.textContent).toContain('3.0 MB of 8.0 MB decompressed (xz)');
    expect(within(card).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('38');
    fireEvent.click(within(card).getByRole('button', { name: 'Cancel' }));
    expect(fake.calls.some((c) => c.channel === 'glovebox:cancel-task')).toBe(true);
    const { ApiFailure } = await import('../../renderer/api.js');
    await act(async () => {
      fail(new ApiFailure('Cancelled', 'opening big.img.xz was cancelled'));
      await opening;
    });
    expect(store.getState().tasks).toEqual([]);
    expect(store.getState().openError).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('safe mount', () => {
  const volumeMenu = () => {
    const side = screen.getByRole('navigation', { name: 'Devices and images' });
    fireEvent.contextMenu(within(side).getByText('STICK'), { clientX: 50, clientY: 50 });
    return screen.getByRole('menu', { name: 'Actions' });
  };

  it('offers no mount action where main cannot mount', async () => {
    const { store } = setup(undefined, { mountAvailable: false });
    await act(() => store.getState().openPath('/images/stick.img'));
    await settle();
    expect(within(volumeMenu()).queryByRole('menuitem', { name: /Mount|Unmount/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Mount this volume safely' })).toBeNull();
    act(() => store.setState({ focused: null, selected: new Set() }));
    expect(screen.getByRole('region', { name: 'Volume summary' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Mount safely' })).toBeNull();
  });

  it('Mount safely (toolbar, volume menu, summary): badge, toolbar Unmount, path in the status bar and the volume summary', async () => {
    const { store, fake } = setup(undefined, { mountAvailable: true });
    await act(() => store.getState().openPath('/images/stick.img'));
    await settle();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Mount this volume safely' })));
    await settle();
    expect(fake.calls.filter((c) => c.channel === 'glovebox:mount').map((c) => c.req)).toEqual([{ sourceId: 'src1', volume: 1 }]);
    const path = '/run/user/1000/glovebox/STICK (1)';
    expect(screen.getByRole('img', { name: `Mounted read-only at ${path}` })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Unmount this volume' }).getAttribute('title')).toBe(`Mounted read-only at ${path}`);
    expect(screen.getByLabelText('Mount point').textContent?.trim()).toBe(`Mounted at ${path}`);
    act(() => store.setState({ focused: null, selected: new Set() }));
    const summary = screen.getByRole('region', { name: 'Volume summary' });
    expect(within(summary).getByText(path)).toBeTruthy();
    await act(async () => fireEvent.click(within(summary).getByRole('button', { name: 'Unmount' })));
    await settle();
    expect(fake.calls.filter((c) => c.channel === 'glovebox:unmount').map((c) => c.req)).toEqual([{ sourceId: 'src1', volume: 1 }]);
    expect(screen.queryByRole('img', { name: /Mounted read-only/ })).toBeNull();
    expect(within(summary).getByRole('button', { name: 'Mount safely' })).toBeTruthy();
    // And again from the volume's context menu, which then offers Unmount.
    const item = within(volumeMenu()).getByRole('menuitem', { name: 'Mount safely' });
    await act(async () => fireEvent.click(item));
    await settle();
    expect(fake.calls.filter((c) => c.channel === 'glovebox:mount')).toHaveLength(2);
    expect(screen.getByRole('img', { name: `Mounted read-only at ${path}` })).toBeTruthy();
    expect(within(volumeMenu()).getByRole('menuitem', { name: 'Unmount' })).toBeTruthy();
  });
});
