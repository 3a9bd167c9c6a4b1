// @vitest-environment jsdom
// Devices and scan findings over a fake client: the sidebar's device rows (BadUSB warning with
// its interfaces, the system disk apart, an open error in place), Save as image, a scan with
// findings streamed then final, a finding revealing its file, the badge and Export report.

import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FindingInfo } from '../../electron/shared/api.js';
import { App } from '../../renderer/components/App.js';
import { createAppStore, currentDir, StoreContext, volumeKey } from '../../renderer/store/index.js';
import { BADUSB_STICK, fakeClient, SYSTEM_DISK, text, until } from './fake-client.js';

beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});
afterEach(cleanup);

const FINDINGS: FindingInfo[] = [
  { severity: 'danger', kind: 'shortcut', path: '/docs/report.lnk', title: 'Shortcut runs powershell', evidence: ['target: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'], why: 'It starts PowerShell.', node: 4 },
  { severity: 'warning', kind: 'bidi-name', path: '/photo\u202egpj.scr', title: 'Name hides its extension', evidence: ['shown as: photorcs.jpg'], why: 'The name is reordered.', node: 5 },
  { severity: 'info', kind: 'volume-label', path: '/', title: 'Volume label looks like a system volume', evidence: [], why: 'Only a label.', node: null },
];

const tree = () => [
  { name: 'docs', type: 'dir' as const, children: [{ name: 'guide.md', type: 'file' as const, bytes: text('# Guide\n') }, { name: 'report.lnk', type: 'file' as const, bytes: text('L') }] },
  { name: 'photo\u202egpj.scr', type: 'file' as const, bytes: text('MZ') },
];

function setup(findings = FINDINGS) {
  const fake = fakeClient(tree(), { devices: [BADUSB_STICK, SYSTEM_DISK], findings });
  const store = createAppStore(fake.client);
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>,
  );
  return { store, fake };
}

const settle = () => act(async () => new Promise((r) => setTimeout(r, 120)));

describe('devices in the sidebar', () => {
  it('shows a stick with its BadUSB warning and interfaces, the system disk apart and marked', async () => {
    setup();
    await settle();
    const sticks = screen.getByRole('list', { name: 'USB sticks and cards' });
    expect(within(sticks).getByRole('button', { name: 'Open USB Flash Disk read-only' })).toBeTruthy();
    expect(sticks.textContent).toContain('USB · removable · /dev/sdc');
    const note = within(sticks).getByRole('note');
    expect(note.textContent).toContain('It also presents a keyboard (HID boot keyboard) (1a86:e429)');
    expect(note.textContent).toContain('A warning, not a prevention: the OS binds a keyboard before any app can react.');
    const interfaces = within(note).getByRole('list', { name: 'USB interfaces' });
    expect(interfaces.textContent).toContain('08:06:50 mass storage · usb-storage');
    expect(interfaces.textContent).toContain('03:01:01 a keyboard (HID boot keyboard) · usbhid');
    expect(sticks.textContent).not.toContain('Samsung');
    const others = screen.getByRole('list', { name: 'Other disks', hidden: true });
    expect(others.textContent).toContain('System disk: holds the running system');
    expect(others.textContent).toContain('Mounted by the OS at /, /boot');
  });

  it('updates when main pushes a new device list', async () => {
    const { fake } = setup();
    await settle();
    act(() => fake.emit({ type: 'devices', devices: [SYSTEM_DISK] }));
    expect(screen.queryByRole('list', { name: 'USB sticks and cards' })).toBeNull();
    expect(screen.getByText('No USB sticks or cards')).toBeTruthy();
  });

  it('opens a device read-only; a device that cannot be read says why in its row', async () => {
    const { store } = setup();
    await settle();
    fireEvent.click(screen.getByText('Other disks'));
    await act(async () => store.getState().openDevice('dsys'));
    const others = screen.getByRole('list', { name: 'Other disks' });
    expect(within(others).getByRole('alert').textContent).toContain('/dev/nvme0n1: permission denied');
    expect(store.getState().openError).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Open USB Flash Disk read-only' }));
    await until(() => store.getState().sources.some((s) => s.kind === 'device'));
  });

  it('saves a device as an image, as a task with its hash', async () => {
    const { fake } = setup();
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'Save USB Flash Disk as image…' }));
    await settle();
    expect(fake.calls.find((c) => c.channel === 'glovebox:save-device-image')?.req).toMatchObject({ deviceId: 'dbad' });
    const card = screen.getByRole('status', { name: 'Saved “USB Flash Disk” as an image' });
    expect(card.textContent).toContain('/out/stick.img');
    expect(card.textContent).toContain('cd'.repeat(32));
  });
});

