// Test runner configuration: every *.test.ts under test/ and exercises/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Suites import vmlab/testing: under vitest that is the TypeScript source, not the compiled package.
    alias: { 'vmlab/testing': fileURLToPath(new URL('./testing/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/build-dist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
