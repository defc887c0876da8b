import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditActor } from '../../../shared/domain/audit';
import type { AttestedTranscription } from '../../../shared/domain/transcription';
import { EprRequestError } from '../../../main/epr/epr-errors';
import { EprUnavailableError, type EprDirectory, type EprEndpoint } from '../../../main/epr/epr-directory';
import { transcriptAttachment } from '../../../main/epr/mapping';
import type { OutboxItem, OutboxState, OutboxStore, ReplacedState } from '../../../main/epr/outbox';
import { OutboxRunner } from '../../../main/epr/outbox-runner';
import { OutboxStoppedError } from '../../../main/epr/outbox-store';
import type { RetryPolicy } from '../../../main/epr/retry-policy';
import { WardscribeError } from '../../../main/errors';
import type { Logger } from '../../../main/log';
import { http, StubEpr, type Call } from './support/stub-epr';
import { sampleTranscription } from './support/transcriptions';

/**
 * H-012 / H-013: the outbox runner over a memory store and a scripted EPR — retries and backoff,
 * giving up, the terminal state each kind of refusal leaves, a clinician's Retry, waiting for an
 * EPR that is not configured, and stopping. Time and chance are injected, so each test states the
 * exact delays and states.
 */
const NOW = Date.UTC(2024, 2, 31, 12, 0, 0);
const POLICY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 8000, maxAttempts: 3, requestTimeoutMs: 1000 };

class MemoryStore implements OutboxStore {
  readonly items = new Map<string, OutboxItem>();
  readonly history: OutboxState[] = [];
  /** Who confirmed a record check, with the state saved alongside. */
  readonly checks: { actor: AuditActor; state: OutboxState }[] = [];
  /** Lets a test make the vault refuse, or hold a save, as a closing vault would. */
  hooks: { save?: () => Promise<void> | void; unfinished?: () => Promise<void> | void } = {};
  constructor(private readonly stopped: () => boolean = () => false) {}
  async load(identifier: string) {
    return this.items.get(identifier);
  }
  async save(item: OutboxItem, recordCheckedBy?: AuditActor) {
    if (this.stopped()) throw new OutboxStoppedError('stopped');
    this.items.set(item.identifier, item);
    this.history.push(item.state);
    if (recordCheckedBy) this.checks.push({ actor: recordCheckedBy, state: item.state });
    await this.hooks.save?.();
  }
  async unfinished() {
    await this.hooks.unfinished?.();
    return [...this.items.values()].filter((item) => !['verified', 'failed', 'needs-attention'].includes(item.state.kind));
  }
  /** EPRs on which a search by identifier has found a note: the test EPR, unless a test says otherwise. */
  readonly proven = new Map<string, number>([['epr-1', NOW]]);
  async identifierSearchProven(eprId: string) {
    return this.proven.has(eprId);
  }
  async recordIdentifierSearch(eprId: string, proven: boolean, at: number) {
    if (!proven) this.proven.delete(eprId);
    else if (!this.proven.has(eprId)) this.proven.set(eprId, at);
  }
}

/** A promise and the means to settle it, for holding a request or a save where a test wants it. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

const ticks = async (count = 20) => {
  for (let index = 0; index < count; index++) await Promise.resolve();
};

/** The stub's own create, from inside a script of it (it records the call a second time). */
function createPlainly(epr: StubEpr, call: Call, resource: unknown) {
  const script = epr.script.create;
  epr.script.create = undefined;
  try {
    return epr.create(resource as never, call.ifNoneExist);
  } finally {
    epr.script.create = script;
  }
}

const CLINICIAN: AuditActor = { userId: 'u-fy1-2', displayName: 'Dr Priya Shah', role: 'clinician' };

function world(
  options: {
    eprId?: string;
    overrides?: EprEndpoint['overrides'];
    maxAttempts?: number;
    sleep?: (milliseconds: number) => Promise<void>;
    realSleep?: boolean;
    connect?: (eprId: string) => Promise<EprEndpoint> | undefined;
    /** A clock that moves when the runner sleeps (the settle window is measured on it). */
    now?: () => number;
    /** False: no search of the test EPR by identifier has yet found a note (a workstation new to it). */
    knownEpr?: boolean;
  } = {},
) {
  const epr = new StubEpr();
  const transcription = sampleTranscription();
  const stores: MemoryStore[] = [];
  let shared: MemoryStore | undefined;
  const logs: [string, string, unknown][] = [];
  const log: Logger = {
    info: (event: string, fields?: unknown) => void logs.push(['info', event, fields]),
    warn: (event: string, fields?: unknown) => void logs.push(['warn', event, fields]),
    error: (event: string, fields?: unknown) => void logs.push(['error', event, fields]),
  } as unknown as Logger;
  const sleeps: number[] = [];
  const connects: string[] = [];
  const eprs: EprDirectory = {
    current: () => ({ eprId: 'epr-1', label: 'Test EPR' }),
    connect: async (eprId) => {
      connects.push(eprId);
      const scripted = options.connect?.(eprId);
      if (scripted) return scripted;
      if (eprId !== 'epr-1') throw new EprUnavailableError(`The EPR ${eprId} is not configured.`);
      // No settle window unless a test sets one (the clock here stands still).
      return { connection: epr, overrides: { resendSettleMs: 0, ...options.overrides } } as EprEndpoint;
    },
  };
  const runner = new OutboxRunner({
    store: (stopped) => {
      // One store's items outlive a run, as the vault's do; each run sees whether it is stopped.
      const store = new MemoryStore(stopped);
      if (shared) for (const [key, value] of shared.items) store.items.set(key, value);
      if (shared) for (const [key, value] of shared.proven) store.proven.set(key, value);
      else if (options.knownEpr === false) store.proven.clear();
      shared = store;
      stores.push(store);
      return store;
    },
    eprs,
    policy: { ...POLICY, maxAttempts: options.maxAttempts ?? POLICY.maxAttempts },
    clock: { now: options.now ?? (() => NOW) },
    random: () => 0.5,
    ...(options.realSleep
      ? {}
      : {
          sleep: async (milliseconds: number) => {
            sleeps.push(milliseconds);
            if (options.sleep) await options.sleep(milliseconds);
          },
        }),
    log,
  });
  const store = () => stores.at(-1)!;
  // Items start at `sending` unless a test is about `queued` (which validates both resources: slow).
  const put = (state: OutboxState = { kind: 'sending', pushes: 0, mode: 'individual' }, of: AttestedTranscription = transcription) => {
    const item: OutboxItem = {
      identifier: of.identifier,
      transcription: of,
      attachmentSha256: transcriptAttachment(of).sha256Hex,
      eprId: options.eprId ?? 'epr-1',
      eprLabel: 'Test EPR',
      state,
      updatedAt: NOW - 1,
    };
    store().items.set(item.identifier, item);
    return item;
  };
  const state = () => store().items.get(transcription.identifier)!.state;
  return { epr, runner, store, put, state, sleeps, logs, connects, transcription, id: transcription.identifier };
}