describe('scan findings', () => {
  async function scanned(findings = FINDINGS) {
    const ctx = setup(findings);
    await act(async () => ctx.store.getState().openPath('/images/stick.img'));
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'Scan this volume for threats' }));
    await settle();
    return ctx;
  }

  it('scans from the toolbar: findings as text beside the list, a count badge on the volume', async () => {
    const { store } = await scanned();
    const panel = screen.getByRole('region', { name: 'Findings' });
    expect(panel.textContent).toContain('1 danger');
    expect(panel.textContent).toContain('1 warning');
    const rows = within(panel).getAllByRole('button', { pressed: false });
    expect(rows.map((r) => r.getAttribute('aria-label'))).toEqual([
      'Danger: Shortcut runs powershell, /docs/report.lnk',
      'Warning: Name hides its extension, /photo⟨RLO⟩gpj.scr',
      'Info: Volume label looks like a system volume, /',
    ]);
    // The bidi control is shown as a marker, never as a live character.
    expect(panel.innerHTML).not.toContain('\u202e');
    expect(screen.getByRole('button', { name: 'Scanned: 1 danger, 1 warning. Show findings' }).textContent).toBe('2');
    expect(store.getState().scans[volumeKey('src1', 1)]?.status).toBe('done');
    expect(store.getState().tasks).toEqual([]);
  });

  it('clicking a finding opens its folder and selects its file, with evidence and why', async () => {
    const { store } = await scanned();
    fireEvent.click(screen.getByRole('button', { name: 'Danger: Shortcut runs powershell, /docs/report.lnk' }));
    await until(() => store.getState().focused === 'report.lnk');
    expect(store.getState().location?.trail.map((c) => c.name)).toEqual(['', 'docs']);
    expect(currentDir(store.getState())?.status).toBe('ready');
    const detail = screen.getByRole('region', { name: 'Finding details' });
    expect(within(detail).getByRole('list', { name: 'Evidence' }).textContent).toContain('powershell.exe');
    expect(detail.textContent).toContain('It starts PowerShell.');
  });

  it('exports the report through main and says where it went', async () => {
    const { fake } = await scanned();
    fireEvent.click(screen.getByRole('button', { name: 'Export report…' }));
    await settle();
    expect(fake.calls.find((c) => c.channel === 'glovebox:export-report')?.req).toEqual({ sourceId: 'src1', volume: 1 });
    expect(screen.getByText('Report saved to /out/report.html')).toBeTruthy();
  });

  it('a clean volume: a calm empty state and a check badge', async () => {
    await scanned([]);
    expect(screen.getByText('Nothing suspicious found on this volume.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Scanned: nothing above info. Show findings' }).textContent).toBe('✓');
  });

  it('scans from the volume’s context menu; a failed scan is shown in the panel', async () => {
    const { store, fake } = setup();
    await act(async () => store.getState().openPath('/images/stick.img'));
    await settle();
    fireEvent.contextMenu(screen.getByRole('button', { name: /^STICK/ }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Scan for threats' }));
    await settle();
    expect(fake.calls.filter((c) => c.channel === 'glovebox:scan')).toHaveLength(1);
    // A failure: the fake's scan answer replaced by an error.
    const { ApiFailure } = await import('../../renderer/api.js');
    const call = fake.client.call;
    fake.client.call = (async (channel: string, req: unknown) => {
      if (channel === 'glovebox:scan') throw new ApiFailure('Crashed', 'the sandbox stopped');
      return call(channel as never, req as never);
    }) as typeof call;
    await act(async () => store.getState().scanVolume('src1', 1));
    expect(screen.getByRole('region', { name: 'Findings' }).textContent).toContain('The scan failed: the sandbox stopped');
  });
});
