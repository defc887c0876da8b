/**
 * `npm run bench`: runs every benchmark module in turn and prints one table. A missed target is a
 * MISSED row, not a failure; the exit code is non-zero only if a module throws.
 *
 * Subset: `WARDSCRIBE_BENCH=vault,audit npm run bench` (vite-node hides script arguments);
 * `WARDSCRIBE_BENCH=scale` for sign-in and search at 10,000 and 1.5 million messages (bench/scale.ts).
 */
import { performance } from 'node:perf_hooks';
import { formatTable, type BenchModule, type BenchRow } from './table';

const MODULES: Record<string, () => Promise<BenchModule>> = {
  vault: () => import('./vault'),
  parse: () => import('./parse'),
  import: () => import('./import'),
  filing: () => import('./filing'),
  audit: () => import('./audit'),
  wipe: () => import('./wipe'),
  scale: () => import('./scale'),
};

async function main(): Promise<number> {
  const filter = process.env.WARDSCRIBE_BENCH;
  const wanted = filter ? filter.split(',').map((name) => name.trim()).filter(Boolean) : Object.keys(MODULES);
  const unknown = wanted.filter((name) => !(name in MODULES));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(MODULES).join(', ')}.`);
    return 2;
  }

  const sections: { name: string; rows: readonly BenchRow[] }[] = [];
  const failures: string[] = [];
  for (const name of Object.keys(MODULES).filter((module) => wanted.includes(module))) {
    console.error(`bench: ${name}…`);
    const start = performance.now();
    try {
      // bench/parse.ts runs itself on import when WARDSCRIBE_BENCH is exactly "parse" (its own
      // entry point). Hide the variable while loading so that guard cannot start a second run.
      delete process.env.WARDSCRIBE_BENCH;
      let module: BenchModule;
      try {
        module = await MODULES[name]!();
      } finally {
        if (filter !== undefined) process.env.WARDSCRIBE_BENCH = filter;
      }
      sections.push({ name, rows: await module.run() });
      console.error(`bench: ${name} done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      console.error(`bench: ${name} FAILED`);
    }
  }

  // One table (shared column widths), with a title line above each module's rows.
  const lines = formatTable(sections.flatMap((section) => section.rows)).split('\n');
  const output = lines.slice(0, 2);
  let next = 2;
  for (const section of sections) {
    output.push(`[${section.name}]`, ...lines.slice(next, next + section.rows.length));
    next += section.rows.length;
  }
  console.log(output.join('\n'));

  for (const failure of failures) console.error(`\nbench module failed — ${failure}`);
  return failures.length > 0 ? 1 : 0;
}

void main().then((code) => {
  process.exitCode = code;
});
