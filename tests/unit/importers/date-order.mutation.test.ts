import { describe, expect, it } from 'vitest';
import { DateOrderEvidence, dateOrderUnknown } from '../../../main/importers/date-order';
import { WardscribeError } from '../../../main/errors';

/**
 * H-008 (advice filed with the wrong time): day/month order is decided only where the file proves
 * it. A field of 13 or more proves its place; 12 proves nothing (it can be a day or a month).
 */
const UNKNOWN =
  'Every date in this export could be day/month or month/day (for example 01/02/24). Say which order the exporting phone used (dmy or mdy): it is not guessed.';

function refusal(evidence: DateOrderEvidence): WardscribeError {
  try {
    evidence.decide();
  } catch (error) {
    expect(error).toBeInstanceOf(WardscribeError);
    return error as WardscribeError;
  }
  throw new Error('decide() did not refuse');
}

describe('date order evidence', () => {
  it('proves nothing with fields of 12 or less, and then refuses to guess', () => {
    const evidence = new DateOrderEvidence();
    evidence.add(12, 12, 1);
    evidence.add(1, 2, 2);
    evidence.add(12, 1, 3);
    expect(evidence.proven).toBe(false);
    const error = refusal(evidence);
    expect(error.code).toBe('rejected');
    expect(error.message).toBe(UNKNOWN);
  });

  it('a first field of 13 proves day-first', () => {
    const evidence = new DateOrderEvidence();
    evidence.add(13, 12, 7);
    expect(evidence.proven).toBe(true);
    expect(evidence.decide()).toBe('dmy');
  });

  it('a second field of 13 proves month-first', () => {
    const evidence = new DateOrderEvidence();
    evidence.add(12, 13, 4);
    expect(evidence.proven).toBe(true);
    expect(evidence.decide()).toBe('mdy');
  });

  it('proof both ways is a contradiction naming the first line of each', () => {
    const evidence = new DateOrderEvidence();
    evidence.add(1, 1, 2);
    evidence.add(25, 3, 5);
    evidence.add(31, 3, 6);
    evidence.add(3, 25, 9);
    evidence.add(3, 30, 11);
    expect(evidence.proven).toBe(true);
    const error = refusal(evidence);
    expect(error.code).toBe('rejected');
    expect(error.message).toBe(
      'The dates in this export contradict each other (line 5 is day-first, line 9 is month-first). Choose the date order explicitly.',
    );
  });

  it('keeps proving the same order without contradiction', () => {
    const evidence = new DateOrderEvidence();
    evidence.add(20, 1, 3);
    evidence.add(21, 1, 4);
    expect(evidence.decide()).toBe('dmy');
  });

  it('the open question is a rejected error with the words the import screen shows', () => {
    const error = dateOrderUnknown();
    expect(error).toBeInstanceOf(WardscribeError);
    expect(error.code).toBe('rejected');
    expect(error.message).toBe(UNKNOWN);
  });
});
