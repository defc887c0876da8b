/**
 * Withdrawing a filed note (issue #15) against an EPR over real HTTP: a verified note a clinician
 * withdraws is marked entered in error in the record, for the version read, and read back so; the
 * trail says who withdrew it. An EPR that refuses, keeps the old status, holds another note at that
 * id or cannot be reached leaves the note current there and says so, and Retry asks again.
 */
import type { DocumentReference } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import type { OutboxState } from '../../../main/epr/outbox';
import type { EprHarness } from './support/epr-harness';
import { useHarnessAndWorld } from './support/harness-world';
import { fileOne, type OutboxWorld } from './support/outbox-world';
import { sampleTranscription } from './support/transcriptions';

let harness: EprHarness;
let world: OutboxWorld;
useHarnessAndWorld((started, made) => {
  harness = started;
  world = made;
});

const runner = () => world.runner({ baseUrl: harness.baseUrl });
const REASON = 'Filed against the wrong patient (bed 12, not bed 21).';

async function stored(id: string): Promise<DocumentReference> {
  return (await (await fetch(`${harness.upstreamUrl}/DocumentReference/${id}`)).json()) as DocumentReference;
}

/** A note filed and verified, and the runner that filed it. */
async function verifiedNote() {
  const outbox = runner();
  const { identifier, state } = await fileOne(world, outbox, undefined);
  expect(state.kind).toBe('verified');
  return { outbox, identifier, documentReferenceId: (state as Extract<OutboxState, { kind: 'verified' }>).documentReferenceId };
}

async function withdraw(outbox: ReturnType<typeof runner>, identifier: string) {
  await outbox.withdraw(identifier, REASON, world.session.audit().actor);
  await outbox.settled();
  return world.stored(identifier);
}

const puts = () => harness.seen.filter((request) => request.method === 'PUT');

