import type { z } from 'zod';
import { channelName, listChannels, type Access, type ChannelSpec, type ContractShape } from '../../shared/ipc/channel';
import type { HostEvent } from '../../shared/ipc/events';
import { fail, ok, type IpcError, type Result } from '../../shared/ipc/result';
import type { Role } from '../../shared/domain/roles';
import { WardscribeError } from '../errors';
import { describeUnexpected, type Logger } from '../log';
import { originOf } from '../security/policy';
import { throttleProgress, type JobTracker } from './jobs';
import { decodeRequest, DEFAULT_PAYLOAD_LIMITS, payloadTooLarge } from './payload-bounds';

/** Where a call came from, as the host observed it (never as the page claims). */
export interface Sender {
  /** True only for the top-level frame of the window main created. */
  readonly isMainFrame: boolean;
  /** The URL of the sending frame. */
  readonly url: string;
}

/** The signed-in person a call runs for. */
export interface Principal {
  readonly userId: string;
  readonly role: Role;
}

/**
 * Decides whether a call may run: returns the caller, `null` for a public call before sign-in,
 * or throws a WardscribeError (`not-signed-in`, `locked`, `forbidden`).
 */
export type AccessGate = (access: Access, channel: string) => Principal | null;

export interface CallContext {
  /** The signed-in caller; null only on public channels before sign-in. */
  readonly principal: Principal | null;
  /** Aborted when the user cancels the job (never aborted for ordinary calls). */
  readonly signal: AbortSignal;
  /** Reports job progress; throttled to about ten events a second. */
  readonly progress: (done: number, total: number | null, unit: string) => void;
}

export type Handler<Spec extends ChannelSpec> = (
  request: z.output<Spec['request']>,
  context: CallContext,
) => Promise<z.input<Spec['response']>> | z.input<Spec['response']>;

export type Handlers<C extends ContractShape> = {
  readonly [Namespace in keyof C]: { readonly [Method in keyof C[Namespace]]: Handler<C[Namespace][Method]> };
};

export interface RegistryOptions<C extends ContractShape> {
  readonly contract: C;
  readonly handlers: Handlers<C>;
  /** The only origin whose main frame may call, e.g. `app://wardscribe` or `http://127.0.0.1:43123`. */
  readonly trustedOrigin: string;
  readonly gate: AccessGate;
  readonly jobs: JobTracker;
  readonly emit: (event: HostEvent) => void;
  readonly log: Logger;
}

export interface IpcRegistry {
  /** Every channel string, for hosts that register one listener per channel. */
  readonly channels: readonly string[];
  /** Checks and runs one call made in this process (the demo, tests). Never throws; every failure is a typed Result. */
  dispatch(sender: Sender, channel: string, payload: unknown): Promise<Result<unknown>>;
  /**
   * Checks and runs one call from a window: the request as the JSON text the window's API sends
   * (shared/ipc/api.ts), bounded as text before it is parsed (payload-bounds.ts decodeRequest), so
   * a huge request costs main no more than a normal one. Anything but text is refused. Hosts use this.
   */
  dispatchEncoded(sender: Sender, channel: string, text: unknown): Promise<Result<unknown>>;
}

const NEVER_ABORTED = new AbortController().signal;

interface Entry {
  readonly spec: ChannelSpec;
  readonly handler: Handler<ChannelSpec>;
}

/**
 * Binds the contract to its handlers, independent of any host. Electron's ipcMain and the
 * Chromium host's Playwright binding both call `dispatch`, so every call is checked the same
 * way: sender frame and origin, channel, payload bounds, payload schema, access, then the handler, whose
 * answer is checked against the response schema before it leaves main.
 */
