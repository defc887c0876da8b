/**
 * Every IPC call answers with a Result: a value, or a typed error the renderer can act on.
 * Raw exceptions and stacks never cross the process boundary.
 */
export const ERROR_CODES = [
  /** The payload did not parse under the channel's request schema. */
  'invalid-request',
  /** The payload was over main's bounds (list items, text length, values, depth): refused unread. */
  'request-too-large',
  /** No such channel in the contract. */
  'unknown-channel',
  /** The call did not come from the main frame of our own window at our own origin. */
  'untrusted-sender',
  /** Nobody is signed in. */
  'not-signed-in',
  /** The workstation is locked: sign in again. */
  'locked',
  /** The signed-in user's role may not make this call. */
  'forbidden',
  /** The user cancelled a long-running job. */
  'cancelled',
  /** A referenced object does not exist (or no longer does). */
  'not-found',
  /** The request conflicts with what is stored (for example a duplicate). */
  'conflict',
  /** Input was well-formed but not acceptable (for example a file in an unknown format). */
  'rejected',
  /** Sign-in refused; the error says how long to wait before the next try. */
  'sign-in-failed',
  /** A service outside Wardscribe (the EPR) could not be reached or would not answer; the message says what to do. */
  'unavailable',
  /** The vault file failed its integrity check; it has not been touched. */
  'vault-damaged',
  /** Something went wrong in main; details are in main's log, not here. */
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface IpcError {
  readonly code: ErrorCode;
  /** A sentence a ward user can act on. Never contains patient data or a stack. */
  readonly message: string;
  /** For throttled calls: how long to wait before trying again. */
  readonly retryAfterMs?: number;
  /** For a refusal about one request field (a dotted path): which, so the screen can link to it. */
  readonly field?: string;
  /** For invalid requests: which fields were wrong. */
  readonly issues?: readonly { readonly path: string; readonly message: string }[];
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: IpcError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(error: IpcError): Result<never> {
  return { ok: false, error };
}
