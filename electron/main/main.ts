// The Electron main process: one window, the app protocol serving the renderer bundle, the
// IPC handlers (sender checked, every request validated, then the Backend), menus, the single
// instance lock and every way an image arrives (argv, second instance, macOS open-file,
// file:// URIs, recent documents, drops, the demo image). It never parses image bytes: the
// Backend's sandboxes (Electron utility processes) do.

import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, nativeImage, protocol, session, shell, utilityProcess, type IpcMainInvokeEvent, type NativeImage } from 'electron';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Channel, EVENT_CHANNEL, type AppEvent, type ChannelName, type MenuCommand, type SourceInfo } from '../shared/api.js';
import { imagePaths } from './args.js';
import { Backend, STAGING_MAX_AGE_MS, toApiError, type SaveFileRequest } from './backend.js';
import { DeviceWatcher } from './devices.js';
import { fuseMounter, insideMountRoot, mountRootFor } from './mounts.js';
import { menuTemplate } from './menu.js';
import { allowNavigation, allowPermission, APP_ENTRY_URL, APP_SCHEME, CONTENT_SECURITY_POLICY, isAppUrl, MIME_TYPES, rendererFile, windowOptions } from './security.js';
import { addRecent, loadState, saveState, type SavedState } from './state.js';
import { isChannel, validateRequest } from './validate.js';
import { UtilityLauncher } from './utility-launcher.js';

/** dist/, where this bundle, the preload, the kernel and the renderer live. */
const DIST = dirname(fileURLToPath(import.meta.url));
/** Files unpacked from the asar (the kernel is started from its own file; the addon is dlopen'ed). */
const UNPACKED = DIST.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1').replace(/app\.asar$/, 'app.asar.unpacked');
/** The demo image (unpacked from the asar: sources are opened with plain file reads). */
const DEMO_IMAGE = join(UNPACKED, '..', 'assets', 'demo', 'glovebox-demo.img.gz');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
app.enableSandbox();

let window: BrowserWindow | null = null;
let backend: Backend | null = null;
let devices: DeviceWatcher | null = null;
let rendererReady = false;
let state: SavedState = { window: { width: 1280, height: 800, maximized: false }, recent: [] };
const pending: string[] = [];
const staging = join(app.getPath('temp'), `glovebox-staging-${process.getuid?.() ?? 'user'}`);

// macOS delivers double-clicked files through open-file, possibly before `ready`.
app.on('open-file', (event, path) => {
  event.preventDefault();
  openImage(path);
});

