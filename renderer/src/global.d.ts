import type { WardscribeApi } from '../../shared/ipc/api';

declare global {
  interface Window {
    /** Exposed by the Electron preload or the Chromium host's bridge; see shared/ipc/api.ts. */
    readonly wardscribe: WardscribeApi;
  }
}

export {};
