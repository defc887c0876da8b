/**
 * The filing steps through the one outbox runner, against the training EPR (a real FHIR server)
 * behind the harness proxy: the paths a well-behaved server takes, faults on the wire, and
 * restarts. Production behaviours are in epr-behaviours.test.ts.
 */
import { describe, expect, test } from 'vitest';
import type { Bundle, DocumentReference } from '@medplum/fhirtypes';
import { identifierQuery, toDocumentReference, transcriptAttachment } from '../../../main/epr/mapping';
import { type EprHarness, type Fault, type SeenRequest } from './support/epr-harness';
import { FAST_POLICY, fileOne, outboxWorld, type OutboxWorld } from './support/outbox-world';
import { sampleTranscription } from './support/transcriptions';
import { useHarnessAndWorld } from './support/harness-world';

let harness: EprHarness;
let world: OutboxWorld;
useHarnessAndWorld((started, made) => {
  harness = started;
  world = made;
});

const isPost = (request: SeenRequest) => request.method === 'POST';
const isSearch = (request: SeenRequest) => request.method === 'GET' && request.path.startsWith('/DocumentReference?');

function onFirstPush(fault: Fault) {
  let pushed = false;
  return (request: SeenRequest): Fault => (!pushed && isPost(request) ? ((pushed = true), fault) : { kind: 'pass' });
}

/** What the server itself holds for an identifier (asked directly, not through the proxy). */
async function documentsOnServer(identifier: string): Promise<DocumentReference[]> {
  const response = await fetch(`${harness.upstreamUrl}/DocumentReference?${identifierQuery(identifier)}`);
  return (((await response.json()) as Bundle<DocumentReference>).entry ?? []).map((entry) => entry.resource!);
}

async function expectFiledOnce(identifier: string, documentReferenceId: string) {
  const documents = await documentsOnServer(identifier);
  expect(documents.map((document) => document.id)).toEqual([documentReferenceId]);
  expect(harness.provenancesCreated(documentReferenceId)).toHaveLength(1);
}

describe('filing against the training EPR over HTTP', () => {
  test('files as one transaction to [base], reads back, and verifies', async () => {
    const transcription = sampleTranscription();
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), transcription);
    expect(state.kind).toBe('verified');
    if (state.kind !== 'verified') return;
    await expectFiledOnce(transcription.identifier, state.documentReferenceId);
    const data = (await documentsOnServer(transcription.identifier))[0]!.content[0]!.attachment.data!;
    expect(Buffer.from(data, 'base64').equals(transcriptAttachment(transcription).bytes)).toBe(true);
    expect(harness.seen.filter(isPost).map((request) => [request.path, request.headers.prefer])).toEqual([['', 'return=representation']]);
    expect(harness.seen.at(-1)).toMatchObject({ method: 'GET', path: `/DocumentReference/${state.documentReferenceId}` });
  });

  test.each<[string, Fault]>([
    ['a timeout', { kind: 'hang' }],
    ['a 500', { kind: 'respond', status: 500 }],
    ['a dropped connection before the server saw it', { kind: 'drop-before' }],
    ['a response dropped after the server committed', { kind: 'drop-after' }],
    ['a 201 with no body and no Location', { kind: 'respond', status: 201, body: '' }],
  ])('after %s it searches before sending again and files exactly once', async (_name, fault) => {
    harness.fault = onFirstPush(fault);
    const transcription = sampleTranscription();
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), transcription);
    expect(state.kind).toBe('verified');
    if (state.kind !== 'verified') return;
    await expectFiledOnce(transcription.identifier, state.documentReferenceId);
    const firstPush = harness.seen.findIndex(isPost);
    expect(isSearch(harness.seen[firstPush + 1]!)).toBe(true);
    // When the first push committed, the search finds it and nothing is pushed again.
    expect(harness.seen.filter(isPost)).toHaveLength(fault.kind === 'drop-after' ? 1 : 2);
  });

  test('429 waits at least Retry-After, then files', async () => {
    harness.fault = onFirstPush({ kind: 'respond', status: 429, headers: { 'Retry-After': '7' } });
    const waits: number[] = [];
    // A longest wait above the 7 s asked for (waits are capped at maxDelayMs).
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl, policy: { ...FAST_POLICY, maxDelayMs: 10_000 }, sleep: async (ms) => void waits.push(ms) }));
    expect(state.kind).toBe('verified');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(7000);
  });

  test('gives up after maxAttempts without losing the transcription, saying why', async () => {
    harness.fault = (request) => (isPost(request) ? { kind: 'respond', status: 503 } : { kind: 'pass' });
    const transcription = sampleTranscription();
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), transcription);
    expect(state).toMatchObject({ kind: 'failed', reason: 'unreachable', httpStatus: 503, pushes: FAST_POLICY.maxAttempts });
    expect(harness.seen.filter(isPost)).toHaveLength(FAST_POLICY.maxAttempts);
    expect(await documentsOnServer(transcription.identifier)).toHaveLength(0);
  });

  test('several matches in the EPR (412) stop the item for a person, and nothing more is created', async () => {
    const transcription = sampleTranscription();
    const seeded: string[] = [];
    for (let copy = 0; copy < 2; copy++) {
      const response = await fetch(`${harness.upstreamUrl}/DocumentReference`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(toDocumentReference(transcription)) });
      seeded.push(((await response.json()) as DocumentReference).id!);
    }
    // A push that may have landed, so the resend searches: the exact matches are listed.
    harness.fault = onFirstPush({ kind: 'respond', status: 503 });
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), transcription);
    expect(state.kind).toBe('needs-attention');
    if (state.kind === 'needs-attention') expect([...state.documentReferenceIds].sort()).toEqual([...seeded].sort());
    expect(await documentsOnServer(transcription.identifier)).toHaveLength(2);
  });

  test('with If-None-Exist a second outbox filing the same transcription creates nothing new', async () => {
    const transcription = sampleTranscription();
    const first = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), transcription);
    const other = await outboxWorld();
    try {
      const second = await fileOne(other, other.runner({ baseUrl: harness.baseUrl }), transcription);
      expect(second.state.kind === 'verified' && first.state.kind === 'verified' && second.state.documentReferenceId === first.state.documentReferenceId).toBe(true);
      expect(await documentsOnServer(transcription.identifier)).toHaveLength(1);
    } finally {
      other.close();
    }
  });

  test('two creates when the profile says so, conditional on the identifier, exactly once after a lost answer', async () => {
    let dropped = false;
    harness.fault = (request) => (isPost(request) && request.path === '/DocumentReference' && !dropped ? ((dropped = true), { kind: 'drop-after' }) : { kind: 'pass' });
    const transcription = sampleTranscription();
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl, overrides: { write: 'individual' } }), transcription);
    expect(state.kind).toBe('verified');
    if (state.kind === 'verified') await expectFiledOnce(transcription.identifier, state.documentReferenceId);
    expect(harness.seen.filter(isPost).map((request) => request.path)).toEqual(['/DocumentReference', '/Provenance']);
    expect(harness.seen.find(isPost)?.headers['if-none-exist']).toBe(identifierQuery(transcription.identifier));
  });

  test('one push in flight per identifier: concurrent drives share one run', async () => {
    const runner = world.runner({ baseUrl: harness.baseUrl });
    const item = world.queue();
    await Promise.all([runner.drive(item.identifier), runner.drive(item.identifier), runner.retry(item.identifier)]);
    await runner.settled();
    expect(world.stored(item.identifier).kind).toBe('verified');
    expect(harness.seen.filter(isPost)).toHaveLength(1);
  });

  test('a resource that fails FHIR validation is never sent', async () => {
    const sample = sampleTranscription();
    const [first, ...rest] = sample.excerpts;
    const transcription = { ...sample, excerpts: [{ ...first!, adviser: { ...first!.adviser, name: 'Dr Amir\u0007 Khan' } }, ...rest] };
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), transcription);
    expect(state).toEqual({ kind: 'failed', reason: 'invalid-resource', pushes: 0 });
    expect(harness.seen.filter((request) => request.path !== '/metadata')).toHaveLength(0);
  });
});

