// Bundles the programs Glovebox runs: the CLI (host side), the sandbox kernel, and the desktop
// app (Electron main process, preload, renderer). The kernel is one self-contained file so that
// Node's permission model can allow reading exactly that file and nothing else.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
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

// The desktop app. Main: an ES module like the CLI (Electron is provided at run time).
// Preload: CommonJS, as Chromium's sandbox requires of preload scripts. Renderer: a browser
// bundle with its stylesheet, loaded by index.html under a strict CSP (no inline code).
const electronEntries = [
  { in: 'electron/main/main.ts', out: 'dist/electron-main.mjs', format: 'esm' },
  { in: 'electron/preload/preload.ts', out: 'dist/preload.cjs', format: 'cjs' },
];
for (const e of electronEntries) {
  if (!existsSync(new URL(`../${e.in}`, import.meta.url))) {
    console.warn(`build: ${e.in} not present yet, skipped`);
    continue;
  }
  await build({ ...common, entryPoints: [e.in], outfile: e.out, format: e.format, external: ['electron'] });
}
mkdirSync(new URL('../dist/renderer/', import.meta.url), { recursive: true });
await build({
  entryPoints: ['renderer/main.tsx'],
  outfile: 'dist/renderer/app.js',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: ['chrome120'],
  jsx: 'automatic',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
  absWorkingDir: root,
});
copyFileSync(new URL('../renderer/index.html', import.meta.url), new URL('../dist/renderer/index.html', import.meta.url));

// The confinement addon (built by `npm install`, scripts/build-native.mjs) travels beside the
// bundles. It is optional: without it the sandbox runs with the remaining layers and says so.
const addon = new URL('../build/Release/glovebox_confine.node', import.meta.url);
const addonOut = new URL('../dist/glovebox_confine.node', import.meta.url);
if (existsSync(addon)) copyFileSync(addon, addonOut);
else {
  rmSync(addonOut, { force: true });
  console.warn('glovebox: warning: build/Release/glovebox_confine.node is missing (npm install builds it): the sandbox will run without OS-level confinement');
}
