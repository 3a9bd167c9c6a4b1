// Bundles the two programs Glovebox runs: the CLI (host side) and the sandbox kernel.
// The kernel is one self-contained file so that Node's permission model can allow reading
// exactly that file and nothing else.
import { build } from 'esbuild';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// xz-decompress falls back to `require('stream/web')` only where there is no global
// ReadableStream; Node 20 and Electron have one, and an ESM bundle cannot require().
const noStreamWeb = {
  name: 'no-stream-web',
  setup(b) {
    b.onResolve({ filter: /^stream\/web$/ }, () => ({ path: 'stream/web', namespace: 'no-stream-web' }));
    b.onLoad({ filter: /.*/, namespace: 'no-stream-web' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};
const common = {
  plugins: [noStreamWeb],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  absWorkingDir: root,
};

const entries = [
  { in: 'core/cli/main.ts', out: 'dist/cli.mjs' },
  { in: 'core/sandbox/kernel/entry.ts', out: 'dist/sandbox-kernel.mjs' },
  // Test-only: the kernel with a driver that behaves like a compromised parser.
  { in: 'tests/sandbox/hostile-kernel-entry.ts', out: 'dist/test/hostile-kernel.mjs' },
  // Test-only: the same attempts in a plain, unconfined process (the control).
  { in: 'tests/sandbox/control-entry.ts', out: 'dist/test/control.mjs' },
];

for (const e of entries) {
  if (!existsSync(new URL(`../${e.in}`, import.meta.url))) {
    console.warn(`build: ${e.in} not present yet, skipped`);
    continue;
  }
  await build({ ...common, entryPoints: [e.in], outfile: e.out });
}

// The confinement addon (built by `npm install`, scripts/build-native.mjs) travels beside the
// bundles. It is optional: without it the sandbox runs with the remaining layers and says so.
const addon = new URL('../build/Release/glovebox_confine.node', import.meta.url);
const addonOut = new URL('../dist/glovebox_confine.node', import.meta.url);
if (existsSync(addon)) copyFileSync(addon, addonOut);
else {
  rmSync(addonOut, { force: true });
  console.warn('glovebox: warning: build/Release/glovebox_confine.node is missing (npm install builds it): the sandbox will run without OS-level confinement');
}
