/**
 * H-012: a push whose outcome is unknown must not turn into a second document when the server is
 * slower than the client. Against the EPR behaviour harness:
 * - a write still being committed when the client gives up (no conditional create; and a
 *   conditional create whose check ran on arrival, before the commit);
 * - a workstation killed during such a write, whose next run resumes at once;
 * - a search answered from the server's cache;
 * and on an EPR that creates on PUT, the write to an id derived from the identifier, which needs
 * neither the wait nor the search. Waits here are real (the settle window is measured on the clock),
 * kept short through the profile's `resendSettleMs`.
 */
import { describe, expect, test } from 'vitest';
import { documentIdFor } from '../../../main/epr/filing';
import type { OutboxView } from '../../../main/epr/outbox-view';
import type { RetryPolicy } from '../../../main/epr/retry-policy';
import { type EprHarness, type SeenRequest } from './support/epr-harness';
import { FAST_POLICY, fileOne, type OutboxWorld } from './support/outbox-world';
import { useHarnessAndWorld } from './support/harness-world';

let harness: EprHarness;
let world: OutboxWorld;
useHarnessAndWorld((started, made) => {
  harness = started;
  world = made;
});

/** The client gives up after 1.5 s; the slow server commits after 2.5 s; the settle window is 4 s. */
const POLICY: RetryPolicy = { ...FAST_POLICY, requestTimeoutMs: 1_500 };
const COMMIT_DELAY_MS = 2_500;
const SETTLE_MS = 4_000;
const isDocumentWrite = (request: SeenRequest) => (request.method === 'POST' || request.method === 'PUT') && (request.path === '' || request.path === '/' || request.path.startsWith('/DocumentReference'));
const isSearch = (request: SeenRequest) => request.method === 'GET' && request.path.startsWith('/DocumentReference?');
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Only the first document write is slow. */
function firstWriteSlow(conditionCheckedEarly = false): EprHarness['fault'] {
  let writes = 0;
  return (request) => (isDocumentWrite(request) && writes++ === 0 ? { kind: 'slow-commit', delayMs: COMMIT_DELAY_MS, conditionCheckedEarly } : { kind: 'pass' });
}

describe('a write the server is still committing when the client gives up', () => {
  test.each([
    ['no conditional create (Epic, Oracle Health Millennium)', { noConditionalCreate: true }, false],
    ['conditional create checked on arrival, committed later (HAPI #3141, Microsoft #1382)', {}, true],
  ] as const)('%s: the resend waits out the settle window, finds it, and one document is filed', async (_name, behaviour, conditionCheckedEarly) => {
    harness.behaviour = behaviour;
    harness.fault = firstWriteSlow(conditionCheckedEarly);
    const views: OutboxView[] = [];
    let identifier = '';
    const outbox = world.runner({
      baseUrl: harness.baseUrl,
      policy: POLICY,
      overrides: { resendSettleMs: SETTLE_MS },
      sleep: async (ms) => {
        if (identifier) views.push(world.view(identifier));
        await realSleep(ms);
      },
    });
    const item = world.queue();
    identifier = item.identifier;
    await outbox.drive(identifier);
    await outbox.settled();
    // Whatever the server was still writing has landed by now.
    await realSleep(COMMIT_DELAY_MS);
    expect(world.stored(identifier).kind).toBe('verified');
    expect(harness.documentsCreated(identifier)).toHaveLength(1);
    // One push only: the look after the window found the slow one.
    expect(harness.seen.filter(isDocumentWrite)).toHaveLength(1);
    const waiting = views.find((view) => view.detail.startsWith('Waiting to confirm with the EPR'));
    expect(waiting).toMatchObject({ state: 'sending', nextAttemptAt: expect.any(String) });
    expect(waiting!.detail).toMatch(/looks for the note at \d\d:\d\d:\d\d UTC before sending anything again/);
  }, 30_000);

  test('a workstation killed during the slow write: the next run waits from that push, not from its own start', async () => {
    harness.behaviour = { noConditionalCreate: true };
    harness.fault = firstWriteSlow();
    const policy = { ...POLICY, requestTimeoutMs: 10_000 };
    const item = world.queue();
    const dying = world.runner({ baseUrl: harness.baseUrl, policy, overrides: { resendSettleMs: SETTLE_MS }, sleep: realSleep });
    void dying.drive(item.identifier);
    while (harness.seen.filter(isDocumentWrite).length === 0) await realSleep(20);
    expect(world.stored(item.identifier)).toMatchObject({ kind: 'sending', pushes: 1 });
    // A new process (no drain shared with the dead one) resumes while the server is still writing.
    void dying.stop();
    const restarted = world.runner({ baseUrl: harness.baseUrl, policy, overrides: { resendSettleMs: SETTLE_MS }, sleep: realSleep });
    await restarted.resumeAll();
    await restarted.settled();
    // Whatever the server was still writing has landed by now.
    await realSleep(COMMIT_DELAY_MS);
    expect(world.stored(item.identifier).kind).toBe('verified');
    expect(harness.documentsCreated(item.identifier)).toHaveLength(1);
  }, 30_000);
});

