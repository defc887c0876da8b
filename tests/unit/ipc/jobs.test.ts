import { describe, expect, it } from 'vitest';
import { JobTracker, PROGRESS_INTERVAL_MS, throttleProgress } from '../../../main/ipc/jobs';

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

describe('JobTracker', () => {
  it('cancels a running job, and a job whose Cancel arrived before it started starts cancelled', () => {
    const jobs = new JobTracker();
    const running = jobs.start('job-1');
    expect(jobs.cancel('job-1')).toBe(true);
    expect(running.aborted).toBe(true);
    jobs.finish('job-1');
    // The Cancel overtakes the request that starts the job.
    expect(jobs.cancel('job-2')).toBe(false);
    expect(jobs.start('job-2').aborted).toBe(true);
    jobs.finish('job-2');
    // Remembered once only: the same id started again later runs.
    expect(jobs.start('job-2').aborted).toBe(false);
    expect(jobs.start('job-3').aborted).toBe(false);
  });

  it('remembers a bounded number of early cancels, the oldest forgotten first', () => {
    const jobs = new JobTracker();
    for (let index = 0; index < 100; index++) jobs.cancel(`early-${index}`);
    expect(jobs.start('early-0').aborted).toBe(false);
    expect(jobs.start('early-99').aborted).toBe(true);
  });
});
