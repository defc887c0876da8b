import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const bundles = new Map<string, Promise<string>>();

/**
 * A worker thread's script. Built, it sits next to the bundle that starts it (out/main/<file>).
 * Run from the TypeScript sources (vitest, vite-node) there is no such file and a Worker cannot
 * load .ts, so the entry is bundled once per process with esbuild, a development dependency that
 * is never part of the built app: that branch is unreachable from a .js bundle.
 */
export function workerScript(builtFile: string, sourceEntry: string): Promise<string> {
  const built = join(__dirname, builtFile);
  if (existsSync(built)) return Promise.resolve(built);
  if (!__filename.endsWith('.ts')) return Promise.reject(new Error(`The worker ${builtFile} is missing from ${__dirname}.`));
  let bundle = bundles.get(sourceEntry);
  if (!bundle) {
    bundle = bundleFromSources(builtFile, sourceEntry);
    bundles.set(sourceEntry, bundle);
  }
  return bundle;
}

async function bundleFromSources(builtFile: string, sourceEntry: string): Promise<string> {
  const root = resolve(__dirname, '../..');
  // Inside node_modules so the bundle's external packages resolve from the project's node_modules.
  const folder = join(root, 'node_modules', '.cache', 'wardscribe-workers');
  mkdirSync(folder, { recursive: true });
  const outfile = join(folder, `${builtFile.replace(/\.js$/, '')}-${process.pid}-${Date.now()}.cjs`);
  // A computed specifier: bundlers leave it alone, so esbuild never enters a built bundle.
  const esbuildModule = 'esbuild';
  const { build } = (await import(esbuildModule)) as { build(options: Record<string, unknown>): Promise<unknown> };
  await build({ entryPoints: [join(root, sourceEntry)], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', logLevel: 'warning' });
  process.once('exit', () => rmSync(outfile, { force: true }));
  return outfile;
}