test('a search cache (HAPI answers identical searches from a cache for 60 s): every look asks past it, one document', async () => {
  harness.behaviour = { noConditionalCreate: true, searchCacheMs: 60_000 };
  let writes = 0;
  harness.fault = (request) => {
    if (!isDocumentWrite(request)) return { kind: 'pass' };
    writes++;
    // A gateway's HTML page (nothing applied), then a write applied whose answer is lost.
    if (writes === 1) return { kind: 'respond', status: 503, headers: { 'Content-Type': 'text/html' }, body: '<html><body>503 Service Unavailable</body></html>' };
    if (writes === 2) return { kind: 'drop-after' };
    return { kind: 'pass' };
  };
  const { identifier, state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl, policy: POLICY }));
  expect(state.kind).toBe('verified');
  expect(harness.documentsCreated(identifier)).toHaveLength(1);
  const searches = harness.seen.filter(isSearch);
  expect(searches.length).toBeGreaterThanOrEqual(2);
  for (const search of searches) expect(search.headers['cache-control']).toBe('no-cache');
});

describe('an EPR that creates on PUT (updateCreate)', () => {
  test('the slow first write and its resend are one document at the id derived from the identifier, with no search and no wait', async () => {
    harness.behaviour = { updateCreate: true };
    harness.fault = firstWriteSlow();
    const waits: number[] = [];
    // A settle window of ten minutes: not waited, because a repeated PUT cannot duplicate.
    const outbox = world.runner({ baseUrl: harness.baseUrl, policy: POLICY, overrides: { resendSettleMs: 600_000 }, sleep: async (ms) => void waits.push(ms) });
    const item = world.queue();
    await outbox.drive(item.identifier);
    await outbox.settled();
    await realSleep(COMMIT_DELAY_MS);
    const id = documentIdFor(item.identifier);
    expect(world.stored(item.identifier)).toMatchObject({ kind: 'verified', documentReferenceId: id });
    expect(harness.documentsCreated(item.identifier)).toEqual([id]);
    expect(harness.provenancesCreated(id)).toHaveLength(1);
    expect(harness.seen.filter(isSearch)).toHaveLength(0);
    expect(harness.seen.filter(isDocumentWrite)).toHaveLength(2);
    expect(Math.max(0, ...waits)).toBeLessThan(1_000);
  }, 30_000);

  test('a Retry after unanswered writes does not write over a note the EPR has since marked entered-in-error, and it is not verified', async () => {
    harness.behaviour = { updateCreate: true };
    let answer = false;
    // Every write lands but its answer is lost, and the EPR cannot be read meanwhile: the item gives up.
    harness.fault = (request) => {
      if (answer) return { kind: 'pass' };
      if (isDocumentWrite(request)) return { kind: 'drop-after' };
      return request.method === 'GET' && request.path.startsWith('/DocumentReference/') ? { kind: 'respond', status: 503 } : { kind: 'pass' };
    };
    const outbox = world.runner({ baseUrl: harness.baseUrl, policy: POLICY, overrides: { resendSettleMs: 600_000 } });
    const item = world.queue();
    await outbox.drive(item.identifier);
    await outbox.settled();
    expect(world.stored(item.identifier)).toMatchObject({ kind: 'failed', reason: 'unreachable' });
    // The EPR's records team retracts the note that did land.
    const url = `${harness.upstreamUrl}/DocumentReference/${documentIdFor(item.identifier)}`;
    const landed = (await (await fetch(url)).json()) as { status: string };
    expect(landed.status).toBe('current');
    await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ ...landed, status: 'entered-in-error' }) });
    answer = true;
    await outbox.retry(item.identifier);
    await outbox.settled();
    expect(((await (await fetch(url)).json()) as { status: string }).status).toBe('entered-in-error');
    expect(world.stored(item.identifier)).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch' });
  }, 30_000);

  test('two creates: the document PUT, then its Provenance, each at a derived id', async () => {
    harness.behaviour = { updateCreate: true };
    const { identifier, state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl, policy: POLICY, overrides: { write: 'individual' } }));
    const id = documentIdFor(identifier);
    expect(state).toMatchObject({ kind: 'verified', documentReferenceId: id, provenance: { kind: 'filed' } });
    expect(harness.seen.filter((request) => request.method === 'PUT').map((request) => request.path.replace(/\/ws-[0-9a-f]+$/, '/…'))).toEqual(['/DocumentReference/…', '/Provenance/…']);
    expect(harness.documentsCreated(identifier)).toEqual([id]);
  });
});

