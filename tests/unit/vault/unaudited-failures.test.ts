import { describe, expect, it } from 'vitest';
import { MAX_UNAUDITED_STAMPS, unauditedBesides, unauditedFailures, withCountCleared, withFailureCounted } from '../../../main/vault/unaudited-failures';
import type { SignInFailures } from '../../../main/vault/key-slots';

const at = (second: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, second)).toISOString();

function failuresOver(seconds: number): SignInFailures | undefined {
  let entry: SignInFailures | undefined;
  for (let second = 0; second < seconds; second++) entry = withFailureCounted(entry, at(second), false);
  return entry;
}

describe('failed sign-ins waiting in the key file for the trail', () => {
  it('keeps the newest times only, but counts every failure from the first', () => {
    const entry = failuresOver(MAX_UNAUDITED_STAMPS + 30)!;
    expect(entry.unaudited).toHaveLength(MAX_UNAUDITED_STAMPS);
    expect(unauditedFailures(entry)).toEqual({ count: MAX_UNAUDITED_STAMPS + 30, firstAt: at(0), lastAt: at(MAX_UNAUDITED_STAMPS + 29), stamps: entry.unaudited });
  });

  it('a failure the open trail records itself grows only the backoff’s count', () => {
    const entry = withFailureCounted(failuresOver(2), at(5), true);
    expect(entry.count).toBe(3);
    expect(unauditedFailures(entry)).toMatchObject({ count: 2, firstAt: at(0), lastAt: at(1) });
    expect(unauditedFailures(withFailureCounted(undefined, at(5), true))).toBeNull();
  });

  it('the right attempt, counted in advance, is taken out of what is audited', () => {
    expect(unauditedBesides(failuresOver(1), at(0))).toBeNull();
    expect(unauditedBesides(failuresOver(3), at(2))).toEqual({ count: 2, firstAt: at(0), lastAt: at(1), stamps: [at(0), at(1)] });
    // Were it the first counted (a clock moved back), the first is the next one kept.
    expect(unauditedBesides(failuresOver(3), at(0))).toMatchObject({ count: 2, firstAt: at(1), lastAt: at(2) });
    // Over the cap the first is the one remembered, not the oldest time kept.
    expect(unauditedBesides(failuresOver(MAX_UNAUDITED_STAMPS + 5), at(MAX_UNAUDITED_STAMPS + 4))).toMatchObject({ count: MAX_UNAUDITED_STAMPS + 4, firstAt: at(0) });
  });

  it('reads a key file from before the count was kept: its times were all there were', () => {
    const old: SignInFailures = { count: 4, lastAt: at(3), unaudited: [at(2), at(3)] };
    expect(unauditedFailures(old)).toEqual({ count: 2, firstAt: at(2), lastAt: at(3), stamps: [at(2), at(3)] });
    expect(unauditedFailures(withFailureCounted(old, at(4), false))).toMatchObject({ count: 3, firstAt: at(2), lastAt: at(4) });
  });

  it('a right passphrase outside sign-in restarts the backoff and keeps what is not yet audited', () => {
    expect(withCountCleared(failuresOver(150)!)).toMatchObject({ count: 0, unauditedCount: 150, unauditedSince: at(0) });
    expect(withCountCleared(withFailureCounted(undefined, at(0), true))).toBeUndefined();
  });
});
