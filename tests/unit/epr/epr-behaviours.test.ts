/**
 * Filing against EPRs that behave the way production servers do (issue #13), through the one
 * outbox runner over the vault's audited store. For every behaviour, and for a clinician's Retry
 * after every failure mode: exactly one DocumentReference per identifier, at most one
 * Provenance, and the item ends verified or in a clear, actionable state.
 */
import { describe, expect, test } from 'vitest';
import type { DocumentReference } from '@medplum/fhirtypes';
import type { OutboxState } from '../../../main/epr/outbox';
import type { OutboxRunner } from '../../../main/epr/outbox-runner';
import type { RetryPolicy } from '../../../main/epr/retry-policy';
import type { EprAuth } from '../../../main/epr/smart-auth';
import { decideWipe } from '../../../shared/domain/wipe';
import { type Behaviour, type EprHarness, type Fault, type SeenRequest } from './support/epr-harness';
import { FAST_POLICY, fileOne as fileIn, type OutboxWorld } from './support/outbox-world';
import { useHarnessAndWorld } from './support/harness-world';

const POLICY = FAST_POLICY;

let harness: EprHarness;
let world: OutboxWorld;
useHarnessAndWorld((started, made) => {
  harness = started;
  world = made;
});

function runner(options: { policy?: RetryPolicy; auth?: EprAuth; sleep?: (ms: number) => Promise<void> } = {}): OutboxRunner {
  return world.runner({ baseUrl: harness.baseUrl, ...options });
}

/** A runner whose EPR carries the administrator's profile override a behaviour needs. */
function profiled(behaviour: Behaviour): OutboxRunner | undefined {
  if (!behaviour.dropsIdentifier) return undefined;
  return world.runner({ baseUrl: harness.baseUrl, overrides: { identifier: behaviour.dropsIdentifier === 'both' ? 'dropped' : 'master-only' } });
}

const queue = () => world.queue();
const stored = (identifier: string) => world.stored(identifier);

async function fileOne(outbox = runner()): Promise<{ identifier: string; state: OutboxState; outbox: OutboxRunner }> {
  return { ...(await fileIn(world, outbox)), outbox };
}

/** The invariant: one DocumentReference for the identifier, at most one Provenance for it. */
function expectFiledOnce(identifier: string): string {
  const documents = harness.documentsCreated(identifier);
  expect(documents).toHaveLength(1);
  expect(harness.provenancesCreated(documents[0]!).length).toBeLessThanOrEqual(1);
  return documents[0]!;
}

const isPost = (request: SeenRequest) => request.method === 'POST';
const isDocumentPost = (request: SeenRequest) => isPost(request) && (request.path === '' || request.path === '/' || request.path === '/DocumentReference');

