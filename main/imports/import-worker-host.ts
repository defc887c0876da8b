import { Worker } from 'node:worker_threads';
import { workerScript } from '../workers/worker-script';
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

/** The import worker's file (see workerScript). */
export function importWorkerScript(): Promise<string> {
  return workerScript(IMPORT_WORKER_FILE, 'main/imports/import-worker.ts');
}
