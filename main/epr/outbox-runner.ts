/**
 * The one outbox runner: drives attested transcriptions into the EPR each was attested for, over
 * the vault's audited OutboxStore, until verified or stopped in a state a clinician can act on.
 *
 * - One push in flight per identifier: concurrent drives of one item share a run.
 * - Transient failures (no answer, 5xx, 429, the sign-in service down) are retried with
 *   exponential backoff and full jitter, at least Retry-After; before each wait the item is saved
 *   with the attempt and the time of the next, which the outbox shows.
 * - Terminal failures keep the server's reason. A clinician's Retry resumes where it is safe
 *   (outbox.ts `retryState`): never a second document.
 * - An item whose EPR is not configured waits, saying so; it is never sent elsewhere.
 * - `stop()` before the vault closes: sleeping retries wake and end, nothing more is written;
 *   `resumeAll()` at the next unlock carries on (searching first where a push may have landed).
 */
import type { AuditActor } from '../../shared/domain/audit';
import { silentLogger, describeUnexpected, type Logger } from '../log';
import { WardscribeError } from '../errors';
import { EprRequestError } from './epr-errors';
import { EprUnavailableError, type EprDirectory } from './epr-directory';
import { applyOverrides, discoverProfile } from './epr-profile';
import { filingStep, recheckFiled, type FilingTarget, type RecordCheck } from './filing';
import { isTerminal, owedMarking, retryState, settleMarking, settledByRecordCheck, transition, pushesOf, unsettledMarking, type OutboxItem, type OutboxState, type OutboxStore, type ProvenanceState, type RetryNote } from './outbox';
import { OutboxStoppedError } from './outbox-store';
import { DEFAULT_RETRY_POLICY, retryDelayMs, systemClock, type Clock, type RetryPolicy } from './retry-policy';

export interface OutboxRunnerOptions {
  /** A store for one run (one unlocked session); `stopped` tells it when to refuse writes. */
  readonly store: (stopped: () => boolean) => OutboxStore;
  readonly eprs: EprDirectory;
  readonly policy?: RetryPolicy;
  readonly clock?: Pick<Clock, 'now'>;
  /** Uniform in [0, 1): the backoff jitter. */
  readonly random?: () => number;
  /** Waits between attempts (tests record instead of waiting); a stop always wakes it. */
  readonly sleep?: (milliseconds: number) => Promise<void>;
  readonly log?: Logger;
}

/** One run of the machinery, bound to one unlocked session. Stopping it forbids further writes. */
interface Run {
  stopped: boolean;
  readonly store: OutboxStore;
  readonly sleeps: Set<() => void>;
  readonly inFlight: Map<string, Promise<void>>;
  readonly targets: Map<string, Promise<FilingTarget>>;
}

/** `giveUp`: the state to end in when the attempts run out (else failed as unreachable). */
type Decision = { readonly next: OutboxState } | { readonly retry: string; readonly retryAfterMs?: number; readonly giveUp?: OutboxState };

export class OutboxRunner {
  readonly #options: OutboxRunnerOptions;
  readonly #policy: RetryPolicy;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #random: () => number;
  readonly #log: Logger;
  #run: Run;
  /** Items a Retry is being applied to: a storm of Retries applies one. */
  readonly #retrying = new Set<string>();
  /**
   * The requests a stopped run still has in flight. A new run waits for them, so its search
   * before a resend cannot run ahead of a push the old run sent just before the lock.
   */
  #draining: Promise<unknown> = Promise.resolve();

  constructor(options: OutboxRunnerOptions) {
    this.#options = options;
    this.#policy = options.policy ?? DEFAULT_RETRY_POLICY;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#log = options.log ?? silentLogger;
    this.#run = this.#newRun();
  }

  /** Whether the runner is working on this item now (the outbox says "interrupted" otherwise). */
  isActive(identifier: string): boolean {
    return this.#run.inFlight.has(identifier);
  }