describe('each production behaviour, on its own: filed once and verified', () => {
  test.each<[string, Behaviour, { provenance: 'filed' | 'kept-locally' }]>([
    ['201 with only a Location header (Prefer: return=minimal)', { minimalCreate: true }, { provenance: 'filed' }],
    ['201 whose body is an OperationOutcome with its own id', { outcomeBody: true, refusesTransactions: true }, { provenance: 'filed' }],
    ['read-only Provenance', { provenanceReadOnly: true }, { provenance: 'kept-locally' }],
    ['transactions refused although the CapabilityStatement lists them', { refusesTransactions: true, minimalCreate: true }, { provenance: 'filed' }],
    ['no CapabilityStatement', { noCapabilityStatement: true }, { provenance: 'filed' }],
    ['content moved to Binary', { contentInBinary: true }, { provenance: 'filed' }],
    ['identifier dropped, masterIdentifier kept', { dropsIdentifier: 'identifier' }, { provenance: 'filed' }],
    ['fhirVersion=4.0 required in the media type', { requiresFhirVersion: true }, { provenance: 'filed' }],
    ['subject stored as a literal Patient reference', { literalSubject: true }, { provenance: 'filed' }],
    ['X-Request-ID required on every request', { requiresRequestId: true }, { provenance: 'filed' }],
  ])('%s', async (_name, behaviour, expected) => {
    harness.behaviour = behaviour;
    // A server that drops identifier needs the administrator's override (it keeps only masterIdentifier).
    const { identifier, state } = await fileOne(profiled(behaviour) ?? runner());
    expect(state).toMatchObject({ kind: 'verified', provenance: { kind: expected.provenance } });
    const id = expectFiledOnce(identifier);
    expect(state.kind === 'verified' && state.documentReferenceId).toBe(id);
    if (expected.provenance === 'kept-locally') {
      const entries = [...world.session.audit().store.entries({ filter: { actions: ['provenance-kept-locally'] } })];
      expect(entries.at(-1)).toMatchObject({ objects: { transcriptionId: identifier, documentId: id }, outcome: { reason: 'provenance-not-supported' } });
    }
    // Every request carried a request id and the item's correlation id.
    expect(harness.seen.every((request) => typeof request.headers['x-request-id'] === 'string' && typeof request.headers['x-correlation-id'] === 'string')).toBe(true);
  });

  test.each<[string, Behaviour]>([
    ['201 with only a Location header', { minimalCreate: true }],
    ['201 with an OperationOutcome body', { outcomeBody: true }],
  ])('%s to a plain create: the id and version come from Location, with no search needed', async (_name, behaviour) => {
    harness.behaviour = behaviour;
    const { identifier, state } = await fileIn(world, world.runner({ baseUrl: harness.baseUrl, overrides: { write: 'individual' } }));
    expect(state).toMatchObject({ kind: 'verified', provenance: { kind: 'filed' } });
    expectFiledOnce(identifier);
    expect(harness.seen.filter((request) => request.method === 'GET' && request.path.startsWith('/DocumentReference?'))).toHaveLength(0);
    expect(harness.seen.filter(isPost).map((request) => request.path)).toEqual(['/DocumentReference', '/Provenance']);
  });

  test('a refused transaction falls back to two creates without searching (it was not applied)', async () => {
    harness.behaviour = { refusesTransactions: true };
    const { identifier, state } = await fileOne();
    expect(state.kind).toBe('verified');
    expectFiledOnce(identifier);
    expect(harness.seen.filter(isPost).map((request) => request.path)).toEqual(['', '/DocumentReference', '/Provenance']);
    expect(harness.seen.some((request) => request.path.startsWith('/DocumentReference?'))).toBe(false);
  });

  test('a transaction endpoint that must be exactly [base] (the profile says so)', async () => {
    harness.behaviour = { transactionAtBaseOnly: true };
    const { identifier, state } = await fileOne();
    expect(state.kind).toBe('verified');
    expectFiledOnce(identifier);
    expect(harness.seen.filter(isPost).map((request) => request.path)).toEqual(['']);
  });
});

describe('an EPR that does not take Provenance: kept locally, said so, the document still filed and verified', () => {
  const provenancePosts = () => harness.seen.filter((request) => isPost(request) && request.path === '/Provenance');
  const keptLocally = (identifier: string) => [...world.session.audit().store.entries({ filter: { actions: ['provenance-kept-locally'] } })].filter((entry) => entry.objects.transcriptionId === identifier);

  test.each<[string, Behaviour, string[]]>([
    // The transaction (it holds a Provenance) is refused whole with 501, then two creates; the
    // Provenance's 501 is an answer, not an outage: asked once, never retried.
    ['Provenance create answers 501 Not Implemented', { provenanceNotImplemented: true }, ['', '/DocumentReference', '/Provenance']],
    ['Provenance create answers 405 (read-only)', { provenanceReadOnly: true }, ['', '/DocumentReference', '/Provenance']],
    // Known from the statement: no transaction, no Provenance request at all.
    ['the CapabilityStatement lists Provenance without create', { statementWithoutProvenanceCreate: true }, ['/DocumentReference']],
  ])('%s', async (_name, behaviour, posts) => {
    harness.behaviour = behaviour;
    const outbox = runner();
    const { identifier, state } = await fileOne(outbox);
    expect(state).toMatchObject({ kind: 'verified', provenance: { kind: 'kept-locally', why: 'not-supported' } });
    const id = expectFiledOnce(identifier);
    expect(harness.provenancesCreated(id)).toEqual([]);
    expect(harness.seen.filter(isPost).map((request) => request.path)).toEqual(posts);
    // Kept in the vault's state and recorded once in the audit trail, against the filed document.
    expect(state.kind === 'verified' && state.provenance.kind === 'kept-locally' && state.provenance.resource).toMatchObject({ resourceType: 'Provenance', target: [{ reference: `DocumentReference/${id}` }] });
    expect(keptLocally(identifier)).toEqual([expect.objectContaining({ objects: expect.objectContaining({ documentId: id }), outcome: { status: 'success', reason: 'provenance-not-supported' } })]);
    expect(world.view(identifier)).toMatchObject({ state: 'verified', canRetry: false, detail: expect.stringMatching(/does not keep Provenance/) });
    // What was learnt holds for the rest of the run: the next note sends no Provenance.
    const before = provenancePosts().length;
    const next = await fileIn(world, outbox);
    expect(next.state).toMatchObject({ kind: 'verified', provenance: { kind: 'kept-locally', why: 'not-supported' } });
    expect(provenancePosts()).toHaveLength(before);
  });
});

