import type { DateOrder } from '../../shared/domain/chat';
import { WardscribeError } from '../errors';

/**
 * Decides day/month order from the dates in a file, only where the file proves it: a first
 * field above 12 proves day-first, a second field above 12 proves month-first. Proof both ways
 * is a contradiction; no proof at all is an open question the caller must answer.
 */
export class DateOrderEvidence {
  private dayFirstLine = 0;
  private monthFirstLine = 0;

  /** Records the first two numeric fields of a date whose year comes last. */
  add(first: number, second: number, line: number): void {
    if (first > 12 && this.dayFirstLine === 0) this.dayFirstLine = line;
    if (second > 12 && this.monthFirstLine === 0) this.monthFirstLine = line;
  }

  /** True once either order has been proven (later lines can still contradict it). */
  get proven(): boolean {
    return this.dayFirstLine !== 0 || this.monthFirstLine !== 0;
  }

  /** The proven order; throws when the file contradicts itself or proves nothing. */
  decide(): DateOrder {
    if (this.dayFirstLine && this.monthFirstLine) {
      throw new WardscribeError(
        'rejected',
        `The dates in this export contradict each other (line ${this.dayFirstLine} is day-first, line ${this.monthFirstLine} is month-first). Choose the date order explicitly.`,
      );
    }
    if (this.dayFirstLine) return 'dmy';
    if (this.monthFirstLine) return 'mdy';
    throw dateOrderUnknown();
  }
}

/** The error asking the user which order the exporting phone used. */
export function dateOrderUnknown(): WardscribeError {
  return new WardscribeError(
    'rejected',
    'Every date in this export could be day/month or month/day (for example 01/02/24). Say which order the exporting phone used (dmy or mdy): it is not guessed.',
  );
}
