// Checks every packaged app under release/ (the *-unpacked folders electron-builder leaves, `--dir`
// builds included): app.asar under 40 MB and holding only what runs (no tests, no sources, no
// Chromium shell or CLI bundle, no addon sources), and the SQLCipher addon shipped being the
// Electron-ABI copy from native/electron/, not the Node build from node_modules.
//
//   node scripts/check-package.mjs [release-folder]
import { extractAll, listPackage } from '@electron/asar';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { builtinModules } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDON_FILE, addonTargetsAbi, expectedBuild } from './electron-native.mjs';

export const ASAR_LIMIT_BYTES = 40 * 1024 * 1024;

/** Entries that must never be in the asar, with why. */
export const FORBIDDEN_ENTRIES = [
  [/\.map$/, 'a source map'],
  [/(?<!\.d)\.(ts|tsx|mts|cts)$/, 'a TypeScript source'],
  [/^\/(main|renderer|preload|shared|tests|bench|scripts|docs)\//, 'a project source folder'],
  [/\/(test|tests|__tests__)\//, 'a test folder'],
  [/\.(spec|test)\.[cm]?js$/, 'a test file'],
  [/^\/out\/main\/(start|cli)\.js$/, 'the Chromium shell or CLI bundle'],
  [/^\/out\/preload\/chromium-bridge\.js$/, 'the Chromium shell bridge'],
  [/^\/node_modules\/@medplum\/definitions\//, 'the full Medplum definitions (out/main/fhir/ has the three files read)'],
  [/^\/node_modules\/better-sqlite3-multiple-ciphers\/(src|deps|build)\//, "the SQLCipher addon's sources or its Node build"],
  [/^\/node_modules\/(playwright|playwright-core|electron|vitest|vite|esbuild)\//, 'a development tool'],
];

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Problems with one packaged app's resources folder; an empty list means it passes. */
export function checkResources(resourcesDir, root) {
  const problems = [];
  const asar = join(resourcesDir, 'app.asar');
  if (!existsSync(asar)) return [`${asar} is missing`];
  const size = statSync(asar).size;
  if (size >= ASAR_LIMIT_BYTES) problems.push(`app.asar is ${(size / 1048576).toFixed(1)} MB (limit 40 MB)`);
  for (const entry of listPackage(asar, { isPack: false })) {
    const path = entry.replaceAll('\\', '/');
    const hit = FORBIDDEN_ENTRIES.find(([pattern]) => pattern.test(path));
    if (hit) problems.push(`app.asar holds ${hit[1]}: ${path}`);
  }
  for (const file of ['out/main/electron.js', 'out/preload/index.js', 'out/renderer/index.html', 'out/main/fhir/r4/profiles-resources.json']) {
    if (!listPackage(asar, { isPack: false }).some((entry) => entry.replaceAll('\\', '/') === `/${file}`)) problems.push(`app.asar lacks ${file}`);
  }
  const shipped = join(resourcesDir, 'native', ADDON_FILE);
  const expected = expectedBuild(root);
  const copy = join(root, 'native', 'electron', `${expected.platform}-${expected.arch}`, ADDON_FILE);
  if (!existsSync(shipped)) problems.push(`the Electron SQLCipher addon is missing (${shipped})`);
  else {
    if (!addonTargetsAbi(shipped, expected.abi)) problems.push(`the shipped SQLCipher addon does not register for Electron's ABI ${expected.abi}`);
    if (existsSync(copy) && sha256(copy) !== sha256(shipped)) problems.push('the shipped SQLCipher addon is not the copy in native/electron/');
  }
  const unpacked = join(resourcesDir, 'app.asar.unpacked', 'node_modules', 'better-sqlite3-multiple-ciphers');
  if (existsSync(unpacked)) problems.push(`the Node build of the SQLCipher addon was shipped too (${unpacked})`);
  problems.push(...unloadableModules(resourcesDir));
  return problems;
}

/**
 * The trimming above must not remove anything that runs: unpack the asar and require, with this
 * Node, every package the packed bundles require (electron aside). Requiring the SQLCipher
 * package does not load its addon (that happens at the first connection), so this runs anywhere.
 */
export function unloadableModules(resourcesDir) {
  const stage = mkdtempSync(join(tmpdir(), 'wardscribe-asar-'));
  try {
    extractAll(join(resourcesDir, 'app.asar'), stage);
    const unpacked = join(resourcesDir, 'app.asar.unpacked');
    if (existsSync(unpacked)) spawnSync('cp', ['-R', `${unpacked}/.`, stage]);
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const required = new Set();
    for (const bundle of ['out/main/electron.js', 'out/main/import-worker.js', 'out/main/search-worker.js']) {
      const text = readFileSync(join(stage, bundle), 'utf8');
      for (const match of text.matchAll(/require\("([^"./][^"]*)"\)/g)) {
        if (!builtins.has(match[1]) && match[1] !== 'electron') required.add(match[1]);
      }
    }
    const probe = `for (const name of ${JSON.stringify([...required])}) { try { require(name); } catch (error) { console.log(name + ': ' + error.message.split('\\n')[0]); } }`;
    const result = spawnSync(process.execPath, ['-e', probe], { cwd: stage, encoding: 'utf8' });
    return result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => `a module the app requires does not load from the packed app: ${line}`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Every `resources` folder holding an app.asar under the release folder. */
export function findPackagedApps(releaseDir) {
  const found = [];
  const walk = (dir, depth) => {
    if (depth > 4 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      if (entry.name === 'resources' && existsSync(join(path, 'app.asar'))) found.push(path);
      else walk(path, depth + 1);
    }
  };
  walk(releaseDir, 0);
  return found;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const releaseDir = process.argv[2] ?? join(root, 'release');
  const apps = findPackagedApps(releaseDir);
  if (apps.length === 0) {
    console.error(`check-package: no packaged app (resources/app.asar) under ${releaseDir}`);
    process.exit(1);
  }
  let failed = false;
  for (const resources of apps) {
    const problems = checkResources(resources, root);
    const size = (statSync(join(resources, 'app.asar')).size / 1048576).toFixed(1);
    if (problems.length === 0) console.log(`check-package: ${relative(root, resources)}: OK (app.asar ${size} MB, Electron-ABI SQLCipher addon)`);
    else {
      failed = true;
      console.error(`check-package: ${relative(root, resources)}: ${problems.length} problem(s)\n  ${problems.slice(0, 40).join('\n  ')}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
