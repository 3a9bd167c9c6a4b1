// Renders the app's icons (assets/icon.svg → icon.png 512 px, drag-file.svg → drag-file.png
// 64 px) with Debian's Chromium, so the PNGs electron-builder and the drag need are made from
// the committed SVGs. Run: node scripts/make-icons.mjs
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const assets = fileURLToPath(new URL('../assets/', import.meta.url));
const profile = mkdtempSync(join(tmpdir(), 'glovebox-icons-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.GLOVEBOX_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  for (const [svg, png, size] of [['icon.svg', 'icon.png', 512], ['drag-file.svg', 'drag-file.png', 64]]) {
    await page.setViewportSize({ width: size, height: size });
    const data = readFileSync(join(assets, svg)).toString('base64');
    await page.setContent(`<html><body style="margin:0;background:transparent"><img src="data:image/svg+xml;base64,${data}" width="${size}" height="${size}"></body></html>`);
    await page.screenshot({ path: join(assets, png), omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
