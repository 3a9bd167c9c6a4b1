// The window's security settings, in one pure module so that a unit test can assert them
// without Electron: Chromium's sandbox, context isolation, no Node in the page, web security,
// a strict Content-Security-Policy, and the rules for navigation, new windows and permissions.

/** The app's own origin: the renderer is served from packaged files by a custom protocol. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'glovebox';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * No remote origins, no inline or eval'd script, images only from the app and blob: (previews),
 * no network connections at all, no frames, objects, workers or forms.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'none'",
  "media-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Electron's `webPreferences` for the one window (typed loosely: this module has no Electron import). */
export function webPreferences(preloadPath: string, devTools = false) {
  return {
    preload: preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
    // Only in development (`npm start`): a packaged app has no developer tools.
    devTools,
  };
}

export interface WindowGeometry {
  width: number;
  height: number;
  x?: number;
  y?: number;
}

export const DEFAULT_GEOMETRY: WindowGeometry = { width: 1280, height: 800 };
export const MIN_WIDTH = 900;
export const MIN_HEIGHT = 560;

/** The BrowserWindow options (without Electron types, so the test can import them). */
export function windowOptions(preloadPath: string, geometry: WindowGeometry = DEFAULT_GEOMETRY, devTools = false) {
  return {
    ...geometry,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    title: 'Glovebox',
    backgroundColor: '#f6f7f9',
    autoHideMenuBar: false,
    webPreferences: webPreferences(preloadPath, devTools),
  };
}

/** Only the app's own pages may be loaded in the window. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Every navigation away from the app, and every new window, is refused. */
export function allowNavigation(url: string, currentUrl: string): boolean {
  return isAppUrl(url) && url === currentUrl;
}

/** No permission (camera, notifications, clipboard read, HID, USB…) is ever granted to the page. */
export function allowPermission(_permission: string): boolean {
  return false;
}

/**
 * The fuses electron-builder flips in the packaged app (the same list is in electron-builder.yml;
 * a test keeps the two in step).
 */
export const FUSES = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
} as const;

/** Files the app protocol serves: the renderer bundle and nothing else. */
export function rendererFile(url: string): string | null {
  if (!isAppUrl(url)) return null;
  const path = decodeURIComponent(new URL(url).pathname);
  return /^\/(index\.html|app\.js|app\.css)$/.test(path) ? path.slice(1) : null;
}

export const MIME_TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};
