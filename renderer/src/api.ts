import type { WardscribeApi } from '../../shared/ipc/api';
import type { IpcError, Result } from '../../shared/ipc/result';

/**
 * The channel main counts as activity for its idle lock: the person's own use, reported by the
 * workstation, and signing in. Other calls (refreshes after events, a draft saved before the lock) are not.
 */
const ACTIVITY = new Set(['session.activity', 'session.signIn']);

let lastActivity = Date.now();
const listeners = new Set<() => void>();

/** When the renderer last made a call that restarted main's idle timer (ms since the epoch). */
export function lastHostActivity(): number {
  return lastActivity;
}

/** Calls `listener` after each call that restarted main's idle timer; returns a function that stops it. */
export function onHostActivity(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

let wrapped: { source: WardscribeApi; api: WardscribeApi } | null = null;

/**
 * The host's API. Absent only if the page was opened outside a Wardscribe host. Each call is
 * noted when it restarts main's idle timer, so the idle warning counts down to the lock main
 * will actually apply rather than to a guess.
 */
export function hostApi(): WardscribeApi | null {
  const source = (window as Partial<Window>).wardscribe ?? null;
  if (!source) return null;
  if (wrapped?.source === source) return wrapped.api;
  const api: Record<string, unknown> = {};
  for (const [namespace, methods] of Object.entries(source)) {
    if (namespace === 'events') {
      api[namespace] = methods;
      continue;
    }
    const bound: Record<string, (request: unknown) => Promise<unknown>> = {};
    for (const [method, call] of Object.entries(methods as Record<string, (request: unknown) => Promise<unknown>>)) {
      const counts = ACTIVITY.has(`${namespace}.${method}`);
      bound[method] = (request: unknown) => {
        const answer = call(request);
        if (counts) {
          // Main restarts its timer when the call is admitted, which is about now.
          lastActivity = Date.now();
          for (const listener of listeners) listener();
        }
        return answer;
      };
    }
    api[namespace] = Object.freeze(bound);
  }
  wrapped = { source, api: Object.freeze(api) as WardscribeApi };
  return wrapped.api;
}

/** Thrown by `unwrap` so that React error states can show the typed error's message. */
export class HostError extends Error {
  constructor(readonly error: IpcError) {
    super(error.message);
  }
}

export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new HostError(result.error);
}

/** A job id for a long call, so its progress events and cancel can refer to it. */
export function newJobId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}
