/* eslint-disable @typescript-eslint/no-require-imports -- electron-builder loads hooks as CommonJS */
// electron-builder hook: build the confinement addon for the target platform and architecture
// and put it where the app looks for it (dist/glovebox_confine.node, unpacked from the asar).
// N-API: the same binary serves Node and Electron, so no Electron headers are needed.
const { spawnSync } = require('node:child_process');
const { copyFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

exports.default = async function beforeBuild(context) {
  const root = join(__dirname, '..');
  const arch = typeof context.arch === 'string' ? context.arch : undefined;
  const args = [require.resolve('./build-native.mjs')];
  const env = { ...process.env, ...(arch ? { npm_config_arch: arch } : {}) };
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env });
  const built = join(root, 'build', 'Release', 'glovebox_confine.node');
  if (r.status !== 0 || !existsSync(built)) throw new Error('the confinement addon did not build for this target');
  copyFileSync(built, join(root, 'dist', 'glovebox_confine.node'));
  // true: let electron-builder go on with its own dependency installation.
  return true;
};
