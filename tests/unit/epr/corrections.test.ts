/**
 * Corrections (issue #15) against an EPR over real HTTP: a correction is filed once, replacing the
 * note (`relatesTo` replaces, by the EPR's id and our identifier), verified by read-back, and only
 * then is the note it replaces marked entered in error, for the version read, and read back so.
 * An EPR that refuses, changed the note since, or cannot be reached leaves the correction verified
 * and says so; the note is never touched before the correction is verified.
 */
import type { DocumentReference } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { toDocumentReference } from '../../../main/epr/mapping';
import type { OutboxState } from '../../../main/epr/outbox';
import { renderTranscriptText } from '../../../shared/domain/transcription';
import type { EprHarness } from './support/epr-harness';
import { fileOne, type OutboxWorld } from './support/outbox-world';
import { useHarnessAndWorld } from './support/harness-world';
import { sampleTranscription } from './support/transcriptions';

let harness: EprHarness;
let world: OutboxWorld;
useHarnessAndWorld((started, made) => {
  harness = started;
  world = made;
});

const runner = () => world.runner({ baseUrl: harness.baseUrl });

async function stored(id: string): Promise<DocumentReference> {
  return (await (await fetch(`${harness.upstreamUrl}/DocumentReference/${id}`)).json()) as DocumentReference;
}

/** A note filed and verified, and a correction of it (same patient), not yet filed. */
async function filedAndCorrection() {
  const original = sampleTranscription();
  const { state } = await fileOne(world, runner(), original);
  expect(state.kind).toBe('verified');
  const documentReferenceId = (state as Extract<OutboxState, { kind: 'verified' }>).documentReferenceId;
  const correction = sampleTranscription({ summary: 'Corrected: the dose was 10 mmol, not 100.', replaces: { identifier: original.identifier, documentReferenceId, attestedAt: original.attestedAt } });
  return { original, documentReferenceId, correction };
}

const puts = () => harness.seen.filter((request) => request.method === 'PUT');

