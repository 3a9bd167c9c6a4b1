// Every request from the renderer is checked for shape and size before main acts on it; image
// paths from argv, second instances and file:// URIs are recognised; the menu has the usual
// accelerators.

import { describe, expect, it } from 'vitest';
import { imagePaths } from '../../electron/main/args.js';
import { menuTemplate } from '../../electron/main/menu.js';
import { isChannel, validateRequest } from '../../electron/main/validate.js';
import { addRecent, loadState, MAX_RECENT } from '../../electron/main/state.js';
import { Channel, MAX_READ_BYTES, type MenuCommand } from '../../electron/shared/api.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('request validation', () => {
  const ref = { sourceId: 'abc-123', volume: 1 };
  it('accepts well-formed requests', () => {
    expect(validateRequest(Channel.readdir, { ...ref, node: 5, start: 0 })).not.toBeNull();
    expect(validateRequest(Channel.read, { ...ref, node: 5, offset: 0, length: MAX_READ_BYTES })).not.toBeNull();
    expect(validateRequest(Channel.extract, { ...ref, paths: ['/docs', '/a b.txt'], taskId: 't1' })).not.toBeNull();
    expect(validateRequest(Channel.openPath, { path: '/home/u/stick.img', taskId: 't2' })).not.toBeNull();
    expect(validateRequest(Channel.openPath, { path: '/home/u/stick.img' })).toBeNull();
    expect(validateRequest(Channel.openDialog, null)).not.toBeNull();
  });
  it('refuses wrong shapes, extra keys, unsafe numbers and oversized values', () => {
    expect(validateRequest(Channel.read, { ...ref, node: 5, offset: 0, length: MAX_READ_BYTES + 1 })).toBeNull();
    expect(validateRequest(Channel.read, { ...ref, node: -1, offset: 0, length: 1 })).toBeNull();
    expect(validateRequest(Channel.read, { ...ref, node: 1.5, offset: 0, length: 1 })).toBeNull();
    expect(validateRequest(Channel.read, { ...ref, node: 1, offset: 2 ** 60, length: 1 })).toBeNull();
    expect(validateRequest(Channel.readdir, { ...ref, node: 5, start: 0, extra: true })).toBeNull();
    expect(validateRequest(Channel.readdir, { ...ref, sourceId: '../x', node: 5, start: 0 })).toBeNull();
    expect(validateRequest(Channel.readdir, { ...ref, volume: 0, node: 5, start: 0 })).toBeNull();
    expect(validateRequest(Channel.extract, { ...ref, paths: ['relative/path'], taskId: 't1' })).toBeNull();
    expect(validateRequest(Channel.extract, { ...ref, paths: [], taskId: 't1' })).toBeNull();
    expect(validateRequest(Channel.extract, { ...ref, paths: ['/a'], taskId: 'no spaces' })).toBeNull();
    expect(validateRequest(Channel.openPath, { path: 'a\0b', taskId: 't' })).toBeNull();
    expect(validateRequest(Channel.openPath, { path: 'x'.repeat(5000), taskId: 't' })).toBeNull();
    expect(validateRequest(Channel.copyText, { text: 'x'.repeat(70_000) })).toBeNull();
    expect(validateRequest(Channel.openDialog, { anything: 1 })).toBeNull();
    expect(validateRequest(Channel.stats, Object.assign(Object.create({ polluted: true }), { sourceId: 'a' }))).toBeNull();
    expect(isChannel('glovebox:shell-open')).toBe(false);
    expect(isChannel(Channel.read)).toBe(true);
  });
  it('devices by opaque id only, scans and reports by volume', () => {
    expect(validateRequest(Channel.openDevice, { deviceId: 'd0123abc' })).not.toBeNull();
    expect(validateRequest(Channel.openDevice, { deviceId: '/dev/sda' })).toBeNull();
    expect(validateRequest(Channel.openDevice, { deviceId: 'x'.repeat(65) })).toBeNull();
    expect(validateRequest(Channel.saveDeviceImage, { deviceId: 'd0123abc', taskId: 't1' })).not.toBeNull();
    expect(validateRequest(Channel.saveDeviceImage, { deviceId: 'd0123abc', taskId: 't1', output: '/etc/passwd' })).toBeNull();
    expect(validateRequest(Channel.saveDeviceImage, { deviceId: 'd0123abc' })).toBeNull();
    expect(validateRequest(Channel.scan, { ...ref, taskId: 't1' })).not.toBeNull();
    expect(validateRequest(Channel.scan, { ...ref, volume: 0, taskId: 't1' })).toBeNull();
    expect(validateRequest(Channel.scan, { ...ref })).toBeNull();
    expect(validateRequest(Channel.exportReport, { ...ref })).not.toBeNull();
    expect(validateRequest(Channel.exportReport, { ...ref, path: '/tmp/r.html' })).toBeNull();
  });
  it('mounts by volume only: the mount point is main’s own, never named by the renderer', () => {
    expect(validateRequest(Channel.mountSupport, null)).not.toBeNull();
    expect(validateRequest(Channel.mountSupport, {})).toBeNull();
    for (const ch of [Channel.mount, Channel.unmount]) {
      expect(validateRequest(ch, { ...ref })).not.toBeNull();
      expect(validateRequest(ch, { ...ref, path: '/etc' })).toBeNull();
      expect(validateRequest(ch, { ...ref, mountpoint: '/mnt' })).toBeNull();
      expect(validateRequest(ch, { ...ref, volume: 0 })).toBeNull();
      expect(validateRequest(ch, { ...ref, volume: 1.5 })).toBeNull();
      expect(validateRequest(ch, { ...ref, sourceId: '../x' })).toBeNull();
      expect(validateRequest(ch, { sourceId: 'abc' })).toBeNull();
      expect(validateRequest(ch, null)).toBeNull();
    }
  });
});

