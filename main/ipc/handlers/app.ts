import type { Contract, HostKind } from '../../../shared/ipc/contract';
import type { Handlers } from '../registry';
import { WARDSCRIBE_VERSION } from '../../version';

export interface AppHandlerDeps {
  readonly host: HostKind;
  /** The browser engine's version: Electron's Chromium or the system Chromium. */
  readonly engine: string;
}

export function createAppHandlers(deps: AppHandlerDeps): Handlers<Contract>['app'] {
  return {
    status: () => ({
      product: 'Wardscribe',
      version: WARDSCRIBE_VERSION,
      host: deps.host,
      engine: deps.engine,
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
    }),
  };
}
