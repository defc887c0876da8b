import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { WardscribeApi } from '../../../shared/ipc/api';
import type { HostEvent } from '../../../shared/ipc/events';
import type { Result } from '../../../shared/ipc/result';
import { hostApi } from '../api';
import { describeError, type DescribedError } from '../logic/describe-error';

type Api = Omit<WardscribeApi, 'events'>;
type AnyCall = (request: never) => Promise<Result<unknown>>;

/** Every channel as 'namespace.method' ('threads.list', 'transcriptions.get'). */
export type ChannelKey = { [N in keyof Api]: { [M in keyof Api[N]]: `${N & string}.${M & string}` }[keyof Api[N]] }[keyof Api];

type CallOf<K extends ChannelKey> = K extends `${infer N}.${infer M}` ? (N extends keyof Api ? (M extends keyof Api[N] ? (Api[N][M] extends AnyCall ? Api[N][M] : never) : never) : never) : never;
export type RequestOf<K extends ChannelKey> = Parameters<CallOf<K>>[0];
export type ValueOf<K extends ChannelKey> = Awaited<ReturnType<CallOf<K>>> extends Result<infer T> ? T : never;

/** Calls one channel by its key: the typed way for generic code to reach the host. */
export function callHost<K extends ChannelKey>(channel: K, request: RequestOf<K>): Promise<Result<ValueOf<K>>> {
  const [namespace, method] = channel.split('.') as [string, string];
  const api = hostApi() as unknown as Record<string, Record<string, (request: unknown) => Promise<Result<ValueOf<K>>>>>;
  return api[namespace]![method]!(request);
}

export interface HostQuery<T> {
  readonly data: T | undefined;
  readonly problem: DescribedError | null;
  readonly loading: boolean;
  /** Asks again now (after a change this screen made itself). */
  readonly refetch: () => void;
}

/**
 * Reads one channel and keeps the answer current: asked again when the request changes and
 * whenever main pushes one of the `refetchOn` events (no polling). A stale answer (from an
 * older request) never overwrites a newer one. `enabled: false` waits (for a request not yet known).
 */
export function useHostQuery<K extends ChannelKey>(
  channel: K,
  request: RequestOf<K>,
  options: { refetchOn?: readonly HostEvent['type'][]; enabled?: boolean } = {},
): HostQuery<ValueOf<K>> {
  const [state, setState] = useState<{ data: ValueOf<K> | undefined; problem: DescribedError | null; loading: boolean }>({ data: undefined, problem: null, loading: true });
  const requestKey = JSON.stringify(request ?? {});
  const enabled = options.enabled ?? true;
  const generation = useRef(0);
  const latestRequest = useRef(request);
  latestRequest.current = request;

  const fetch = useCallback(() => {
    if (!enabled) return;
    const mine = ++generation.current;
    setState((current) => ({ ...current, loading: true }));
    void callHost(channel, latestRequest.current).then(
      (result) => {
        if (mine !== generation.current) return;
        setState((current) => (result.ok ? { data: result.value, problem: null, loading: false } : { data: current.data, problem: describeError(result.error), loading: false }));
      },
      (error: unknown) => {
        if (mine === generation.current) setState((current) => ({ data: current.data, problem: describeError(error), loading: false }));
      },
    );
    // requestKey stands for the request's content.
  }, [channel, requestKey, enabled]);

  useEffect(fetch, [fetch]);

  const refetchOn = (options.refetchOn ?? []).join(',');
  useEffect(() => {
    if (!refetchOn) return;
    const types = new Set(refetchOn.split(','));
    return hostApi()!.events.subscribe((event) => {
      if (types.has(event.type)) fetch();
    });
  }, [refetchOn, fetch]);

  return { ...state, refetch: fetch };
}

/** A long job (import, export) as the header shows it, whichever screen started it. */
export interface JobEntry {
  readonly id: string;
  /** What it is, in words: "Importing Ward 7". Never patient data. */
  readonly label: string;
  readonly done: number;
  readonly total: number | null;
  readonly state: 'running' | 'finished' | 'failed' | 'cancelled';
  /** Once finished: what happened, in words. */
  readonly outcome?: string;
}

export interface Jobs {
  readonly list: readonly JobEntry[];
  /**
   * Runs a job under `jobId` and keeps its progress and outcome in the header until dismissed,
   * so leaving the screen that started it loses neither. Resolves with the call's result.
   */
  track<T>(jobId: string, label: string, run: () => Promise<Result<T>>, describeOutcome?: (value: T) => string): Promise<Result<T>>;
  dismiss(jobId: string): void;
}

export const JobsContext = createContext<Jobs>({
  list: [],
  track: (_id, _label, run) => run(),
  dismiss: () => {},
});

export function useJobs(): Jobs {
  return useContext(JobsContext);
}

/** One job's progress and outcome, or undefined before it starts. */
export function useJob(jobId: string | null | undefined): JobEntry | undefined {
  const { list } = useJobs();
  return jobId ? list.find((job) => job.id === jobId) : undefined;
}

/** The state behind JobsContext: one per signed-in workstation, fed by main's progress events. */
export function useJobsState(): Jobs {
  const [list, setList] = useState<readonly JobEntry[]>([]);
  useEffect(
    () =>
      hostApi()!.events.subscribe((event) => {
        if (event.type !== 'job.progress') return;
        setList((current) => current.map((job) => (job.id === event.jobId && job.state === 'running' ? { ...job, done: event.done, total: event.total } : job)));
      }),
    [],
  );
  const track = useCallback(async <T,>(jobId: string, label: string, run: () => Promise<Result<T>>, describeOutcome?: (value: T) => string): Promise<Result<T>> => {
    setList((current) => [...current.filter((job) => job.id !== jobId), { id: jobId, label, done: 0, total: null, state: 'running' }]);
    const settle = (state: JobEntry['state'], outcome: string) =>
      setList((current) => current.map((job) => (job.id === jobId ? { ...job, state, outcome, ...(state === 'finished' && job.total !== null ? { done: job.total } : {}) } : job)));
    try {
      const result = await run();
      if (result.ok) settle('finished', describeOutcome ? describeOutcome(result.value) : 'Finished.');
      else settle(result.error.code === 'cancelled' ? 'cancelled' : 'failed', describeError(result.error).message);
      return result;
    } catch (error) {
      settle('failed', describeError(error).message);
      throw error;
    }
  }, []);
  const dismiss = useCallback((jobId: string) => setList((current) => current.filter((job) => job.id !== jobId)), []);
  return { list, track, dismiss };
}