describe('driving an item', () => {
  it('queued to verified, saving each state in order (Provenance filed after the document)', async () => {
    const { runner, put, store, state, logs, id } = world();
    put({ kind: 'queued' });
    await runner.drive(id);
    expect(store().history.map((saved) => saved.kind)).toEqual(['sending', 'sending', 'filed', 'filed', 'filed', 'verified']);
    expect(state()).toMatchObject({ kind: 'verified', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'prov-2' } });
    expect(store().items.get(id)!.updatedAt).toBe(NOW);
    expect(logs.filter(([, event]) => event === 'outbox.state').map(([, , fields]) => fields)).toContainEqual({ state: 'verified' });
    expect(runner.isActive(id)).toBe(false);
  });

  it('the profile comes from the CapabilityStatement once per run, with the admin\'s overrides applied', async () => {
    const { runner, put, epr, id } = world({ overrides: { fhirVersionParameter: true, transactionPath: 'base-slash' } });
    put();
    await runner.drive(id);
    expect(epr.calls.filter((call) => call.method === 'capabilityStatement')).toHaveLength(1);
    expect(epr.transports[0]).toEqual({ fhirVersionParameter: true, transactionPath: 'base-slash' });
    expect(epr.transports.at(-1)).toEqual({ fhirVersionParameter: true, transactionPath: 'base-slash' });
  });

  it.each([406, 415])('a server answering %i without fhirVersion in the media type is asked again with it', async (status) => {
    const { runner, put, epr, state, id } = world();
    let asked = 0;
    epr.script.capabilityStatement = () => {
      asked++;
      if (asked === 1) throw http(status);
      return undefined;
    };
    put();
    await runner.drive(id);
    expect(asked).toBe(2);
    expect(epr.transports).toEqual([
      { fhirVersionParameter: false, transactionPath: 'base' },
      { fhirVersionParameter: true, transactionPath: 'base' },
      { fhirVersionParameter: true, transactionPath: 'base' },
    ]);
    expect(state().kind).toBe('verified');
  });

  it('a 406 when fhirVersion is already sent is a transient-free refusal: failed, not asked again', async () => {
    const { runner, put, epr, state, id } = world({ overrides: { fhirVersionParameter: true } });
    epr.script.capabilityStatement = http(406);
    put();
    await runner.drive(id);
    expect(epr.calls.filter((call) => call.method === 'capabilityStatement')).toHaveLength(1);
    expect(state()).toMatchObject({ kind: 'failed', reason: 'rejected-by-epr', httpStatus: 406 });
  });

  it('concurrent drives of one item share one run: one document', async () => {
    const { runner, put, epr, id } = world();
    put();
    const first = runner.drive(id);
    const second = runner.drive(id);
    expect(second).toBe(first);
    expect(runner.isActive(id)).toBe(true);
    await Promise.all([first, second]);
    expect(epr.calls.filter((call) => call.method === 'create' && call.what === 'DocumentReference')).toHaveLength(1);
  });
});

describe('a write whose access token the EPR refused (401)', () => {
  it('is tried again after backoff, searching first; refused every time, it ends not authorised, keeping the server\u2019s words', async () => {
    const { runner, put, epr, state, store, id } = world();
    epr.script.create = new EprRequestError('token-refused', 401, undefined, 'Token revoked');
    put();
    await runner.drive(id);
    expect(state()).toEqual({ kind: 'failed', reason: 'not-authorised', httpStatus: 401, serverReason: 'Token revoked', pushes: POLICY.maxAttempts });
    expect(store().history).toContainEqual(expect.objectContaining({ retry: expect.objectContaining({ attempt: 1, problem: 'the EPR refused Wardscribe\u2019s access token, so a new one is fetched (HTTP 401)' }) }));
    expect(epr.calls.map((call) => call.method)).toEqual(['capabilityStatement', 'create', 'search', 'search', 'create', 'search', 'search', 'create']);
  });

  it('refused once: the resend finds nothing and sends it with the new token, verified', async () => {
    const { runner, put, epr, state, id } = world();
    let refused = 1;
    epr.script.create = (call, resource) => {
      if (refused-- > 0) throw new EprRequestError('token-refused', 401, undefined);
      return createPlainly(epr, call, resource);
    };
    put();
    await runner.drive(id);
    expect(state()).toMatchObject({ kind: 'verified' });
  });
});

describe('transient failures: backoff, then giving up', () => {
  it('a 503 is retried after a jittered delay, saying when, then filed', async () => {
    const { runner, put, epr, store, sleeps, state, id } = world();
    let failures = 1;
    epr.script.create = (call, resource) => {
      if (failures-- > 0) throw http(503);
      epr.script.create = undefined;
      return epr.create(resource as never, call.ifNoneExist);
    };
    put();
    await runner.drive(id);
    // Attempt 1: ceiling 1000 ms, jitter 0.5.
    expect(sleeps).toEqual([500]);
    expect(store().history).toContainEqual({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW, retry: { attempt: 1, nextAttemptAt: NOW + 500, problem: 'the EPR had a problem (HTTP 503)' } });
    expect(state().kind).toBe('verified');
    expect(state()).not.toHaveProperty('retry');
  });

  it('Retry-After is honoured when longer than the jitter', async () => {
    const { runner, put, epr, sleeps, id } = world();
    let failures = 1;
    epr.script.create = (call, resource) => {
      if (failures-- > 0) throw new EprRequestError('http', 429, 6_000);
      epr.script.create = undefined;
      return epr.create(resource as never, call.ifNoneExist);
    };
    put();
    await runner.drive(id);
    expect(sleeps).toEqual([6_000]);
  });

  it('a Retry-After longer than maxDelayMs is cut to maxDelayMs (an hour, or a clock misread, must not park the note)', async () => {
    const { runner, put, epr, sleeps, id } = world();
    let failures = 1;
    epr.script.create = (call, resource) => {
      if (failures-- > 0) throw new EprRequestError('http', 429, 3_600_000);
      epr.script.create = undefined;
      return epr.create(resource as never, call.ifNoneExist);
    };
    put();
    await runner.drive(id);
    expect(sleeps).toEqual([POLICY.maxDelayMs]);
  });

  it('after maxAttempts the item is failed as unreachable, with the HTTP status and the problem in words', async () => {
    const { runner, put, epr, sleeps, state, id } = world();
    epr.script.create = http(502);
    put();
    await runner.drive(id);
    expect(sleeps).toEqual([500, 1000]);
    expect(state()).toEqual({ kind: 'failed', reason: 'unreachable', httpStatus: 502, serverReason: 'the EPR had a problem (HTTP 502)', pushes: 3 });
  });

  it('giving up after the document was filed keeps its id and Provenance state', async () => {
    const { runner, put, epr, state, id } = world({ maxAttempts: 1 });
    epr.script.read = new EprRequestError('timeout', undefined, undefined);
    put({ kind: 'filed', documentReferenceId: 'doc-9', provenance: { kind: 'filed', id: 'p' } });
    await runner.drive(id);
    expect(state()).toEqual({ kind: 'failed', reason: 'unreachable', serverReason: 'the EPR did not answer in time', documentReferenceId: 'doc-9', pushes: 0, provenance: { kind: 'filed', id: 'p' } });
  });

  it.each([
    [new EprRequestError('network', undefined, undefined), 'the EPR could not be reached'],
    [new EprRequestError('protocol', undefined, undefined), 'the EPR gave an answer Wardscribe could not read'],
    [new EprRequestError('auth', 503, undefined), 'the EPR sign-in service is unavailable (HTTP 503)'],
    [new EprRequestError('auth', undefined, undefined), 'the EPR sign-in service could not be reached'],
    [new EprRequestError('http', 429, undefined), 'the EPR asked Wardscribe to slow down (HTTP 429)'],
  ])('%s is told to the ward as "%s"', async (error, words) => {
    const { runner, put, epr, state, id } = world({ maxAttempts: 1 });
    epr.script.create = error;
    put({ kind: 'sending', pushes: 0, mode: 'individual' });
    await runner.drive(id);
    expect(state()).toMatchObject({ kind: 'failed', reason: 'unreachable', serverReason: words });
  });

  it('a failure reaching the EPR\'s CapabilityStatement is retried too, and counted', async () => {
    const { runner, put, epr, sleeps, state, id } = world();
    epr.script.capabilityStatement = http(500);
    put();
    await runner.drive(id);
    expect(sleeps).toEqual([500, 1000]);
    expect(state()).toMatchObject({ kind: 'failed', reason: 'unreachable', httpStatus: 500 });
  });
});

