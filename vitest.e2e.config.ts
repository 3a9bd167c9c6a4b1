import { defineConfig } from 'vitest/config';

// End-to-end: Debian's Chromium (playwright-core) against the built renderer and the real
// core and sandbox. `npm run test:e2e` builds first.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ['default'],
  },
});