  /** Drives one item in the background; never throws. Concurrent calls for one item share a run. */
  drive(identifier: string): Promise<void> {
    const run = this.#current();
    const existing = run.inFlight.get(identifier);
    if (existing) return existing;
    const task = this.#drive(run, identifier)
      .catch((error: unknown) => {
        if (run.stopped || error instanceof OutboxStoppedError) return this.#log.info('outbox.stopped');
        this.#log.error('outbox.unexpected', describeUnexpected(error));
      })
      .finally(() => run.inFlight.delete(identifier));
    run.inFlight.set(identifier, task);
    return task;
  }

  /**
   * Reads a verified note back from its EPR again (filing.ts recheckFiled). Throws when the EPR
   * cannot be reached or asked (EprUnavailableError, EprRequestError): the caller must not take
   * that for "present".
   */
  async recheck(identifier: string): Promise<RecordCheck> {
    const run = this.#current();
    const item = await this.#load(run, identifier);
    const target = await this.#target(run, item.eprId);
    return recheckFiled(item, {
      target,
      // A verified note's state is never changed by its re-read: nothing is saved.
      save: async () => undefined,
      now: () => this.#clock.now(),
      requestTimeoutMs: this.#policy.requestTimeoutMs,
      identifierSearchProven: (proven) => run.store.recordIdentifierSearch(item.eprId, proven, this.#clock.now()),
    });
  }

  /**
   * A person's Retry: always safe. A stopped item resumes where it cannot make a second document;
   * an unfinished item nobody is working on (interrupted, or waiting for its EPR) is picked up.
   */
  async retry(identifier: string): Promise<void> {
    if (this.#retrying.has(identifier) || this.isActive(identifier)) return;
    this.#retrying.add(identifier);
    try {
      const run = this.#current();
      const item = await run.store.load(identifier);
      if (!item) throw new WardscribeError('not-found', 'This transcription is not in the outbox.');
      if (item.state.kind === 'verified') {
        // A note the EPR would not mark entered in error (the one a correction replaces, or a withdrawn
        // one): asked again. Anything else verified has nothing to retry.
        const unsettled = unsettledMarking(item.state);
        if (unsettled === undefined) throw new WardscribeError('conflict', 'This transcription is already verified in the record.');
        if (this.isActive(identifier)) return;
        await run.store.save(transition(item, settleMarking(withoutNotes(item.state) as typeof item.state, { kind: 'pending' }, unsettled), this.#clock.now()));
        void this.drive(identifier);
        return;
      }
      if (this.isActive(identifier)) return;
      const resumed = retryState(item.state);
      if (resumed) await run.store.save(transition(item, resumed, this.#clock.now()));
      void this.drive(identifier);
    } finally {
      this.#retrying.delete(identifier);
    }
  }

  /**
   * "Send after checking the record": for an item stopped because its EPR cannot be searched by
   * identifier (so whether an earlier push landed is unknowable here), a clinician has looked in
   * the EPR and confirms the note is not there. Their confirmation stands in for the search: it is
   * audited with the state change, and the item is sent once more through the same steps (read
   * back and verified). If that push's answer is lost too, the resend's search stops it again.
   */
  async sendAfterCheck(identifier: string, checkedBy: AuditActor): Promise<void> {
    // Whether it is being driven is asked once the item is read (below): the one check covers both.
    if (this.#retrying.has(identifier)) throw new WardscribeError('conflict', 'This filing is already being sent.');
    this.#retrying.add(identifier);
    try {
      const run = this.#current();
      const item = await this.#load(run, identifier);
      if (item.state.kind !== 'needs-attention' || !settledByRecordCheck(item.state.reason)) {
        throw new WardscribeError('conflict', 'Only a filing stopped because Wardscribe cannot tell whether the EPR already holds it can be sent after checking the record.');
      }
      if (this.isActive(identifier)) throw new WardscribeError('conflict', 'This filing is already being sent.');
      // No push counted: the clinician's check is the search, so this one is sent without one.
      await run.store.save(transition(item, { kind: 'sending', pushes: 0, mode: 'transaction' }, this.#clock.now()), checkedBy);
      void this.drive(identifier);
    } finally {
      this.#retrying.delete(identifier);
    }
  }

  /**
   * A clinician withdraws a verified note that should not be in the record at all: the withdrawal
   * (their reason, audited as theirs) is saved, then the note is marked entered in error in its
   * EPR and read back, like the note a correction replaces. Refused while the note is busy with its
   * EPR, still marking the note it corrects (or the EPR would not mark that one), or withdrawn already.
   */
  async withdraw(identifier: string, reason: string, by: AuditActor): Promise<void> {
    const busy = () => new WardscribeError('conflict', 'This note is being sent to its EPR right now. Wait until it settles, then withdraw it.');
    if (this.#retrying.has(identifier)) throw busy();
    this.#retrying.add(identifier);
    try {
      const run = this.#current();
      const item = await this.#load(run, identifier);
      if (item.state.kind !== 'verified') throw new WardscribeError('conflict', 'Only a note verified in the record can be withdrawn. One still being filed can be retried from the outbox.');
      if (item.state.withdrawal) throw new WardscribeError('conflict', 'This note has already been withdrawn. If the EPR did not mark it, press Retry.');
      if (owedMarking(item.state) !== undefined || this.isActive(identifier)) throw busy();
      // Withdrawing a correction whose old note the record still holds would leave that old note
      // current with nothing said of it: the old note is marked first (Retry), then this one.
      if (item.state.replaced?.kind === 'not-retired') {
        throw new WardscribeError(
          'conflict',
          'The note this correction replaces is still current in the record: the EPR did not mark it entered in error. Press Retry to ask the EPR again (or ask your EPR team to mark it), then withdraw the correction, so that neither note is left in the record unnoticed.',
        );
      }
      const withdrawal = { reason, askedAt: new Date(this.#clock.now()).toISOString(), by: { name: by.displayName, role: by.role }, marked: { kind: 'pending' } } as const;
      await run.store.save(transition(item, { ...withoutNotes(item.state), withdrawal } as OutboxState, this.#clock.now()), by);
      void this.drive(identifier);
    } finally {
      this.#retrying.delete(identifier);
    }
  }

  /** Resumes every unfinished item (at unlock, or when the EPR settings change), one at a time. */
  async resumeAll(): Promise<void> {
    const run = this.#current();
    const items = await run.store.unfinished().catch((error: unknown) => {
      if (run.stopped || error instanceof OutboxStoppedError) return [];
      throw error;
    });
    for (const item of items) {
      if (run.stopped) return;
      await this.drive(item.identifier);
    }
  }

  /** Forgets connections and profiles (the settings changed) and picks up waiting items. */
  eprsChanged(): void {
    this.#run.targets.clear();
    void this.resumeAll().catch(() => undefined);
  }

  /** Resolves when nothing is being filed. */
  async settled(): Promise<void> {
    while (this.#run.inFlight.size > 0) await Promise.allSettled([...this.#run.inFlight.values()]);
  }

  /** Stops before the vault closes: nothing more is written; sleeps wake; unfinished items stay. */
  async stop(): Promise<void> {
    const run = this.#run;
    run.stopped = true;
    for (const wake of run.sleeps) wake();
    run.sleeps.clear();
    this.#run = this.#newRun();
    const drained = Promise.allSettled([...run.inFlight.values()]);
    this.#draining = Promise.all([this.#draining, drained]);
    await drained;
  }

  // ── internals ───────────────────────────────────────────────────────────

  #newRun(): Run {
    const run: Run = { stopped: false, sleeps: new Set(), inFlight: new Map(), targets: new Map(), store: undefined as unknown as OutboxStore };
    (run as { store: OutboxStore }).store = this.#options.store(() => run.stopped);
    return run;
  }

  #current(): Run {
    if (this.#run.stopped) this.#run = this.#newRun();
    return this.#run;
  }

  async #drive(run: Run, identifier: string): Promise<void> {
    await this.#draining;
    let item = await this.#load(run, identifier);
    let failures = 0;
    while (!run.stopped && !isTerminal(item.state)) {
      const { state } = item;
      if (state.kind === 'sending' && state.confirmAt !== undefined && this.#clock.now() < state.confirmAt) {
        // Waiting to confirm whether the last push landed: nothing is sent, nor searched, before then.
        await this.#sleep(run, state.confirmAt - this.#clock.now());
        if (run.stopped) return;
        item = await this.#load(run, identifier);
        continue;
      }
      let target: FilingTarget;
      try {
        target = await this.#target(run, item.eprId);
      } catch (error) {
        if (error instanceof EprUnavailableError) {
          // Waits where it is, saying why; picked up when that EPR is configured again.
          if (!('waiting' in item.state) || item.state.waiting !== error.message) await this.#saveNote(run, item, { waiting: error.message });
          return;
        }
        // Anything else that stops a connection opening (the training EPR cannot start, say) is
        // retried and shown like an unreachable EPR, never left as a silent "queued".
        const decision: Decision = error instanceof EprRequestError ? this.#decide(item, error) : { retry: 'the connection to the EPR could not be opened' };
        if ('next' in decision) {
          item = await this.#advance(run, item, decision.next);
          continue;
        }
        failures++;
        item = await this.#waitOrGiveUp(run, item, failures, decision);
        continue;
      }
      let next: Decision;
      try {
        next = {
          next: await filingStep(item, {
            target,
            save: (saved) => this.#saveIntermediate(run, item, saved),
            now: () => this.#clock.now(),
            requestTimeoutMs: this.#policy.requestTimeoutMs,
            identifierSearchProven: (proven) => run.store.recordIdentifierSearch(item.eprId, proven, this.#clock.now()),
          }),
        };
      } catch (error) {
        next = this.#decide(await this.#load(run, identifier), error);
      }
      if ('next' in next) {
        const before = item.state.kind;
        item = await this.#advance(run, await this.#load(run, identifier), next.next);
        // Progress earns a fresh set of attempts for the next step (read-back after filing, say).
        if (item.state.kind !== before) failures = 0;
        continue;
      }
      failures++;
      item = await this.#waitOrGiveUp(run, await this.#load(run, identifier), failures, next);
    }
  }

  /** Saves the next state (without the notes of the previous one) and logs the kind only. */
  async #advance(run: Run, item: OutboxItem, next: OutboxState): Promise<OutboxItem> {
    const clean = withoutNotes(next);
    const advanced = transition(item, clean, this.#clock.now());
    await run.store.save(advanced);
    this.#log.info('outbox.state', { state: advanced.state.kind });
    return advanced;
  }

  async #saveIntermediate(run: Run, item: OutboxItem, state: OutboxState): Promise<void> {
    const current = await this.#load(run, item.identifier);
    await run.store.save(transition(current, withoutNotes(state), this.#clock.now()));
  }

  async #saveNote(run: Run, item: OutboxItem, note: { retry?: RetryNote; waiting?: string }): Promise<OutboxItem> {
    const noted = { ...withoutNotes(item.state), ...note } as OutboxState;
    const saved = { ...item, state: noted, updatedAt: this.#clock.now() };
    await run.store.save(saved);
    return saved;
  }

  /** After a transient failure: wait (saying until when), or give up after `maxAttempts`. */
  async #waitOrGiveUp(run: Run, item: OutboxItem, failures: number, decision: { retry: string; retryAfterMs?: number; giveUp?: OutboxState }): Promise<OutboxItem> {
    if (failures >= this.#policy.maxAttempts) {
      if (decision.giveUp) return this.#advance(run, item, decision.giveUp);
      // A verified note whose EPR stopped answering while marking a note entered in error stays verified.
      if (item.state.kind === 'verified') return this.#advance(run, item, settleMarking(item.state, { kind: 'not-retired', why: 'unreachable', serverReason: decision.retry }));
      const documentReferenceId = 'documentReferenceId' in item.state ? item.state.documentReferenceId : undefined;
      const provenance: ProvenanceState | undefined = 'provenance' in item.state ? item.state.provenance : undefined;
      const httpStatus = /HTTP (\d{3})/.exec(decision.retry)?.[1];
      return this.#advance(run, item, {
        kind: 'failed',
        reason: 'unreachable',
        ...(httpStatus ? { httpStatus: Number(httpStatus) } : {}),
        serverReason: decision.retry,
        ...(documentReferenceId ? { documentReferenceId } : {}),
        pushes: pushesOf(item.state),
        ...(provenance ? { provenance } : {}),
      });
    }
    const delay = retryDelayMs(this.#policy, failures, this.#random, decision.retryAfterMs);
    const noted = await this.#saveNote(run, item, { retry: { attempt: failures, nextAttemptAt: this.#clock.now() + delay, problem: decision.retry } });
    await this.#sleep(run, delay);
    return run.stopped ? noted : this.#load(run, item.identifier);
  }

  /** What a failed step means: a terminal state, or a retry after backoff. */
  #decide(item: OutboxItem, error: unknown): Decision {
    // Anything but a failed request (a stopped store, a bug) is not ours to decide: drive() sorts it.
    if (!(error instanceof EprRequestError)) throw error;
    const { state } = item;
    if (state.kind === 'verified') {
      // Marking a note entered in error (the one a correction replaces, or a withdrawn one): the note stays verified whatever the EPR says.
      const notRetired = (why: 'refused' | 'unreachable'): OutboxState =>
        settleMarking(state, { kind: 'not-retired', why, ...(error.status !== undefined ? { httpStatus: error.status } : {}), ...(error.serverReason ? { serverReason: error.serverReason } : {}) });
      return error.transient ? { retry: problemOf(error), retryAfterMs: error.retryAfterMs, giveUp: notRetired('unreachable') } : { next: notRetired('refused') };
    }
    const pushes = pushesOf(state);
    const documentReferenceId = 'documentReferenceId' in state ? state.documentReferenceId : undefined;
    const provenance: ProvenanceState | undefined = 'provenance' in state ? state.provenance : undefined;
    const where = { pushes, ...(documentReferenceId ? { documentReferenceId } : {}), ...(provenance ? { provenance } : {}) };
    if (error.kind === 'not-yet-readable' && state.kind === 'filed') {
      // Read-after-write lag: retried a few times; if it never shows, it is missing as before.
      return { retry: problemOf(error), giveUp: { kind: 'failed', reason: 'read-back-missing', ...(error.status !== undefined ? { httpStatus: error.status } : {}), ...where } };
    }
    if (error.kind === 'token-refused') {
      // Tried again with a fresh token (searching first); refused every time, it is the credentials.
      return { retry: problemOf(error), giveUp: { kind: 'failed', reason: 'not-authorised', httpStatus: 401, ...(error.serverReason ? { serverReason: error.serverReason } : {}), ...where } };
    }
    if (error.transient) return { retry: problemOf(error), retryAfterMs: error.retryAfterMs };
    const reason = error.serverReason ? { serverReason: error.serverReason } : {};
    const status = error.status !== undefined ? { httpStatus: error.status } : {};
    if (error.status === 412 && state.kind === 'sending') return { next: { kind: 'needs-attention', reason: 'multiple-matches', documentReferenceIds: [], pushes } };
    if (error.kind === 'moved') return { next: { kind: 'failed', reason: 'epr-moved', ...status, ...reason, ...where } };
    if (error.kind === 'auth' || error.status === 401 || error.status === 403) return { next: { kind: 'failed', reason: 'not-authorised', ...status, ...reason, ...where } };
    return { next: { kind: 'failed', reason: 'rejected-by-epr', ...status, ...reason, ...where } };
  }

  /** The EPR's connection and profile for this run (discovered once, the admin's overrides applied). */
  #target(run: Run, eprId: string): Promise<FilingTarget> {
    let target = run.targets.get(eprId);
    if (!target) {
      target = (async () => {
        const endpoint = await this.#options.eprs.connect(eprId);
        const { connection } = endpoint;
        connection.configure({ fhirVersionParameter: endpoint.overrides?.fhirVersionParameter ?? false, transactionPath: endpoint.overrides?.transactionPath ?? 'base' });
        let statement;
        let fhirVersionParameter = endpoint.overrides?.fhirVersionParameter ?? false;
        try {
          statement = await connection.capabilityStatement();
        } catch (error) {
          // A server that insists on fhirVersion in the media type answers 406 or 415 without it.
          if (!(error instanceof EprRequestError) || (error.status !== 406 && error.status !== 415) || fhirVersionParameter) throw error;
          fhirVersionParameter = true;
          connection.configure({ fhirVersionParameter, transactionPath: endpoint.overrides?.transactionPath ?? 'base' });
          statement = await connection.capabilityStatement();
        }
        const profile = applyOverrides(discoverProfile(statement, fhirVersionParameter), endpoint.overrides);
        connection.configure({ fhirVersionParameter: profile.fhirVersionParameter, transactionPath: profile.transactionPath });
        // An administrator who has found which one identifier field the EPR keeps vouches for its
        // search too. ('kept', both, is what is assumed anyway: choosing it proves nothing.)
        const vouched = endpoint.overrides?.identifier === 'master-only' || endpoint.overrides?.identifier === 'identifier-only';
        return { connection, profile, identifierSearchProven: vouched || (await run.store.identifierSearchProven(eprId)) };
      })();
      target.catch(() => run.targets.delete(eprId));
      run.targets.set(eprId, target);
    }
    return target;
  }

  async #load(run: Run, identifier: string): Promise<OutboxItem> {
    const item = await run.store.load(identifier);
    if (!item) throw new WardscribeError('not-found', 'This transcription is not in the outbox.');
    return item;
  }

  #sleep(run: Run, milliseconds: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (run.stopped) return resolve();
      let timer: NodeJS.Timeout | undefined;
      const wake = () => {
        clearTimeout(timer);
        run.sleeps.delete(wake);
        resolve();
      };
      run.sleeps.add(wake);
      if (this.#options.sleep) void this.#options.sleep(milliseconds).then(wake, wake);
      else timer = setTimeout(wake, milliseconds);
    });
  }
}

function withoutNotes(state: OutboxState): OutboxState {
  const { retry: _retry, waiting: _waiting, ...rest } = state as OutboxState & { retry?: unknown; waiting?: unknown };
  return rest as OutboxState;
}

/** A transient failure in words for the ward (no server text: it goes to the screen via the state only when terminal). */
function problemOf(error: EprRequestError): string {
  if (error.kind === 'auth') return error.status ? `the EPR sign-in service is unavailable (HTTP ${error.status})` : 'the EPR sign-in service could not be reached';
  if (error.kind === 'timeout') return 'the EPR did not answer in time';
  if (error.kind === 'network') return 'the EPR could not be reached';
  if (error.kind === 'not-yet-readable') return 'the EPR does not show the note yet';
  if (error.kind === 'token-refused') return 'the EPR refused Wardscribe\u2019s access token, so a new one is fetched (HTTP 401)';
  if (error.kind === 'protocol') return 'the EPR gave an answer Wardscribe could not read';
  if (error.status === 429) return 'the EPR asked Wardscribe to slow down (HTTP 429)';
  return `the EPR had a problem (HTTP ${error.status})`;
}
