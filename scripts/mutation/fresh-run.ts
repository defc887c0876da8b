/**
 * A setup file of vitest.mutation.config.ts, run before a module's tests on every Stryker run
 * (the dry run and each mutant). The worker thread is kept between runs (`isolate: false`, which
 * spares starting a thread and loading Vitest and the test's dependencies for each mutant), so
 * this gives each run what a new thread would have given it:
 *
 * - every module of the project evaluated afresh when the test file imports it, so a mutant in
 *   code that runs at load (a static table, a module constant) is built with that mutant active,
 *   and no module-level state of one run reaches the next;
 * - the mock registry emptied (the test file registers its own `vi.mock`s again as it loads);
 * - Stryker's active mutant unset while the test file loads, as in a new thread (Stryker sets it
 *   before the tests of a runtime-activated mutant; a static mutant's is set before this file).
 *
 * It does what Vitest itself does between files when it isolates them (mocker reset, module
 * registry reset with mocks), through the same worker state.
 */
import { inject } from 'vitest';

interface ModuleCache {
  forEach(each: (mod: unknown, id: string) => void): void;
  invalidateModule(mod: unknown): boolean;
}

const scope = globalThis as unknown as {
  __vitest_worker__?: { moduleCache: ModuleCache };
  __vitest_mocker__?: { reset(): void };
  [namespace: string]: unknown;
};

// Vitest's own modules, as Vitest leaves them when it resets modules between isolated files.
const VITEST_INTERNAL = [/\/vitest\/dist\//, /\/vite-node\/dist\//, /vitest-virtual-\w+\/dist/, /@vitest\/dist/];

const worker = scope.__vitest_worker__;
if (worker === undefined || scope.__vitest_mocker__ === undefined) {
  throw new Error('scripts/mutation/fresh-run.ts: Vitest worker state not found (Vitest internals changed?)');
}
scope.__vitest_mocker__.reset();
worker.moduleCache.forEach((mod, id) => {
  if (!VITEST_INTERNAL.some((pattern) => pattern.test(id))) worker.moduleCache.invalidateModule(mod);
});

const provided = inject as unknown as (key: string) => unknown;
const namespace = provided('globalNamespace');
if (typeof namespace === 'string' && provided('mode') === 'mutant') {
  const stryker = scope[namespace] as { activeMutant?: string; mutantCoverage?: unknown } | undefined;
  if (stryker !== undefined) {
    if (provided('mutantActivation') !== 'static') stryker.activeMutant = undefined;
    stryker.mutantCoverage = undefined;
  }
}