describe('refusals end in a state a clinician can act on', () => {
  // A refused push still counts (it may have been applied): a Retry searches for it before sending again.
  it.each([
    ['422', http(422, 'bad content'), { kind: 'failed', reason: 'rejected-by-epr', httpStatus: 422, serverReason: 'bad content', pushes: 1 }],
    ['401', http(401), { kind: 'failed', reason: 'not-authorised', httpStatus: 401, pushes: 1 }],
    ['403', http(403, 'no role'), { kind: 'failed', reason: 'not-authorised', httpStatus: 403, serverReason: 'no role', pushes: 1 }],
    ['an auth refusal', new EprRequestError('auth', 400, undefined), { kind: 'failed', reason: 'not-authorised', httpStatus: 400, pushes: 1 }],
    ['412 while sending', http(412), { kind: 'needs-attention', reason: 'multiple-matches', documentReferenceIds: [], pushes: 1 }],
  ])('%s', async (_, error, expected) => {
    const { runner, put, epr, state, id } = world();
    epr.script.create = error;
    put({ kind: 'sending', pushes: 0, mode: 'individual' });
    await runner.drive(id);
    expect(state()).toEqual(expected);
  });

  it('a 412 after filing (the Provenance) is a refusal, not multiple documents', async () => {
    const { runner, put, epr, state, id } = world();
    epr.script.read = http(412);
    put({ kind: 'filed', documentReferenceId: 'doc-3', provenance: { kind: 'filed' } });
    await runner.drive(id);
    expect(state()).toEqual({ kind: 'failed', reason: 'rejected-by-epr', httpStatus: 412, documentReferenceId: 'doc-3', pushes: 0, provenance: { kind: 'filed' } });
  });

  it('a programming error is logged without its message, and the item left where it was', async () => {
    const { runner, put, epr, state, logs, id } = world();
    epr.script.create = new TypeError('secret patient text');
    put({ kind: 'sending', pushes: 0, mode: 'individual' });
    await runner.drive(id);
    expect(logs.some(([level, event]) => level === 'error' && event === 'outbox.unexpected')).toBe(true);
    expect(JSON.stringify(logs)).not.toContain('secret patient text');
    expect(state()).toMatchObject({ kind: 'sending', pushes: 1 });
  });
});

describe('an EPR that is not configured', () => {
  it('the item waits, saying why, once; it is never sent elsewhere', async () => {
    const { runner, put, store, state, epr, id } = world({ eprId: 'epr-2' });
    put({ kind: 'queued' });
    await runner.drive(id);
    expect(state()).toEqual({ kind: 'queued', waiting: 'The EPR epr-2 is not configured.' });
    expect(epr.calls).toEqual([]);
    const saves = store().history.length;
    await runner.drive(id);
    expect(store().history.length).toBe(saves);
  });
});

describe('a clinician\'s Retry', () => {
  it('of an item not in the outbox, or already verified, is refused with a reason', async () => {
    const { runner, put, id } = world();
    await expect(runner.retry('urn:uuid:missing')).rejects.toEqual(new WardscribeError('not-found', 'This transcription is not in the outbox.'));
    put({ kind: 'verified', documentReferenceId: 'd', verifiedAt: '2024-03-31T12:00:00.000Z', provenance: { kind: 'filed' } });
    await expect(runner.retry(id)).rejects.toEqual(new WardscribeError('conflict', 'This transcription is already verified in the record.'));
  });

  it('of a failed filing with a document: read back again, never a second document', async () => {
    const { runner, put, epr, state, id } = world();
    put({ kind: 'sending', pushes: 0, mode: 'individual' });
    epr.script.read = http(500);
    await runner.drive(id);
    expect(state()).toMatchObject({ kind: 'failed', documentReferenceId: 'doc-1' });
    epr.script.read = undefined;
    await runner.retry(id);
    await runner.settled();
    expect(state().kind).toBe('verified');
    expect(epr.calls.filter((call) => call.method === 'create' && call.what === 'DocumentReference')).toHaveLength(1);
  });

  it('of a failure before any push: from the start', async () => {
    const { runner, put, state, store, id } = world();
    put({ kind: 'failed', reason: 'not-authorised', pushes: 0 });
    await runner.retry(id);
    await runner.settled();
    expect(store().history[0]).toEqual({ kind: 'queued' });
    expect(state().kind).toBe('verified');
  });

  it('a storm of Retries applies one', async () => {
    const { runner, put, store, id } = world();
    put({ kind: 'failed', reason: 'not-authorised', pushes: 0 });
    await Promise.all([runner.retry(id), runner.retry(id), runner.retry(id)]);
    await runner.settled();
    expect(store().history.filter((saved) => saved.kind === 'queued')).toHaveLength(1);
  });

  it('of an interrupted item nobody is working on picks it up', async () => {
    const { runner, put, state, id } = world();
    put({ kind: 'sending', pushes: 0, mode: 'individual' });
    await runner.retry(id);
    await runner.settled();
    expect(state().kind).toBe('verified');
  });
});

describe('resuming and stopping', () => {
  it('resumeAll drives every unfinished item', async () => {
    const { runner, put, state } = world();
    put();
    await runner.resumeAll();
    expect(state().kind).toBe('verified');
  });

  it('stop wakes a sleeping retry and nothing more is written; the next run resumes', async () => {
    // A sleep that never ends by itself: only stop() can wake the runner.
    const { runner, put, epr, store, state, id } = world({ sleep: () => new Promise<void>(() => undefined) });
    epr.script.create = http(503);
    put();
    const first = store();
    const drive = runner.drive(id);
    while (!('retry' in state())) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(runner.isActive(id)).toBe(true);
    await runner.stop();
    await drive;
    const written = first.history.length;
    expect(state()).toMatchObject({ kind: 'sending', pushes: 1, retry: { attempt: 1 } });
    expect(runner.isActive(id)).toBe(false);
    epr.script.create = undefined;
    await runner.resumeAll();
    expect(first.history.length).toBe(written);
    expect(state().kind).toBe('verified');
  });

  it('eprsChanged forgets the profile: the next drive asks the EPR again', async () => {
    const { runner, put, epr, id } = world();
    put();
    await runner.drive(id);
    runner.eprsChanged();
    await runner.settled();
    expect(epr.calls.filter((call) => call.method === 'capabilityStatement')).toHaveLength(1);
    put();
    await runner.drive(id);
    expect(epr.calls.filter((call) => call.method === 'capabilityStatement')).toHaveLength(2);
  });
});

