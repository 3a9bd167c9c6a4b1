import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'tests/**/*.test.ts', 'tests/**/*.test.tsx', 'electron/**/*.test.ts'],
    // The browser end-to-end suite has its own config and command (npm run test:e2e).
    exclude: [...configDefaults.exclude, 'tests/e2e/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The machine has two cores; process-spawning suites get in each other's way beyond that.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
