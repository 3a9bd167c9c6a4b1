// Layering is enforced here: code that parses image bytes runs inside the confined sandbox
// and must stay pure TypeScript (no Node, Electron or React). See ARCHITECTURE.md.
import tseslint from 'typescript-eslint';

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
    files: ['**/*.ts'],
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
        upward(['**/sandbox/host/*', '**/cli/*', '**/extract/*', '**/devices/*'],
          'Sandbox-side code never imports host-side code.'),
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
        upward(['**/sandbox/host/*', '**/sandbox/kernel/*', '**/cli/*', '**/extract/*', '**/devices/*', '**/fs/*'],
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
          { group: ['**/sandbox/host/*', '**/sandbox/kernel/*', '**/cli/*', '**/extract/*', '**/devices/*', '**/fs/*'], message: 'The confinement layer imports only the protocol types.' },
        ],
      }],
    },
  },
  {
    // The host never parses image structures: only the sandbox imports drivers and tables.
    files: ['core/cli/**/*.ts', 'core/extract/**/*.ts', 'core/sources/**/*.ts', 'core/sandbox/host/**/*.ts', 'electron/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          group: ['**/fs/*/**', '**/fs/registry.js', '**/partitions/**', '**/containers/**', '**/probe.js', '**/sandbox/kernel/**'],
          message: 'Host code never parses image bytes: talk to the sandbox instead.',
        }],
      }],
    },
  },
);
