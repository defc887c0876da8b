import { WardscribeError } from '../errors';

/** How often a job may report progress to the renderer: about ten times a second. */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * Running jobs by id, so that `jobs.cancel` can reach the one a user wants to stop. A job that
 * finishes, fails or is cancelled leaves the table.
 */
export class JobTracker {
  readonly #running = new Map<string, AbortController>();

  start(jobId: string): AbortSignal {
    if (this.#running.has(jobId)) throw new WardscribeError('conflict', 'A job with this id is already running.');
    const controller = new AbortController();
    this.#running.set(jobId, controller);
    return controller.signal;
  }

  finish(jobId: string): void {
    this.#running.delete(jobId);
  }

  /** Returns whether a job with that id was running. */
  cancel(jobId: string): boolean {
    const controller = this.#running.get(jobId);
    if (!controller) return false;
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
