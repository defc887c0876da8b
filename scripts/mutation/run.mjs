#!/usr/bin/env node
/**
 * `npm run mutation [-- [--changed] [--concurrency N] [--force] [module…]]`
 *
 * Mutation-tests each safety module (scripts/mutation/modules.mjs) with StrykerJS: the vitest
 * runner over that module's named tests only, the TypeScript checker, per-test coverage (each
 * mutant runs only the tests that reach it). One module at a time; its report is written to
 * docs/clinical-safety/mutation/<name>.json, which is also Stryker's incremental baseline, beside
 * <name>.inputs.json: a SHA-256 of every file the module and its tests load (followed through
 * relative imports) and the versions of the packages they import.
 *
 * `--changed` (CI): a module whose inputs are exactly those its committed report was made from
 * is not run again — its mutants would meet the same code and the same tests (property tests use
 * a fixed seed) — and its committed report is scored. Any other module is run: incrementally
 * (only mutants whose code or covering tests changed) when just its own source or its listed
 * test files changed, in full when anything else it loads changed (Stryker's incremental mode
 * cannot see those).
 *
 * Then every module is scored, leaving out the survivors that
 * docs/clinical-safety/equivalent-mutants.md lists as equivalent, and the command fails when any
 * module is below THRESHOLD or has a survivor neither killed nor listed, a report is missing or
 * not of the current source, or a listed equivalent no longer survives or matches several.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SAFETY_MODULES, THRESHOLD } from './modules.mjs';
import { readEquivalents, scoreReport } from './score.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
process.chdir(root);
const REPORT_DIR = 'docs/clinical-safety/mutation';

const args = process.argv.slice(2);
const changedOnly = args.includes('--changed');
const forceAll = args.includes('--force');
const scoreOnly = args.includes('--score-only');
// --plan: say what would be run and why, run nothing.
const plan = args.includes('--plan');
// --baseline: the module's tests without its *.mutation.test.ts, reported under .mutation/baseline/
// (nothing committed is touched): the score before the killing tests.
const baseline = args.includes('--baseline');
const concurrencyIndex = args.indexOf('--concurrency');
const concurrency = concurrencyIndex >= 0 ? Number(args[concurrencyIndex + 1]) : 1;
const named = args.filter((arg, index) => !arg.startsWith('--') && !(concurrencyIndex >= 0 && index === concurrencyIndex + 1));
for (const name of named) {
  if (!SAFETY_MODULES.some((module) => module.name === name)) {
    console.error(`mutation: no safety module named ${name} (known: ${SAFETY_MODULES.map((module) => module.name).join(', ')})`);
    process.exit(2);
  }
}
// A module marked `pending` has no accepted report yet: it is run only when named, and not yet
// held to the threshold (the hazards it carries cannot be "controlled" meanwhile: safety-case.mjs).
const selected = named.length > 0 ? SAFETY_MODULES.filter((module) => named.includes(module.name)) : SAFETY_MODULES.filter((module) => !module.pending);

/** Files every module's run depends on besides its own. */
const COMMON_INPUTS = ['vitest.mutation.config.ts', 'tests/support/property-seed.ts', 'scripts/mutation/fresh-run.ts', 'scripts/mutation/type-checker.mjs', 'scripts/mutation/keep-worker.mjs'];
const TOOL_PACKAGES = ['@stryker-mutator/core', '@stryker-mutator/api', '@stryker-mutator/vitest-runner', 'vitest', 'typescript', 'fast-check', 'tinypool'];

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

