import { defineConfig } from 'vitest/config';

/**
 * The Vitest configuration Stryker runs (`npm run mutation`): only the tests that state one
 * safety module's behaviour, named by scripts/mutation/modules.mjs and passed in
 * WARDSCRIBE_MUTATION_TESTS, so each mutant is judged by those tests and the run stays short.
 */
const tests = (process.env.WARDSCRIBE_MUTATION_TESTS ?? '').split(',').filter((path) => path !== '');
if (tests.length === 0) throw new Error('vitest.mutation.config.ts: WARDSCRIBE_MUTATION_TESTS names no test file');

export default defineConfig({
  test: {
    include: tests,
    environment: 'node',
    // One worker thread serves every Stryker run (the dry run, then each mutant): Vitest would
    // start a new one per run, and scripts/mutation/keep-worker.mjs (preloaded into the test
    // runner) keeps it. Not isolating lets a module's test files share that thread, and
    // scripts/mutation/fresh-run.ts gives each file what a new thread would (every project module
    // evaluated afresh, so static mutants are built with their mutant active; mocks registered
    // again; no active mutant while the file loads).
    isolate: false,
    poolOptions: { threads: { isolate: false }, forks: { isolate: false } },
    setupFiles: ['scripts/mutation/fresh-run.ts', 'tests/support/property-seed.ts'],
    // Stryker runs one mutant at a time per worker; the machine has two cores shared with others.
    maxWorkers: 1,
    minWorkers: 1,
    testTimeout: 30_000,
  },
});
