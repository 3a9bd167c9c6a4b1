// "Mount safely" in the app. The test host never mounts: by default it reports mounting as
// unavailable (as the app does without FUSE), and the action must not be offered; with its fake
// mounter (available, pretends to mount) the volume's menu offers it and the mounted state shows.
// The real mount path (Backend over FUSE) is tested in tests/electron/backend-mount.test.ts.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type AppHost } from './host.js';

const ROOT = new URL('../../', import.meta.url);
const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
let work: string;
let image: string;

beforeAll(() => {
  mkdirSync(SHOTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'glovebox-e2e-mount-'));
  image = join(work, 'stick.img');
  writeFileSync(image, gunzipSync(readFileSync(new URL('tests/fixtures/fat/fat16.img.gz', ROOT))));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function openAndRightClickVolume(app: AppHost) {
  const page = app.page;
  app.dialogPaths.push(image);
  await page.getByRole('button', { name: 'Open image…' }).first().click();
  await page.getByRole('option', { name: 'hello.txt', exact: true }).waitFor();
  await page.getByRole('navigation', { name: 'Devices and images' }).getByText('GLOVE FAT16').click({ button: 'right' });
  await page.getByRole('menu', { name: 'Actions' }).waitFor();
}

describe('Mount safely', () => {
  it('is hidden where main reports mounting as unavailable', async () => {
    const app = await launchApp();
    try {
      await openAndRightClickVolume(app);
      const items = await app.page.getByRole('menuitem').allInnerTexts();
      expect(items).toContain('Scan for threats');
      expect(items.join('|')).not.toMatch(/Mount|Unmount/);
      await app.page.keyboard.press('Escape');
      expect(await app.page.getByRole('button', { name: /Mount this volume|Mount safely/ }).count()).toBe(0);
      expect(app.consoleErrors).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('mounts from the volume menu: badge and mount path shown, file manager opened there; Unmount clears it', async () => {
    const app = await launchApp({ fakeMounts: true });
    const page = app.page;
    try {
      await openAndRightClickVolume(app);
      await page.getByRole('menuitem', { name: 'Mount safely' }).click();
      const badge = page.getByRole('img', { name: /^Mounted read-only at / });
      await badge.waitFor();
      const label = (await badge.getAttribute('aria-label'))!;
      const path = label.replace('Mounted read-only at ', '');
      // Main's own directory under its mount root, named after the volume; never a path from the image.
      expect(path).toMatch(/glovebox-e2e-mounts-[^/]+\/GLOVE FAT16 \(1\)$/);
      expect(statSync(path).isDirectory()).toBe(true);
      expect(app.openedFolders).toEqual([path]);
      expect(app.backend.mounted()).toEqual([{ sourceId: expect.any(String), volume: 1, path }]);
      // The toolbar offers Unmount, with the mount path.
      expect(await page.getByRole('button', { name: 'Unmount this volume' }).getAttribute('title')).toBe(`Mounted read-only at ${path}`);
      // The status bar shows where the current volume is mounted.
      expect((await page.getByLabel('Mount point').textContent())?.replace(/\s+/g, ' ').trim()).toBe(`Mounted at ${path}`);
      await page.screenshot({ path: join(SHOTS, '13-mounted.png') });

      await page.getByRole('navigation', { name: 'Devices and images' }).getByText('GLOVE FAT16').click({ button: 'right' });
      await page.getByRole('menuitem', { name: 'Unmount' }).click();
      await badge.waitFor({ state: 'detached' });
      expect(existsSync(path)).toBe(false);
      expect(app.backend.mounted()).toEqual([]);
      await page.getByRole('button', { name: 'Mount this volume safely' }).waitFor();
      expect(await page.getByLabel('Mount point').count()).toBe(0);
      expect(app.consoleErrors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
