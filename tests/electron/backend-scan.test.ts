// The Backend's device, scan and report work over the real sandbox: a device (an image file
// standing in for its node) saved as an image with its .sha256, the trap fixture scanned with
// findings streamed as they arrive, cancel, and the HTML report written where the user chose.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend, type DeviceProvider } from '../../electron/main/backend.js';
import { NodeLauncher } from '../../core/sandbox/host/node-launcher.js';
import { FileSource } from '../../core/sources/file-source.js';
import { Channel, type AppEvent, type DeviceInfo, type Result, type SourceInfo } from '../../electron/shared/api.js';
import { EXPECTED_TRAPS } from '../scan/helpers.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
let work: string;
let traps: string;
let backend: Backend;
let saveTo: string | null = null;
const events: AppEvent[] = [];
let source: SourceInfo;

const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
};

const stickInfo: DeviceInfo = {
  id: 'dstick', name: 'sdz', path: '/dev/sdz', vendor: 'Test', model: 'Stick', size: 0, bus: 'USB', kind: 'disk', removable: true, system: false,
  mountPoints: [], mountedReadWrite: false, backingFile: null, badUsb: null, interfaces: [],
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'glovebox-backend-scan-'));
  traps = join(work, 'traps.img');
  writeFileSync(traps, gunzipSync(readFileSync(join(FIXTURES, 'scan/traps.img.gz'))));
  stickInfo.size = readFileSync(traps).length;
  const devices: DeviceProvider = {
    list: async () => [stickInfo],
    open: async (id) => {
      if (id !== stickInfo.id) throw new Error('unknown');
      return { source: await FileSource.open(traps), name: 'Test Stick', path: stickInfo.path, size: stickInfo.size, warnings: ['mounted by the OS read-only at /media/x: its kernel driver has already parsed it'] };
    },
  };
  backend = new Backend({
    launcher: () => new NodeLauncher(),
    emit: (e) => events.push(e),
    chooseFolder: async () => null,
    chooseSaveFile: async () => saveTo,
    version: 'test',
    stagingRoot: work,
    devices,
  });
});

afterAll(async () => {
  await backend.closeAll();
  rmSync(work, { recursive: true, force: true });
});

describe('Backend: devices, scan and report', () => {
  it('saves a device as an image with its SHA-256 beside it, or nothing when the dialog is cancelled', async () => {
    saveTo = null;
    expect(value(await backend.handle(Channel.saveDeviceImage, { deviceId: 'dstick', taskId: 'i0' }))).toBeNull();
    saveTo = join(work, 'copy.img');
    const r = value(await backend.handle(Channel.saveDeviceImage, { deviceId: 'dstick', taskId: 'i1' }))!;
    const want = createHash('sha256').update(readFileSync(traps)).digest('hex');
    expect(r).toMatchObject({ kind: 'image', bytes: stickInfo.size, sha256: want, folder: saveTo, problems: [] });
    expect(readFileSync(`${saveTo}.sha256`, 'utf8')).toBe(`${want}  copy.img\n`);
    expect(events.some((e) => e.type === 'task-progress' && e.progress.taskId === 'i1' && e.progress.kind === 'image')).toBe(true);
    const unknown = await backend.handle(Channel.saveDeviceImage, { deviceId: 'dother', taskId: 'i2' });
    expect(unknown.ok).toBe(false);
  });

  it('opens a device with its warnings', async () => {
    source = value(await backend.handle(Channel.openDevice, { deviceId: 'dstick' }));
    expect(source).toMatchObject({ kind: 'device', name: 'Test Stick', path: '/dev/sdz' });
    expect(source.warnings[0]).toMatch(/mounted by the OS/);
  });

  it('refuses to export before a scan', async () => {
    const r = await backend.handle(Channel.exportReport, { sourceId: source.id, volume: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/scan this volume first/);
  });

  it('cancels a scan', async () => {
    const running = backend.handle(Channel.scan, { sourceId: source.id, volume: 1, taskId: 's0' });
    value(await backend.handle(Channel.cancelTask, { taskId: 's0' }));
    const r = await running;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('Cancelled');
  });

  it('scans: every planted trap, most severe first, streamed as found', async () => {
    const r = value(await backend.handle(Channel.scan, { sourceId: source.id, volume: 1, taskId: 's1' }));
    const got = r.findings.map((f) => `${f.severity} ${f.kind} ${f.path}`);
    for (const t of EXPECTED_TRAPS) expect(got).toContain(t);
    expect(r.findings[0]!.severity).toBe('danger');
    expect(r.entries).toBeGreaterThan(20);
    const streamed = events.flatMap((e) => (e.type === 'scan-findings' && e.taskId === 's1' ? e.findings : []));
    expect(streamed).toHaveLength(r.findings.length);
    expect(events.some((e) => e.type === 'task-progress' && e.progress.taskId === 's1' && e.progress.kind === 'scan')).toBe(true);
  });

  it('exports the report as self-contained HTML where the user chose', async () => {
    saveTo = join(work, 'report.html');
    expect(value(await backend.handle(Channel.exportReport, { sourceId: source.id, volume: 1 }))).toBe(saveTo);
    const html = readFileSync(saveTo, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('Content-Security-Policy');
    expect(html).toContain('/Documents/report.lnk');
    // The bidi trick is shown escaped, never as a live control character.
    expect(html).not.toContain('\u202e');
    expect(html).toContain('photo\\u202egpj.scr');
  });
});
