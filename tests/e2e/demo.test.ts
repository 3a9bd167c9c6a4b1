// The demo image (`npm start` opens it): its suspicious files are flagged, pictures are shown
// from blob: URLs, SVG only as text. Also makes the screenshots the README uses.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type AppHost } from './host.js';

const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
let work: string;
let app: AppHost;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'glovebox-demo-e2e-'));
  // Opened compressed, as `npm start` does: the sandbox expands it first.
  writeFileSync(join(work, 'glovebox-demo.img.gz'), readFileSync(new URL('../../assets/demo/glovebox-demo.img.gz', import.meta.url)));
  app = await launchApp({ width: 1200, height: 720 });
  app.dialogPaths.push(join(work, 'glovebox-demo.img.gz'));
  await app.page.getByRole('button', { name: 'Open image…' }).first().click();
});

afterAll(async () => {
  expect(app.consoleErrors).toEqual([]);
  await app?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the demo image', () => {
  it('flags the suspicious files, and shows the disguised name as it really is', async () => {
    const list = app.page.getByRole('listbox', { name: 'Files and folders' });
    const rlo = list.getByRole('option', { name: /^Payslip⟨RLO⟩fdp\.scr \(warning:/ });
    await rlo.click();
    await app.page.getByRole('note').getByText(/invisible or direction-changing/).waitFor();
    for (const name of [/^invoice\.pdf\.exe \(warning: A program disguised/, /^Holiday photos\.lnk \(warning: A Windows shortcut/, /^autorun\.inf \(warning:/]) {
      await list.getByRole('option', { name }).waitFor();
    }
    await app.page.screenshot({ path: join(SHOTS, 'demo-suspicious.png') });
  });

  it('shows a picture from a blob: URL, and SVG only as text', async () => {
    await app.page.getByRole('tree').getByRole('button', { name: 'Pictures', exact: true }).click();
    const list = app.page.getByRole('listbox', { name: 'Files and folders' });
    await list.getByRole('option', { name: 'sunset.png' }).click();
    const img = app.page.getByRole('img', { name: 'Picture sunset.png' });
    await img.waitFor();
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    await app.page.getByText('96 × 64 pixels').waitFor();
    await app.page.screenshot({ path: join(SHOTS, 'demo-picture.png') });
    await list.getByRole('option', { name: 'diagram.svg' }).click();
    await app.page.getByText('SVG can carry scripts: it is shown as text, never rendered.').waitFor();
    expect(await app.page.getByLabel('File text').innerText()).toContain('onload="alert(1)"');
    expect(await app.page.locator('.preview img, .preview svg:not([aria-hidden])').count()).toBe(0);
  });

  it('detects a UTF-16 text file', async () => {
    await app.page.getByRole('tree').getByRole('button', { name: 'Documents', exact: true }).click();
    await app.page.getByRole('listbox', { name: 'Files and folders' }).getByRole('option', { name: 'Unicode (UTF-16).txt' }).click();
    await app.page.getByText(/^UTF-16 LE · /).waitFor();
    expect(await app.page.getByLabel('File text').innerText()).toContain('Grüße aus Zürich');
    await app.page.screenshot({ path: join(SHOTS, 'demo-text.png') });
  });

  it('scans the stick and shows what could hurt, beside the list', async () => {
    await app.page.getByRole('button', { name: 'Scan this volume for threats' }).click();
    const panel = app.page.getByRole('region', { name: 'Findings' });
    await panel.getByText(/\d+ danger/).waitFor({ timeout: 30_000 });
    await panel.getByRole('button', { name: /^Danger: .*Payslip⟨RLO⟩fdp\.scr$/ }).first().click();
    await app.page.getByRole('listbox', { name: 'Files and folders' }).getByRole('option', { name: /^Payslip⟨RLO⟩fdp\.scr/, selected: true }).waitFor();
    await app.page.screenshot({ path: join(SHOTS, 'demo-findings.png') });
  });
});

describe('the demo image, dark', () => {
  it('follows a dark OS theme', async () => {
    const dark = await launchApp({ width: 1200, height: 720, colorScheme: 'dark' });
    try {
      dark.dialogPaths.push(join(work, 'glovebox-demo.img.gz'));
      await dark.page.getByRole('button', { name: 'Open image…' }).first().click();
      await dark.page.getByRole('tree').getByRole('button', { name: 'Documents', exact: true }).click();
      await dark.page.getByRole('listbox', { name: 'Files and folders' }).getByRole('option', { name: 'Meeting notes.md' }).click();
      await dark.page.getByLabel('File text').getByText(/Zoë Ångström/).waitFor();
      await dark.page.screenshot({ path: join(SHOTS, 'demo-dark.png') });
      expect(dark.consoleErrors).toEqual([]);
    } finally {
      await dark.close();
    }
  });
});
