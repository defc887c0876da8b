import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEAD_PATTERN, readHead, type HeadFields } from '../../../main/importers/whatsapp-head';
import { headLike } from './head-forms';

/** The head as the reference regex reads it, in the scanner's shape. */
function reference(line: string): HeadFields | null {
  const match = HEAD_PATTERN.exec(line);
  if (!match) return null;
  const bracketed = match[1] !== undefined;
  if (bracketed !== (match[11] !== undefined)) return null;
  const meridiem = match[10] === undefined ? null : match[10].toLowerCase() === 'a' ? 'a' : 'p';
  const separator = match[3]!;
  return {
    length: match[0].length,
    first: Number(match[2]),
    second: Number(match[4]),
    third: Number(match[5]),
    yearFirst: match[2]!.length === 4,
    hour: Number(match[7]),
    minute: Number(match[8]),
    second_: match[9] === undefined ? 0 : Number(match[9]),
    meridiem,
    bracketed,
    signature:
      (bracketed ? 1 : 0) |
      (separator === '/' ? 0 : separator === '.' ? 2 : 4) |
      (match[9] !== undefined ? 8 : 0) |
      (meridiem ? 16 : 0) |
      (match[2]!.length === 4 ? 32 : 0) |
      (match[6] !== undefined ? 64 : 0) |
      (match[5]!.length === 4 ? 128 : 0),
  };
}

describe('head scanner', () => {
  it('reads exactly what the reference regex reads', () => {
    // The generator must produce real heads often enough for the comparison to mean something.
    const sample = fc.sample(headLike, { numRuns: 2000, seed: 42 });
    expect(sample.filter((line) => HEAD_PATTERN.test(line)).length).toBeGreaterThan(100);
    fc.assert(
      fc.property(headLike, (line) => {
        expect(readHead(line)).toEqual(reference(line));
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads the documented forms', () => {
    expect(readHead('[13/03/2023, 14:05:09] Ada: x')).toMatchObject({ first: 13, second: 3, third: 2023, hour: 14, minute: 5, second_: 9, bracketed: true, length: 23 });
    expect(readHead('13.3.2023 klo 14.05 - Ada: x')).toMatchObject({ hour: 14, minute: 5, length: 22 });
    expect(readHead('3/13/23, 2:05\u202Fp. m. - Ada: x')).toMatchObject({ meridiem: 'p', hour: 2 });
    expect(readHead('not a head')).toBeNull();
    expect(readHead('[13/03/2023, 14:05:09 - Ada: x')).toBeNull();
  });
});