if (!app.requestSingleInstanceLock()) {
  // The running instance gets our argv through `second-instance` and opens the images there.
  app.quit();
} else {
  app.on('second-instance', (_event, argv, cwd) => {
    for (const p of imagePaths(argv, cwd, false)) openImage(p);
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  pending.push(...imagePaths(process.argv, process.cwd(), process.defaultApp === true));
  void app.whenReady().then(start);
}

function start(): void {
  state = loadState(app.getPath('userData'));
  prepareStaging();
  // Sticks and cards as they come and go (kernel events where available, else a 1 s poll),
  // pushed to the renderer as whole snapshots; discovery never opens a device.
  devices = new DeviceWatcher({ onChange: (list) => send({ type: 'devices', devices: list }), onError: () => undefined });
  devices.start();
  const mountRoot = mountRootFor(process.env, app.getPath('temp'));
  const b = new Backend({
    launcher: () =>
      new UtilityLauncher({
        utilityProcess,
        kernelPath: join(UNPACKED, 'sandbox-kernel.mjs'),
        confineAddon: existsSync(join(UNPACKED, 'glovebox_confine.node')) ? join(UNPACKED, 'glovebox_confine.node') : null,
        residentBytes: (pid) => {
          const m = app.getAppMetrics().find((x) => x.pid === pid);
          return m ? m.memory.workingSetSize * 1024 : null;
        },
      }),
    // Electron drops Node's permission model for utility processes: the OS layer and the
    // self-test are what the policy requires instead.
    session: { withoutNodePermission: true },
    emit: send,
    chooseFolder: async () => {
      if (!window) return null;
      const r = await dialog.showOpenDialog(window, { title: 'Extract to', buttonLabel: 'Extract Here', properties: ['openDirectory', 'createDirectory'] });
      return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
    },
    chooseSaveFile: saveDialog,
    version: app.getVersion(),
    devices,
    stagingRoot: staging,
    // "Mount safely": FUSE through core/mount (as `glovebox mount`), hidden where it cannot work.
    mounter: fuseMounter(),
    mountRoot,
    // Only our own mount points (made by the Backend under mountRoot) are opened here.
    openFolder: (path) => {
      void shell.openPath(path);
    },
    onOpened: (path) => {
      if (insideMountRoot(mountRoot, path)) return; // gone with the mount (and see insideMountRoot)
      state.recent = addRecent(state.recent, path);
      app.addRecentDocument(path);
      saveState(app.getPath('userData'), state);
      buildMenu();
    },
    recentImages: () => state.recent.filter((p) => !insideMountRoot(mountRoot, p) && existsSync(p)),
    startDrag: (files) => {
      window?.webContents.startDrag({ file: files[0]!, files, icon: dragIcon() });
    },
    copyText: (text) => clipboard.writeText(text),
  });
  backend = b;

  serveRenderer();
  lockDownSession();
  registerIpc();
  buildMenu();
  createWindow();
}

// ---- the renderer's files --------------------------------------------------------------------

function serveRenderer(): void {
  protocol.handle(APP_SCHEME, (request) => {
    const name = rendererFile(request.url);
    if (name === null) return new Response('not found', { status: 404 });
    return new Response(readFileSync(join(DIST, 'renderer', name)), {
      headers: { 'content-type': MIME_TYPES[name]!, 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' },
    });
  });
}

function lockDownSession(): void {
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, permission, callback) => callback(allowPermission(permission)));
  s.setPermissionCheckHandler((_wc, permission) => allowPermission(permission));
  s.setDevicePermissionHandler(() => false);
  // Nothing may be fetched from anywhere: the page has no business with the network.
  s.webRequest.onBeforeRequest((details, callback) => {
    const ok = details.url.startsWith(`${APP_SCHEME}:`) || details.url.startsWith('blob:') || details.url.startsWith('devtools:');
    callback({ cancel: !ok });
  });
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (e, url) => {
    if (!allowNavigation(url, contents.getURL())) e.preventDefault();
  });
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

// ---- the window -----------------------------------------------------------------------------

function createWindow(): void {
  const { maximized, ...geometry } = state.window;
  window = new BrowserWindow(windowOptions(join(DIST, 'preload.cjs'), geometry, !app.isPackaged));
  if (maximized) window.maximize();
  window.once('ready-to-show', () => window?.show());
  window.webContents.on('did-finish-load', () => {
    // A (re)loaded page starts empty: what an earlier page had open is closed.
    if (rendererReady) void backend?.closeAll();
    rendererReady = true;
    const paths = pending.splice(0);
    // `npm start` (and any unpackaged run) shows the demo image when no image was given.
    if (paths.length === 0 && (process.argv.includes('--demo') || !app.isPackaged) && !demoShown) {
      demoShown = true;
      const demo = demoImage();
      if (demo) paths.push(demo);
    }
    for (const p of paths) openImage(p);
  });
  window.webContents.on('render-process-gone', () => {
    rendererReady = false;
  });
  window.on('close', () => {
    if (!window) return;
    const b = window.getNormalBounds();
    state.window = { width: b.width, height: b.height, x: b.x, y: b.y, maximized: window.isMaximized() };
    saveState(app.getPath('userData'), state);
  });
  window.on('closed', () => {
    window = null;
    rendererReady = false;
  });
  void window.loadURL(APP_ENTRY_URL);
}

let demoShown = false;

function send(event: AppEvent): void {
  if (window && rendererReady) window.webContents.send(EVENT_CHANNEL, event);
}

/** Opens an image from outside the page (argv, open-file, menu, second instance). */
function openImage(path: string): void {
  if (!rendererReady || !backend) {
    pending.push(path);
    return;
  }
  void backend.openPath(path).then(
    (source: SourceInfo) => send({ type: 'source-opened', source }),
    (e: unknown) => send({ type: 'open-failed', path, error: toApiError(e) }),
  );
}

async function openDialog(): Promise<string | null> {
  if (!window) return null;
  const r = await dialog.showOpenDialog(window, {
    title: 'Open disk image',
    properties: ['openFile', 'treatPackageAsDirectory'],
    filters: [
      { name: 'Disk images', extensions: ['img', 'iso', 'dd', 'raw', 'bin', 'vhd', 'vhdx', 'vmdk', 'qcow2', 'vdi', 'dmg', 'xz', 'gz', 'zst'] },
      { name: 'All files', extensions: ['*'] },
    ],
  });
  return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
}

async function saveDialog(r: SaveFileRequest): Promise<string | null> {
  if (!window) return null;
  const res = await dialog.showSaveDialog(window, {
    title: r.title,
    defaultPath: join(app.getPath('documents'), r.defaultName),
    filters: r.filters,
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  });
  return res.canceled || !res.filePath ? null : res.filePath;
}

// ---- IPC --------------------------------------------------------------------------------------

/** Only the app's own page, in its main frame, in our window, may call. */
function trustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  const main = event.sender.mainFrame;
  return (
    window !== null &&
    event.sender === window.webContents &&
    frame !== null &&
    frame.processId === main.processId &&
    frame.routingId === main.routingId &&
    isAppUrl(frame.url)
  );
}

