// The protocol and the supervisor over an in-memory port pair: no process involved.
import { describe, expect, it } from 'vitest';
import { InMemoryLauncher, createPortPair } from '../../core/sandbox/in-memory.js';
import type { KernelLauncher, KernelProcess } from '../../core/sandbox/host/launcher.js';
import { Supervisor } from '../../core/sandbox/host/supervisor.js';
import { KernelServer } from '../../core/sandbox/kernel/server.js';
import { MsgKind, PROTOCOL_VERSION, parseHostMessage, parseKernelMessage } from '../../core/sandbox/protocol/messages.js';
import { BufferSource } from '../../core/sources/file-source.js';
import { wholeDeviceProbe } from '../support/whole-device-probe.js';
import { rejection } from '../support/errors.js';
import { hostileDriver, hostileImage } from './hostile-driver.js';

const launcher = () => new InMemoryLauncher([hostileDriver], wholeDeviceProbe);

function supervisor(image: Uint8Array, l: KernelLauncher = launcher(), extra: Partial<ConstructorParameters<typeof Supervisor>[0]> = {}) {
  return new Supervisor({ launcher: l, source: new BufferSource(image), ...extra });
}


describe('message validation', () => {
  it('accepts well-formed messages and rejects malformed ones', () => {
    expect(parseKernelMessage({ k: MsgKind.BlockRead, rid: 1, offset: 0, length: 512 })).not.toBeNull();
    expect(parseKernelMessage({ k: MsgKind.BlockRead, rid: 1, offset: -1, length: 512 })).toBeNull();
    expect(parseKernelMessage({ k: MsgKind.BlockRead, rid: 1, offset: 0.5, length: 512 })).toBeNull();
    expect(parseKernelMessage({ k: MsgKind.Result, id: 3, ok: false, error: { kind: 'Bogus', message: 'x' } })).toBeNull();
    expect(parseKernelMessage({ k: MsgKind.Result, id: 3, ok: false, error: { kind: 'Corrupt', message: 'x' } })).not.toBeNull();
    expect(parseKernelMessage({ k: 99 })).toBeNull();
    expect(parseKernelMessage('hello')).toBeNull();
    // The Hello's confinement: layers and problems are optional (older kernels), strict when present.
    const hello = (confinement: object) => parseKernelMessage({ k: MsgKind.Hello, version: 1, confinement });
    expect(hello({ nodePermission: true, os: null })).toEqual({ k: MsgKind.Hello, version: 1, confinement: { nodePermission: true, os: null, layers: [], problems: [] } });
    expect(hello({ nodePermission: true, os: 'seccomp', layers: ['no-new-privs', 'seccomp'], problems: [] })).not.toBeNull();
    expect(hello({ nodePermission: true, os: 'seccomp', layers: 'seccomp' })).toBeNull();
    expect(hello({ nodePermission: true, os: 'seccomp', layers: [1] })).toBeNull();
    expect(hello({ nodePermission: true, os: 'seccomp', problems: ['x'.repeat(201)] })).toBeNull();
    expect(hello({ nodePermission: true, os: 'seccomp', layers: new Array(17).fill('x') })).toBeNull();
    expect(parseHostMessage({ k: MsgKind.BlockData, rid: 1, ok: true, data: 'not bytes' })).toBeNull();
    expect(parseHostMessage({ k: MsgKind.Call, id: 1, method: 'probe', args: [] })).not.toBeNull();
  });
});

