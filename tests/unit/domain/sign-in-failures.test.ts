import { describe, expect, it } from 'vitest';
import { ReasonCodeSchema } from '../../../shared/domain/audit';
import { describeFailureCount, failureCountReason, reasonInWords } from '../../../shared/domain/sign-in-failures';

describe('the audited count of failed sign-ins', () => {
  it('carries the count and the first and last times to the second, as a valid reason code', () => {
    const reason = failureCountReason(153, '2026-11-24T10:00:00.250Z', '2026-11-24T11:05:09.000Z');
    expect(reason).toBe('153-from-20261124t100000z-to-20261124t110509z');
    expect(ReasonCodeSchema.parse(reason)).toBe(reason);
    expect(describeFailureCount(reason)).toBe('153 failed sign-ins between 2026-11-24 10:00:00 UTC and 2026-11-24 11:05:09 UTC');
  });

  it('a count too long for both times to the second keeps the true count and a range to the minute that still holds them all', () => {
    const reason = failureCountReason(12_345_678, '2026-11-24T10:00:59.000Z', '2026-11-25T11:05:01.000Z');
    expect(reason).toBe('12345678-from-20261124t1000z-to-20261125t1106z');
    expect(ReasonCodeSchema.parse(reason)).toBe(reason);
    expect(describeFailureCount(reason)).toBe('12345678 failed sign-ins between 2026-11-24 10:00 UTC and 2026-11-25 11:06 UTC');
    // A last time already on the minute is not moved on.
    expect(failureCountReason(12_345_678, '2026-11-24T10:00:00.000Z', '2026-11-24T10:07:00.000Z')).toBe('12345678-from-20261124t1000z-to-20261124t1007z');
  });

  it('one failure is told at its time; times that are not instants are left out, never the count', () => {
    expect(describeFailureCount(failureCountReason(1, '2026-11-24T10:00:00.000Z', '2026-11-24T10:00:00.000Z'))).toBe('1 failed sign-in at 2026-11-24 10:00:00 UTC');
    const reason = failureCountReason(7, 'yesterday', '2026-11-24T10:00:00.000Z');
    expect(reason).toBe('7-failures');
    expect(describeFailureCount(reason)).toBe('7 failed sign-ins (their times were not recorded)');
  });

  it('any other reason code is not described as a count', () => {
    expect(describeFailureCount('wrong-passphrase-at-20261124t100000z')).toBeNull();
    expect(describeFailureCount('admin-key-rotated')).toBeNull();
  });
});

describe('reason codes in words', () => {
  it('a counted run and a kept failure time read as words; the same codes under other actions, and other codes, stay as they are', () => {
    expect(reasonInWords('sign-in-failures-counted', '2-from-20261124t100000z-to-20261124t100500z')).toBe('2 failed sign-ins between 2026-11-24 10:00:00 UTC and 2026-11-24 10:05:00 UTC');
    expect(reasonInWords('sign-in-failed', 'wrong-passphrase-at-20261124t100000z')).toBe('wrong passphrase at 2026-11-24 10:00:00 UTC');
    expect(reasonInWords('sign-in-failed', 'wrong-passphrase-at-20261124t1000z')).toBe('wrong passphrase at 2026-11-24 10:00 UTC');
    expect(reasonInWords('sign-in-failed', 'wrong-current-passphrase')).toBe('wrong-current-passphrase');
    expect(reasonInWords('sign-in-failures-counted', 'not-a-count')).toBe('not-a-count');
    expect(reasonInWords('wipe', 'wrong-passphrase-at-20261124t100000z')).toBe('wrong-passphrase-at-20261124t100000z');
  });
});

