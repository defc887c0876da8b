/**
 * Preloaded into Stryker's TypeScript checker process (checkerNodeArgs in run.mjs).
 *
 * The checker type-checks each mutant by changing the file in TypeScript's watch-mode solution
 * builder and waiting for the rebuild; the builder waits 250 ms after a change before it rebuilds
 * (a debounce for editors saving many files). Here every change is made at once and then awaited,
 * so the wait only adds 250 ms to each mutant. This makes the builder's own timers fire at once:
 * the same rebuild of the same files, the same diagnostics, without the idle wait.
 */
import ts from 'typescript';

const later = ts.sys.setTimeout;
if (typeof later === 'function') {
  ts.sys.setTimeout = (callback, _ms, ...args) => later(callback, 0, ...args);
}
