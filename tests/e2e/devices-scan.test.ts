// Devices and scan findings in a real browser against the real core: the sidebar lists devices
// discovered from recorded sysfs trees (a laptop, and a BadUSB stick that is also a keyboard),
// a device opens and images (an image file stands in for its node: the host's open path is the
// same), and scanning the trap fixture shows every planted trap beside the tree, reveals a
// finding's file, and exports the HTML report; the clean fixture shows nothing above info.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayName } from '../../renderer/lib/names.js';
import { EXPECTED_TRAPS } from '../scan/helpers.js';
import { launchApp, type AppHost } from './host.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const SHOTS = new URL('./screenshots/', import.meta.url).pathname;

let work: string;
let traps: string;
let clean: string;
let stick: string;
let app: AppHost;
let page: Page;

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
const sidebar = () => page.getByRole('navigation', { name: 'Devices and images' });
const findings = () => page.getByRole('region', { name: 'Findings' });
const list = () => page.getByRole('listbox', { name: 'Files and folders' });

function unpack(rel: string, name: string): string {
  const out = join(work, name);
  writeFileSync(out, gunzipSync(readFileSync(join(FIXTURES, rel))));
  return out;
}

/** The findings panel's rows as "severity path" (paths as the app shows them). */
async function shownFindings(): Promise<string[]> {
  return findings()
    .locator('.finding-row')
    .evaluateAll((els) => els.map((e) => `${e.classList[1]} ${e.querySelector('.finding-path')?.textContent ?? ''}`));
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'glovebox-e2e-dev-'));
  traps = unpack('scan/traps.img.gz', 'traps.img');
  clean = unpack('scan/clean.img.gz', 'clean.img');
  stick = unpack('fat/fat16.img.gz', 'stick.img');
  app = await launchApp({
    height: 860,
    devices: { fixtures: ['linux-laptop.json', 'linux-badusb.json'], images: { '/dev/sdc': traps, '/dev/sda': stick } },
  });
  page = app.page;
});