describe('image paths from a command line', () => {
  it('skips the executable, the app folder and switches; resolves relative paths; accepts file:// URIs', () => {
    expect(imagePaths(['/opt/Glovebox/glovebox', 'stick.img', '--no-sandbox', 'file:///tmp/a%20b.iso'], '/home/u', false)).toEqual(['/home/u/stick.img', '/tmp/a b.iso']);
    expect(imagePaths(['/usr/bin/electron', '.', '--demo'], '/repo', true)).toEqual([]);
    expect(imagePaths(['glovebox', 'https://example.com/x.img', '--', '-odd.img'], '/w', false)).toEqual(['/w/-odd.img']);
  });
});

describe('the application menu', () => {
  it('offers the usual entries with accelerators', () => {
    const sent: MenuCommand[] = [];
    const t = menuTemplate('linux', ['/x/a.img'], { command: (c) => sent.push(c), openRecent: () => undefined, clearRecent: () => undefined });
    const items = t.flatMap((m) => (Array.isArray(m.submenu) ? m.submenu : []));
    const acc = (label: string) => items.find((i) => i.label === label)?.accelerator;
    expect(acc('Open Image…')).toBe('CmdOrCtrl+O');
    expect(acc('Extract To…')).toBe('CmdOrCtrl+E');
    expect(acc('Copy Path')).toBe('CmdOrCtrl+Shift+C');
    expect(acc('Close Image')).toBe('CmdOrCtrl+W');
    const open = items.find((i) => i.label === 'Open Image…');
    (open?.click as () => void)();
    expect(sent).toEqual(['open']);
    const recent = items.find((i) => i.label === 'Open Recent');
    expect(Array.isArray(recent?.submenu) && recent.submenu[0]?.label).toBe('/x/a.img');
  });
});

describe('remembered state', () => {
  it('keeps paths only, bounded, and survives a malformed file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glovebox-state-'));
    writeFileSync(join(dir, 'glovebox-state.json'), '{"window":{"width":50,"height":"x"},"recent":[1,"/a.img"]}');
    const s = loadState(dir);
    expect(s.window.width).toBe(1280);
    expect(s.recent).toEqual(['/a.img']);
    let r: string[] = [];
    for (let i = 0; i < 20; i++) r = addRecent(r, `/i${i}.img`);
    r = addRecent(r, '/i15.img');
    expect(r.length).toBe(MAX_RECENT);
    expect(r[0]).toBe('/i15.img');
    expect(new Set(r).size).toBe(r.length);
  });
});
