import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Bundle, DocumentReference, Provenance } from '@medplum/fhirtypes';
import { createEprConnection } from '../../../main/epr/fhir-client';
import { FilingEngine } from '../../../main/epr/filing';
import { identifierQuery, toDocumentReference, transcriptAttachment } from '../../../main/epr/mapping';
import { MemoryOutboxStore } from '../../../main/epr/outbox';
import type { Clock, RetryPolicy } from '../../../main/epr/retry-policy';
import { createTrainingServer, type TrainingServer } from '../../../main/epr/training-server';
import type { AttestedTranscription } from '../../../shared/domain/transcription';
import { startFaultProxy, type Fault, type FaultProxy, type ProxiedRequest } from './support/fault-proxy';
import { sampleTranscription } from './support/transcriptions';

const POLICY: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 5, requestTimeoutMs: 400 };

let server: TrainingServer;
let serverUrl: string;
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  server = createTrainingServer();
  serverUrl = await server.start();
});
afterAll(() => server.stop());
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** A clock that records the delays asked for and returns at once. */
function recordingClock(): Clock & { readonly sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => Date.now(), sleep: async (milliseconds) => void sleeps.push(milliseconds) };
}

async function engineThrough(decide: (request: ProxiedRequest, index: number) => Fault, store = new MemoryOutboxStore(), clock: Clock = recordingClock()) {
  proxy = await startFaultProxy(serverUrl, decide);
  const connection = await createEprConnection({ baseUrl: proxy.baseUrl, auth: { kind: 'none' }, requestTimeoutMs: POLICY.requestTimeoutMs, clock });
  return { engine: new FilingEngine({ store, connection, policy: POLICY, clock, random: () => 0.5 }), store, proxy, clock };
}

/** Asks the server directly (not through the proxy) what it holds for an identifier. */
async function documentsOnServer(identifier: string): Promise<DocumentReference[]> {
  const response = await fetch(`${serverUrl}/DocumentReference?${identifierQuery(identifier)}`);
  const bundle = (await response.json()) as Bundle<DocumentReference>;
  return (bundle.entry ?? []).map((entry) => entry.resource!);
}

async function provenancesOnServer(documentReferenceId: string): Promise<Provenance[]> {
  const response = await fetch(`${serverUrl}/Provenance?target=DocumentReference/${documentReferenceId}`);
  const bundle = (await response.json()) as Bundle<Provenance>;
  return (bundle.entry ?? []).map((entry) => entry.resource!);
}

const isPost = (request: ProxiedRequest) => request.method === 'POST';
const isSearch = (request: ProxiedRequest) => request.method === 'GET' && request.path.includes('DocumentReference?');
/** The index of the first POST (the push), so faults can target it. */
function onFirstPush(fault: Fault) {
  let pushed = false;
  return (request: ProxiedRequest): Fault => {
    if (!pushed && isPost(request)) {
      pushed = true;
      return fault;
    }
    return { kind: 'pass' };
  };
}

async function expectFiledOnce(transcription: AttestedTranscription, documentReferenceId: string) {
  const documents = await documentsOnServer(transcription.identifier);
  expect(documents.map((document) => document.id)).toEqual([documentReferenceId]);
  const data = documents[0]!.content[0]!.attachment.data!;
  expect(Buffer.from(data, 'base64').equals(transcriptAttachment(transcription).bytes)).toBe(true);
  expect(await provenancesOnServer(documentReferenceId)).toHaveLength(1);
}

