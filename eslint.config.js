// Layering is enforced here: code that parses image bytes runs inside the confined sandbox
// and must stay pure TypeScript (no Node, Electron or React). See ARCHITECTURE.md.
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const pureMessage = 'Driver layers are pure: no Node, Electron or React (they run in the sandbox).';
const hostModules = [
  'fs', 'fs/promises', 'path', 'os', 'child_process', 'net', 'http', 'https', 'dgram', 'tls',
  'worker_threads', 'cluster', 'module', 'vm', 'process', 'electron', 'react', 'react-dom',
];
const nodePatterns = (extra = []) => ({
  paths: hostModules.map((name) => ({ name, message: pureMessage })),
  patterns: [
    { group: ['node:*', 'electron/*', 'react/*', 'react-dom/*'], message: pureMessage },
    ...extra,
  ],
});
const upward = (names, why) => ({ group: names, message: why });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/work/**', 'tests/fixtures/**/tree/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['core/block/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', nodePatterns([
        upward(['../*', '!../errors.js'], 'core/block imports nothing else in core.'),
      ])],
    },
  },
  {
    files: ['core/partitions/**/*.ts', 'core/containers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', nodePatterns([
        upward(['../fs/*', '../sandbox/*', '../cli/*', '../extract/*', '../devices/*', '../scan/*'],
          'Partition and container code may import only core/block.'),
      ])],
    },
  },
  {
    files: ['core/fs/**/*.ts', 'core/probe.ts', 'core/errors.ts', 'core/sandbox/kernel/**/*.ts', 'core/sandbox/protocol/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', nodePatterns([
        upward(['**/sandbox/host/*', '**/cli/*', '**/extract/*', '**/devices/*', '**/mount/*'],
          'Sandbox-side code never imports host-side code.'),
      ])],
    },
  },
  {
    // The scan runs in the sandbox beside the drivers: pure, over the driver contract.
    files: ['core/scan/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', nodePatterns([
        upward(['**/sandbox/*', '**/sandbox/**', '**/cli/*', '**/extract/*', '**/devices/*', '**/probe.js'],
          'The scan imports only block, fs, containers and errors (it runs inside the sandbox).'),
      ])],
    },
  },
  {
    // The kernel's confinement layer: sandbox side, loads its addon with the global
    // process.dlopen; only the self-test touches Node modules, to try what must be refused.
    files: ['core/sandbox/confine/**/*.ts'],
    ignores: ['**/*.test.ts', 'core/sandbox/confine/selftest.ts'],
    rules: {
      'no-restricted-imports': ['error', nodePatterns([
        upward(['**/sandbox/host/*', '**/sandbox/kernel/*', '**/cli/*', '**/extract/*', '**/devices/*', '**/mount/*', '**/fs/*'],
          'The confinement layer imports only the protocol types.'),
      ])],
    },
  },
  {
    files: ['core/sandbox/confine/selftest.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', '!node:fs', '!node:net', '!node:child_process'], message: 'The self-test tries files, sockets and processes, nothing else.' },
          { group: ['**/sandbox/host/*', '**/sandbox/kernel/*', '**/cli/*', '**/extract/*', '**/devices/*', '**/mount/*', '**/fs/*'], message: 'The confinement layer imports only the protocol types.' },
        ],
      }],
    },
  },
  {
    // The host never parses image structures: only the sandbox imports drivers and tables.
    files: ['core/cli/**/*.ts', 'core/devices/**/*.ts', 'core/extract/**/*.ts', 'core/sources/**/*.ts', 'core/sandbox/host/**/*.ts', 'core/mount/**/*.ts', 'electron/main/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          {
            group: ['**/fs/*/**', '**/fs/registry.js', '**/partitions/**', '**/containers/**', '**/probe.js', '**/sandbox/kernel/**', '**/scan/*', '!**/scan/types.js', '!**/scan/cursor.js', '!**/scan/report.js', '!**/scan/layout.js'],
            message: 'Host code never parses image bytes: talk to the sandbox instead.',
          },
          { group: ['**/renderer/**', 'react', 'react-dom', 'react/*', 'react-dom/*', 'zustand', 'zustand/*'], message: 'The main process does not import the user interface.' },
        ],
      }],
    },
  },
  {
    // The contract between renderer, preload and main: plain types and constants, no imports.
    files: ['electron/shared/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', nodePatterns([
        upward(['../*', '../../*', 'zustand', 'zustand/*'], 'The shared contract imports nothing (the renderer, preload and main all load it).'),
      ])],
    },
  },
  {
    // The preload runs in Chromium's sandbox: electron's contextBridge, ipcRenderer and webUtils,
    // and the shared contract, nothing else.
    files: ['electron/preload/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', allowImportNames: ['contextBridge', 'ipcRenderer', 'webUtils', 'IpcRendererEvent'], message: 'The preload uses only contextBridge, ipcRenderer and webUtils.' }],
        patterns: [{ group: ['node:*', 'electron/*', '../main/*', '../../*', 'react', 'react-dom', 'zustand', 'react/*', 'zustand/*'], message: 'The preload imports only electron and the shared contract.' }],
      }],
    },
  },
  {
    // The renderer is a web page in Chromium's sandbox: React, zustand and the shared contract;
    // no Node, no Electron, nothing of core (it reaches the host only through window.glovebox).
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      'no-restricted-imports': ['error', {
        paths: ['fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'worker_threads', 'module', 'vm', 'process', 'electron'].map((name) => ({
          name,
          message: 'The renderer has no Node or Electron: it talks to window.glovebox.',
        })),
        patterns: [
          { group: ['node:*', 'electron/*'], message: 'The renderer has no Node or Electron: it talks to window.glovebox.' },
          { group: ['**/core/**', '**/electron/main/**', '**/electron/preload/**'], message: 'The renderer may import only the shared contract (electron/shared).' },
        ],
      }],
    },
  },
  {
    files: ['tests/renderer/**/*.tsx', 'tests/renderer/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error' },
  },
);
