// The application menu: the usual entries and accelerators. Commands that act on the page's
// selection are forwarded to the renderer as `menu` events; the rest run in main.

import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../shared/api.js';

export interface MenuActions {
  command(c: MenuCommand): void;
  openRecent(path: string): void;
  clearRecent(): void;
}

export function menuTemplate(platform: NodeJS.Platform, recent: readonly string[], a: MenuActions, appName = 'Glovebox'): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const recentMenu: MenuItemConstructorOptions = mac
    ? { label: 'Open Recent', role: 'recentDocuments', submenu: [{ label: 'Clear Menu', role: 'clearRecentDocuments' }] }
    : {
        label: 'Open Recent',
        submenu: [
          ...recent.map((p): MenuItemConstructorOptions => ({ label: p.replace(/&/g, '&&'), click: () => a.openRecent(p) })),
          ...(recent.length > 0 ? [{ type: 'separator' } as const] : []),
          { label: 'Clear Recent', enabled: recent.length > 0, click: () => a.clearRecent() },
        ],
      };
  return [
    ...(mac ? [{ label: appName, submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'services' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }] } as MenuItemConstructorOptions] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open Image…', accelerator: 'CmdOrCtrl+O', click: () => a.command('open') },
        recentMenu,
        { type: 'separator' },
        { label: 'Extract To…', accelerator: 'CmdOrCtrl+E', click: () => a.command('extract') },
        { label: 'Scan Volume for Threats', accelerator: 'CmdOrCtrl+Shift+S', click: () => a.command('scan') },
        { label: 'Export Scan Report…', click: () => a.command('export-report') },
        { type: 'separator' },
        { label: 'Close Image', accelerator: 'CmdOrCtrl+W', click: () => a.command('close-source') },
        ...(mac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
      ],
    },
    {
      label: '&Edit',
      submenu: [
        { role: 'copy' },
        { label: 'Copy Path', accelerator: 'CmdOrCtrl+Shift+C', click: () => a.command('copy-path') },
        { type: 'separator' },
        { label: 'Select All', accelerator: 'CmdOrCtrl+A', click: () => a.command('select-all') },
        { label: 'Find…', accelerator: 'CmdOrCtrl+F', click: () => a.command('find') },
        { type: 'separator' },
        { label: 'Compute SHA-256', accelerator: 'CmdOrCtrl+Shift+H', click: () => a.command('hash') },
      ],
    },
    {
      label: '&View',
      submenu: [
        { label: 'Enclosing Folder', accelerator: mac ? 'Cmd+Up' : 'Alt+Up', click: () => a.command('go-up') },
        { label: 'Refresh', accelerator: 'F5', click: () => a.command('refresh') },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { label: '&Window', submenu: mac ? [{ role: 'minimize' }, { role: 'zoom' }, { type: 'separator' }, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }] },
  ];
}
