// The app in a real browser against the real core: open a fixture image, browse, preview,
// filter, extract, see errors, and scroll a 100,000-entry folder. Screenshots of the main
// states go to tests/e2e/screenshots/ (git-ignored).

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type AppHost } from './host.js';
import { SYNTHETIC_PATH } from './synthetic.js';

const ROOT = new URL('../../', import.meta.url);
const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
const FAT = new URL('tests/fixtures/fat/', ROOT).pathname;

interface Expected {
  path: string;
  type: string;
  size: number;
  sha256?: string;
}
const expected: Expected[] = readFileSync(join(FAT, 'fat16.expected.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Expected);

let work: string;
let image: string;
let app: AppHost;
let page: Page;

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
const list = () => page.getByRole('listbox', { name: 'Files and folders' });
const row = (name: string) => list().getByRole('option', { name, exact: true });

async function openImage(path: string) {
  app.dialogPaths.push(path);
  await page.getByRole('button', { name: 'Open image…' }).first().click();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'glovebox-e2e-'));
  image = join(work, 'stick.img');
  writeFileSync(image, gunzipSync(readFileSync(join(FAT, 'fat16.img.gz'))));
  app = await launchApp();
  page = app.page;
});

afterAll(async () => {
  expect(app.consoleErrors).toEqual([]);
  await app?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the desktop app in Chromium, against the real sandbox', () => {
  it('starts on a calm welcome screen', async () => {
    await page.getByRole('heading', { name: 'Look inside a disk image or USB stick' }).waitFor();
    await shot('01-welcome');
  });

  it('opens an image and lists its root folder', async () => {
    await openImage(image);
    await row('hello.txt').waitFor();
    const names = await list().getByRole('option').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    const rootNames = expected.filter((e) => e.path.lastIndexOf('/') === 0).map((e) => e.path.slice(1));
    expect(new Set(names)).toEqual(new Set(rootNames));
    // Folders first.
    expect(names.slice(0, 3)).toEqual(['attrs', 'binary', 'deep']);
    // The sidebar shows the image with its volume, and the status bar the sandbox's isolation.
    await page.getByRole('navigation', { name: 'Devices and images' }).getByText('GLOVE FAT16').waitFor();
    const status = await page.getByRole('contentinfo', { name: 'Status' }).innerText();
    expect(status).toMatch(/no-files/);
    expect(status).toMatch(/\d+ reads?/);
  });

  it('expands folders in the tree and opens them with the keyboard', async () => {
    const tree = page.getByRole('tree');
    await tree.getByRole('button', { name: 'Expand deep' }).click();
    await tree.getByRole('treeitem', { name: 'l1' }).waitFor();
    await tree.getByRole('button', { name: 'Expand l1' }).click();
    await tree.getByRole('treeitem', { name: 'l2' }).waitFor();
    // Into /docs with the keyboard: focus the list, type-ahead, Enter.
    await list().focus();
    await page.keyboard.type('doc');
    await expect(list().getByRole('option', { selected: true }).getAttribute('aria-label')).resolves.toBe('docs');
    await page.keyboard.press('Enter');
    await row('guide.md').waitFor();
    await expect(page.getByRole('navigation', { name: 'Current folder' }).innerText()).resolves.toContain('docs');
    await page.keyboard.press('Backspace');
    await row('hello.txt').waitFor();
    await expect(list().getByRole('option', { selected: true }).getAttribute('aria-label')).resolves.toBe('docs');
  });

  it('shows a text file’s details, text and hex preview', async () => {
    await row('hello.txt').click();
    const details = page.getByRole('region', { name: 'Details of the selected item' });
    await details.getByText('25 B').waitFor();
    const text = page.getByLabel('File text');
    await text.waitFor();
    const bytes = await readBack('/hello.txt');
    expect(await text.innerText()).toBe(bytes.toString('utf8').replace(/\r\n/g, '\n').replace(/\n$/, '\n'));
    await page.getByText('UTF-8 · ').first().waitFor();
    await shot('02-text-preview');
    await page.getByRole('tab', { name: 'Hex' }).click();
    const hex = page.getByLabel('Hex dump');
    await hex.waitFor();
    const firstRow = bytes.subarray(0, Math.min(16, bytes.length));
    const hexText = [...firstRow].map((b) => b.toString(16).padStart(2, '0'));
    expect((await hex.innerText()).replace(/\s+/g, ' ')).toContain(`00000000 ${hexText.slice(0, 8).join(' ')}`);
    // SHA-256 on demand, through the sandbox.
    await details.getByRole('button', { name: 'Compute' }).click();
    const sha = expected.find((e) => e.path === '/hello.txt')!.sha256!;
    await details.getByText(sha).waitFor();
  });

  it('shows a big binary file as a virtualized hex dump', async () => {
    await page.getByRole('tree').getByRole('button', { name: 'binary', exact: true }).click();
    await row('big.bin').click();
    const hex = page.getByLabel('Hex dump');
    await hex.waitFor();
    await page.getByRole('tabpanel').getByText('200,000 bytes').waitFor();
    const rows = await hex.locator('.hex-row').count();
    expect(rows).toBeLessThan(100);
    // Scroll to the end: the last row's bytes are read on demand.
    await hex.evaluate((el) => (el.scrollTop = el.scrollHeight));
    const lastOffset = (Math.ceil(200_000 / 16) - 1) * 16;
    await hex.getByText(lastOffset.toString(16).padStart(8, '0')).waitFor();
    const data = await readBack('/binary/big.bin');
    const tail = [...data.subarray(lastOffset)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    await page.waitForFunction((t) => document.querySelector('.hex-scroll')?.textContent?.replace(/\s+/g, ' ').includes(t), tail);
    await shot('03-hex-preview');
  });

  it('filters by name, sorts, and multi-selects', async () => {
    await page.getByRole('treeitem', { name: /^GLOVE FAT16, FAT16/ }).getByRole('button', { name: /^GLOVE FAT16/ }).click();
    await row('hello.txt').waitFor();
    await page.getByRole('searchbox', { name: 'Filter by name' }).fill('txt');
    await expect(list().getByRole('option').count()).resolves.toBe(expected.filter((e) => e.path.lastIndexOf('/') === 0 && e.path.toLowerCase().includes('txt')).length);
    await expect(row('attrs').count()).resolves.toBe(0);
    await page.getByRole('button', { name: /^Sort by size/ }).click();
    const sizes = await list().getByRole('option').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    expect(sizes[0]).toBe('empty.txt');
    await row('hello.txt').click();
    await row('lower.txt').click({ modifiers: ['Control'] });
    await page.getByRole('region', { name: 'Selection summary' }).getByText('2 items selected').waitFor();
    await shot('04-filter-multiselect');
    await page.getByRole('searchbox', { name: 'Filter by name' }).fill('');
    await page.getByRole('button', { name: /^Sort by name/ }).click();
  });

  it('extracts a folder through the context menu; the files land with the right bytes', async () => {
    const out = join(work, 'extracted');
    mkdirSync(out);
    app.extractFolder = out;
    await row('deep').click({ button: 'right' });
    await page.getByRole('menu', { name: 'Actions' }).waitFor();
    await shot('05-context-menu');
    await page.getByRole('menuitem', { name: 'Extract to…' }).click();
    await page.getByRole('status', { name: /Extracted “deep”/ }).getByText(/→/).waitFor();
    await shot('06-extracted');
    const want = expected.filter((e) => e.path.startsWith('/deep/') || e.path === '/deep');
    for (const e of want) {
      const p = join(out, ...e.path.split('/').filter(Boolean));
      const st = statSync(p);
      expect(st.isDirectory()).toBe(e.type === 'dir');
      if (e.type === 'file') expect(createHash('sha256').update(readFileSync(p)).digest('hex')).toBe(e.sha256);
    }
    expect(readdirSync(out)).toEqual(['deep']);
    await page.getByRole('button', { name: /^Dismiss: Extracted/ }).click();
  });

  it('drags a folder out: staged through the safe writer, then handed to the OS drag', async () => {
    await row('docs').dispatchEvent('dragstart');
    await expect.poll(() => app.dragged.length).toBe(1);
    const [staged] = app.dragged[0]!;
    expect(staged).toMatch(/[\\/]drag-[^\\/]+[\\/]docs$/);
    const guide = readFileSync(join(staged!, 'guide.md'));
    expect(createHash('sha256').update(guide).digest('hex')).toBe(expected.find((e) => e.path === '/docs/guide.md')!.sha256);
  });

  it('shows a corrupt image’s error clearly, in place', async () => {
    const junk = join(work, 'junk.img');
    const bytes = Buffer.alloc(1 << 20);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    writeFileSync(junk, bytes);
    await openImage(junk);
    const alert = page.getByRole('main').getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/no file system Glovebox recognises/);
    await shot('07-corrupt-image');
    // A damaged file system: the volume opens, but a file's data points outside the image.
    const truncated = join(work, 'truncated.img');
    writeFileSync(truncated, readFileSync(image).subarray(0, 300_000));
    await openImage(truncated);
    await row('docs').dblclick();
    await row('guide.md').click();
    const failure = page.getByRole('region', { name: /Preview of guide\.md/ }).getByRole('alert');
    await failure.waitFor();
    expect(await failure.innerText()).toMatch(/could not be read/);
    await shot('08-damaged-file');
    // The first image is still there, where it was.
    await page.getByRole('tree').getByText('stick.img').waitFor();
  });

  it('scrolls a 100,000-entry folder with only the visible rows in the DOM', async () => {
    await openImage(SYNTHETIC_PATH);
    await row('big').dblclick();
    await page.getByRole('status').getByText('100,000 items').waitFor();
    const before = await list().getByRole('option').count();
    expect(before).toBeGreaterThan(10);
    expect(before).toBeLessThan(120);
    const t0 = Date.now();
    await list().evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await row('file-050000.txt').waitFor();
    await list().focus();
    await page.keyboard.press('End');
    await row('file-099999.txt').waitFor();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await list().getByRole('option').count()).toBeLessThan(120);
    await expect(list().getByRole('option', { selected: true }).getAttribute('aria-label')).resolves.toBe('file-099999.txt');
    await shot('09-100k-entries');
  });
});

describe('dark theme', () => {
  it('follows the OS colour scheme', async () => {
    const dark = await launchApp({ colorScheme: 'dark' });
    try {
      dark.dialogPaths.push(image);
      await dark.page.getByRole('button', { name: 'Open image…' }).first().click();
      await dark.page.getByRole('option', { name: 'hello.txt', exact: true }).click();
      await dark.page.getByLabel('File text').waitFor();
      const bg = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).toBe('rgb(27, 30, 36)');
      await dark.page.screenshot({ path: join(SHOTS, '10-dark.png') });
      expect(dark.consoleErrors).toEqual([]);
    } finally {
      await dark.close();
    }
  });
});

/** A file's bytes, read by the CLI path (ImageSession) for comparison. */
async function readBack(path: string): Promise<Buffer> {
  const want = expected.find((e) => e.path === path);
  if (!want) throw new Error(`not in the fixture: ${path}`);
  const { execFileSync } = await import('node:child_process');
  return execFileSync(process.execPath, [new URL('bin/glovebox.js', ROOT).pathname, 'cat', image, path]);
}