describe('resends always search first, and the search is checked', () => {
  test('a lost answer after the EPR committed: the retry finds it (201-with-Location server) and sends nothing again', async () => {
    harness.behaviour = { minimalCreate: true };
    let dropped = false;
    harness.fault = (request) => (isDocumentPost(request) && !dropped ? ((dropped = true), { kind: 'drop-after' }) : { kind: 'pass' });
    const { identifier, state } = await fileOne();
    expect(state.kind).toBe('verified');
    expectFiledOnce(identifier);
    expect(harness.seen.filter(isDocumentPost)).toHaveLength(1);
  });

  test('a server that ignores the identifier parameter stops the item, naming no other document', async () => {
    // Someone else's document (another patient) is on the server.
    await fileOne();
    harness.behaviour = { ignoresIdentifierSearch: true };
    let dropped = false;
    harness.fault = (request) => (isDocumentPost(request) && !dropped ? ((dropped = true), { kind: 'drop-after' }) : { kind: 'pass' });
    const { identifier, state, outbox } = await fileOne();
    expect(state).toEqual({ kind: 'needs-attention', reason: 'identifier-search-unsupported', documentReferenceIds: [], pushes: 1 });
    expect(harness.documentsCreated(identifier)).toHaveLength(1);
    const view = world.view(identifier);
    expect(view.detail).toMatch(/cannot be searched by identifier/);
    expect(view.documentReferenceId).toBeNull();
    // Retry is safe: it searches again and still sends nothing.
    await outbox.retry(identifier);
    await outbox.settled();
    expect(stored(identifier)).toMatchObject({ kind: 'needs-attention', reason: 'identifier-search-unsupported' });
    expect(harness.documentsCreated(identifier)).toHaveLength(1);
  });

  test('a server that drops every identifier: a lost answer cannot be resolved by search, so nothing is sent again', async () => {
    harness.behaviour = { dropsIdentifier: 'both' };
    let dropped = false;
    harness.fault = (request) => (isDocumentPost(request) && !dropped ? ((dropped = true), { kind: 'drop-after' }) : { kind: 'pass' });
    const item = queue();
    const outbox = profiled(harness.behaviour)!;
    await outbox.drive(item.identifier);
    await outbox.settled();
    expect(stored(item.identifier)).toMatchObject({ kind: 'needs-attention', reason: 'identifier-search-unsupported' });
    expect(harness.documentsCreated(item.identifier)).toHaveLength(1);
  });

  test('a server that drops every identifier, before anyone has said so, with the first answer lost: an empty search proves nothing, so nothing is sent again', async () => {
    // No administrator's override: the workstation is new to this EPR and assumes it keeps identifiers.
    world.newEpr();
    harness.behaviour = { dropsIdentifier: 'both' };
    let dropped = false;
    harness.fault = (request) => (isDocumentPost(request) && !dropped ? ((dropped = true), { kind: 'drop-after' }) : { kind: 'pass' });
    const { identifier, state, outbox } = await fileOne();
    expect(state).toEqual({ kind: 'needs-attention', reason: 'identifier-unproven', documentReferenceIds: [], pushes: 1 });
    expect(harness.documentsCreated(identifier)).toHaveLength(1);
    expect(world.view(identifier)).toMatchObject({ state: 'needs-attention', canRetry: true, documentReferenceId: null, detail: expect.stringMatching(/has not yet seen this EPR find a note by its identifier/) });
    // Retry looks again, finds nothing again, and still sends nothing.
    await outbox.retry(identifier);
    await outbox.settled();
    expect(stored(identifier)).toMatchObject({ kind: 'needs-attention', reason: 'identifier-unproven' });
    expect(harness.documentsCreated(identifier)).toHaveLength(1);
    expect(world.identifierFoundAt()).toBeNull();
  });

  test('a new EPR that keeps identifiers is proven by the first verified note: from then on (in later sessions too) a lost answer is resolved by search', async () => {
    world.newEpr();
    const { state } = await fileOne();
    expect(state.kind).toBe('verified');
    expect(world.identifierFoundAt()).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    // A new runner (a later session): a push that never reached the EPR is searched for and sent once.
    let hung = false;
    harness.fault = (request) => (isDocumentPost(request) && !hung ? ((hung = true), { kind: 'drop-before' }) : { kind: 'pass' });
    const later = await fileOne(runner());
    expect(later.state.kind).toBe('verified');
    expectFiledOnce(later.identifier);
  });

  test('without a lost answer, a server that drops every identifier is verified by the server id kept from the create', async () => {
    harness.behaviour = { dropsIdentifier: 'both' };
    const item = queue();
    const outbox = profiled(harness.behaviour)!;
    await outbox.drive(item.identifier);
    await outbox.settled();
    expect(stored(item.identifier).kind).toBe('verified');
    expectFiledOnce(item.identifier);
  });
});

