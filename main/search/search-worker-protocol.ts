import type { SearchOrder } from '../../shared/ipc/work-queue';
import type { MessageSearchHit } from '../vault/queries/messages';

/** One search for the worker: the vault to open (read-only, for this search only) and the query. */
export interface ToSearchWorker {
  readonly id: number;
  readonly database: string;
  /** The raw vault key, a copy the worker zeroes when the search ends. */
  readonly key: Uint8Array;
  /** Where the SQLCipher addon is (a packaged Electron app keeps it outside the bundle). */
  readonly nativeBinding: string | undefined;
  readonly query: string;
  readonly limit: number;
  readonly order: SearchOrder;
}

export type FromSearchWorker = { readonly id: number; readonly ok: true; readonly hits: MessageSearchHit[] } | { readonly id: number; readonly ok: false; readonly message: string };
