// The end-to-end test host: Debian's Chromium (driven by playwright-core) loads the built
// renderer, and a test-only `window.glovebox` forwards every request to the app's Backend —
// the same class the Electron main process uses, over the real sandbox (forked Node kernel,
// confined as in the CLI) and the fixture images. Requests pass the main process's validator.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Backend } from '../../electron/main/backend.js';
import { DeviceWatcher } from '../../electron/main/devices.js';
import type { Mounter } from '../../electron/main/mounts.js';
import { discoverLinux } from '../../core/devices/linux.js';
import type { DeviceRecord } from '../../core/devices/types.js';
import { FileSource } from '../../core/sources/file-source.js';
import { materialise, type SysfsTree } from '../devices/sysfs-tree.js';
import { CONTENT_SECURITY_POLICY, MIME_TYPES } from '../../electron/main/security.js';
import { isChannel, validateRequest } from '../../electron/main/validate.js';
import { NodeLauncher } from '../../core/sandbox/host/node-launcher.js';
import { API_VERSION, Channel, type AppEvent } from '../../electron/shared/api.js';
import { SyntheticSource } from './synthetic.js';
import { BRIDGE_SCRIPT, decode, encode } from './wire.js';

export const CHROMIUM = process.env.GLOVEBOX_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RENDERER = join(ROOT, 'dist', 'renderer');
const ORIGIN = 'http://glovebox.test';

export interface AppHost {
  page: Page;
  context: BrowserContext;
  backend: Backend;
  /** Where "Extract to…" writes (the test's stand-in for the folder dialog). */
  extractFolder: string | null;
  /** Paths the open dialog returns, one per call. */
  dialogPaths: string[];
  /** Files the app asked the OS to drag (webContents.startDrag in the app). */
  dragged: string[][];
  /** Paths the save dialog returns (Save as image…, Export report…), one per call. */
  savePaths: string[];
  /** Mount points the app asked the OS file manager to open (shell.openPath in the app). */
  openedFolders: string[];
  /** Messages the page logged as errors (a clean run has none). */
  consoleErrors: string[];
  close(): Promise<void>;
}

/** Devices for the sidebar: recorded sysfs trees, and image files standing in for device nodes. */
export interface FakeDevices {
  /** tests/fixtures/devices/*.json, discovered as on Linux. */
  fixtures: string[];
  /** Device path (`/dev/sdc`) → the image file read when it is opened or imaged. */
  images: Record<string, string>;
}

/**
 * The test host never mounts anything. By default it reports mounting as unavailable (as the app
 * does where FUSE is missing); `fakeMounts` stands in a mounter that only pretends (the Backend
 * still makes and removes the mount point directory), so the renderer's mounted state is tested.
 */
const FAKE_MOUNTER: Mounter = {
  support: async () => ({ available: true, reason: null }),
  mount: async () => ({ unmount: async () => undefined }),
};

export async function launchApp(options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number; devices?: FakeDevices; fakeMounts?: boolean } = {}): Promise<AppHost> {
  const profile = mkdtempSync(join(tmpdir(), 'glovebox-e2e-profile-'));
  const staging = mkdtempSync(join(tmpdir(), 'glovebox-e2e-staging-'));
  const mountRoot = mkdtempSync(join(tmpdir(), 'glovebox-e2e-mounts-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));

  // Filled in below; the callbacks run only after launchApp has returned it.
  const ref: { host?: AppHost } = {};
  const emit = (e: AppEvent) => {
    void page.evaluate(`window.__gloveboxEvent(${JSON.stringify(encode(e))})`).catch(() => undefined);
  };
  // The same watcher as the app, over recorded sysfs trees (polling only: no uevents here).
  const trees: SysfsTree[] = (options.devices?.fixtures ?? []).map(materialise);
  const watcher = options.devices
    ? new DeviceWatcher({
        onChange: (devices) => emit({ type: 'devices', devices }),
        hotplug: null,
        list: async () => {
          const all: DeviceRecord[] = [];
          for (const t of trees) all.push(...(await discoverLinux({ sysRoot: t.root, mountInfo: t.mountInfo })));
          return all;
        },
        openBytes: async (d) => {
          const image = options.devices!.images[d.path];
          if (!image) throw Object.assign(new Error(`EACCES: permission denied, open '${d.path}'`), { code: 'EACCES' });
          return FileSource.open(image);
        },
      })
    : undefined;
  const backend = new Backend({
    launcher: () => new NodeLauncher(),
    emit,
    ...(watcher ? { devices: watcher } : {}),
    chooseSaveFile: async () => ref.host?.savePaths.shift() ?? null,
    version: 'e2e',
    chooseFolder: async () => ref.host?.extractFolder ?? null,
    stagingRoot: staging,
    startDrag: (files) => ref.host?.dragged.push(files),
    ...(options.fakeMounts ? { mounter: FAKE_MOUNTER, mountRoot, openFolder: (path: string) => ref.host?.openedFolders.push(path) } : {}),
  });
  const synthetic = new SyntheticSource(100_000);

  // Nothing leaves the machine: the renderer's files are served here, with the app's CSP.
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    const name = url.pathname.slice(1) || 'index.html';
    if (url.origin !== ORIGIN || !(name in MIME_TYPES)) return route.fulfill({ status: 404, body: 'not found' });
    await route.fulfill({
      status: 200,
      headers: { 'content-type': MIME_TYPES[name]!, 'content-security-policy': CONTENT_SECURITY_POLICY },
      body: readFileSync(join(RENDERER, name)),
    });
  });
  await context.exposeBinding('__gloveboxInvoke', async (_source, channel: unknown, payload: unknown) => {
    if (!isChannel(channel) || typeof payload !== 'string') return encode({ ok: false, error: { kind: 'Invalid', message: 'bad request' } });
    const req = decode(payload);
    const fake = synthetic.handle(channel, req);
    if (fake) return encode(fake);
    // The stand-in for the open dialog: the next path the test queued, or "cancelled".
    if (channel === Channel.openDialog) return encode({ ok: true, value: ref.host?.dialogPaths.shift() ?? null });
    const valid = validateRequest(channel, req);
    if (valid === null) return encode({ ok: false, error: { kind: 'Invalid', message: `malformed ${channel} request` } });
    return encode(await backend.handle(channel, valid.req));
  });
  await context.addInitScript({ content: BRIDGE_SCRIPT(API_VERSION) });

  const host: AppHost = {
    page,
    context,
    backend,
    extractFolder: null,
    dialogPaths: [],
    dragged: [],
    savePaths: [],
    openedFolders: [],
    consoleErrors,
    async close() {
      watcher?.stop();
      for (const t of trees) t.remove();
      await backend.closeAll().catch(() => undefined);
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
      rmSync(staging, { recursive: true, force: true });
      rmSync(mountRoot, { recursive: true, force: true });
    },
  };
  ref.host = host;
  await page.goto(`${ORIGIN}/index.html`);
  return host;
}
