/**
 * Import workers as Electron utility processes: the export is read in a process of its own, so
 * a hostile file that crashes the parser takes down that process, not the app, and the main
 * process's event loop never parses. Same worker file and protocol as the worker_threads
 * launcher (main/imports/import-worker-host.ts); only how it is started differs.
 */
import { utilityProcess } from 'electron';
import { once } from 'node:events';
import { join } from 'node:path';
import { IMPORT_WORKER_FILE, type ImportWorker, type ImportWorkerLauncher } from '../imports/import-worker-host';
import type { FromImportWorker } from '../imports/import-worker-protocol';

/** A launcher forking the built worker (out/main/import-worker.js) as a utility process. */
export function utilityProcessImportWorkers(script: string = join(__dirname, IMPORT_WORKER_FILE)): ImportWorkerLauncher {
  return async (): Promise<ImportWorker> => {
    // No stdio: the worker logs nothing, and nothing it could print belongs in a log.
    const child = utilityProcess.fork(script, [], { serviceName: 'Wardscribe import', stdio: 'ignore' });
    let terminated = false;
    let exitListener: ((code: number | null) => void) | null = null;
    let exited: number | null | undefined;
    child.on('exit', (code: number) => {
      if (terminated) return;
      exited = code;
      exitListener?.(code);
    });
    await Promise.race([once(child, 'spawn'), once(child, 'exit')]);
    return {
      post: (message) => child.postMessage(message),
      onReport: (listener) => child.on('message', (message: unknown) => listener(message as FromImportWorker)),
      onExit: (listener) => {
        exitListener = listener;
        if (exited !== undefined) listener(exited);
      },
      terminate: () => {
        if (terminated) return;
        terminated = true;
        child.kill();
      },
    };
  };
}