describe('a correction', () => {
  test('names the note it replaces, by the EPR id and our identifier, and says so in its text', () => {
    const correction = sampleTranscription({ replaces: { identifier: 'urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b', documentReferenceId: 'doc-7', attestedAt: '2024-03-31T09:00:00Z' } });
    expect(toDocumentReference(correction).relatesTo).toEqual([
      { code: 'replaces', target: { reference: 'DocumentReference/doc-7', identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b' } } },
    ]);
    expect(renderTranscriptText(correction)).toContain('Corrects: the note attested 2024-03-31 09:00 UTC (identifier urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b)');
    expect(() => sampleTranscription({ replaces: { identifier: correction.identifier, documentReferenceId: 'doc-7', attestedAt: '2024-03-31T09:00:00Z' }, identifier: correction.identifier })).toThrow(/cannot correct itself/);
  });

  test('is filed once and verified, then the note it replaces is marked entered in error for the version read, and read back so', async () => {
    const { documentReferenceId, correction } = await filedAndCorrection();
    const before = await stored(documentReferenceId);
    const { identifier, state } = await fileOne(world, runner(), correction);
    expect(state).toMatchObject({ kind: 'verified', replaced: { kind: 'retired' } });
    expect(harness.documentsCreated(identifier)).toHaveLength(1);
    const corrected = await stored((state as Extract<OutboxState, { kind: 'verified' }>).documentReferenceId);
    expect(corrected.status).toBe('current');
    expect(corrected.relatesTo?.[0]).toMatchObject({ code: 'replaces', target: { reference: `DocumentReference/${documentReferenceId}` } });
    const after = await stored(documentReferenceId);
    expect(after.status).toBe('entered-in-error');
    // Nothing else of it changed: same text, same patient.
    expect(after.content).toEqual(before.content);
    expect(after.subject).toEqual(before.subject);
    // The update named the version it was for.
    expect(puts()).toHaveLength(1);
    expect(puts()[0]!.headers['if-match']).toBe(`W/"${before.meta!.versionId}"`);
    // Audited, naming the note marked.
    const audited = [...world.session.audit().store.entries({ filter: { actions: ['marked-entered-in-error'] } })];
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ objects: { transcriptionId: identifier, documentId: documentReferenceId }, outcome: { status: 'success' } });
  });

  test('the note it replaces is never touched before the correction is verified', async () => {
    const { documentReferenceId, correction } = await filedAndCorrection();
    // The record changes the correction's type: not verified, so the old note stays current.
    harness.behaviour = { readBack: (document) => (document.id === documentReferenceId ? document : { ...document, type: { coding: [{ system: 'http://snomed.info/sct', code: '38651000000103' }] } }) };
    const { state } = await fileOne(world, runner(), correction);
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch' });
    expect(puts()).toHaveLength(0);
    expect((await stored(documentReferenceId)).status).toBe('current');
  });

  test.each<[string, number]>([
    ['does not allow updates', 405],
    ['forbids it', 403],
    ['finds the note changed since it was read', 412],
    ['refuses it by a business rule', 422],
  ])('an EPR that %s leaves the correction verified, the note current, and says so', async (_name, status) => {
    const { documentReferenceId, correction } = await filedAndCorrection();
    harness.fault = (request) => (request.method === 'PUT' ? { kind: 'respond', status, body: '{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":"Documents cannot be changed here"}]}' } : { kind: 'pass' });
    const { identifier, state } = await fileOne(world, runner(), correction);
    expect(state).toMatchObject({ kind: 'verified', replaced: { kind: 'not-retired', why: 'refused', httpStatus: status } });
    expect((await stored(documentReferenceId)).status).toBe('current');
    expect(world.view(identifier).detail).toContain('would not mark the note it corrects as entered in error');
    expect(world.view(identifier).canRetry).toBe(true);
    const audited = [...world.session.audit().store.entries({ filter: { actions: ['marked-entered-in-error'] } })];
    expect(audited.at(-1)).toMatchObject({ outcome: { status: 'failure', reason: 'refused' } });
  });

  test('an EPR that accepts the update but keeps the old status is not taken at its word', async () => {
    const { documentReferenceId, correction } = await filedAndCorrection();
    harness.fault = (request) => (request.method === 'PUT' ? { kind: 'respond', status: 200, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'DocumentReference', id: documentReferenceId, status: 'current' }) } : { kind: 'pass' });
    const { state } = await fileOne(world, runner(), correction);
    expect(state).toMatchObject({ kind: 'verified', replaced: { kind: 'not-retired', why: 'not-kept' } });
  });

  test('a note already marked entered in error, or gone from the record, is not written to', async () => {
    const { documentReferenceId, correction } = await filedAndCorrection();
    harness.behaviour = { readBack: (document) => (document.id === documentReferenceId ? { ...document, status: 'entered-in-error' } : document) };
    expect((await fileOne(world, runner(), correction)).state).toMatchObject({ kind: 'verified', replaced: { kind: 'retired' } });
    expect(puts()).toHaveLength(0);

    const second = await filedAndCorrection();
    harness.behaviour = {};
    harness.fault = (request) => (request.method === 'GET' && request.path === `/DocumentReference/${second.documentReferenceId}` ? { kind: 'respond', status: 410 } : { kind: 'pass' });
    expect((await fileOne(world, runner(), second.correction)).state).toMatchObject({ kind: 'verified', replaced: { kind: 'gone', httpStatus: 410 } });
    expect(puts()).toHaveLength(0);
  });

  test('another note now at that id (not our identifier) is never marked', async () => {
    const { documentReferenceId, correction } = await filedAndCorrection();
    harness.behaviour = {
      readBack: (document) => (document.id === documentReferenceId ? { ...document, identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:00000000-0000-4000-8000-000000000000' }], masterIdentifier: undefined } : document),
    };
    const { state } = await fileOne(world, runner(), correction);
    expect(state).toMatchObject({ kind: 'verified', replaced: { kind: 'not-retired', why: 'refused' } });
    expect(puts()).toHaveLength(0);
  });

  test('an EPR that stops answering is retried, then the correction stays verified with the note unmarked; Retry marks it', async () => {
    const { documentReferenceId, correction } = await filedAndCorrection();
    let down = true;
    harness.fault = (request) => (down && request.method === 'PUT' ? { kind: 'respond', status: 503 } : { kind: 'pass' });
    const outbox = runner();
    const { identifier, state } = await fileOne(world, outbox, correction);
    expect(state).toMatchObject({ kind: 'verified', replaced: { kind: 'not-retired', why: 'unreachable' } });
    expect(puts().length).toBeGreaterThan(1);
    expect((await stored(documentReferenceId)).status).toBe('current');
    down = false;
    await outbox.retry(identifier);
    await outbox.settled();
    expect(world.stored(identifier)).toMatchObject({ kind: 'verified', replaced: { kind: 'retired' } });
    expect((await stored(documentReferenceId)).status).toBe('entered-in-error');
    // Still one correction in the record.
    expect(harness.documentsCreated(identifier)).toHaveLength(1);
  });

  test('a workstation stopped before the note was marked marks it when it resumes', async () => {
    const { documentReferenceId, correction } = await filedAndCorrection();
    harness.fault = (request) => (request.method === 'PUT' ? { kind: 'hang' } : { kind: 'pass' });
    const outbox = runner();
    const item = world.queue(correction);
    const driving = outbox.drive(item.identifier);
    await expect.poll(() => puts().length, { timeout: 5000 }).toBeGreaterThan(0);
    await outbox.stop();
    await driving.catch(() => undefined);
    expect(world.stored(item.identifier)).toMatchObject({ kind: 'verified', replaced: { kind: 'pending' } });
    harness.fault = () => ({ kind: 'pass' });
    const resumed = runner();
    await resumed.resumeAll();
    await resumed.settled();
    expect(world.stored(item.identifier)).toMatchObject({ kind: 'verified', replaced: { kind: 'retired' } });
    expect((await stored(documentReferenceId)).status).toBe('entered-in-error');
  });
});
