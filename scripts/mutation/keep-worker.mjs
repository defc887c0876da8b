/**
 * Preloaded into Stryker's Vitest test-runner processes (testRunnerNodeArgs in run.mjs).
 *
 * Vitest starts a new worker thread for every run: after each run it recycles its thread pool,
 * isolated or not. Stryker makes one run per mutant, so each mutant paid for a new thread and for
 * loading every package its tests use (@medplum/core and the R4 definitions it indexes cost more
 * than a second a mutant in the EPR modules). Here the pool keeps its thread between runs, as it
 * already does between the test files of one run when files are not isolated;
 * scripts/mutation/fresh-run.ts gives each run's project modules what a new thread would.
 *
 * Packages under node_modules then live as long as the test-runner process, as they do in the
 * app: only their caches (the FHIR definitions index) are kept, never a module of Wardscribe.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// The copy of tinypool Vitest itself loads (a nested copy under vitest would otherwise be missed).
const fromVitest = createRequire(createRequire(import.meta.url).resolve('vitest/package.json'));
const { Tinypool } = await import(pathToFileURL(fromVitest.resolve('tinypool')).href);

if (typeof Tinypool?.prototype?.recycleWorkers !== 'function') {
  throw new Error('scripts/mutation/keep-worker.mjs: tinypool has no recycleWorkers (tinypool changed?)');
}
Tinypool.prototype.recycleWorkers = async function keepWorkers() {};
