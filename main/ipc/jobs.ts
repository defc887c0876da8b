import { WardscribeError } from '../errors';

/** How often a job may report progress to the renderer: about ten times a second. */
export const PROGRESS_INTERVAL_MS = 100;

/** How many cancels of jobs not (yet) running are remembered: a Cancel can overtake its job's start. */
const EARLY_CANCELS_KEPT = 64;

/**
 * Running jobs by id, so that `jobs.cancel` can reach the one a user wants to stop. A job that
 * finishes, fails or is cancelled leaves the table. The renderer names its jobs, so a Cancel
 * pressed before the job's request has reached main is remembered, and that job starts cancelled.
 */
export class JobTracker {
  readonly #running = new Map<string, AbortController>();
  readonly #cancelledEarly = new Set<string>();

  start(jobId: string): AbortSignal {
    if (this.#running.has(jobId)) throw new WardscribeError('conflict', 'A job with this id is already running.');
    const controller = new AbortController();
    this.#running.set(jobId, controller);
    if (this.#cancelledEarly.delete(jobId)) controller.abort();
    return controller.signal;
  }

  finish(jobId: string): void {
    this.#running.delete(jobId);
  }

  /** Returns whether a job with that id was running. */
  cancel(jobId: string): boolean {
    const controller = this.#running.get(jobId);
    if (!controller) {
      this.#cancelledEarly.add(jobId);
      if (this.#cancelledEarly.size > EARLY_CANCELS_KEPT) this.#cancelledEarly.delete(this.#cancelledEarly.values().next().value!);
      return false;
    }
    controller.abort();
    return true;
  }

  cancelAll(): void {
    for (const controller of this.#running.values()) controller.abort();
  }

  get size(): number {
    return this.#running.size;
  }
}

/**
 * Rate-limits progress reports to PROGRESS_INTERVAL_MS; the final report (done === total)
 * always goes through so the bar ends full.
 */
export function throttleProgress(
  report: (done: number, total: number | null) => void,
  now: () => number = Date.now,
): (done: number, total: number | null) => void {
  let last = -Infinity;
  return (done, total) => {
    const time = now();
    if (time - last >= PROGRESS_INTERVAL_MS || (total !== null && done >= total)) {
      last = time;
      report(done, total);
    }
  };
}
