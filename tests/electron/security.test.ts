// The window the app opens has Chromium's sandbox, context isolation, no Node, web security,
// a strict CSP; navigation, new windows and permissions are refused; the fuses in
// electron-builder.yml are the ones the code declares.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  allowNavigation,
  allowPermission,
  APP_ENTRY_URL,
  CONTENT_SECURITY_POLICY,
  FUSES,
  isAppUrl,
  rendererFile,
  webPreferences,
  windowOptions,
} from '../../electron/main/security.js';

describe('window security settings', () => {
  it('web preferences: sandboxed, isolated, no Node, web security on', () => {
    const w = windowOptions('/app/dist/preload.cjs');
    expect(w.webPreferences).toMatchObject({
      preload: '/app/dist/preload.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
    expect(webPreferences('x')).not.toHaveProperty('enableRemoteModule');
    expect(w.show).toBe(false);
  });

  it('CSP: nothing remote, no inline script, images only from the app and blob:', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values] as const;
    }));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('img-src')).toEqual(["'self'", 'blob:']);
    expect(directives.get('connect-src')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-src')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|https?:|\*/);
    // The renderer's own copy (for file:// and tests) says the same, minus header-only directives.
    const html = readFileSync(new URL('../../renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''));
    expect(html).not.toMatch(/<script>|<style>|style="/);
  });

  it('only the app origin is loaded; navigation and permissions are refused', () => {
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
    expect(isAppUrl('https://example.com/')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(allowNavigation('https://example.com/', APP_ENTRY_URL)).toBe(false);
    expect(allowNavigation('app://glovebox/other.html', APP_ENTRY_URL)).toBe(false);
    for (const p of ['media', 'notifications', 'clipboard-read', 'hid', 'usb', 'serial', 'openExternal', 'geolocation']) expect(allowPermission(p)).toBe(false);
  });

  it('the app protocol serves the renderer bundle and nothing else', () => {
    expect(rendererFile('app://glovebox/index.html')).toBe('index.html');
    expect(rendererFile('app://glovebox/app.js')).toBe('app.js');
    expect(rendererFile('app://glovebox/../main.mjs')).toBe(null);
    expect(rendererFile('app://glovebox/%2e%2e/electron-main.mjs')).toBe(null);
    expect(rendererFile('app://glovebox/sandbox-kernel.mjs')).toBe(null);
    expect(rendererFile('app://other/index.html')).toBe(null);
  });

  it('electron-builder.yml flips the fuses the code declares', () => {
    const yml = readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
    const block = /^electronFuses:\n((?: {2}\w+: \w+\n)+)/m.exec(yml)?.[1] ?? '';
    const fuses = Object.fromEntries(block.trim().split('\n').map((l) => {
      const [k, v] = l.trim().split(/:\s*/);
      return [k!, v === 'true'];
    }));
    expect(fuses).toEqual(FUSES);
    expect(FUSES).toMatchObject({ runAsNode: false, enableCookieEncryption: true, enableNodeOptionsEnvironmentVariable: false, onlyLoadAppFromAsar: true });
    for (const ext of ['img', 'iso', 'dd', 'raw', 'bin', 'vhd', 'vhdx', 'vmdk', 'qcow2', 'vdi', 'dmg', 'xz', 'gz', 'zst']) expect(yml).toMatch(new RegExp(`ext: \\[[^\\]]*\\b${ext}\\b`));
  });
});
