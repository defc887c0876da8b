import { contract, type Contract, type HostKind } from '../shared/ipc/contract';
import { WardscribeError } from './errors';
import { EventHub } from './events';
import { createAppHandlers } from './ipc/handlers/app';
import { createJobHandlers } from './ipc/handlers/jobs';
import { JobTracker } from './ipc/jobs';
import { createIpcRegistry, type AccessGate, type Handlers, type IpcRegistry } from './ipc/registry';
import type { Logger } from './log';

export interface WardscribeOptions {
  readonly host: HostKind;
  /** The browser engine and its version, e.g. "Chromium 156.0.8078.73". */
  readonly engine: string;
  /** Folder for the vault and settings (Electron's userData, or its equivalent). */
  readonly dataDir: string;
  readonly log: Logger;
}

/** The running application: services, and the IPC registry a host binds to its window. */
export interface Wardscribe {
  readonly events: EventHub;
  /** Builds the registry for a window served from `trustedOrigin`. */
  registryFor(trustedOrigin: string): IpcRegistry;
  close(): Promise<void>;
}

/**
 * The composition root: creates every service and wires handlers to them. Plain Node — it
 * never imports electron — so the Chromium host and the tests run exactly this code.
 */
export function createWardscribe(options: WardscribeOptions): Wardscribe {
  const jobs = new JobTracker();
  const events = new EventHub();

  const handlers: Handlers<Contract> = {
    app: createAppHandlers({ host: options.host, engine: options.engine }),
    jobs: createJobHandlers(jobs),
  };

  const gate: AccessGate = (access) => {
    if (access === 'public') return null;
    throw new WardscribeError('not-signed-in', 'Sign in to continue.');
  };

  return {
    events,
    registryFor: (trustedOrigin) =>
      createIpcRegistry({ contract, handlers, trustedOrigin, gate, jobs, emit: (event) => events.emit(event), log: options.log }),
    async close() {
      jobs.cancelAll();
    },
  };
}