describe('Retry after a failed read-back reads by the server id, never searching or sending', () => {
  test('even on an EPR that keeps no identifier (so a search could not find it)', async () => {
    harness.behaviour = { dropsIdentifier: 'both' };
    harness.fault = (request) => (request.method === 'GET' && /^\/DocumentReference\/[^?]+$/.test(request.path) ? { kind: 'respond', status: 404 } : { kind: 'pass' });
    const outbox = profiled(harness.behaviour)!;
    const item = queue();
    await outbox.drive(item.identifier);
    await outbox.settled();
    expect(stored(item.identifier)).toMatchObject({ kind: 'failed', reason: 'read-back-missing' });
    harness.fault = () => ({ kind: 'pass' });
    const before = harness.seen.length;
    await outbox.retry(item.identifier);
    await outbox.settled();
    expect(stored(item.identifier).kind).toBe('verified');
    expect(harness.seen.slice(before).filter((request) => request.method === 'POST' || request.path.includes('?'))).toEqual([]);
    expectFiledOnce(item.identifier);
  });
});

describe('read-back is verified only when every checked field matches', () => {
  const rewrite = (change: (document: DocumentReference) => void) => (document: DocumentReference) => {
    change(document);
    return document;
  };
  test.each<[string, (document: DocumentReference) => DocumentReference, string[]]>([
    ['another patient', rewrite((document) => (document.subject = { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000009' } })), ['subject']],
    ['entered-in-error', rewrite((document) => (document.status = 'entered-in-error')), ['status']],
    ['a changed type', rewrite((document) => (document.type = { coding: [{ system: 'http://snomed.info/sct', code: '734163000', display: 'Care plan' }] })), ['type']],
    ['a preliminary docStatus', rewrite((document) => (document.docStatus = 'preliminary')), ['docStatus']],
    ['changed text', rewrite((document) => (document.content[0]!.attachment.data = Buffer.from('something else').toString('base64'))), ['content']],
    ['another identifier', rewrite((document) => (document.identifier = [{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:00000000-0000-4000-8000-000000000000' }])), ['identifier']],
  ])('%s is a mismatch naming the field, never verified, and the wipe gate refuses', async (_name, readBack, fields) => {
    harness.behaviour = { readBack };
    const { identifier, state, outbox } = await fileOne();
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: fields });
    expectFiledOnce(identifier);
    const gate = decideWipe([{ draftId: 'd', identifier, state: 'failed', nhsNumber: '9434765919', documentReferenceId: 'x', readBackMismatch: true }], 0);
    expect(gate.kind).toBe('refused');
    // Retry reads back again (still wrong): never verified, never a second document.
    await outbox.retry(identifier);
    await outbox.settled();
    expect(stored(identifier)).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch' });
    expectFiledOnce(identifier);
  });
});

describe('an EPR that answers a create with another note (a conditional create matching the wrong document)', () => {
  test('is never verified, and the outbox says this note may not be in the record at all, not that the record was changed', async () => {
    const other = 'urn:uuid:00000000-0000-4000-8000-000000000000';
    harness.behaviour = { readBack: (document) => ({ ...document, identifier: [{ system: 'urn:ietf:rfc:3986', value: other }], masterIdentifier: { system: 'urn:ietf:rfc:3986', value: other } }) };
    const { identifier, state } = await fileOne();
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['identifier'] });
    const { detail } = world.view(identifier);
    expect(detail).toMatch(/belongs to another Wardscribe note, not this one \(document [^)]+\), so this note may not be in the record at all/);
    expect(detail).toMatch(/never sends this note a second time/);
    expect(detail).not.toMatch(/differs from what was filed/);
  });
});

describe("a clinician's Retry after every failure mode: exactly once, and verified", () => {
  const always = (match: (request: SeenRequest) => boolean, fault: Fault) => (request: SeenRequest): Fault => (match(request) ? fault : { kind: 'pass' });
  const isRead = (request: SeenRequest) => request.method === 'GET' && /^\/DocumentReference\/[^?]+$/.test(request.path);
  const isSearch = (request: SeenRequest) => request.method === 'GET' && request.path.startsWith('/DocumentReference?');
  const isProvenancePost = (request: SeenRequest) => isPost(request) && request.path === '/Provenance';

  test.each<[string, Behaviour, (request: SeenRequest, index: number) => Fault, OutboxState['kind']]>([
    ['the push times out every time', {}, always(isDocumentPost, { kind: 'hang' }), 'failed'],
    ['the push answers 503 every time', {}, always(isDocumentPost, { kind: 'respond', status: 503 }), 'failed'],
    // The first resend searches and finds it: verified with no Retry needed, and nothing sent twice.
    ['the answer is lost after the EPR committed, every time', {}, always(isDocumentPost, { kind: 'drop-after' }), 'verified'],
    ['the push is refused (422)', {}, always(isDocumentPost, { kind: 'respond', status: 422, body: JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { text: 'Custodian not known' } }] }) }), 'failed'],
    ['credentials refused (401)', {}, always(isDocumentPost, { kind: 'respond', status: 401 }), 'failed'],
    ['the search before a resend fails', {}, (request, index) => (isDocumentPost(request) && index < 3 ? { kind: 'drop-after' } : isSearch(request) ? { kind: 'respond', status: 503 } : { kind: 'pass' }), 'failed'],
    ['the read-back answers 503', {}, always(isRead, { kind: 'respond', status: 503 }), 'failed'],
    ['the read-back answers 404', {}, always(isRead, { kind: 'respond', status: 404 }), 'failed'],
    ['the Provenance answer is lost (two creates): found by target, not sent again', { refusesTransactions: true }, always(isProvenancePost, { kind: 'drop-after' }), 'verified'],
    // Sent once: its answer not seen and not found, it is kept locally (never sent twice); the note is verified.
    ['the Provenance create answers 503 (two creates)', { refusesTransactions: true }, always(isProvenancePost, { kind: 'respond', status: 503 }), 'verified'],
    ['the capability statement answers 503', {}, always((request) => request.path === '/metadata', { kind: 'respond', status: 503 }), 'failed'],
  ])('%s, then Retry (and a Retry storm)', async (_name, behaviour, fault, stopsAs) => {
    harness.behaviour = behaviour;
    harness.fault = fault;
    const outbox = runner();
    const { identifier, state } = await fileOne(outbox);
    expect(state.kind).toBe(stopsAs);
    const view = world.view(identifier);
    expect(view.canRetry).toBe(stopsAs !== 'verified');
    expect(view.detail.length).toBeGreaterThan(20);
    harness.fault = () => ({ kind: 'pass' });
    if (stopsAs !== 'verified') await Promise.all(Array.from({ length: 8 }, () => outbox.retry(identifier).catch(() => undefined)));
    await outbox.settled();
    expect(stored(identifier).kind).toBe('verified');
    expectFiledOnce(identifier);
  });

  test('the refusal keeps the server\u2019s reason for the clinician', async () => {
    harness.fault = (request) =>
      isDocumentPost(request) ? { kind: 'respond', status: 422, body: JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { text: 'Custodian not known' } }] }) } : { kind: 'pass' };
    const { identifier, state } = await fileOne();
    expect(state).toMatchObject({ kind: 'failed', reason: 'rejected-by-epr', httpStatus: 422, serverReason: 'Custodian not known' });
    expect(world.view(identifier).detail).toContain('Custodian not known');
  });

  test('transient failures back off with jitter and the next attempt time is shown while waiting', async () => {
    const waits: number[] = [];
    const shown: OutboxState[] = [];
    const item = queue();
    harness.fault = (request) => (isDocumentPost(request) ? { kind: 'respond', status: 503, headers: { 'Retry-After': '0' } } : { kind: 'pass' });
    const outbox = runner({
      policy: { ...POLICY, baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 3 },
      sleep: async (ms) => {
        waits.push(ms);
        shown.push(stored(item.identifier));
      },
    });
    await outbox.drive(item.identifier);
    await outbox.settled();
    expect(waits).toEqual([50, 100]);
    expect(shown.map((state) => state.kind === 'sending' && state.retry?.attempt)).toEqual([1, 2]);
    expect(shown[1]).toMatchObject({ kind: 'sending', retry: { problem: expect.stringContaining('HTTP 503'), nextAttemptAt: expect.any(Number) } });
    expect(world.view(item.identifier).detail).toMatch(/could not be reached after several attempts/);
    expect(stored(item.identifier)).toMatchObject({ kind: 'failed', reason: 'unreachable', httpStatus: 503 });
  });
});

