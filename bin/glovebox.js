#!/usr/bin/env node
// The glovebox command: the bundled CLI (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('glovebox: not built yet: run `npm install` (or `npm run build`) first\n');
  process.exit(1);
}
await import(cli.href);