describe('filing against the training EPR over HTTP', () => {
  test('files as one transaction, reads back, and verifies', async () => {
    const { engine, proxy } = await engineThrough(() => ({ kind: 'pass' }));
    const transcription = sampleTranscription();
    const item = await engine.file(transcription);
    expect(item.state.kind).toBe('verified');
    if (item.state.kind !== 'verified') return;
    await expectFiledOnce(transcription, item.state.documentReferenceId);
    expect(proxy.seen.filter(isPost).map((request) => request.path)).toEqual(['/fhir/']);
    expect(proxy.seen.at(-1)).toMatchObject({ method: 'GET', path: `/fhir/DocumentReference/${item.state.documentReferenceId}` });
  });

  test('filing the same transcription from a second outbox creates nothing new (If-None-Exist)', async () => {
    const transcription = sampleTranscription();
    const first = await (await engineThrough(() => ({ kind: 'pass' }))).engine.file(transcription);
    await proxy!.close();
    const second = await (await engineThrough(() => ({ kind: 'pass' }))).engine.file(transcription);
    expect(second.state).toMatchObject({ kind: 'verified' });
    expect(first.state.kind === 'verified' && second.state.kind === 'verified' && first.state.documentReferenceId === second.state.documentReferenceId).toBe(true);
    if (first.state.kind === 'verified') await expectFiledOnce(transcription, first.state.documentReferenceId);
  });

  test.each<[string, Fault]>([
    ['a timeout', { kind: 'hang' }],
    ['a 500', { kind: 'respond', status: 500 }],
    ['a dropped connection before the server saw it', { kind: 'drop-before' }],
    ['a response dropped after the server committed', { kind: 'drop-after' }],
  ])('after %s it searches before sending again and files exactly once', async (_name, fault) => {
    const { engine, proxy } = await engineThrough(onFirstPush(fault));
    const transcription = sampleTranscription();
    const item = await engine.file(transcription);
    expect(item.state.kind).toBe('verified');
    if (item.state.kind !== 'verified') return;
    await expectFiledOnce(transcription, item.state.documentReferenceId);
    const firstPush = proxy.seen.findIndex(isPost);
    expect(isSearch(proxy.seen[firstPush + 1]!)).toBe(true);
    // When the first push committed, the search finds it and nothing is pushed again.
    expect(proxy.seen.filter(isPost)).toHaveLength(fault.kind === 'drop-after' ? 1 : 2);
  });

  test('429 waits at least Retry-After, then files', async () => {
    const clock = recordingClock();
    const { engine } = await engineThrough(onFirstPush({ kind: 'respond', status: 429, headers: { 'Retry-After': '7' } }), undefined, clock);
    const item = await engine.file(sampleTranscription());
    expect(item.state.kind).toBe('verified');
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(7000);
  });

  test('backoff grows exponentially with jitter, and gives up without losing the transcription', async () => {
    const clock = recordingClock();
    const { engine, store, proxy } = await engineThrough((request) => (isPost(request) ? { kind: 'respond', status: 503 } : { kind: 'pass' }), undefined, clock);
    const transcription = sampleTranscription();
    const item = await engine.file(transcription);
    expect(item.state).toEqual({ kind: 'failed', reason: 'unreachable', httpStatus: 503 });
    // random() = 0.5: half of 100, 200, 400, 800 ms ceilings.
    expect(clock.sleeps).toEqual([50, 100, 200, 400]);
    expect(proxy.seen.filter(isPost)).toHaveLength(POLICY.maxAttempts);
    expect((await store.load(transcription.identifier))?.transcription).toEqual(transcription);
    expect(await documentsOnServer(transcription.identifier)).toHaveLength(0);
  });

  test('several matches in the EPR (412) stop the item for a person, and nothing more is created', async () => {
    const transcription = sampleTranscription();
    const seeded: string[] = [];
    for (let copy = 0; copy < 2; copy++) {
      const response = await fetch(`${serverUrl}/DocumentReference`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify(toDocumentReference(transcription)),
      });
      seeded.push(((await response.json()) as DocumentReference).id!);
    }
    const { engine } = await engineThrough(() => ({ kind: 'pass' }));
    const item = await engine.file(transcription);
    expect(item.state.kind).toBe('needs-attention');
    if (item.state.kind === 'needs-attention') expect([...item.state.documentReferenceIds].sort()).toEqual([...seeded].sort());
    expect(await documentsOnServer(transcription.identifier)).toHaveLength(2);
  });

  test('a read-back whose attachment differs from what was filed is not verified', async () => {
    const { engine } = await engineThrough((request) =>
      request.method === 'GET' && /\/DocumentReference\/[^?]+$/.test(request.path)
        ? {
            kind: 'rewrite',
            rewrite: (body) => {
              const document = JSON.parse(body) as DocumentReference;
              const text = Buffer.from(document.content[0]!.attachment.data!, 'base64').toString('utf8').replace('2.5 mg', '25 mg');
              document.content[0]!.attachment.data = Buffer.from(text).toString('base64');
              return JSON.stringify(document);
            },
          }
        : { kind: 'pass' },
    );
    const item = await engine.file(sampleTranscription());
    expect(item.state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch' });
    expect(item.state.kind === 'failed' && item.state.documentReferenceId).toBeTruthy();
  });

  test('without transaction support it files by two conditional creates, still exactly once after a 500', async () => {
    let failedOnce = false;
    const { engine, proxy } = await engineThrough((request) => {
      if (request.path.endsWith('/metadata')) {
        return { kind: 'rewrite', rewrite: (body) => JSON.stringify({ ...JSON.parse(body), rest: [{ ...JSON.parse(body).rest[0], interaction: [] }] }) };
      }
      if (isPost(request) && request.path.endsWith('/DocumentReference') && !failedOnce) {
        failedOnce = true;
        return { kind: 'drop-after' };
      }
      return { kind: 'pass' };
    });
    const transcription = sampleTranscription();
    const item = await engine.file(transcription);
    expect(item.state.kind).toBe('verified');
    if (item.state.kind === 'verified') await expectFiledOnce(transcription, item.state.documentReferenceId);
    expect(proxy.seen.filter(isPost).map((request) => request.path)).toEqual(['/fhir/DocumentReference', '/fhir/Provenance']);
    expect(proxy.seen.find(isPost)?.headers['if-none-exist']).toBe(identifierQuery(transcription.identifier));
  });

  test('one push in flight per identifier: concurrent calls share one run', async () => {
    const { engine, proxy } = await engineThrough(() => ({ kind: 'pass' }));
    const transcription = sampleTranscription();
    const [first, second] = await Promise.all([engine.file(transcription), engine.file(transcription)]);
    expect(first).toEqual(second);
    expect(proxy.seen.filter(isPost)).toHaveLength(1);
  });

  test('a resource that fails FHIR validation is never sent', async () => {
    const { engine, proxy } = await engineThrough(() => ({ kind: 'pass' }));
    const sample = sampleTranscription();
    // A control character pasted into a name: FHIR strings cannot carry it.
    const [first, ...rest] = sample.excerpts;
    const transcription = { ...sample, excerpts: [{ ...first!, adviser: { ...first!.adviser, name: 'Dr Amir\u0007 Khan' } }, ...rest] };
    const item = await engine.file(transcription);
    expect(item.state).toEqual({ kind: 'failed', reason: 'invalid-resource' });
    expect(proxy.seen).toHaveLength(0);
  });

  test('a malformed transcription is refused before it is queued, naming fields but not values', async () => {
    const { engine, store } = await engineThrough(() => ({ kind: 'pass' }));
    const transcription = { ...sampleTranscription(), attestedAt: '31/03/2024 11:12' };
    await expect(engine.file(transcription)).rejects.toMatchObject({ code: 'rejected', message: expect.stringContaining('attestedAt') });
    await expect(engine.file(transcription)).rejects.not.toMatchObject({ message: expect.stringContaining('31/03/2024') });
    expect(await store.load(transcription.identifier)).toBeUndefined();
  });
});

