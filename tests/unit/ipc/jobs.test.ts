import { describe, expect, it } from 'vitest';
import { PROGRESS_INTERVAL_MS, throttleProgress } from '../../../main/ipc/jobs';

describe('throttleProgress', () => {
  it('passes about ten reports a second and always the last one', () => {
    let now = 0;
    const seen: number[] = [];
    const report = throttleProgress((done) => seen.push(done), () => now);
    for (let done = 1; done <= 1000; done++) {
      now = done; // one report per millisecond for a second
      report(done, 1000);
    }
    expect(seen.length).toBeGreaterThanOrEqual(1000 / PROGRESS_INTERVAL_MS);
    expect(seen.length).toBeLessThanOrEqual(1000 / PROGRESS_INTERVAL_MS + 2);
    expect(seen.at(-1)).toBe(1000);
  });
});