export function createIpcRegistry<C extends ContractShape>(options: RegistryOptions<C>): IpcRegistry {
  const { contract, handlers, trustedOrigin, gate, jobs, emit, log } = options;
  const entries = new Map<string, Entry>();
  for (const { namespace, method, spec } of listChannels(contract)) {
    const handler = (handlers as Record<string, Record<string, Handler<ChannelSpec>> | undefined>)[namespace]?.[method];
    if (!handler) throw new Error(`No handler registered for ${namespace}.${method}`);
    entries.set(channelName(namespace, method), { spec, handler });
  }

  function isTrusted(sender: Sender): boolean {
    return sender.isMainFrame && originOf(sender.url) === trustedOrigin;
  }

  /** The sender and the channel, checked before anything of the payload is looked at. */
  function admit(sender: Sender, channel: string): Entry | Result<unknown> {
    if (!isTrusted(sender)) {
      log.warn('ipc.untrusted-sender', { channel: entries.has(channel) ? channel : 'unknown' });
      return fail({ code: 'untrusted-sender', message: 'This request did not come from the Wardscribe window.' });
    }
    return entries.get(channel) ?? fail({ code: 'unknown-channel', message: 'Wardscribe does not offer that request.' });
  }

  function tooLargeResult(channel: string, why: string): Result<unknown> {
    log.warn('ipc.request-too-large', { channel });
    return fail({ code: 'request-too-large', message: `${why} Wardscribe refused it without reading it.` });
  }

  async function dispatch(sender: Sender, channel: string, payload: unknown): Promise<Result<unknown>> {
    const entry = admit(sender, channel);
    if (!('spec' in entry)) return entry;
    const tooLarge = payloadTooLarge(payload, { ...DEFAULT_PAYLOAD_LIMITS, ...entry.spec.limits });
    if (tooLarge !== null) return tooLargeResult(channel, tooLarge);
    return run(entry, channel, payload);
  }

  async function dispatchEncoded(sender: Sender, channel: string, text: unknown): Promise<Result<unknown>> {
    const entry = admit(sender, channel);
    if (!('spec' in entry)) return entry;
    const decoded = decodeRequest(text, { ...DEFAULT_PAYLOAD_LIMITS, ...entry.spec.limits });
    if (!decoded.ok) return decoded.tooLarge ? tooLargeResult(channel, decoded.message) : fail({ code: 'invalid-request', message: decoded.message });
    return run(entry, channel, decoded.value);
  }

  async function run(entry: Entry, channel: string, payload: unknown): Promise<Result<unknown>> {
    const parsed = entry.spec.request.safeParse(payload);
    if (!parsed.success) {
      return fail({
        code: 'invalid-request',
        message: 'The request was not in the expected form.',
        issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      });
    }

    let jobId: string | null = null;
    try {
      const principal = gate(entry.spec.access, channel);
      let signal = NEVER_ABORTED;
      let progress: CallContext['progress'] = () => {};
      if (entry.spec.job) {
        const id = (parsed.data as { jobId: string }).jobId;
        signal = jobs.start(id);
        jobId = id;
        let unit = '';
        const throttled = throttleProgress((done, total) => emit({ type: 'job.progress', jobId: id, done, total, unit }));
        progress = (done, total, reportedUnit) => {
          unit = reportedUnit;
          throttled(done, total);
        };
      }
      const value = await entry.handler(parsed.data, { principal, signal, progress });
      if (signal.aborted) throw new WardscribeError('cancelled', 'Cancelled.');
      const checked = entry.spec.response.safeParse(value);
      if (!checked.success) {
        log.error('ipc.response-schema', { channel, paths: checked.error.issues.map((i) => i.path.join('.')).join(',') });
        return fail({ code: 'internal', message: 'Wardscribe could not complete that request. The problem has been logged.' });
      }
      return ok(checked.data);
    } catch (error) {
      return fail(toIpcError(error, channel, log));
    } finally {
      if (jobId !== null) jobs.finish(jobId);
    }
  }

  return { channels: [...entries.keys()], dispatch, dispatchEncoded };
}

function toIpcError(error: unknown, channel: string, log: Logger): IpcError {
  if (error instanceof WardscribeError) {
    const { retryAfterMs, field } = error.extra;
    return { code: error.code, message: error.message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), ...(field === undefined ? {} : { field }) };
  }
  if (error instanceof Error && error.name === 'AbortError') return { code: 'cancelled', message: 'Cancelled.' };
  log.error('ipc.unexpected', { channel, ...describeUnexpected(error) });
  return { code: 'internal', message: 'Wardscribe could not complete that request. The problem has been logged.' };
}
