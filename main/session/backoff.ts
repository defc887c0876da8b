/**
 * How long a user must wait after failed sign-ins: 1 s after the first, doubling each time, at
 * most 15 minutes. Never a lockout: waiting always works, and nothing is ever deleted.
 */
export const MAX_BACKOFF_MS = 15 * 60 * 1000;

export function backoffAfter(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(1000 * 2 ** (failures - 1), MAX_BACKOFF_MS);
}

/** Milliseconds still to wait at `now`, given the failure count and the time of the last failure. */
export function remainingBackoff(failures: number, lastFailureAt: Date, now: Date): number {
  return Math.max(0, lastFailureAt.getTime() + backoffAfter(failures) - now.getTime());
}

/** "12 seconds", "3 minutes": for the sign-in screen. */
export function describeWait(milliseconds: number): string {
  const seconds = Math.ceil(milliseconds / 1000);
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