describe('Retry, pressed again and again', () => {
  it('a second Retry after the first has run its course applies again (the guard is per press, not for ever)', async () => {
    const { runner, put, epr, store, state, id } = world();
    epr.script.create = http(401);
    put({ kind: 'failed', reason: 'not-authorised', pushes: 0 });
    await runner.retry(id);
    await runner.settled();
    expect(store().history[0]).toEqual({ kind: 'queued' });
    expect(state()).toMatchObject({ kind: 'failed', reason: 'not-authorised' });
    const before = store().history.length;
    await runner.retry(id);
    await runner.settled();
    // The second resumes after a push that may have landed: it searches, then sends.
    expect(store().history[before]).toEqual({ kind: 'sending', pushes: 1, mode: 'transaction' });
    expect(epr.calls.map((call) => call.method).filter((method) => method === 'create' || method === 'search')).toEqual(['create', 'search', 'search', 'create']);
  });

  it('a Retry that finds the item picked up meanwhile leaves it to that run: nothing is written under it', async () => {
    const { runner, put, store, id } = world();
    put({ kind: 'failed', reason: 'not-authorised', pushes: 0 });
    const retried = runner.retry(id);
    // The item is picked up (a resume, say) while the Retry is still reading it.
    const driven = runner.drive(id);
    await retried;
    await driven;
    await runner.settled();
    expect(store().history).toEqual([]);
  });

  it('while an item waits out its backoff, Retry neither cuts the wait short nor sends anything', async () => {
    const wait = deferred();
    const { runner, put, epr, sleeps, state, id } = world({ sleep: () => wait.promise });
    let refusals = 1;
    epr.script.create = (call, resource) => {
      if (refusals-- > 0) throw new EprRequestError('http', 429, 7_000);
      return createPlainly(epr, call, resource);
    };
    put();
    const driven = runner.drive(id);
    while (!('retry' in state())) await ticks(1);
    const before = epr.calls.length;
    await Promise.all(Array.from({ length: 5 }, () => runner.retry(id)));
    await ticks();
    expect(epr.calls.length).toBe(before);
    expect(sleeps).toEqual([7_000]);
    epr.script.create = undefined;
    wait.resolve();
    await driven;
    expect(state().kind).toBe('verified');
  });
});

describe('Send after checking the record', () => {
  const stopped: OutboxState = { kind: 'needs-attention', reason: 'identifier-search-unsupported', documentReferenceIds: [], pushes: 1 };

  it('the confirmation is saved with the state that sends it once more, without a search; then filed, read back and verified', async () => {
    const { runner, put, epr, store, state, id } = world();
    put(stopped);
    await runner.sendAfterCheck(id, CLINICIAN);
    await runner.settled();
    expect(store().checks).toEqual([{ actor: CLINICIAN, state: { kind: 'sending', pushes: 0, mode: 'transaction' } }]);
    expect(store().items.get(id)!.updatedAt).toBe(NOW);
    expect(epr.calls.filter((call) => call.method === 'search')).toEqual([]);
    expect(epr.calls.filter((call) => call.method === 'create' && call.what === 'DocumentReference')).toHaveLength(1);
    expect(state()).toMatchObject({ kind: 'verified', documentReferenceId: 'doc-1' });
  });

  it.each<[string, OutboxState]>([
    ['several matches', { kind: 'needs-attention', reason: 'multiple-matches', documentReferenceIds: ['a', 'b'], pushes: 1 }],
    ['a failure', { kind: 'failed', reason: 'unreachable', pushes: 1 }],
    ['an item being sent', { kind: 'sending', pushes: 1, mode: 'individual' }],
  ])('is refused for %s, with a reason, and nothing is sent', async (_, at) => {
    const { runner, put, epr, store, id } = world();
    put(at);
    await expect(runner.sendAfterCheck(id, CLINICIAN)).rejects.toEqual(
      new WardscribeError('conflict', 'Only a filing stopped because Wardscribe cannot tell whether the EPR already holds it can be sent after checking the record.'),
    );
    expect(store().history).toEqual([]);
    expect(epr.calls).toEqual([]);
  });

  it('of an item not in the outbox is refused', async () => {
    const { runner } = world();
    await expect(runner.sendAfterCheck('urn:uuid:missing', CLINICIAN)).rejects.toEqual(new WardscribeError('not-found', 'This transcription is not in the outbox.'));
  });

  it('pressed twice at once: one confirmation, one push; the second is told it is already being sent', async () => {
    const { runner, put, epr, store, id } = world();
    put(stopped);
    const results = await Promise.allSettled([runner.sendAfterCheck(id, CLINICIAN), runner.sendAfterCheck(id, CLINICIAN)]);
    await runner.settled();
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new WardscribeError('conflict', 'This filing is already being sent.'));
    expect(store().checks).toHaveLength(1);
    expect(epr.calls.filter((call) => call.method === 'create' && call.what === 'DocumentReference')).toHaveLength(1);
  });

  it('while the item is being driven it is refused', async () => {
    const { runner, put, store, id } = world();
    put(stopped);
    const driven = runner.drive(id);
    await expect(runner.sendAfterCheck(id, CLINICIAN)).rejects.toEqual(new WardscribeError('conflict', 'This filing is already being sent.'));
    await driven;
    expect(store().checks).toEqual([]);
  });

  it('refused when the item is picked up while it is being read', async () => {
    const { runner, put, store, id } = world();
    put(stopped);
    const sent = runner.sendAfterCheck(id, CLINICIAN);
    const driven = runner.drive(id);
    await expect(sent).rejects.toEqual(new WardscribeError('conflict', 'This filing is already being sent.'));
    await driven;
    expect(store().checks).toEqual([]);
  });

  it('if that push\u2019s answer is lost too, the resend searches and stops it again; a second check sends it again', async () => {
    const { runner, put, epr, store, state, id } = world({ overrides: { identifierSearch: false } });
    put(stopped);
    let lost = 1;
    epr.script.create = (call, resource) => {
      const result = createPlainly(epr, call, resource);
      if (lost-- > 0) throw new EprRequestError('timeout', undefined, undefined);
      return result;
    };
    await runner.sendAfterCheck(id, CLINICIAN);
    await runner.settled();
    expect(state()).toEqual({ kind: 'needs-attention', reason: 'identifier-search-unsupported', documentReferenceIds: [], pushes: 1 });
    await runner.sendAfterCheck(id, CLINICIAN);
    await runner.settled();
    expect(state().kind).toBe('verified');
    expect(store().checks).toHaveLength(2);
  });
});