function resolveLocal(from, specifier) {
  const base = path.join(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}.mts`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && !candidate.endsWith('/') && readable(candidate)) return path.relative(root, candidate).split(path.sep).join('/');
  }
  return null;
}

function readable(file) {
  try {
    readFileSync(file);
    return true;
  } catch {
    return false;
  }
}

function packageName(specifier) {
  if (specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join('node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'builtin';
  }
}

const IMPORT = /(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every file the module and its tests load through relative imports, and the packages they import. */
function inputsOf(module) {
  const files = new Map();
  const packages = new Map();
  const queue = [module.file, ...module.tests, ...COMMON_INPUTS];
  while (queue.length > 0) {
    const file = queue.shift();
    if (files.has(file)) continue;
    if (!existsSync(file)) throw new Error(`mutation: ${module.name} names ${file}, which does not exist`);
    const text = readFileSync(file, 'utf8');
    files.set(file, sha256(text));
    if (!/\.(m?[jt]sx?)$/.test(file)) continue;
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? match[4];
      if (specifier.startsWith('.')) {
        const resolved = resolveLocal(file, specifier);
        if (resolved !== null) queue.push(resolved);
      } else {
        const name = packageName(specifier);
        if (name !== null) packages.set(name, packageVersion(name));
      }
    }
  }
  for (const name of TOOL_PACKAGES) packages.set(name, packageVersion(name));
  // Files tests read rather than import (real exports, images): any test that names the fixtures
  // folder makes the whole folder an input, since the paths are built at run time.
  if ([...files.keys()].some((file) => file.startsWith('tests/') && readFileSync(file, 'utf8').includes('fixtures'))) files.set(`${FIXTURES_DIR}/`, fixturesDigest());
  const sorted = (map) => Object.fromEntries([...map.entries()].sort(([a], [b]) => a.localeCompare(b)));
  return {
    module: module.file,
    ...(module.ranges ? { ranges: mutateSpec(module) } : {}),
    tests: [...module.tests],
    files: sorted(files),
    packages: sorted(packages),
    // The runtime too: the time-zone rules and ICU data some reasons in equivalent-mutants.md rest on.
    runtime: { node: process.version, tz: process.versions.tz ?? null, icu: process.versions.icu ?? null },
  };
}

const FIXTURES_DIR = 'tests/fixtures';
let fixturesHash = null;

/** One SHA-256 over every fixture file's path and bytes, in path order. */
function fixturesDigest() {
  if (fixturesHash !== null) return fixturesHash;
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) hash.update(`${full}\0`).update(readFileSync(full)).update('\0');
    }
  };
  walk(FIXTURES_DIR);
  fixturesHash = hash.digest('hex');
  return fixturesHash;
}

function sameInputs(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Whether only files Stryker's incremental mode itself compares (the mutated file, the listed
 * tests) differ. Never for a module with static mutants (code run at load, such as a table of
 * words): they have no per-test coverage, so Stryker cannot tell which changes concern them and
 * reuses their old results, survivors with no test run among them (stryker-js #4372, #6119),
 * although changed tests kill them or changed code makes them matter. Those modules run in full.
 */
function incrementalSuffices(previous, current, previousReport) {
  if (JSON.stringify(previous.packages) !== JSON.stringify(current.packages)) return false;
  if (JSON.stringify(previous.ranges) !== JSON.stringify(current.ranges)) return false;
  if (JSON.stringify(previous.runtime) !== JSON.stringify(current.runtime)) return false;
  // Static mutants are reused whatever changed, the source included: run such a module in full.
  if (hasStaticMutants(previousReport)) return false;
  const own = new Set([current.module, ...current.tests]);
  const names = new Set([...Object.keys(previous.files), ...Object.keys(current.files)]);
  for (const name of names) {
    if (own.has(name)) continue;
    if (previous.files[name] !== current.files[name]) return false;
  }
  return true;
}

function hasStaticMutants(report) {
  return Object.values(report.files).some((file) => file.mutants.some((mutant) => mutant.static === true));
}

function tsconfigFor(module) {
  mkdirSync('.mutation', { recursive: true });
  const file = `.mutation/tsconfig.${module.name}.json`;
  const config = {
    extends: '../tsconfig.base.json',
    compilerOptions: {
      lib: ['ES2023'],
      types: module.project === 'shared' ? [] : ['node'],
      rootDir: '..',
      composite: false,
      declaration: false,
      emitDeclarationOnly: false,
      noEmit: true,
      tsBuildInfoFile: null,
    },
    files: [`../${module.file}`],
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/**
 * What Stryker mutates: the whole file, or the parts `ranges` names — each from the line holding
 * its first text to the line before the one holding its second (or the end of the file), found
 * afresh each run so edits elsewhere in the file do not move them.
 */
function mutateSpec(module) {
  if (!module.ranges) return [module.file];
  const lines = readFileSync(module.file, 'utf8').split('\n');
  return module.ranges.map(([from, to]) => {
    const start = lines.findIndex((line) => line.includes(from));
    if (start < 0) throw new Error(`mutation: ${module.name}: no line of ${module.file} holds ${JSON.stringify(from)}`);
    let end = lines.length;
    if (to !== null) {
      const found = lines.findIndex((line, index) => index > start && line.includes(to));
      if (found < 0) throw new Error(`mutation: ${module.name}: no line of ${module.file} after ${start + 1} holds ${JSON.stringify(to)}`);
      end = found;
    }
    return `${module.file}:${start + 1}-${end}`;
  });
}

function runStryker(module, force, reportFile) {
  const options = {
    mutate: mutateSpec(module),
    testRunner: 'vitest',
    vitest: { configFile: 'vitest.mutation.config.ts', related: false },
    // A TypeScript language service asked about each mutant alone (scripts/mutation/type-checker.mjs:
    // why not @stryker-mutator/typescript-checker).
    plugins: ['@stryker-mutator/vitest-runner', path.join(root, 'scripts/mutation/type-checker.mjs')],
    checkers: ['wardscribe-typescript'],
    tsconfigFile: tsconfigFor(module),
    // Vitest starts a new worker thread (and loads every package again) for each run, that is for
    // each mutant; this keeps the thread, and fresh-run.ts makes each run's project modules new.
    testRunnerNodeArgs: ['--import', path.join(root, 'scripts/mutation/keep-worker.mjs')],
    coverageAnalysis: 'perTest',
    concurrency,
    incremental: true,
    incrementalFile: reportFile,
    force,
    reporters: ['clear-text', process.env.CI ? 'progress-append-only' : 'progress'],
    clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
    thresholds: { high: 95, low: THRESHOLD, break: null },
    ignorePatterns: ['/out', '/native', '/release', '/test-results', '/playwright-report', '/coverage', '/renderer', '/bench', '/docs', '/.wardscribe-dev', '/node_modules'],
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
    timeoutMS: 10_000,
    logLevel: 'info',
    fileLogLevel: 'off',
  };
  mkdirSync('.mutation', { recursive: true });
  const optionsFile = `.mutation/stryker.${module.name}.json`;
  writeFileSync(optionsFile, JSON.stringify(options, null, 2));
  const started = Date.now();
  const env = {
    ...process.env,
    WARDSCRIBE_MUTATION: '1',
    WARDSCRIBE_MUTATION_TESTS: module.tests.join(','),
  };
  const result = spawnSync(process.execPath, ['node_modules/@stryker-mutator/core/bin/stryker.js', 'run', optionsFile], { stdio: 'inherit', env });
  const seconds = Math.round((Date.now() - started) / 1000);
  if (result.status !== 0) throw new Error(`mutation: Stryker failed on ${module.name} (exit ${result.status})`);
  return seconds;
}

mkdirSync(REPORT_DIR, { recursive: true });
const timings = [];
if (baseline) {
  mkdirSync('.mutation/baseline', { recursive: true });
  for (const module of selected) {
    const tests = module.tests.filter((file) => !file.endsWith('.mutation.test.ts'));
    const reportFile = `.mutation/baseline/${module.name}.json`;
    const seconds = runStryker({ ...module, tests }, true, reportFile);
    const score = scoreReport(JSON.parse(readFileSync(reportFile, 'utf8')), module, []);
    console.log(`baseline ${module.name}: ${score.score.toFixed(1)}% (killed ${score.killed}, timeout ${score.timeout}, survived ${score.survived}, no coverage ${score.noCoverage}) in ${seconds} s`);
    writeFileSync(`.mutation/baseline/${module.name}.score`, `${score.score.toFixed(1)}\n`);
  }
  process.exit(0);
}
const equivalents = readEquivalents('docs/clinical-safety/equivalent-mutants.md');
if (!scoreOnly) {
  for (const module of selected) {
    const inputsFile = `${REPORT_DIR}/${module.name}.inputs.json`;
    const reportFile = `${REPORT_DIR}/${module.name}.json`;
    const current = inputsOf(module);
    const previous = existsSync(inputsFile) && existsSync(reportFile) ? JSON.parse(readFileSync(inputsFile, 'utf8')) : null;
    if (changedOnly && previous !== null && sameInputs(previous, current)) {
      console.log(`mutation: ${module.name}: inputs unchanged since its report, not run again`);
      continue;
    }
    const force = forceAll || previous === null || !incrementalSuffices(previous, current, JSON.parse(readFileSync(reportFile, 'utf8')));
    if (plan) {
      const changed = previous === null ? ['no report'] : Object.keys({ ...previous.files, ...current.files }).filter((name) => previous.files[name] !== current.files[name]);
      console.log(`mutation: ${module.name}: would run ${force ? 'every mutant' : 'incrementally'} (changed: ${changed.join(', ') || 'packages or settings'})`);
      continue;
    }
    console.log(`mutation: ${module.name}: ${force ? 'every mutant' : 'incremental (own source or tests changed)'}, tests ${module.tests.join(' ')}`);
    let seconds = runStryker(module, force, reportFile);
    // Stryker now and then reports a static mutant as surviving with no test run (its tests were
    // never started): such a result says nothing, so the module is run once more in full.
    const unrun = () => scoreReport(JSON.parse(readFileSync(reportFile, 'utf8')), module, equivalents.filter((entry) => entry.module === module.name)).survivors.filter((survivor) => survivor.ranNoTest);
    if (unrun().length > 0) {
      console.log(`mutation: ${module.name}: ${unrun().length} static mutant(s) reported surviving with no test run: running the module again in full`);
      seconds += runStryker(module, true, reportFile);
    }
    writeFileSync(inputsFile, `${JSON.stringify(current, null, 2)}\n`);
    timings.push([module.name, seconds]);
  }
}

let failed = false;
const rows = [];
for (const module of SAFETY_MODULES) {
  const reportFile = `${REPORT_DIR}/${module.name}.json`;
  if (module.pending) {
    const score = existsSync(reportFile) ? scoreReport(JSON.parse(readFileSync(reportFile, 'utf8')), module, equivalents.filter((entry) => entry.module === module.name)) : null;
    rows.push([module.name, score === null ? 'pending (no report yet)' : `pending (${score.score.toFixed(1)}% in its last report; not yet enforced)`]);
    continue;
  }
  if (!existsSync(reportFile)) {
    rows.push([module.name, 'no report']);
    failed = true;
    continue;
  }
  const score = scoreReport(JSON.parse(readFileSync(reportFile, 'utf8')), module, equivalents.filter((entry) => entry.module === module.name));
  for (const stale of score.staleEquivalents) {
    console.error(`mutation: ${module.name}: equivalent-mutants.md lists ${stale.mutator} "${stale.original}" → "${stale.replacement}", which no longer survives: remove it`);
    failed = true;
  }
  for (const ambiguous of score.ambiguousEquivalents) {
    console.error(
      `mutation: ${module.name}: equivalent-mutants.md's ${ambiguous.mutator} "${ambiguous.original}" → "${ambiguous.replacement}" matches survivors on lines ${ambiguous.lines.join(', ')}: quote the code around each with «» and give each its own reason`,
    );
    failed = true;
  }
  // The report must be of the code as it is: one made before the module last changed proves nothing of it.
  const reported = JSON.parse(readFileSync(reportFile, 'utf8')).files[module.file]?.source;
  if (reported !== readFileSync(module.file, 'utf8')) {
    console.error(`mutation: ${module.name}: its report was made from another version of ${module.file}: run npm run mutation -- ${module.name}`);
    failed = true;
  }
  // Every survivor is killed or explained (docs/clinical-safety/equivalent-mutants.md): one left unexplained fails, whatever the score.
  if (score.survivors.length > 0) {
    const unrun = score.survivors.filter((survivor) => survivor.ranNoTest).length;
    console.error(
      `mutation: ${module.name}: ${score.survivors.length} surviving mutant(s) neither killed nor listed as equivalent (node scripts/mutation/survivors.mjs ${module.name})` +
        (unrun > 0 ? `; ${unrun} of them static with no test run (Stryker did not start the tests): run npm run mutation -- --force ${module.name} again` : ''),
    );
    failed = true;
  }
  if (score.score < THRESHOLD) failed = true;
  rows.push([module.name, `${score.score.toFixed(1)}%`, `killed ${score.killed}, timeout ${score.timeout}, survived ${score.survived}, no coverage ${score.noCoverage}, equivalent ${score.equivalent}`]);
}
console.log(`\nmutation score per safety module (threshold ${THRESHOLD}%, listed equivalent mutants left out):`);
for (const row of rows) console.log(`  ${row.join('  ')}`);
for (const [name, seconds] of timings) console.log(`  ran ${name} in ${seconds} s`);
if (changedOnly && timings.length > 0) {
  console.log(`mutation: the committed reports of ${timings.map(([name]) => name).join(', ')} were made from other inputs: run npm run mutation -- <module> and npm run safety-case, and commit the reports`);
}
if (failed) {
  console.error(`mutation: FAILED — a safety module is below ${THRESHOLD}%, has no report, or lists a stale equivalent`);
  process.exit(1);
}
