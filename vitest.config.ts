import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    // Property tests: a fixed fast-check seed in CI (and printed on failure), see the file.
    setupFiles: ['tests/support/property-seed.ts'],
    // Argon2id, SQLCipher and PDF work are CPU-heavy; two cores, so no more than two workers.
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 30_000,
  },
});
