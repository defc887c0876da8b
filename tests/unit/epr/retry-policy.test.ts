import { expect, test } from 'vitest';
import { parseRetryAfter, retryDelayMs } from '../../../main/epr/retry-policy';

const policy = { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 5, requestTimeoutMs: 1000 };

test('full jitter under an exponential ceiling, capped', () => {
  expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(policy, attempt, () => 0.999))).toEqual([99, 199, 399, 799, 999, 999]);
  expect(retryDelayMs(policy, 3, () => 0)).toBe(0);
});

test('Retry-After is a floor', () => {
  expect(retryDelayMs(policy, 1, () => 0.5, 700)).toBe(700);
  // …up to the longest wait: a Retry-After of hours must not park the note that long.
  expect(retryDelayMs(policy, 1, () => 0.5, 7000)).toBe(1000);
  expect(parseRetryAfter('7', 0)).toBe(7000);
  expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
  expect(parseRetryAfter('soon', 0)).toBeUndefined();
  expect(parseRetryAfter(undefined, 0)).toBeUndefined();
});
