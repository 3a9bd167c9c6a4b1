// Bundles the two programs Glovebox runs: the CLI (host side) and the sandbox kernel.
// The kernel is one self-contained file so that Node's permission model can allow reading
// exactly that file and nothing else.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const common = {
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
];

for (const e of entries) {
  if (!existsSync(new URL(`../${e.in}`, import.meta.url))) {
    console.warn(`build: ${e.in} not present yet, skipped`);
    continue;
  }
  await build({ ...common, entryPoints: [e.in], outfile: e.out });
}