describe('supervisor over in-memory ports', () => {
  it('probes, lists and reads', async () => {
    const s = supervisor(hostileImage('echo', ['alpha', 'beta']));
    const info = await s.info();
    expect(info.volumes).toHaveLength(1);
    expect(info.volumes[0]).toMatchObject({ index: 1, fs: 'hostile', label: 'echo' });
    const root = await s.root(1);
    const page = await s.readdir(1, root.node, 0, 10);
    expect(page.entries.map((e) => e.name)).toEqual(['alpha', 'beta']);
    const bytes = await s.read(1, page.entries[1]!.node, 1, 100);
    expect(new TextDecoder().decode(bytes)).toBe('eta');
    expect((await s.lookup(1, '/beta')).node).toBe(page.entries[1]!.node);
    expect((await rejection(s.lookup(1, '/gamma'))).kind).toBe('NotFound');
    expect(s.stats.hypercalls).toBeGreaterThan(0);
    await s.close();
  });

  it('pages large directories', async () => {
    const names = Array.from({ length: 2500 }, (_, i) => `f${i}`);
    const s = supervisor(hostileImage('echo', names));
    const root = await s.root(1);
    const seen: string[] = [];
    let start: number | null = 0;
    while (start !== null) {
      const page = await s.readdir(1, root.node, start, 1000);
      seen.push(...page.entries.map((e) => e.name));
      start = page.next;
    }
    expect(seen).toEqual(names);
    await s.close();
  });

  it('escapes names that cannot be path components', async () => {
    const s = supervisor(hostileImage('echo', ['a/b', '..', '.', 'ok', 'x\u0000y', '100%/']));
    const root = await s.root(1);
    const page = await s.readdir(1, root.node, 0, 100);
    expect(page.entries.map((e) => [e.name, e.escaped])).toEqual([
      ['a%2Fb', true],
      ['%2E%2E', true],
      ['%2E', true],
      ['ok', false],
      ['x%00y', true],
      ['100%25%2F', true],
    ]);
    await s.close();
  });

  it('carries driver errors as data with their kind', async () => {
    const s = supervisor(hostileImage('throw-type-error'));
    const root = await s.root(1);
    const e = await rejection(s.readdir(1, root.node, 0, 10));
    expect(e.kind).toBe('Corrupt');
    expect(e.message).toMatch(/cannot read properties/);
    // The kernel is still usable afterwards.
    expect((await s.stat(1, root.node)).type).toBe('dir');
    await s.close();
  });

  it('reports a volume with no recognised file system as Unsupported', async () => {
    const s = supervisor(new Uint8Array(8192));
    expect((await s.info()).volumes[0]!.fs).toBeNull();
    expect((await rejection(s.root(1))).kind).toBe('Unsupported');
    await s.close();
  });

  it('rejects a kernel that speaks another protocol version', async () => {
    const bad: KernelLauncher = {
      description: 'wrong version',
      memoryLimitBytes: null,
      launch(): KernelProcess {
        const pair = createPortPair();
        pair.kernel.send({ k: MsgKind.Hello, version: PROTOCOL_VERSION + 1, confinement: { nodePermission: true, os: null, layers: [], problems: [] } });
        return { pid: undefined, send: pair.host.send, onMessage: pair.host.onMessage, onExit: () => undefined, kill: pair.host.close, residentBytes: () => null };
      },
    };
    const e = await rejection(supervisor(hostileImage('echo'), bad).info());
    expect(e.kind).toBe('Protocol');
    expect(e.message).toMatch(/version/);
  });

  it('runs the self-test once per kernel start and refuses a kernel that fails the self-test policy', async () => {
    const ok = supervisor(hostileImage('echo', ['a']));
    await ok.info();
    expect(ok.selfTest).toEqual({ file: 'untested', socket: 'untested', spawn: 'untested' });
    expect(ok.isolation).toEqual([]);
    await ok.close();
    const refused = supervisor(hostileImage('echo', ['a']), launcher(), { selfTestPolicy: (t) => (t.file === 'blocked' ? null : 'files can be opened') });
    const e = await rejection(refused.info());
    expect(e.kind).toBe('Unsupported');
    expect(e.message).toMatch(/not confined: files can be opened/);
    await refused.close();
  });

  it('refuses an unconfined kernel when the policy asks for confinement', async () => {
    const s = supervisor(hostileImage('echo'), launcher(), { confinementPolicy: (c) => (c.nodePermission ? null : 'no permission model') });
    const e = await rejection(s.info());
    expect(e.kind).toBe('Unsupported');
    expect(e.message).toMatch(/not confined/);
  });

  it('kills a kernel that asks for bytes outside the source, and restarts for the next request', async () => {
    const l = launcher();
    const s = supervisor(hostileImage('echo', ['x']), l);
    await s.info();
    // Impersonate a compromised kernel: a raw out-of-range hypercall.
    // Feed the supervisor's own message handler, as if the kernel had sent it.
    const internal = s as unknown as { live: unknown; onMessage(live: unknown, raw: unknown): void };
    const root = s.root(1);
    await new Promise((r) => setImmediate(r));
    internal.onMessage(internal.live, { k: MsgKind.BlockRead, rid: 99, offset: 8000, length: 4096 });
    const e = await rejection(root);
    expect(e.kind).toBe('Protocol');
    expect(e.message).toMatch(/outside the source/);
    expect((await s.root(1)).type).toBe('dir');
    expect(l.launched).toBe(2);
    await s.close();
  });

  it('pins each volume to the driver found first: a restarted kernel never re-probes', async () => {
    const seen: Array<Array<[number, string | null]>> = [];
    const recordingProbe: typeof wholeDeviceProbe = (device, drivers, pinned) => {
      seen.push([...(pinned ?? new Map())]);
      return wholeDeviceProbe(device, drivers, pinned);
    };
    const l = new InMemoryLauncher([hostileDriver], recordingProbe);
    const s = supervisor(hostileImage('echo', ['x']), l);
    await s.info();
    // Crash the kernel between requests; the next request starts a new one.
    const internal = s as unknown as { live: { proc: KernelProcess } | null };
    internal.live!.proc.kill();
    await new Promise((r) => setTimeout(r, 10));
    expect((await s.root(1)).type).toBe('dir');
    expect(l.launched).toBe(2);
    expect(seen).toEqual([[], [[1, 'hostile']]]);
    await s.close();
  });

  it('cancels a request', async () => {
    const s = supervisor(hostileImage('echo', ['x']));
    const root = await s.root(1);
    const ac = new AbortController();
    const p = s.readdir(1, root.node, 0, 10, { signal: ac.signal });
    ac.abort();
    expect((await rejection(p)).kind).toBe('Cancelled');
    expect((await s.readdir(1, root.node, 0, 10)).entries).toHaveLength(1);
    await s.close();
  });

  it('answers a call that arrives before the handshake with a Protocol error', async () => {
    const pair = createPortPair();
    new KernelServer(pair.kernel, { probe: async () => ({}) } as never, { nodePermission: false, os: null, layers: [], problems: [] });
    const got: unknown[] = [];
    pair.host.onMessage((m) => got.push(m));
    pair.host.send({ k: MsgKind.Call, id: 7, method: 'probe', args: [0, []] });
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toContainEqual(expect.objectContaining({ k: MsgKind.Result, id: 7, ok: false, error: expect.objectContaining({ kind: 'Protocol' }) }));
  });
});