describe('restart safety (the vault closes mid-filing; a new runner resumes)', () => {
  test('stopped in `sending` after the EPR committed: the next start searches, finds it, and does not push again', async () => {
    const transcription = sampleTranscription();
    const item = world.queue(transcription);
    let stopping: Promise<void> | undefined;
    const dying = world.runner({ baseUrl: harness.baseUrl });
    harness.fault = onFirstPush({ kind: 'drop-after' });
    const originalFault = harness.fault;
    harness.fault = (request, index) => {
      const fault = originalFault(request, index);
      if (fault.kind === 'drop-after') stopping = dying.stop();
      return fault;
    };
    await dying.drive(item.identifier);
    await stopping;
    expect(world.stored(item.identifier)).toMatchObject({ kind: 'sending', pushes: 1 });
    harness.reset();

    const restarted = world.runner({ baseUrl: harness.baseUrl });
    await restarted.resumeAll();
    await restarted.settled();
    const state = world.stored(item.identifier);
    expect(state.kind).toBe('verified');
    expect(harness.seen.filter(isPost)).toHaveLength(0);
    if (state.kind === 'verified') await expectFiledOnce(transcription.identifier, state.documentReferenceId);
  });

  test('stopped in `filed` before the read-back: the next start reads back without pushing', async () => {
    const item = world.queue();
    const dying = world.runner({ baseUrl: harness.baseUrl });
    let stopping: Promise<void> | undefined;
    harness.fault = (request) => {
      if (request.method === 'GET' && /^\/DocumentReference\/[^?]+$/.test(request.path)) {
        stopping ??= dying.stop();
        return { kind: 'respond', status: 503 };
      }
      return { kind: 'pass' };
    };
    await dying.drive(item.identifier);
    await stopping;
    expect(world.stored(item.identifier).kind).toBe('filed');
    harness.reset();

    const restarted = world.runner({ baseUrl: harness.baseUrl });
    await restarted.resumeAll();
    await restarted.settled();
    expect(world.stored(item.identifier).kind).toBe('verified');
    expect(harness.seen.filter(isPost)).toHaveLength(0);
  });
});