describe('an EPR no search by identifier has yet found a note on', () => {
  const timedOutOnce = (epr: StubEpr) => {
    let lost = 1;
    epr.script.create = (call, resource) => {
      const result = createPlainly(epr, call, resource);
      if (call.what === 'DocumentReference' && lost-- > 0) throw new EprRequestError('timeout', undefined, undefined);
      return result;
    };
  };

  it('a push with no answer, then an empty search: stopped for a record check, nothing sent again; the check sends it once, and the verified note, found by search, proves the EPR for later runs', async () => {
    const { runner, put, epr, store, state, id } = world({ knownEpr: false });
    timedOutOnce(epr);
    epr.script.search = () => [];
    put();
    await runner.drive(id);
    await runner.settled();
    expect(state()).toEqual({ kind: 'needs-attention', reason: 'identifier-unproven', documentReferenceIds: [], pushes: 1 });
    expect(store().proven.size).toBe(0);
    // The clinician looked: not there. (The first push had in fact been lost before the EPR kept it.)
    epr.stored.clear();
    epr.script.search = (call) => (call.what.startsWith('DocumentReference?') ? [...epr.stored.values()].filter((resource) => resource.resourceType === 'DocumentReference') : []);
    await runner.sendAfterCheck(id, CLINICIAN);
    await runner.settled();
    expect(state()).toMatchObject({ kind: 'verified' });
    expect([...store().proven]).toEqual([['epr-1', NOW]]);
    // A later run of the same outbox trusts an empty search on this EPR: a lost answer is sent again.
    await runner.stop();
    const other = sampleTranscription();
    put(undefined, other);
    epr.script.search = () => [];
    timedOutOnce(epr);
    await runner.drive(other.identifier);
    await runner.settled();
    expect(store().items.get(other.identifier)!.state).toMatchObject({ kind: 'verified' });
  });

  it.each(['master-only', 'identifier-only'] as const)('an administrator who says which identifier field the EPR keeps (%s) vouches for its search', async (identifier) => {
    const { runner, put, epr, state, id } = world({ knownEpr: false, overrides: { identifier } });
    timedOutOnce(epr);
    put();
    await runner.drive(id);
    await runner.settled();
    expect(state()).toMatchObject({ kind: 'verified' });
    // Sent twice (this scripted EPR kept the first and answers searches with nothing: the trust was the point).
    expect([...epr.stored.keys()].filter((key) => key.startsWith('DocumentReference/'))).toHaveLength(2);
  });

  it('choosing both identifier fields (what is assumed anyway) vouches for nothing: a lost answer still stops for a record check', async () => {
    const { runner, put, epr, state, id } = world({ knownEpr: false, overrides: { identifier: 'kept' } });
    timedOutOnce(epr);
    put();
    await runner.drive(id);
    await runner.settled();
    expect(state()).toMatchObject({ kind: 'needs-attention', reason: 'identifier-unproven' });
  });

  it('a known EPR, by what the store kept from earlier runs: an empty search means not filed, and it is sent again', async () => {
    const { runner, put, epr, state, id } = world();
    timedOutOnce(epr);
    put();
    await runner.drive(id);
    await runner.settled();
    expect(state()).toMatchObject({ kind: 'verified' });
    // Sent twice (this scripted EPR kept the first and answers searches with nothing: the trust was the point).
    expect([...epr.stored.keys()].filter((key) => key.startsWith('DocumentReference/'))).toHaveLength(2);
  });

  it('the proof is recorded for the item\u2019s own EPR', async () => {
    const other = new StubEpr();
    other.script.search = (call) => (call.what.startsWith('DocumentReference?') ? [...other.stored.values()].filter((resource) => resource.resourceType === 'DocumentReference') : []);
    const { runner, put, store, state, id } = world({ knownEpr: false, eprId: 'epr-2', connect: (eprId) => (eprId === 'epr-2' ? Promise.resolve({ connection: other, overrides: { resendSettleMs: 0 } } as EprEndpoint) : undefined) });
    put();
    await runner.drive(id);
    await runner.settled();
    expect(state()).toMatchObject({ kind: 'verified' });
    expect([...store().proven.keys()]).toEqual(['epr-2']);
  });
});

describe('failures: what counts, and how a stopped vault is told apart', () => {
  it('a connection that cannot be opened is retried, saying so, then fails as unreachable', async () => {
    const { runner, put, store, sleeps, state, id } = world({ connect: () => Promise.reject(new Error('listen EADDRINUSE')) });
    put({ kind: 'queued' });
    await runner.drive(id);
    expect(store().history[0]).toEqual({ kind: 'queued', retry: { attempt: 1, nextAttemptAt: NOW + 500, problem: 'the connection to the EPR could not be opened' } });
    expect(sleeps).toEqual([500, 1000]);
    expect(state()).toEqual({ kind: 'failed', reason: 'unreachable', serverReason: 'the connection to the EPR could not be opened', pushes: 0 });
  });

  it('a CapabilityStatement that failed once is asked again at the next attempt (a failed connection is not kept)', async () => {
    const { runner, put, epr, state, id } = world();
    let failures = 1;
    epr.script.capabilityStatement = () => {
      if (failures-- > 0) throw http(500);
      return undefined;
    };
    put();
    await runner.drive(id);
    expect(epr.calls.filter((call) => call.method === 'capabilityStatement')).toHaveLength(2);
    expect(state().kind).toBe('verified');
  });

  it('a 500 from the CapabilityStatement is not taken for a media-type refusal: fhirVersion is not switched on', async () => {
    const { runner, put, epr, id } = world({ maxAttempts: 1 });
    epr.script.capabilityStatement = http(500);
    put();
    await runner.drive(id);
    expect(epr.calls.filter((call) => call.method === 'capabilityStatement')).toHaveLength(1);
    expect(epr.transports).toEqual([{ fhirVersionParameter: false, transactionPath: 'base' }]);
  });

  it('a waiting note is replaced when the reason changes', async () => {
    const { runner, put, state, id } = world({ eprId: 'epr-2' });
    put({ kind: 'queued', waiting: 'Some older words.' });
    await runner.drive(id);
    expect(state()).toEqual({ kind: 'queued', waiting: 'The EPR epr-2 is not configured.' });
  });

  it('progress to the next kind of state earns fresh attempts (a read-back after filing)', async () => {
    const { runner, put, epr, state, id } = world({ maxAttempts: 2, overrides: { provenance: 'keep-locally' } });
    let createFailures = 1;
    let readFailures = 1;
    epr.script.create = (call, resource) => {
      if (createFailures-- > 0) throw http(503);
      return createPlainly(epr, call, resource);
    };
    epr.script.read = (call, id) => {
      if (readFailures-- > 0) throw http(503);
      epr.script.read = undefined;
      return epr.read('DocumentReference', id as string);
    };
    put();
    await runner.drive(id);
    expect(state().kind).toBe('verified');
  });

  it('a step that stays in the same kind of state (the Provenance filed) shares the attempts of the read-back', async () => {
    const { runner, put, epr, state, id } = world({ maxAttempts: 2 });
    let provenanceFailures = 1;
    epr.script.create = (call, resource) => {
      if ((resource as { resourceType: string }).resourceType === 'Provenance' && provenanceFailures-- > 0) throw http(503);
      return createPlainly(epr, call, resource);
    };
    epr.script.read = http(503);
    put({ kind: 'filed', documentReferenceId: 'doc-0', provenance: { kind: 'pending' } });
    await runner.drive(id);
    // The Provenance's answer was not seen and it is not found: kept locally, never sent twice.
    expect(state()).toMatchObject({ kind: 'failed', reason: 'unreachable', documentReferenceId: 'doc-0', provenance: { kind: 'kept-locally', why: 'unconfirmed' } });
    expect(epr.calls.filter((call) => call.method === 'read')).toHaveLength(1);
  });

  it('the vault refusing writes under the runner (it is closing) is logged as a stop, not as an unexpected error', async () => {
    const { runner, put, store, logs, id } = world();
    put();
    store().hooks.save = () => {
      throw new OutboxStoppedError('The outbox has stopped (the vault is closing).');
    };
    await runner.drive(id);
    expect(logs.filter(([level]) => level !== 'info')).toEqual([]);
    expect(logs.filter(([, event]) => event === 'outbox.stopped')).toHaveLength(1);
  });

  it('resumeAll while the vault is closing resolves quietly; any other failure to list the outbox is not swallowed', async () => {
    const closing = world();
    closing.store().hooks.unfinished = () => {
      throw new OutboxStoppedError('stopped');
    };
    await expect(closing.runner.resumeAll()).resolves.toBeUndefined();
    const broken = world();
    const error = new Error('disk I/O error');
    broken.store().hooks.unfinished = () => {
      throw error;
    };
    await expect(broken.runner.resumeAll()).rejects.toBe(error);
  });
});