describe('withdrawing a verified note', () => {
  test('marks it entered in error in the record for the version read, reads it back, and audits who asked', async () => {
    const { outbox, identifier, documentReferenceId } = await verifiedNote();
    const before = await stored(documentReferenceId);
    expect(await withdraw(outbox, identifier)).toMatchObject({ kind: 'verified', withdrawal: { reason: REASON, marked: { kind: 'retired' } } });
    const after = await stored(documentReferenceId);
    expect(after.status).toBe('entered-in-error');
    expect(after.content).toEqual(before.content);
    expect(after.subject).toEqual(before.subject);
    expect(puts()).toHaveLength(1);
    expect(puts()[0]!.headers['if-match']).toBe(`W/"${before.meta!.versionId}"`);
    // Nothing new was filed.
    expect(harness.documentsCreated(identifier)).toHaveLength(1);
    const store = world.session.audit().store;
    const asked = [...store.entries({ filter: { actions: ['withdrawal-asked'] } })].filter((entry) => entry.objects.transcriptionId === identifier);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ actor: { userId: world.session.audit().actor.userId }, objects: { transcriptionId: identifier, documentId: documentReferenceId } });
    // The reason is prose: kept with the note in the vault, never in the trail.
    expect(JSON.stringify(asked[0])).not.toContain('wrong patient');
    const marked = [...store.entries({ filter: { actions: ['marked-entered-in-error'] } })];
    expect(marked.at(-1)).toMatchObject({ actor: null, objects: { transcriptionId: identifier, documentId: documentReferenceId }, outcome: { status: 'success', reason: 'withdrawn' } });
    const view = world.view(identifier);
    const actor = world.session.audit().actor;
    expect(view).toMatchObject({ withdrawal: { state: 'withdrawn', reason: REASON, by: `${actor.displayName} (${actor.role})` }, canWithdraw: false, canCorrect: false, canRetry: false });
    expect(view.detail).toContain('the record now marks this note entered in error');
  });

  test.each<[string, number]>([
    ['does not allow updates', 405],
    ['forbids it', 403],
    ['finds the note changed since it was read', 412],
    ['refuses it by a business rule', 422],
  ])('an EPR that %s leaves the note current there, says so, and Retry asks again', async (_name, status) => {
    const { outbox, identifier, documentReferenceId } = await verifiedNote();
    harness.fault = (request) => (request.method === 'PUT' ? { kind: 'respond', status, body: '{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":"Documents cannot be changed here"}]}' } : { kind: 'pass' });
    expect(await withdraw(outbox, identifier)).toMatchObject({ kind: 'verified', withdrawal: { marked: { kind: 'not-retired', why: 'refused', httpStatus: status } } });
    expect((await stored(documentReferenceId)).status).toBe('current');
    const view = world.view(identifier);
    expect(view.detail).toMatch(/^Withdrawal refused: the note is still current in the record\./);
    expect(view.detail).toContain('Documents cannot be changed here');
    expect(view).toMatchObject({ withdrawal: { state: 'not-withdrawn' }, canRetry: true, canWithdraw: false });
    expect([...world.session.audit().store.entries({ filter: { actions: ['marked-entered-in-error'] } })].at(-1)).toMatchObject({ outcome: { status: 'failure', reason: 'withdrawn-refused' } });
    harness.fault = () => ({ kind: 'pass' });
    await outbox.retry(identifier);
    await outbox.settled();
    expect(world.stored(identifier)).toMatchObject({ withdrawal: { marked: { kind: 'retired' } } });
    expect((await stored(documentReferenceId)).status).toBe('entered-in-error');
  });

  test('an EPR that accepts the update but keeps the old status is not taken at its word', async () => {
    const { outbox, identifier, documentReferenceId } = await verifiedNote();
    harness.fault = (request) => (request.method === 'PUT' ? { kind: 'respond', status: 200, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'DocumentReference', id: documentReferenceId, status: 'current' }) } : { kind: 'pass' });
    expect(await withdraw(outbox, identifier)).toMatchObject({ withdrawal: { marked: { kind: 'not-retired', why: 'not-kept' } } });
  });

  test('another note now at that id is never marked; one gone from the record is not written to', async () => {
    const first = await verifiedNote();
    harness.behaviour = {
      readBack: (document) => (document.id === first.documentReferenceId ? { ...document, identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:00000000-0000-4000-8000-000000000000' }], masterIdentifier: undefined } : document),
    };
    expect(await withdraw(first.outbox, first.identifier)).toMatchObject({ withdrawal: { marked: { kind: 'not-retired', why: 'refused' } } });
    expect(puts()).toHaveLength(0);

    harness.behaviour = {};
    const second = await verifiedNote();
    harness.fault = (request) => (request.method === 'GET' && request.path === `/DocumentReference/${second.documentReferenceId}` ? { kind: 'respond', status: 410 } : { kind: 'pass' });
    expect(await withdraw(second.outbox, second.identifier)).toMatchObject({ withdrawal: { marked: { kind: 'gone', httpStatus: 410 } } });
    expect(puts()).toHaveLength(0);
  });

  test('an EPR that says it does not know the note (404) has not shown it is out of the record: still current, Retry asks again', async () => {
    const { outbox, identifier, documentReferenceId } = await verifiedNote();
    harness.fault = (request) => (request.method === 'GET' && request.path === `/DocumentReference/${documentReferenceId}` ? { kind: 'respond', status: 404 } : { kind: 'pass' });
    expect(await withdraw(outbox, identifier)).toMatchObject({ withdrawal: { marked: { kind: 'not-retired', why: 'not-found', httpStatus: 404 } } });
    const view = world.view(identifier);
    expect(view).toMatchObject({ withdrawal: { state: 'not-withdrawn' }, canRetry: true });
    expect(view.detail).toContain('does not know this note (HTTP 404)');
    expect([...world.session.audit().store.entries({ filter: { actions: ['marked-entered-in-error'] } })].at(-1)).toMatchObject({ outcome: { status: 'failure', reason: 'withdrawn-not-found' } });
    harness.fault = () => ({ kind: 'pass' });
    await outbox.retry(identifier);
    await outbox.settled();
    expect(world.stored(identifier)).toMatchObject({ withdrawal: { marked: { kind: 'retired' } } });
    expect((await stored(documentReferenceId)).status).toBe('entered-in-error');
  });

  test('a correction whose old note the EPR would not mark is not withdrawn until it has (else the old note is left current, unsaid)', async () => {
    const original = sampleTranscription();
    const filed = await fileOne(world, runner(), original);
    const oldId = (filed.state as Extract<OutboxState, { kind: 'verified' }>).documentReferenceId;
    harness.fault = (request) => (request.method === 'PUT' ? { kind: 'respond', status: 403 } : { kind: 'pass' });
    const outbox = runner();
    const correction = sampleTranscription({ summary: 'Corrected: 10 mmol, not 100.', replaces: { identifier: original.identifier, documentReferenceId: oldId, attestedAt: original.attestedAt } });
    const { identifier } = await fileOne(world, outbox, correction);
    expect(world.stored(identifier)).toMatchObject({ replaced: { kind: 'not-retired', why: 'refused', httpStatus: 403 } });
    expect(world.view(identifier).canWithdraw).toBe(false);
    const sent = harness.seen.length;
    await expect(outbox.withdraw(identifier, REASON, world.session.audit().actor)).rejects.toThrow(/The note this correction replaces is still current in the record/);
    expect(harness.seen.length).toBe(sent);
    expect(world.stored(identifier)).not.toHaveProperty('withdrawal');
    // Once the old note is marked (Retry), the correction can be withdrawn: both are then out of the record.
    harness.fault = () => ({ kind: 'pass' });
    await outbox.retry(identifier);
    await outbox.settled();
    expect(world.view(identifier).canWithdraw).toBe(true);
    expect(await withdraw(outbox, identifier)).toMatchObject({ replaced: { kind: 'retired' }, withdrawal: { marked: { kind: 'retired' } } });
    expect((await stored(oldId)).status).toBe('entered-in-error');
  });

  test('an EPR that stops answering is retried, then the withdrawal waits for Retry; a stopped workstation resumes it', async () => {
    const { outbox, identifier, documentReferenceId } = await verifiedNote();
    harness.fault = (request) => (request.method === 'PUT' ? { kind: 'respond', status: 503 } : { kind: 'pass' });
    expect(await withdraw(outbox, identifier)).toMatchObject({ withdrawal: { marked: { kind: 'not-retired', why: 'unreachable' } } });
    expect(puts().length).toBeGreaterThan(1);

    // Retry, and the workstation stops while the EPR hangs: the withdrawal is still owed at the next start.
    harness.fault = (request) => (request.method === 'PUT' ? { kind: 'hang' } : { kind: 'pass' });
    const hung = puts().length;
    await outbox.retry(identifier);
    await expect.poll(() => puts().length, { timeout: 5000 }).toBeGreaterThan(hung);
    await outbox.stop();
    expect(world.stored(identifier)).toMatchObject({ withdrawal: { marked: { kind: 'pending' } } });
    harness.fault = () => ({ kind: 'pass' });
    const resumed = runner();
    await resumed.resumeAll();
    await resumed.settled();
    expect(world.stored(identifier)).toMatchObject({ withdrawal: { marked: { kind: 'retired' } } });
    expect((await stored(documentReferenceId)).status).toBe('entered-in-error');
  });

  test('is refused for a note not verified, or withdrawn already, and nothing is sent', async () => {
    const outbox = runner();
    const queued = world.queue();
    await expect(outbox.withdraw(queued.identifier, REASON, world.session.audit().actor)).rejects.toThrow(/Only a note verified in the record can be withdrawn/);
    const { identifier } = await verifiedNote();
    await withdraw(outbox, identifier);
    const asked = () => [...world.session.audit().store.entries({ filter: { actions: ['withdrawal-asked'] } })].filter((entry) => entry.objects.transcriptionId === identifier);
    const sent = harness.seen.length;
    await expect(outbox.withdraw(identifier, REASON, world.session.audit().actor)).rejects.toThrow(/already been withdrawn/);
    expect(harness.seen.length).toBe(sent);
    expect(asked()).toHaveLength(1);
  });
});
