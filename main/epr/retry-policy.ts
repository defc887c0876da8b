/**
 * When to try the EPR again: exponential backoff with full jitter (so many workstations coming back
 * after an outage do not retry in step), at least what a 429's Retry-After asks for.
 */

export interface RetryPolicy {
  /** First delay ceiling, in ms. */
  readonly baseDelayMs: number;
  /** Largest delay ceiling, in ms. */
  readonly maxDelayMs: number;
  /** Attempts (sends or read-backs) before the item is left failed for a person to retry. */
  readonly maxAttempts: number;
  /** How long one request may take before it counts as timed out. */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 500, maxDelayMs: 60_000, maxAttempts: 8, requestTimeoutMs: 30_000 };

/** Time and chance, injectable so tests run instantly and deterministically. */
export interface Clock {
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};

/**
 * The delay before retry number `attempt` (1 for the first retry): a uniform draw in
 * [0, min(max, base·2^(attempt−1))], raised to `retryAfterMs` when the server asked for that, but
 * never beyond `maxDelayMs`: a Retry-After of hours (or one misread) must not park a note that long
 * (a retry that comes too early is only answered 429 again).
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}

/**
 * Parses a Retry-After header (seconds, or an HTTP date) into a delay in ms. An HTTP date is
 * measured against the response's own `Date` header when it has one, so a workstation clock that
 * is hours off does not turn "in ten seconds" into hours (or into nothing); `now` only when the
 * server sent no readable Date. Undefined if absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now: number, dateHeader?: string | null): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  const serverNow = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  return Math.max(0, date - (Number.isNaN(serverNow) ? now : serverNow));
}