afterAll(async () => {
  expect(app.consoleErrors).toEqual([]);
  await app?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('devices in the sidebar', () => {
  it('lists sticks and cards with their facts, the system disk apart, and the BadUSB warning with its interfaces', async () => {
    const sticks = sidebar().getByRole('list', { name: 'USB sticks and cards' });
    await sticks.getByText('SanDisk Cruzer Blade').waitFor();
    const text = await sticks.innerText();
    expect(text).toContain('USB · removable · /dev/sda');
    expect(text).toMatch(/Mounted by the OS at \/media\/alice\/MY STICK/);
    // The system disk is never listed as a stick; it is under "Other disks", marked.
    expect(text).not.toContain('Samsung SSD 980 PRO');
    const others = sidebar().getByRole('list', { name: 'Other disks', includeHidden: true });
    expect(await others.textContent()).toContain('Samsung SSD 980 PRO 1TB');
    expect(await others.textContent()).toContain('System disk: holds the running system');
    // The BadUSB stick: storage and a keyboard, in honest words.
    const warning = sticks.getByRole('note');
    await warning.waitFor();
    const w = await warning.innerText();
    expect(w).toContain('Not only storage');
    expect(w).toContain('a keyboard (HID boot keyboard)');
    expect(w).toContain('1a86:e429');
    expect(w).toMatch(/A warning, not a prevention: the OS binds a keyboard before any app can react/);
    const interfaces = await warning.getByRole('list', { name: 'USB interfaces' }).innerText();
    expect(interfaces).toContain('08:06:50 mass storage');
    expect(interfaces).toContain('03:01:01 a keyboard (HID boot keyboard)');
    expect(interfaces).toContain('usbhid');
    await shot('11-devices');
  });

  it('shows why a device cannot be read, in its row', async () => {
    const row = sidebar().getByRole('listitem').filter({ hasText: '/dev/sdb' });
    await row.getByRole('button', { name: /^Open .* read-only$/ }).click();
    await row.getByRole('alert').filter({ hasText: 'permission denied' }).waitFor();
  });

  it('saves a device as an image, with its SHA-256 beside it', async () => {
    const out = join(work, 'saved.img');
    app.savePaths.push(out);
    await sidebar().getByRole('button', { name: 'Save SanDisk Cruzer Blade as image…' }).click();
    const done = page.getByRole('status', { name: 'Saved “SanDisk Cruzer Blade” as an image' });
    await done.waitFor();
    const want = createHash('sha256').update(readFileSync(stick)).digest('hex');
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(want);
    expect(readFileSync(`${out}.sha256`, 'utf8')).toBe(`${want}  saved.img\n`);
    expect(await done.innerText()).toContain(want);
    await done.getByRole('button', { name: /^Dismiss/ }).click();
  });

  it('opens a device read-only like an image', async () => {
    await sidebar().getByRole('button', { name: 'Open USB Flash Disk read-only' }).click();
    await list().getByRole('option', { name: /^autorun\.inf( \(warning|$)/ }).waitFor();
    await sidebar().getByRole('tree').getByText('TRAPS').waitFor();
  });
});

describe('scan findings', () => {
  it('scans the volume with progress and shows every planted trap beside the tree', async () => {
    await page.getByRole('button', { name: 'Scan this volume for threats' }).click();
    await findings().getByText(/\d+ danger/).waitFor({ timeout: 30_000 });
    const shown = await shownFindings();
    const want = EXPECTED_TRAPS.map((t) => {
      const [severity, , ...path] = t.split(' ');
      return `${severity} ${displayName(path.join(' '))}`;
    });
    const rest = [...shown];
    for (const w of want) {
      const i = rest.indexOf(w);
      expect(i, `${w} is shown`).toBeGreaterThanOrEqual(0);
      rest.splice(i, 1);
    }
    expect(rest.filter((r) => !r.startsWith('info '))).toEqual([]);
    // Most severe first.
    expect(shown[0]!.startsWith('danger ')).toBe(true);
    // The volume's badge counts what is above info.
    const above = shown.filter((r) => !r.startsWith('info ')).length;
    await sidebar().getByRole('button', { name: new RegExp(`^Scanned: \\d+ danger, \\d+ warning`) }).waitFor();
    expect(await sidebar().locator('.scan-badge').innerText()).toBe(String(above));
  });

  it('selects a finding’s file in the list, with its evidence and why', async () => {
    await findings().getByRole('button', { name: /^Danger: .*, \/Documents\/report\.lnk$/ }).click();
    await list().getByRole('option', { name: /^report\.lnk( \(warning|$)/, selected: true }).waitFor();
    await expect(page.getByRole('navigation', { name: 'Current folder' }).innerText()).resolves.toContain('Documents');
    const detail = findings().getByRole('region', { name: 'Finding details' });
    expect((await detail.getByRole('list', { name: 'Evidence' }).innerText()).toLowerCase()).toContain('powershell');
    expect(await detail.innerText()).toMatch(/\/Documents\/report\.lnk/);
    await shot('12-findings');
  });

  it('exports the HTML report (written by the host, never shown inside the app)', async () => {
    const out = join(work, 'traps-report.html');
    app.savePaths.push(out);
    await findings().getByRole('button', { name: 'Export report…' }).click();
    await findings().getByText(`Report saved to ${out}`).waitFor();
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('autorun.inf');
    expect(html).toContain('report.lnk');
    expect(await page.locator('iframe, webview, object, embed').count()).toBe(0);
  });

  it('finds nothing above info on the clean fixture (scan from the volume’s context menu)', async () => {
    app.dialogPaths.push(clean);
    await page.getByRole('button', { name: 'Open image…' }).first().click();
    const volume = sidebar().getByRole('tree').getByRole('button', { name: /^CLEAN/ });
    await volume.waitFor();
    await volume.click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Scan for threats' }).click();
    await findings().getByText(/0 danger/).waitFor({ timeout: 30_000 });
    const shown = await shownFindings();
    expect(shown.filter((r) => !r.startsWith('info '))).toEqual([]);
    await sidebar().getByRole('button', { name: 'Scanned: nothing above info. Show findings' }).waitFor();
    expect(existsSync(traps)).toBe(true);
  });
});
