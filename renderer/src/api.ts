import type { WardscribeApi } from '../../shared/ipc/api';
import type { IpcError, Result } from '../../shared/ipc/result';

/** The host's API. Absent only if the page was opened outside a Wardscribe host. */
export function hostApi(): WardscribeApi | null {
  return (window as Partial<Window>).wardscribe ?? null;
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
