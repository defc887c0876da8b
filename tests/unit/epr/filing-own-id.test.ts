/**
 * H-012 / H-013: details of writing to derived ids (update-create) and of learning which
 * identifier a server keeps, step by step against a scripted EPR. (Kept apart from
 * filing.mutation.test.ts until its mutation report is next re-run; see issue #13.)
 */
import type { Bundle, DocumentReference, Provenance } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { ASSUMED_PROFILE, type EprProfile } from '../../../main/epr/epr-profile';
import { EprRequestError } from '../../../main/epr/epr-errors';
import { documentIdFor, filingStep, provenanceIdFor, type FilingTarget } from '../../../main/epr/filing';
import { transcriptAttachment } from '../../../main/epr/mapping';
import type { OutboxItem, OutboxState } from '../../../main/epr/outbox';
import { StubEpr } from './support/stub-epr';
import { sampleTranscription } from './support/transcriptions';

const NOW = Date.UTC(2024, 2, 31, 12, 0, 0);

function setUp(profile: Partial<EprProfile> = {}) {
  const transcription = sampleTranscription();
  const epr = new StubEpr();
  const target: FilingTarget = { connection: epr, profile: { ...ASSUMED_PROFILE, resendSettleMs: 0, ...profile }, identifierSearchProven: true };
  const saved: OutboxState[] = [];
  const item = (state: OutboxState): OutboxItem => ({ identifier: transcription.identifier, transcription, attachmentSha256: transcriptAttachment(transcription).sha256Hex, eprId: 'epr-1', eprLabel: 'Test EPR', state, updatedAt: NOW });
  const step = (state: OutboxState) => filingStep(item(state), { target, save: async (next) => void saved.push(next), now: () => NOW });
  return { transcription, epr, target, saved, step };
}

describe('writing to derived ids', () => {
  it('the Provenance id is a hash of the identifier alone: fixed length, its own, not the document\u2019s', () => {
    const identifier = 'urn:uuid:5b0a7e9e-3f0e-4c55-9d43-2d6f1f7a1c11';
    expect(provenanceIdFor(identifier)).toMatch(/^ws-[0-9a-f]{40}$/);
    expect(provenanceIdFor(identifier)).toBe(provenanceIdFor(identifier));
    expect(provenanceIdFor(identifier)).not.toBe(provenanceIdFor('urn:uuid:00000000-0000-4000-8000-000000000001'));
    expect(documentIdFor(identifier)).toMatch(/^ws-[0-9a-f]{40}$/);
  });

  it('the push is counted before it is sent, so a crash during it resumes as a repeat', async () => {
    const { step, saved, epr } = setUp({ updateCreate: true, write: 'individual' });
    epr.script.update = new EprRequestError('timeout', undefined, undefined);
    await expect(step({ kind: 'sending', pushes: 2, mode: 'individual' })).rejects.toMatchObject({ kind: 'timeout' });
    expect(saved).toEqual([{ kind: 'sending', pushes: 3, mode: 'individual', since: NOW }]);
  });

  it('a sign-in refusal (403 from the token service) during the transaction is not taken for a refused transaction', async () => {
    const { step, epr, target } = setUp({ updateCreate: true, write: 'transaction' });
    epr.script.transaction = new EprRequestError('auth', 403, undefined);
    await expect(step({ kind: 'sending', pushes: 0, mode: 'transaction' })).rejects.toMatchObject({ kind: 'auth', status: 403 });
    expect(target.profile.write).toBe('transaction');
  });

  it('each entry of the transaction names its own resource, and the Provenance points at the document', async () => {
    const { step, epr, transcription } = setUp({ updateCreate: true, write: 'transaction' });
    let bundle: Bundle | undefined;
    epr.script.transaction = (_call, input) => {
      bundle = input as Bundle;
      return bundle.entry!.map((entry) => ({ id: (entry.resource as { id: string }).id, versionId: '1', created: true }));
    };
    await step({ kind: 'sending', pushes: 0, mode: 'transaction' });
    const id = documentIdFor(transcription.identifier);
    const provenanceId = provenanceIdFor(transcription.identifier);
    expect(bundle!.entry!.map((entry) => entry.fullUrl)).toEqual([`DocumentReference/${id}`, `Provenance/${provenanceId}`]);
    expect(bundle!.entry!.map((entry) => (entry.resource as { id: string }).id)).toEqual([id, provenanceId]);
  });

  it('the Provenance PUT on its own targets the document', async () => {
    const { step, epr, transcription } = setUp({ updateCreate: true, write: 'individual' });
    const id = documentIdFor(transcription.identifier);
    await step({ kind: 'filed', documentReferenceId: id, provenance: { kind: 'pending' } });
    const written = epr.stored.get(`Provenance/${provenanceIdFor(transcription.identifier)}`) as Provenance;
    expect(written.target).toEqual([{ reference: `DocumentReference/${id}` }]);
  });
});

describe('learning which identifier a server keeps', () => {
  async function readBack(change: (document: DocumentReference) => DocumentReference) {
    const world = setUp({ provenance: 'keep-locally' });
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    world.epr.stored.set('DocumentReference/doc-1', change(world.epr.stored.get('DocumentReference/doc-1') as DocumentReference));
    const state = await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' } });
    return { state, profile: world.target.profile };
  }

  it('both kept: nothing learnt', async () => {
    const { state, profile } = await readBack((document) => document);
    expect(state.kind).toBe('verified');
    expect(profile.identifier).toBe('kept');
  });

  it('neither kept: nothing learnt, the mismatch stands', async () => {
    const { state, profile } = await readBack((document) => ({ ...document, identifier: undefined, masterIdentifier: undefined }));
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['identifier-not-kept'] });
    expect(profile.identifier).toBe('kept');
  });

  it('ours in identifier beside another system\u2019s identifier, no masterIdentifier: identifier-only learnt', async () => {
    const { state, profile } = await readBack((document) => ({ ...document, masterIdentifier: undefined, identifier: [...(document.identifier ?? []), { system: 'https://trust.example.nhs.uk/document-id', value: 'D-1' }] }));
    expect(state.kind).toBe('verified');
    expect(profile.identifier).toBe('identifier-only');
  });

  it('ours in masterIdentifier, the identifier list holding only another system\u2019s: master-only learnt', async () => {
    const { state, profile } = await readBack((document) => ({ ...document, identifier: [{ system: 'https://trust.example.nhs.uk/document-id', value: 'D-1' }] }));
    expect(state.kind).toBe('verified');
    expect(profile.identifier).toBe('master-only');
  });
});