function registerIpc(): void {
  for (const channel of Object.values(Channel) as ChannelName[]) {
    ipcMain.handle(channel, async (event, payload: unknown) => {
      if (!trustedSender(event) || !isChannel(channel)) return { ok: false, error: { kind: 'Invalid', message: 'refused: unknown sender' } };
      const valid = validateRequest(channel, payload);
      if (valid === null) return { ok: false, error: { kind: 'Invalid', message: `malformed ${channel} request` } };
      if (channel === Channel.openDialog) {
        try {
          return { ok: true, value: await openDialog() };
        } catch (e) {
          return { ok: false, error: toApiError(e) };
        }
      }
      if (!backend) return { ok: false, error: { kind: 'Invalid', message: 'not ready' } };
      return backend.handle(channel, valid.req);
    });
  }
}

function buildMenu(): void {
  const command = (c: MenuCommand) => send({ type: 'menu', command: c });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(process.platform, state.recent, {
        command,
        openRecent: (p) => openImage(p),
        clearRecent: () => {
          state.recent = [];
          app.clearRecentDocuments();
          saveState(app.getPath('userData'), state);
          buildMenu();
        },
      }),
    ),
  );
}

// ---- drag out, the demo image, clean-up ---------------------------------------------------

let icon: NativeImage | null = null;
function dragIcon(): NativeImage {
  if (!icon) {
    const file = join(DIST, '..', 'assets', 'drag-file.png');
    icon = existsSync(file) ? nativeImage.createFromPath(file) : nativeImage.createEmpty();
  }
  return icon;
}

/** A private staging folder for drags; what earlier runs left behind is removed. */
function prepareStaging(): void {
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(staging)) {
    const p = join(staging, name);
    try {
      if (Date.now() - statSync(p).mtimeMs > STAGING_MAX_AGE_MS) rmSync(p, { recursive: true, force: true });
    } catch {
      // Already gone.
    }
  }
}

/** The bundled demo image (gzip-compressed: the sandbox expands it like any .img.gz). */
function demoImage(): string | null {
  return existsSync(DEMO_IMAGE) ? DEMO_IMAGE : null;
}

app.on('window-all-closed', () => app.quit());
// Mounts are served by this process: unmount them before it ends (a FUSE mount whose process is
// gone stays behind as "Transport endpoint is not connected").
let mountsReleased = false;
app.on('before-quit', (event) => {
  if (mountsReleased || !backend || backend.mounted().length === 0) return;
  event.preventDefault();
  mountsReleased = true;
  void backend.unmountAll().finally(() => app.quit());
});
app.on('will-quit', () => {
  devices?.stop();
  void backend?.closeAll();
  rmSync(staging, { recursive: true, force: true });
});

