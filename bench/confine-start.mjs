// Start-up overhead of the sandbox's confinement (ms): fork → Hello (the kernel has confined
// itself by then) → self-test answered, for the kernel with and without its OS layer, with and
// without Node's permission model, and through a network namespace. Median of N starts each
// (run serially, so noise on a busy machine shows as +/- a few ms). `npm run bench:confine [N]`.
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const kernel = join(root, 'dist', 'sandbox-kernel.mjs');
const addon = join(root, 'dist', 'glovebox_confine.node');
if (!existsSync(kernel)) throw new Error('run `npm run build` first');
const runs = Number(process.argv[2] ?? 15);
const hasAddon = existsSync(addon);

const unshare = ['/usr/bin/unshare', '/bin/unshare'].find((p) => existsSync(p));

function once({ permission, withAddon, netns }) {
  const execArgv = ['--no-warnings', '--disallow-code-generation-from-strings'];
  if (permission) execArgv.push('--experimental-permission', `--allow-fs-read=${kernel}`, ...(withAddon ? [`--allow-fs-read=${addon}`, '--allow-addons'] : []));
  const cwd = mkdtempSync(join(tmpdir(), 'glovebox-bench-'));
  const t0 = performance.now();
  const through = netns ? { execPath: unshare, execArgv: ['--user', '--map-current-user', '--net', '--', process.execPath, ...execArgv] } : { execArgv };
  const child = fork(kernel, withAddon ? [`--confine-addon=${addon}`] : [], { env: {}, cwd, ...through, serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let hello = 0;
    child.on('message', (m) => {
      if (m.k === 1) {
        hello = performance.now() - t0;
        child.send({ k: 1, version: m.version });
        child.send({ k: 2, id: 1, method: 'selftest', args: [] });
      } else if (m.k === 3) {
        const total = performance.now() - t0;
        child.kill('SIGKILL');
        rmSync(cwd, { recursive: true, force: true });
        if (!m.ok) reject(new Error(m.error.message));
        else resolve({ hello, total, layers: m.value });
      }
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const configs = [
  { name: 'no confinement', permission: false, withAddon: false },
  { name: 'permission model', permission: true, withAddon: false },
  ...(hasAddon ? [
    { name: 'OS layer (seccomp) only', permission: false, withAddon: true },
    { name: 'permission model + OS layer', permission: true, withAddon: true },
    ...(unshare ? [{ name: 'all (+ network namespace)', permission: true, withAddon: true, netns: true }] : []),
  ] : []),
];
if (!hasAddon) console.log('(dist/glovebox_confine.node is missing: OS-layer rows skipped)');
console.log(`sandbox start, median of ${runs} (ms): fork → Hello, fork → self-test answered`);
let base = null;
for (const c of configs) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await once(c));
  const hello = median(samples.map((s) => s.hello));
  const total = median(samples.map((s) => s.total));
  // Confinement is applied before the Hello, so the Hello time carries its cost.
  base ??= hello;
  const delta = hello - base;
  console.log(`${c.name.padEnd(30)} hello ${hello.toFixed(1).padStart(6)} (${delta >= 0 ? '+' : ''}${delta.toFixed(1)})  self-test answered ${total.toFixed(1).padStart(6)}  ${JSON.stringify(samples[0].layers)}`);
}
