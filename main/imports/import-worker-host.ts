import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromImportWorker, ToImportWorker } from './import-worker-protocol';

/**
 * A running import worker, whatever runs it: a worker_threads Worker here, an Electron utility
 * process in main/app/utility-import-worker.ts. ImportService talks to this and nothing else.
 */
export interface ImportWorker {
  post(message: ToImportWorker): void;
  /** Reports, in the order the worker sent them. */
  onReport(listener: (report: FromImportWorker) => void): void;
  /** The worker ended without being terminated (a crash, or killed from outside). Called at most once. */
  onExit(listener: (code: number | null) => void): void;
  /** Stops the worker at once. No onExit call follows. */
  terminate(): void;
}

/** Starts one import worker. Each import gets its own, ended when the import ends. */
export type ImportWorkerLauncher = () => Promise<ImportWorker>;

/** The built worker's file name, next to the bundle that starts it (out/main/). */
export const IMPORT_WORKER_FILE = 'import-worker.js';

/** A launcher running `script` (a built worker file) in a worker_threads Worker. */
export function threadWorkerLauncher(script?: string): ImportWorkerLauncher {
  return async () => startThreadWorker(script ?? (await importWorkerScript()));
}

/** An import worker on a worker thread, with the thread itself (tests end it from outside, as a crash would). */
export interface ThreadImportWorker extends ImportWorker {
  readonly thread: Worker;
}

/** Starts `script` on a new worker thread. */
export function startThreadWorker(script: string): ThreadImportWorker {
  const worker = new Worker(script);
  let terminated = false;
  let exitListener: ((code: number | null) => void) | null = null;
  let exited: number | null | undefined;
  // An error inside the worker that escaped its own handler ends it; report it as an exit.
  worker.on('error', () => undefined);
  worker.on('exit', (code) => {
    if (terminated) return;
    exited = code;
    exitListener?.(code);
  });
  return {
    thread: worker,
    post: (message) => worker.postMessage(message),
    onReport: (listener) => worker.on('message', listener),
    onExit: (listener) => {
      exitListener = listener;
      if (exited !== undefined) listener(exited);
    },
    terminate: () => {
      if (terminated) return;
      terminated = true;
      void worker.terminate();
    },
  };
}

let sourceBuild: Promise<string> | null = null;

/**
 * The worker file. Built, it sits next to this bundle (out/main/import-worker.js). Run from the
 * TypeScript sources (vitest, vite-node) there is no such file and a Worker cannot load .ts, so
 * the worker is bundled once per process with esbuild, a development dependency that is never
 * part of the built app: that branch is unreachable from a .js bundle.
 */
export function importWorkerScript(): Promise<string> {
  const built = join(__dirname, IMPORT_WORKER_FILE);
  if (existsSync(built)) return Promise.resolve(built);
  if (!__filename.endsWith('.ts')) return Promise.reject(new Error(`The import worker (${IMPORT_WORKER_FILE}) is missing from ${__dirname}.`));
  sourceBuild ??= bundleFromSources();
  return sourceBuild;
}

async function bundleFromSources(): Promise<string> {
  const root = resolve(__dirname, '../..');
  // Inside node_modules so the bundle's external packages resolve from the project's node_modules.
  const folder = join(root, 'node_modules', '.cache', 'wardscribe-import-worker');
  mkdirSync(folder, { recursive: true });
  const outfile = join(folder, `import-worker-${process.pid}-${Date.now()}.cjs`);
  // A computed specifier: bundlers leave it alone, so esbuild never enters a built bundle.
  const esbuildModule = 'esbuild';
  const { build } = (await import(esbuildModule)) as { build(options: Record<string, unknown>): Promise<unknown> };
  await build({
    entryPoints: [join(__dirname, 'import-worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  process.once('exit', () => rmSync(outfile, { force: true }));
  return outfile;
}