describe('restart safety', () => {
  class Killed extends Error {}
  /** A clock whose first sleep "kills the process": the run stops wherever the engine was. */
  const killingClock = (): Clock => ({
    now: () => Date.now(),
    sleep: async () => {
      throw new Killed();
    },
  });

  test('killed in `sending` after the EPR committed: the next start searches, finds it, and does not push again', async () => {
    const store = new MemoryOutboxStore();
    const transcription = sampleTranscription();
    const dying = await engineThrough(onFirstPush({ kind: 'drop-after' }), store, killingClock());
    await expect(dying.engine.file(transcription)).rejects.toBeInstanceOf(Killed);
    expect((await store.load(transcription.identifier))?.state).toEqual({ kind: 'sending', attempts: 1 });
    await proxy!.close();

    const restarted = await engineThrough(() => ({ kind: 'pass' }), store);
    const [item] = await restarted.engine.resumeAll();
    expect(item?.state.kind).toBe('verified');
    expect(restarted.proxy.seen.filter(isPost)).toHaveLength(0);
    if (item?.state.kind === 'verified') await expectFiledOnce(transcription, item.state.documentReferenceId);
  });

  test('killed in `sending` before anything reached the EPR: the next start files it once', async () => {
    const store = new MemoryOutboxStore();
    const transcription = sampleTranscription();
    const dying = await engineThrough(onFirstPush({ kind: 'drop-before' }), store, killingClock());
    await expect(dying.engine.file(transcription)).rejects.toBeInstanceOf(Killed);
    await proxy!.close();

    const restarted = await engineThrough(() => ({ kind: 'pass' }), store);
    const [item] = await restarted.engine.resumeAll();
    expect(item?.state.kind).toBe('verified');
    expect(isSearch(restarted.proxy.seen.find((request) => !request.path.endsWith('/metadata'))!)).toBe(true);
    if (item?.state.kind === 'verified') await expectFiledOnce(transcription, item.state.documentReferenceId);
  });

  test('killed in `filed` before read-back: the next start reads back without pushing', async () => {
    const store = new MemoryOutboxStore();
    const transcription = sampleTranscription();
    const dying = await engineThrough((request) => (request.method === 'GET' && request.path.includes('/DocumentReference/') ? { kind: 'respond', status: 503 } : { kind: 'pass' }), store, killingClock());
    await expect(dying.engine.file(transcription)).rejects.toBeInstanceOf(Killed);
    expect((await store.load(transcription.identifier))?.state.kind).toBe('filed');
    await proxy!.close();

    const restarted = await engineThrough(() => ({ kind: 'pass' }), store);
    const [item] = await restarted.engine.resumeAll();
    expect(item?.state.kind).toBe('verified');
    expect(restarted.proxy.seen.filter(isPost)).toHaveLength(0);
  });
});
