import { describe, expect, test } from 'vitest';
import { saysEnough, writtenReason } from '../../../shared/domain/written-reason';
import { contract, WITHDRAWAL_REASON_MIN } from '../../../shared/ipc/contract';

/**
 * A reason for a step that cannot be undone (withdrawing a filed note, wiping unfiled advice) must
 * say something: invisible characters do not count towards it, and punctuation alone is no reason.
 */
describe('a written reason', () => {
  test('loses invisible formatting characters; line breaks and runs of spaces become one space', () => {
    expect(writtenReason('\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B')).toBe('');
    expect(writtenReason('  wrong\u200D patient\r\n\tbed\u00A012 \u2028 \u202Enot 21\u2066 ')).toBe('wrong patient bed 12 not 21');
    expect(writtenReason('Cafe\u0301 ward')).toBe('Caf\u00E9 ward');
    // Hangul fillers are letters to Unicode but draw nothing.
    expect(writtenReason('\u3164\uFFA0\u115F\u1160'.repeat(5))).toBe('');
    expect(writtenReason('wrong\u3164 patient\u034F')).toBe('wrong patient');
  });

  test('says enough with the length asked and at least half of it letters, in any script', () => {
    expect(saysEnough('wrong pt 1', 10)).toBe(true);
    expect(saysEnough('wrong pt', 10)).toBe(false);
    expect(saysEnough('!!!!!!!!!!!!', 10)).toBe(false);
    expect(saysEnough('1234567890 ab', 10)).toBe(false);
    expect(saysEnough('1234567 abcde', 10)).toBe(true);
    expect(saysEnough('неправильний пацієнт', 10)).toBe(true);
    expect(saysEnough('xxxxxxxxxxxx', 10)).toBe(false);
    expect(saysEnough('ab ab ab ab ab', 10)).toBe(false);
    expect(saysEnough('abc abc abc', 10)).toBe(true);
  });

  test('the withdrawal channel keeps the reason as written and refuses one that says nothing, in words', () => {
    const request = contract.outbox.withdraw.request;
    const parsed = request.safeParse({ identifier: 'urn:uuid:x', reason: ' Filed\u200B against the wrong patient.\n' });
    expect(parsed).toMatchObject({ success: true, data: { reason: 'Filed against the wrong patient.' } });
    for (const reason of ['\u200B'.repeat(40), '.'.repeat(40), 'too short']) {
      const refused = request.safeParse({ identifier: 'urn:uuid:x', reason });
      expect(refused.success, JSON.stringify(reason)).toBe(false);
      expect(refused.error?.issues[0]?.message).toBe(`Say in words why the note is withdrawn, in at least ${WITHDRAWAL_REASON_MIN} characters (for example, "filed against the wrong patient").`);
    }
    expect(request.safeParse({ identifier: 'urn:uuid:x', reason: 'x'.repeat(501) }).error?.issues[0]?.message).toBe('Keep the reason to 500 characters.');
  });
});