describe('a Retry storm: one look (two uncached searches) and one POST per item, and the backoff stands', () => {
  const isSearch = (request: SeenRequest) => request.method === 'GET' && request.path.startsWith('/DocumentReference?');
  const ofItem = (identifier: string) => (request: SeenRequest) => request.headers['x-correlation-id'] === identifier.slice('urn:uuid:'.length);
  // Counting requests exactly: a request must not time out on a loaded machine and be retried for it.
  // And a longest wait that lets a Retry-After of two minutes stand (waits are capped at maxDelayMs).
  const unhurried = { ...POLICY, requestTimeoutMs: 30_000, maxDelayMs: 120_000 };

  /** An item whose pushes all answered 503 until the runner gave up: any of them may have landed, so a resend searches first. */
  async function givenUp(outbox: OutboxRunner): Promise<string> {
    harness.fault = (request) => (isDocumentPost(request) ? { kind: 'respond', status: 503 } : { kind: 'pass' });
    const { identifier, state } = await fileIn(world, outbox);
    expect(state).toMatchObject({ kind: 'failed', reason: 'unreachable', pushes: POLICY.maxAttempts });
    harness.fault = () => ({ kind: 'pass' });
    return identifier;
  }

  test('Retry pressed eight times at once, for each of four items: each item looked for once (two searches) and sent once', async () => {
    const outbox = runner({ policy: unhurried });
    const identifiers: string[] = [];
    for (let index = 0; index < 4; index++) identifiers.push(await givenUp(outbox));
    const from = harness.seen.length;
    await Promise.all(identifiers.flatMap((identifier) => Array.from({ length: 8 }, () => outbox.retry(identifier))));
    await outbox.settled();
    const since = harness.seen.slice(from);
    for (const identifier of identifiers) {
      expect(since.filter(ofItem(identifier)).filter(isSearch)).toHaveLength(2);
      expect(since.filter(ofItem(identifier)).filter(isDocumentPost)).toHaveLength(1);
      expect(stored(identifier).kind).toBe('verified');
      expectFiledOnce(identifier);
    }
  });

  test('Retry pressed again and again while the item waits out the EPR\u2019s Retry-After: nothing is sent until the wait is over', async () => {
    const waits: number[] = [];
    let endWait!: () => void;
    const outbox = runner({
      policy: unhurried,
      sleep: (ms) => {
        waits.push(ms);
        return new Promise<void>((resolve) => (endWait = resolve));
      },
    });
    // Gives up quickly first (waits that end at once), then the storm meets a 429.
    const quick = runner({ policy: unhurried });
    const identifier = await givenUp(quick);
    let slowedDown = false;
    harness.fault = (request) => (isSearch(request) && !slowedDown ? ((slowedDown = true), { kind: 'respond', status: 429, headers: { 'Retry-After': '120' } }) : { kind: 'pass' });
    const from = harness.seen.length;
    await outbox.retry(identifier);
    while (waits.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(waits).toEqual([120_000]);
    const shown = stored(identifier);
    expect(shown).toMatchObject({ kind: 'sending', retry: { attempt: 1, problem: expect.stringContaining('HTTP 429') } });
    expect(shown.kind === 'sending' && shown.retry!.nextAttemptAt - Date.now()).toBeGreaterThan(110_000);
    expect(world.view(identifier)).toMatchObject({ canRetry: false, nextAttemptAt: expect.any(String) });
    for (let press = 0; press < 6; press++) await outbox.retry(identifier);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(harness.seen.slice(from).map((request) => request.method + ' ' + request.path.replace(/\?.*$/, '?'))).toEqual(['GET /metadata', 'GET /DocumentReference?']);
    expect(waits).toHaveLength(1);
    endWait();
    await outbox.settled();
    expect(stored(identifier).kind).toBe('verified');
    // The refused search, then the two of the look itself.
    expect(harness.seen.slice(from).filter(isSearch)).toHaveLength(3);
    expect(harness.seen.slice(from).filter(isDocumentPost)).toHaveLength(1);
    expectFiledOnce(identifier);
  });
});

describe('auth', () => {
  test('a token endpoint that answers 503 once is retried, not terminal; a 30 s token is cached, not fetched per request', async () => {
    harness.behaviour = { requiresToken: true };
    harness.token = { failFirst: 1, expiresIn: 30 };
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const outbox = runner({ auth: { kind: 'smart-backend', tokenUrl: harness.tokenUrl, clientId: 'ws', keyId: 'k1', algorithm: 'RS512', scope: 'system/DocumentReference.c', privateKey } });
    const { identifier, state } = await fileOne(outbox);
    expect(state.kind).toBe('verified');
    expectFiledOnce(identifier);
    // One failure, one token for every request of the filing.
    expect(harness.tokenRequests).toBe(2);
    expect(harness.seen.length).toBeGreaterThan(2);
  });
});

describe('nothing waits silently', () => {
  test('an EPR connection that cannot be opened is retried with a note, then fails saying so', async () => {
    const shown: OutboxState[] = [];
    const item = queue();
    const outbox = world.runner({
      baseUrl: harness.baseUrl,
      eprs: { current: () => ({ eprId: 'training', label: 'Training EPR' }), connect: () => Promise.reject(new Error('listen EADDRINUSE')) },
      sleep: async () => void shown.push(stored(item.identifier)),
    });
    await outbox.drive(item.identifier);
    await outbox.settled();
    expect(shown[0]).toMatchObject({ kind: 'queued', retry: { attempt: 1, problem: 'the connection to the EPR could not be opened' } });
    expect(stored(item.identifier)).toMatchObject({ kind: 'failed', reason: 'unreachable' });
    expect(world.view(item.identifier)).toMatchObject({ canRetry: true, detail: expect.stringMatching(/could not be opened/) });
  });
});
