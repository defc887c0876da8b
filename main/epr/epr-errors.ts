/** The one error type EPR requests fail with (its own module: the connection and the token source both throw it). */

/** Why a request failed, as far as deciding what to do next is concerned. */
export type EprFailureKind =
  /** No answer: connection refused or reset, DNS, TLS. */
  | 'network'
  | 'timeout'
  /** The server answered with an HTTP error. */
  | 'http'
  /**
   * The EPR refused the access token on a write (a 401). Not sent again at once with a fresh
   * token, as a read is: the EPR answered, and a write can be applied and still answered so (a
   * gateway checking the token after the service ran), so the resend searches for it first.
   */
  | 'token-refused'
  /** The EPR's sign-in (token) service failed or refused. */
  | 'auth'
  /** A success status whose body or headers do not say what happened (no id, wrong type). */
  | 'protocol'
  /**
   * The EPR answered with a redirect (a load balancer after the service moved). Never followed:
   * it may downgrade to http or lead away from the EPR, with our credentials. `serverReason`
   * names the new address for the administrator.
   */
  | 'moved'
  /**
   * The document's content is at an address on another origin (a server behind a proxy that
   * reports its internal base URL): our credentials go to the EPR only, so it is never fetched.
   */
  | 'elsewhere'
  /**
   * The document just created cannot be read yet (404/410 shortly after a 201: replicas and
   * caches lag behind the write). Retried with backoff for a short while.
   */
  | 'not-yet-readable';

/** A failed EPR request. Its message names the failure class only: bodies can quote what we sent. */
export class EprRequestError extends Error {
  override readonly name = 'EprRequestError';

  constructor(
    readonly kind: EprFailureKind,
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
    /** The server's own words (OperationOutcome text), for the clinician; never logged. */
    readonly serverReason?: string,
  ) {
    super(kind === 'http' || kind === 'not-yet-readable' || kind === 'token-refused' ? `EPR answered HTTP ${status}` : kind === 'auth' ? `EPR sign-in failed${status ? ` (HTTP ${status})` : ''}` : `EPR request failed (${kind})`);
  }

  /**
   * Worth trying again on its own: no answer, 5xx, 429, 408, or the sign-in service being
   * unavailable. Not 501: "Not Implemented" is the server saying it does not do this at all (an
   * EPR with no Provenance endpoint answers so), which no retry changes.
   */
  get transient(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout' || this.kind === 'protocol' || this.kind === 'not-yet-readable' || this.kind === 'token-refused') return true;
    if (this.kind === 'moved' || this.kind === 'elsewhere') return false;
    if (this.status === undefined) return this.kind === 'auth';
    return (this.status >= 500 && this.status !== 501) || this.status === 429 || this.status === 408;
  }
}

