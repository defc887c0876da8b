import type { WardscribeApi } from '../../shared/ipc/api';

declare global {
  interface Window {
    /** Exposed by the Electron preload or the Chromium host's bridge; see shared/ipc/api.ts. */
    readonly wardscribe: WardscribeApi;
    /** Electron only (preload/index.ts): the path of a file dropped on the page. Absent in the Chromium shell. */
    readonly wardscribeFiles?: { pathOf(file: File): string };
  }
}

export {};
