// The real sandbox process: a forked Node kernel under the permission model, attacked by a
// driver that behaves like a compromised parser.
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeLauncher, permissionFlags } from '../../core/sandbox/host/node-launcher.js';
import { Supervisor } from '../../core/sandbox/host/supervisor.js';
import { BufferSource } from '../../core/sources/file-source.js';
import { rejection } from '../support/errors.js';
import { hostileImage } from './hostile-driver.js';

const kernelPath = fileURLToPath(new URL('../../dist/test/hostile-kernel.mjs', import.meta.url));
if (!existsSync(kernelPath)) throw new Error(`${kernelPath} is missing: run npm run build`);

const open: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function sandbox(command: string, lines: string[] = [], options: { heapMb?: number; timeoutMs?: number } = {}) {
  const s = new Supervisor({
    launcher: new NodeLauncher({ kernelPath, heapMb: options.heapMb ?? 128 }),
    source: new BufferSource(hostileImage(command, lines)),
    requestTimeoutMs: options.timeoutMs ?? 5000,
    confinementPolicy: (c) => (c.nodePermission ? null : 'Node permission model not active'),
  });
  open.push(s);
  return s;
}

async function listRoot(s: Supervisor): Promise<string[]> {
  const root = await s.root(1);
  return (await s.readdir(1, root.node, 0, 100)).entries.map((e) => e.name);
}


describe('sandbox process', () => {
  it('starts confined, with an empty environment and no arguments', async () => {
    const s = sandbox('env');
    expect(await listRoot(s)).toEqual(['env 0', 'argv 0']);
    expect(s.confinement).toEqual({ nodePermission: true, os: null });
  });

  it('cannot read files', async () => {
    expect(await listRoot(sandbox('read-passwd'))).toEqual(['denied ERR_ACCESS_DENIED']);
  });

  it('cannot write files', async () => {
    const target = `/tmp/glovebox-escape-${process.pid}`;
    rmSync(target, { force: true });
    expect(await listRoot(sandbox('write-file', [target]))).toEqual(['denied ERR_ACCESS_DENIED']);
    expect(existsSync(target)).toBe(false);
  });

  it('cannot start processes, workers or native addons, nor compile strings', async () => {
    expect(await listRoot(sandbox('spawn'))).toEqual(['denied ERR_ACCESS_DENIED']);
    expect(await listRoot(sandbox('worker'))).toEqual(['denied ERR_ACCESS_DENIED']);
    expect((await listRoot(sandbox('dlopen')))[0]).toMatch(/^denied ERR_(DLOPEN_DISABLED|ACCESS_DENIED)/);
    expect(await listRoot(sandbox('eval'))).toEqual(['denied EvalError']);
  });

  it('kills a driver that loops forever; the next request works', async () => {
    const s = sandbox('loop', [], { timeoutMs: 1500 });
    const root = await s.root(1);
    const e = await rejection(s.readdir(1, root.node, 0, 10));
    expect(e.kind).toBe('Timeout');
    expect((await s.stat(1, root.node)).type).toBe('dir');
    expect(s.stats.launches).toBe(2);
  });

  it('kills a driver that allocates without bound on the heap; the next request works', async () => {
    const s = sandbox('alloc-heap', [], { heapMb: 64, timeoutMs: 20_000 });
    const root = await s.root(1);
    const e = await rejection(s.readdir(1, root.node, 0, 10));
    expect(e.kind).toBe('Crashed');
    expect(e.message).toMatch(/memory/);
    expect((await s.stat(1, root.node)).type).toBe('dir');
  });

  it('kills a driver whose buffers outgrow the resident-memory cap', async () => {
    const s = sandbox('alloc-buffers', [], { heapMb: 64, timeoutMs: 20_000 });
    const root = await s.root(1);
    const e = await rejection(s.readdir(1, root.node, 0, 10));
    expect(e.kind).toBe('Crashed');
    expect(e.message).toMatch(/memory/);
    expect((await s.stat(1, root.node)).type).toBe('dir');
  });

  it('reports a crash clearly and restarts', async () => {
    const s = sandbox('crash');
    const root = await s.root(1);
    const e = await rejection(s.readdir(1, root.node, 0, 10));
    expect(e.kind).toBe('Crashed');
    expect(e.message).toMatch(/ended unexpectedly/);
    expect((await s.stat(1, root.node)).type).toBe('dir');
  });

  it('uses the permission flags this Node understands', () => {
    expect(permissionFlags('/k.mjs', '20.20.2')).toEqual(['--experimental-permission', '--allow-fs-read=/k.mjs']);
    expect(permissionFlags('/k.mjs', '22.12.0')).toEqual(['--permission', '--allow-fs-read=/k.mjs']);
  });
});