describe('stopping, precisely', () => {
  afterEach(() => void vi.useRealTimers());

  it('resumeAll stops at a stop: the items after the one in hand are left for the next run', async () => {
    const { runner, put, epr, state, transcription, id } = world({ sleep: () => new Promise<void>(() => undefined) });
    const other = sampleTranscription();
    epr.script.create = http(503);
    put();
    put({ kind: 'sending', pushes: 0, mode: 'individual' }, other);
    const resumed = runner.resumeAll();
    while (!('retry' in state())) await ticks(1);
    await runner.stop();
    epr.script.create = undefined;
    await resumed;
    await runner.settled();
    expect(epr.calls.filter((call) => call.correlationId === other.identifier.slice('urn:uuid:'.length))).toEqual([]);
    expect(transcription.identifier).toBe(id);
  });

  it('stop waits for a request in flight, and the next run sends nothing until it has settled', async () => {
    const { runner, put, epr, id } = world();
    const answer = deferred<unknown>();
    epr.script.create = (call, resource) => answer.promise.then(() => createPlainly(epr, call, resource));
    put();
    const driven = runner.drive(id);
    while (!epr.calls.some((call) => call.method === 'create')) await ticks(1);
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    const next = runner.drive(id);
    await ticks();
    expect(stopped).toBe(false);
    const calls = epr.calls.length;
    expect(epr.calls.filter((call) => call.method === 'capabilityStatement')).toHaveLength(1);
    epr.script.create = undefined;
    answer.resolve(undefined);
    await stopping;
    await driven;
    await next;
    expect(epr.calls.length).toBeGreaterThan(calls);
  });

  it('a stop that lands while the retry note is being written: no wait is begun', async () => {
    const { runner, put, epr, store, sleeps, id } = world();
    const held = deferred();
    epr.script.create = http(503);
    put();
    const first = store();
    first.hooks.save = () => ('retry' in first.history.at(-1)! ? held.promise : undefined);
    const driven = runner.drive(id);
    while (!first.history.some((saved) => 'retry' in saved)) await ticks(1);
    const stopping = runner.stop();
    held.resolve();
    await stopping;
    await driven;
    expect(sleeps).toEqual([]);
  });

  it('a stop leaves no backoff timer behind (a closing vault does not keep the process waiting)', async () => {
    vi.useFakeTimers();
    const { runner, put, epr, state, id } = world({ realSleep: true });
    epr.script.create = http(503);
    put();
    const driven = runner.drive(id);
    while (!('retry' in state())) await ticks(1);
    await ticks();
    expect(vi.getTimerCount()).toBe(1);
    await runner.stop();
    await driven;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('settled waits for a drive that is waiting on a timer', async () => {
    const { runner, put, epr, state, id } = world({ sleep: () => new Promise<void>((resolve) => setTimeout(resolve, 5)) });
    let failures = 1;
    epr.script.create = (call, resource) => {
      if (failures-- > 0) throw http(503);
      return createPlainly(epr, call, resource);
    };
    put();
    void runner.drive(id);
    await runner.settled();
    expect(state().kind).toBe('verified');
  });
});

describe('waiting to confirm with the EPR after a push whose outcome is unknown', () => {
  it('sends nothing and searches nothing before the settle window has passed, counted from that push; then looks and files once', async () => {
    let now = NOW;
    const { runner, put, epr, sleeps, store, id } = world({ now: () => now, overrides: { resendSettleMs: 90_000 }, sleep: async (ms) => void (now += ms) });
    epr.script.create = () => {
      now += 1_000;
      epr.script.create = undefined;
      throw new EprRequestError('timeout', undefined, undefined);
    };
    put();
    await runner.drive(id);
    const pushedAt = NOW;
    const waiting = store().history.find((saved) => saved.kind === 'sending' && saved.confirmAt !== undefined);
    expect(waiting).toEqual({ kind: 'sending', pushes: 1, mode: 'individual', since: pushedAt, confirmAt: pushedAt + 90_000 });
    // The backoff (500 ms), then the rest of the window.
    expect(sleeps).toEqual([500, 90_000 - 1_000 - 500]);
    const looksAndPushes = epr.calls.filter((call) => call.method === 'search' || (call.method === 'create' && call.what === 'DocumentReference')).map((call) => call.method);
    expect(looksAndPushes).toEqual(['create', 'search', 'search', 'create']);
    expect(epr.calls.filter((call) => call.method === 'search').map((call) => call.what.endsWith('&_count=50'))).toEqual([false, true]);
  });

  it('a stop while waiting ends the wait and writes nothing more', async () => {
    const wait = deferred();
    let now = NOW;
    const { runner, put, store, sleeps, id } = world({ now: () => now, overrides: { resendSettleMs: 60_000 }, sleep: () => wait.promise });
    put({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW - 1_000 });
    const driven = runner.drive(id);
    // Until the runner is asleep in the window (not merely saved the time it waits for).
    while (sleeps.length === 0) await ticks(1);
    expect(sleeps).toEqual([59_000]);
    const first = store();
    expect(first.history).toEqual([{ kind: 'sending', pushes: 1, mode: 'individual', since: NOW - 1_000, confirmAt: NOW + 59_000 }]);
    // Once locked the vault can be read no more: a stopped run does not try.
    let readsAfterStop = 0;
    const load = first.load.bind(first);
    first.load = async (identifier) => {
      if (stopped) readsAfterStop++;
      return load(identifier);
    };
    let stopped = false;
    const stopping = runner.stop();
    stopped = true;
    await stopping;
    now += 60_000;
    wait.resolve();
    await driven;
    expect(readsAfterStop).toBe(0);
    expect(first.history).toHaveLength(1);
    expect(store().history).toEqual([]);
  });

  it('an EPR that creates on PUT is written again at once: a repeat is the same document', async () => {
    let now = NOW;
    const { runner, put, epr, sleeps, id } = world({ now: () => now, overrides: { updateCreate: true, resendSettleMs: 600_000 }, sleep: async (ms) => void (now += ms) });
    put({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW });
    await runner.drive(id);
    expect(sleeps).toEqual([]);
    expect(epr.calls.map((call) => call.method).filter((method) => method === 'update' || method === 'search' || method === 'create')).toEqual(['update', 'search', 'update']);
  });
});

describe('answers that no retry changes', () => {
  it('a redirect (the EPR moved behind a load balancer) ends the item for an administrator, naming the new address', async () => {
    const { runner, put, epr, state, id } = world();
    epr.script.create = new EprRequestError('moved', 301, undefined, 'https://epr-new.example.nhs.uk/fhir/DocumentReference');
    put();
    await runner.drive(id);
    expect(state()).toEqual({ kind: 'failed', reason: 'epr-moved', httpStatus: 301, serverReason: 'https://epr-new.example.nhs.uk/fhir/DocumentReference', pushes: 1 });
  });

  it('a read-back that keeps answering "not yet" after the attempts run out is read-back-missing, not unreachable', async () => {
    const { runner, put, epr, state, sleeps, id } = world();
    epr.script.read = new EprRequestError('not-yet-readable', 404, undefined);
    put({ kind: 'filed', documentReferenceId: 'doc-9', provenance: { kind: 'filed' }, since: NOW });
    await runner.drive(id);
    expect(sleeps).toHaveLength(POLICY.maxAttempts - 1);
    expect(state()).toEqual({ kind: 'failed', reason: 'read-back-missing', httpStatus: 404, documentReferenceId: 'doc-9', pushes: 0, provenance: { kind: 'filed' } });
  });

  it('a note just filed that the EPR does not show yet is retried, and the ward told so meanwhile', async () => {
    const { runner, put, epr, store, id } = world();
    // Read straight after the create: the 404 is the EPR's read-after-write lag (filing.ts).
    epr.script.read = http(404);
    put({ kind: 'filed', documentReferenceId: 'doc-9', provenance: { kind: 'filed' }, since: NOW });
    await runner.drive(id);
    expect(store().history).toContainEqual(expect.objectContaining({ kind: 'filed', retry: expect.objectContaining({ attempt: 1, problem: 'the EPR does not show the note yet' }) }));
  });
});

describe('a verified correction marking the note it replaces (#15)', () => {
  const OLD = 'urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b';
  const correction = sampleTranscription({ replaces: { identifier: OLD, documentReferenceId: 'old-1', attestedAt: '2024-03-31T09:00:00Z' } });
  const verified = { kind: 'verified', documentReferenceId: 'doc-9', verifiedAt: '2024-03-31T12:00:00.000Z', provenance: { kind: 'filed' } } as const;
  function marking(options: Parameters<typeof world>[0] = {}) {
    const made = world(options);
    made.epr.stored.set('DocumentReference/old-1', { resourceType: 'DocumentReference', id: 'old-1', status: 'current', content: [] } as never);
    made.put({ ...verified, replaced: { kind: 'pending' } }, correction);
    return { ...made, marked: () => made.store().items.get(correction.identifier)!.state };
  }

  it('is driven until the note is marked, and stays verified throughout', async () => {
    const { runner, marked, store, epr } = marking();
    await runner.drive(correction.identifier);
    expect(marked()).toEqual({ ...verified, replaced: { kind: 'retired', at: '2024-03-31T12:00:00.000Z' } });
    expect(store().history.every((state) => state.kind === 'verified')).toBe(true);
    expect(epr.calls.filter((call) => call.method === 'update')).toHaveLength(1);
  });

  it('an EPR that keeps failing: retried with backoff, then verified with the note unmarked, saying why', async () => {
    const { runner, marked, epr, sleeps } = marking();
    epr.script.update = http(503);
    await runner.drive(correction.identifier);
    expect(sleeps).toEqual([500, 1000]);
    expect(marked()).toEqual({ ...verified, replaced: { kind: 'not-retired', why: 'unreachable', httpStatus: 503 } });
    expect(epr.calls.filter((call) => call.method === 'update')).toHaveLength(3);
  });

  it('a refusal the step does not name (a 404 on the update): verified, the note unmarked as refused', async () => {
    const { runner, marked, epr } = marking();
    epr.script.update = http(404, 'No such note');
    await runner.drive(correction.identifier);
    expect(marked()).toEqual({ ...verified, replaced: { kind: 'not-retired', why: 'refused', httpStatus: 404, serverReason: 'No such note' } });
  });

  it('its EPR could not be connected to: retried, then verified with the note unmarked', async () => {
    const { runner, marked } = marking({ connect: () => Promise.reject(new Error('cannot start')) });
    await runner.drive(correction.identifier);
    expect(marked()).toMatchObject({ kind: 'verified', replaced: { kind: 'not-retired', why: 'unreachable' } });
  });

  it('Retry asks again for a note left unmarked, and only then; a marked one, like any verified note, is refused', async () => {
    const { runner, marked, epr, put } = marking();
    epr.script.update = http(405);
    await runner.drive(correction.identifier);
    expect(marked()).toMatchObject({ replaced: { kind: 'not-retired', why: 'refused' } });
    epr.script.update = undefined;
    await runner.retry(correction.identifier);
    await runner.settled();
    expect(marked()).toMatchObject({ kind: 'verified', replaced: { kind: 'retired' } });
    await expect(runner.retry(correction.identifier)).rejects.toEqual(new WardscribeError('conflict', 'This transcription is already verified in the record.'));
    put({ ...verified, replaced: { kind: 'gone', httpStatus: 410 } }, correction);
    await expect(runner.retry(correction.identifier)).rejects.toEqual(new WardscribeError('conflict', 'This transcription is already verified in the record.'));
  });

  it('a Retry that finds it picked up meanwhile leaves it to that run: nothing is written under it', async () => {
    const { runner, marked, epr, store } = marking();
    epr.script.update = http(405);
    await runner.drive(correction.identifier);
    expect(marked()).toMatchObject({ replaced: { kind: 'not-retired' } });
    const before = store().history.length;
    epr.script.update = http(405);
    const retried = runner.retry(correction.identifier);
    // Picked up (a resume, say) while the Retry is still reading it: that run finds nothing to do.
    const driven = runner.drive(correction.identifier);
    await retried;
    await driven;
    await runner.settled();
    expect(store().history.slice(before)).toEqual([]);
  });

  it('a refusal with no HTTP status (a redirect) is said without one', async () => {
    const { runner, marked, epr } = marking();
    epr.script.update = new EprRequestError('moved', undefined, undefined, 'https://elsewhere.test');
    await runner.drive(correction.identifier);
    const { replaced } = marked() as Extract<OutboxState, { kind: 'verified' }>;
    expect(replaced).toEqual({ kind: 'not-retired', why: 'refused', serverReason: 'https://elsewhere.test' });
    expect(Object.keys(replaced!)).not.toContain('httpStatus');
  });

  it('a Retry while it is being marked does nothing more', async () => {
    const { runner, marked, epr } = marking();
    const held = deferred();
    epr.script.update = async (call, resource) => {
      await held.promise;
      epr.script.update = undefined;
      return epr.update(resource as never, undefined);
    };
    const driving = runner.drive(correction.identifier);
    await ticks();
    // Being marked: a Retry now leaves it to that run, and writes nothing.
    await runner.retry(correction.identifier);
    held.resolve();
    await driving;
    await runner.settled();
    expect(marked()).toMatchObject({ replaced: { kind: 'retired' } });
    // One update: the scripted call and the stub's own record of it.
    expect(epr.calls.filter((call) => call.method === 'update')).toHaveLength(2);
  });
});

describe('a clinician withdrawing a verified note (#15, H-032)', () => {
  const verified = { kind: 'verified', documentReferenceId: 'doc-9', verifiedAt: '2024-03-31T12:00:00.000Z', provenance: { kind: 'filed' } } as const;
  const REASON = 'Filed against the wrong patient.';
  function withdrawing(options: Parameters<typeof world>[0] = {}) {
    const made = world(options);
    made.epr.stored.set('DocumentReference/doc-9', { resourceType: 'DocumentReference', id: 'doc-9', status: 'current', content: [] } as never);
    made.put({ ...verified, retry: { attempt: 1, nextAttemptAt: NOW, problem: 'old note' } } as OutboxState);
    return made;
  }

  it('saves the withdrawal with the clinician who asked, then marks the note and reads it back; it stays verified', async () => {
    const { runner, store, state, epr, id } = withdrawing();
    await runner.withdraw(id, REASON, CLINICIAN);
    await runner.settled();
    const asked = { ...verified, withdrawal: { reason: REASON, askedAt: '2024-03-31T12:00:00.000Z', by: { name: 'Dr Priya Shah', role: 'clinician' }, marked: { kind: 'pending' } } };
    // The first save is the withdrawal, notes of earlier attempts dropped, with who asked.
    expect(store().history[0]).toEqual(asked);
    expect(store().checks).toEqual([{ actor: CLINICIAN, state: asked }]);
    expect(store().items.get(id)!.updatedAt).toBe(NOW);
    expect(state()).toEqual({ ...asked, withdrawal: { ...asked.withdrawal, marked: { kind: 'retired', at: '2024-03-31T12:00:00.000Z' } } });
    expect(store().history.every((saved) => saved.kind === 'verified')).toBe(true);
    expect(epr.calls.filter((call) => call.method === 'update')).toHaveLength(1);
  });

  it('an EPR that keeps failing: retried, then the note is said unmarked; Retry asks again and marks it', async () => {
    const { runner, state, epr, sleeps, id } = withdrawing();
    epr.script.update = http(503);
    await runner.withdraw(id, REASON, CLINICIAN);
    await runner.settled();
    expect(sleeps).toEqual([500, 1000]);
    expect(state()).toMatchObject({ withdrawal: { marked: { kind: 'not-retired', why: 'unreachable', httpStatus: 503 } } });
    expect(state()).not.toHaveProperty('replaced');
    epr.script.update = undefined;
    await runner.retry(id);
    await runner.settled();
    expect(state()).toMatchObject({ withdrawal: { reason: REASON, marked: { kind: 'retired' } } });
  });

  it('a refusal is settled on the withdrawal, said as refused', async () => {
    const { runner, state, epr, id } = withdrawing();
    epr.script.update = http(405, 'No changes here');
    await runner.withdraw(id, REASON, CLINICIAN);
    await runner.settled();
    expect(state()).toEqual({
      ...verified,
      withdrawal: { reason: REASON, askedAt: '2024-03-31T12:00:00.000Z', by: { name: 'Dr Priya Shah', role: 'clinician' }, marked: { kind: 'not-retired', why: 'refused', httpStatus: 405, serverReason: 'No changes here' } },
    });
  });

  it('a note the EPR says it does not know (404) is not taken as out of the record; one deleted (410) is', async () => {
    const unknown = withdrawing();
    unknown.epr.stored.clear();
    await unknown.runner.withdraw(unknown.id, REASON, CLINICIAN);
    await unknown.runner.settled();
    expect(unknown.state()).toMatchObject({ withdrawal: { marked: { kind: 'not-retired', why: 'not-found', httpStatus: 404 } } });
    const deleted = withdrawing();
    deleted.epr.script.read = http(410);
    await deleted.runner.withdraw(deleted.id, REASON, CLINICIAN);
    await deleted.runner.settled();
    expect(deleted.state()).toMatchObject({ withdrawal: { marked: { kind: 'gone', httpStatus: 410 } } });
    expect(deleted.epr.calls.filter((call) => call.method === 'update')).toEqual([]);
  });

  it.each<[string, OutboxState, string]>([
    ['not verified', { kind: 'failed', reason: 'unreachable', pushes: 1 }, 'Only a note verified in the record can be withdrawn. One still being filed can be retried from the outbox.'],
    ['withdrawn already', { ...verified, withdrawal: { reason: REASON, askedAt: 'x', marked: { kind: 'not-retired', why: 'refused' } } }, 'This note has already been withdrawn. If the EPR did not mark it, press Retry.'],
    ['still marking the note it corrects', { ...verified, replaced: { kind: 'pending' } }, 'This note is being sent to its EPR right now. Wait until it settles, then withdraw it.'],
    [
      'whose corrected note the EPR would not mark',
      { ...verified, replaced: { kind: 'not-retired', why: 'refused', httpStatus: 403 } },
      'The note this correction replaces is still current in the record: the EPR did not mark it entered in error. Press Retry to ask the EPR again (or ask your EPR team to mark it), then withdraw the correction, so that neither note is left in the record unnoticed.',
    ],
  ])('is refused for a note %s, and nothing is saved or sent', async (_name, at, message) => {
    const { runner, put, store, epr, id } = world();
    put(at);
    await expect(runner.withdraw(id, REASON, CLINICIAN)).rejects.toEqual(new WardscribeError('conflict', message));
    expect(store().history).toEqual([]);
    expect(store().checks).toEqual([]);
    expect(epr.calls).toEqual([]);
  });

  it.each<[string, ReplacedState]>([
    ['marked', { kind: 'retired', at: 'x' }],
    ['found gone', { kind: 'gone', httpStatus: 410 }],
  ])('a correction whose old note the record %s can be withdrawn', async (_name, replaced) => {
    const { runner, put, state, id } = withdrawing();
    put({ ...verified, replaced });
    await runner.withdraw(id, REASON, CLINICIAN);
    await runner.settled();
    expect(state()).toMatchObject({ replaced, withdrawal: { marked: { kind: 'retired' } } });
  });

  it('pressed twice at once: one withdrawal; the second is told the note is busy', async () => {
    const { runner, store, id } = withdrawing();
    const results = await Promise.allSettled([runner.withdraw(id, REASON, CLINICIAN), runner.withdraw(id, REASON, CLINICIAN)]);
    await runner.settled();
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new WardscribeError('conflict', 'This note is being sent to its EPR right now. Wait until it settles, then withdraw it.'));
    expect(store().checks).toHaveLength(1);
    // Asked again once settled: withdrawn already.
    await expect(runner.withdraw(id, REASON, CLINICIAN)).rejects.toEqual(new WardscribeError('conflict', 'This note has already been withdrawn. If the EPR did not mark it, press Retry.'));
  });

  it('while the note is being driven it is refused; a withdrawal refused frees the note for the next', async () => {
    const { runner, store, id, put } = withdrawing();
    put({ kind: 'sending', pushes: 0, mode: 'individual' });
    const driven = runner.drive(id);
    await ticks(2);
    put(verified);
    await expect(runner.withdraw(id, REASON, CLINICIAN)).rejects.toEqual(new WardscribeError('conflict', 'This note is being sent to its EPR right now. Wait until it settles, then withdraw it.'));
    await driven;
    await runner.settled();
    expect(store().checks).toEqual([]);
    put(verified);
    await runner.withdraw(id, REASON, CLINICIAN);
    await runner.settled();
    expect(store().checks).toHaveLength(1);
  });

  it('of a note not in the outbox is refused', async () => {
    const { runner } = world();
    await expect(runner.withdraw('urn:uuid:missing', REASON, CLINICIAN)).rejects.toEqual(new WardscribeError('not-found', 'This transcription is not in the outbox.'));
  });
});