describe('a push the EPR answered with a refusal: it may have been applied, and the EPR\u2019s search may lag behind it, so its resend waits the settle window too', () => {
  const refusal = { kind: 'respond', status: 422, headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'business-rule', diagnostics: 'Author not recognised' }] }) } as const;
  /** A ten-minute window: a Retry that waited for it would never finish within these tests. */
  /** A runner with a short settle window (300 ms), slept for real: each wait it made is recorded. */
  const SETTLE_MS = 300;
  const settlingRunner = () => {
    const waits: number[] = [];
    const outbox = world.runner({
      baseUrl: harness.baseUrl,
      policy: POLICY,
      overrides: { resendSettleMs: SETTLE_MS },
      sleep: async (ms) => {
        waits.push(ms);
        await realSleep(Math.min(ms, 1_000));
      },
    });
    return { outbox, waits };
  };
  /** The settle window was waited before the resend looked (a wait of most of it). */
  const waitedToSettle = (waits: readonly number[]) => waits.some((ms) => ms >= SETTLE_MS / 2 && ms <= SETTLE_MS);
  const searchedBeforeWriting = (requests: readonly SeenRequest[]) => {
    const firstSearch = requests.findIndex(isSearch);
    return firstSearch >= 0 && firstSearch < requests.findIndex(isDocumentWrite);
  };

  test('Retry after a 422 searches once the settle window has passed, and files one document', async () => {
    harness.behaviour = { noConditionalCreate: true };
    let refuse = true;
    harness.fault = (request) => (isDocumentWrite(request) && refuse ? refusal : { kind: 'pass' });
    const { outbox, waits } = settlingRunner();
    const item = world.queue();
    await outbox.drive(item.identifier);
    await outbox.settled();
    expect(world.stored(item.identifier)).toMatchObject({ kind: 'failed', reason: 'rejected-by-epr', httpStatus: 422, pushes: 1 });
    refuse = false;
    const before = harness.seen.length;
    await outbox.retry(item.identifier);
    await outbox.settled();
    expect(world.stored(item.identifier).kind).toBe('verified');
    expect(waitedToSettle(waits)).toBe(true);
    expect(searchedBeforeWriting(harness.seen.slice(before))).toBe(true);
    expect(harness.documentsCreated(item.identifier)).toHaveLength(1);
  }, 30_000);

  test.each([409, 413, 422])('a create the server applied and then refused with %i: the Retry finds it, one document', async (status) => {
    harness.behaviour = { noConditionalCreate: true };
    let refuse = true;
    harness.fault = (request) => (isDocumentWrite(request) && refuse ? { kind: 'apply-then-respond', status } : { kind: 'pass' });
    const { outbox } = settlingRunner();
    const item = world.queue();
    await outbox.drive(item.identifier);
    await outbox.settled();
    expect(world.stored(item.identifier)).toMatchObject({ kind: 'failed', pushes: 1 });
    refuse = false;
    await outbox.retry(item.identifier);
    await outbox.settled();
    expect(world.stored(item.identifier).kind).toBe('verified');
    expect(harness.documentsCreated(item.identifier)).toHaveLength(1);
  }, 30_000);

  test.each([400, 403])('a transaction the server ran and then refused with %i (an authorisation check on the response, hapi-fhir#4612): one document', async (status) => {
    harness.behaviour = { noConditionalCreate: true };
    let answered = 0;
    harness.fault = (request) => (isDocumentWrite(request) && answered++ === 0 ? { kind: 'apply-then-respond', status } : { kind: 'pass' });
    const { outbox, waits } = settlingRunner();
    const { identifier, state } = await fileOne(world, outbox);
    expect(state.kind).toBe('verified');
    expect(waitedToSettle(waits)).toBe(true);
    expect(harness.documentsCreated(identifier)).toHaveLength(1);
  }, 30_000);

  // 401: a gateway checking the token after the service ran; the write is not sent again at once with a fresh token.
  test.each([408, 429, 401])('a create applied and then answered %i is retried by itself: it searches after the settle window and finds it, one document', async (status) => {
    harness.behaviour = { noConditionalCreate: true };
    let answered = 0;
    harness.fault = (request) => (isDocumentWrite(request) && answered++ === 0 ? { kind: 'apply-then-respond', status, headers: { 'Retry-After': '0' } } : { kind: 'pass' });
    const { outbox, waits } = settlingRunner();
    const { identifier, state } = await fileOne(world, outbox);
    expect(state.kind).toBe('verified');
    expect(waitedToSettle(waits)).toBe(true);
    expect(harness.seen.filter(isDocumentWrite)).toHaveLength(1);
    expect(harness.documentsCreated(identifier)).toHaveLength(1);
  }, 30_000);

  test('a write refused 401 every time: not authorised in the end, each resend searched for first, nothing filed twice', async () => {
    harness.behaviour = { noConditionalCreate: true };
    harness.fault = (request) => (isDocumentWrite(request) ? { kind: 'respond', status: 401 } : { kind: 'pass' });
    const { outbox } = settlingRunner();
    const { identifier, state } = await fileOne(world, outbox);
    expect(state).toMatchObject({ kind: 'failed', reason: 'not-authorised', httpStatus: 401 });
    expect(harness.documentsCreated(identifier)).toHaveLength(0);
    expect(world.view(identifier).detail).toMatch(/credentials|not authorised|sign/i);
  }, 30_000);

  test('an earlier push with no answer, then a refusal: the Retry searches first and files once', async () => {
    harness.behaviour = { noConditionalCreate: true };
    let writes = 0;
    let refuse = true;
    // The first write gets no answer (the connection drops), the resend after the window is refused.
    harness.fault = (request) => {
      if (!isDocumentWrite(request)) return { kind: 'pass' };
      writes++;
      if (writes === 1) return { kind: 'drop-before' };
      return refuse ? refusal : { kind: 'pass' };
    };
    const outbox = world.runner({ baseUrl: harness.baseUrl, policy: POLICY, overrides: { resendSettleMs: 1_000 }, sleep: realSleep });
    const item = world.queue();
    await outbox.drive(item.identifier);
    await outbox.settled();
    expect(world.stored(item.identifier)).toMatchObject({ kind: 'failed', reason: 'rejected-by-epr', pushes: 2 });
    refuse = false;
    const before = harness.seen.length;
    await outbox.retry(item.identifier);
    await outbox.settled();
    expect(world.stored(item.identifier).kind).toBe('verified');
    expect(searchedBeforeWriting(harness.seen.slice(before))).toBe(true);
    expect(harness.documentsCreated(item.identifier)).toHaveLength(1);
  }, 30_000);

  test('a 500 on the push is not an answer that it is finished: the resend still waits the window and looks first', async () => {
    harness.behaviour = { noConditionalCreate: true };
    let writes = 0;
    harness.fault = (request) => (isDocumentWrite(request) && writes++ === 0 ? { kind: 'respond', status: 500 } : { kind: 'pass' });
    const waits: number[] = [];
    const outbox = world.runner({ baseUrl: harness.baseUrl, policy: POLICY, overrides: { resendSettleMs: 1_000 }, sleep: async (ms) => {
      waits.push(ms);
      await realSleep(ms);
    } });
    const { identifier, state } = await fileOne(world, outbox);
    expect(state.kind).toBe('verified');
    expect(waits.some((ms) => ms >= 500)).toBe(true);
    expect(harness.seen.filter(isSearch).length).toBeGreaterThanOrEqual(1);
    expect(harness.documentsCreated(identifier)).toHaveLength(1);
  }, 30_000);
});
