/**
 * Failed sign-ins waiting in the key file for the audit trail (shared/domain/sign-in-failures.ts
 * says how they are audited). The key file keeps the times of the newest MAX_UNAUDITED_STAMPS
 * only, so that guessing for days cannot grow it without end, but it counts every failure and
 * keeps when the first was: what an auditor is told is the true number.
 */
import type { SignInFailures } from './key-slots';

/** Times kept of the failures not yet audited: the newest this many (every one is still counted). */
export const MAX_UNAUDITED_STAMPS = 100;

/** Failed sign-ins not yet in the audit trail. */
export interface UnauditedFailures {
  /** Every one of them, whether or not its time is kept. */
  readonly count: number;
  /** When the first of them was counted. */
  readonly firstAt: string;
  /** When the last of them was counted. */
  readonly lastAt: string;
  /** The times of the newest MAX_UNAUDITED_STAMPS, in the order they were counted. */
  readonly stamps: readonly string[];
}

/** What of `entry` is still to be audited; null when nothing is. */
export function unauditedFailures(entry: SignInFailures | undefined): UnauditedFailures | null {
  if (!entry) return null;
  // A key file from before the count was kept: its stamps were all there was.
  const count = entry.unauditedCount ?? entry.unaudited.length;
  if (count === 0) return null;
  return {
    count,
    firstAt: entry.unauditedSince ?? entry.unaudited[0] ?? entry.lastAt,
    lastAt: entry.unaudited.at(-1) ?? entry.lastAt,
    stamps: entry.unaudited,
  };
}

/**
 * `entry` with one more failure counted at `stamp`. `audited`: the trail is open and the caller
 * records this one itself, so only the backoff's count grows.
 */
export function withFailureCounted(entry: SignInFailures | undefined, stamp: string, audited: boolean): SignInFailures {
  const count = (entry?.count ?? 0) + 1;
  if (audited) return { ...(entry ?? { unaudited: [] }), count, lastAt: stamp };
  const pending = unauditedFailures(entry);
  return {
    count,
    lastAt: stamp,
    unaudited: [...(pending?.stamps ?? []), stamp].slice(-MAX_UNAUDITED_STAMPS),
    unauditedCount: (pending?.count ?? 0) + 1,
    unauditedSince: pending?.firstAt ?? stamp,
  };
}

/**
 * What is still to be audited once the attempt counted in advance at `stamp` turned out to be
 * the right passphrase: every failure but that one.
 */
export function unauditedBesides(entry: SignInFailures | undefined, stamp: string): UnauditedFailures | null {
  const pending = unauditedFailures(entry);
  if (!pending) return null;
  const at = pending.stamps.lastIndexOf(stamp);
  if (at < 0) return pending;
  const stamps = [...pending.stamps.slice(0, at), ...pending.stamps.slice(at + 1)];
  const count = pending.count - 1;
  if (count === 0) return null;
  return {
    count,
    // When every time is kept, the first is the first kept (the right attempt may have been it).
    firstAt: count === stamps.length ? stamps[0]! : pending.firstAt,
    lastAt: stamps.at(-1) ?? pending.lastAt,
    stamps,
  };
}

/** `entry` after a right passphrase outside sign-in: the backoff's count starts again; what is not yet audited stays. */
export function withCountCleared(entry: SignInFailures): SignInFailures | undefined {
  return unauditedFailures(entry) ? { ...entry, count: 0 } : undefined;
}

/**
 * `entry` after the attempt counted in advance at `stamp` proved to be the right passphrase but
 * could not finish (the vault file was held by another program): that attempt is no failure, so
 * it leaves the count and the times still to audit, and the backoff starts again as after any
 * right passphrase; the failures before it stay to be audited.
 */
export function withRightAttemptUncounted(entry: SignInFailures | undefined, stamp: string): SignInFailures | undefined {
  const rest = unauditedBesides(entry, stamp);
  if (!rest) return undefined;
  return { count: 0, lastAt: rest.lastAt, unaudited: [...rest.stamps], unauditedCount: rest.count, unauditedSince: rest.firstAt };
}
