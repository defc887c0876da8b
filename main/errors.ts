import type { ErrorCode } from '../shared/ipc/result';

/**
 * An error a service raises on purpose, with a message fit for a ward user. Anything else that
 * escapes a handler is reported to the renderer as `internal`, with no detail.
 */
export class WardscribeError extends Error {
  override readonly name = 'WardscribeError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    /**
     * `field`: the request field (a dotted path, as the contract names it) the refusal is about, so
     * the screen can show it beside that input and link to it.
     */
    readonly extra: { readonly retryAfterMs?: number; readonly field?: string } = {},
  ) {
    super(message);
  }
}
