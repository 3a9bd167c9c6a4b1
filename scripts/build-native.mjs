// Builds the confinement addon (core/native, binding.gyp) with node-gyp. Run by `npm install`.
// Never fatal: without the addon the sandbox still runs, under the remaining layers, and
// Glovebox says so (`glovebox info`, and a warning on every start).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function nodeGyp() {
  // npm tells its scripts where its own node-gyp is; otherwise look beside npm.
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const require = createRequire(import.meta.url);
  for (const id of ['node-gyp/bin/node-gyp.js', 'npm/node_modules/node-gyp/bin/node-gyp.js']) {
    try {
      return require.resolve(id);
    } catch {
      /* next */
    }
  }
  const beside = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(beside) ? beside : null;
}

function warn(message) {
  console.warn(`glovebox: warning: ${message}; the sandbox will run without OS-level confinement (see README, Security model)`);
}

const gyp = nodeGyp();
if (!gyp) {
  warn('node-gyp was not found, the confinement addon was not built');
} else {
  const args = [gyp, 'rebuild'];
  // Headers installed with Node itself (e.g. /usr/include/node) need no download.
  const prefix = join(dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write((r.stderr ?? '').split('\n').slice(-15).join('\n'));
    warn('the confinement addon could not be built');
  } else {
    console.log('glovebox: built build/Release/glovebox_confine.node');
  }
}
