import type { Attachment, Bundle, DocumentReference, Provenance } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { ASSUMED_PROFILE, type EprProfile } from '../../../main/epr/epr-profile';
import { EprRequestError } from '../../../main/epr/epr-errors';
import { documentIdFor, filingBundle, filingStep, findFiled, provenanceIdFor, READ_AFTER_WRITE_LAG_MS, recheckFiled, type FilingTarget } from '../../../main/epr/filing';
import { identifierQuery, toDocumentReference, toProvenance, transcriptAttachment, URI_SYSTEM } from '../../../main/epr/mapping';
import type { AttestedTranscription } from '../../../shared/domain/transcription';
import type { OutboxItem, OutboxState } from '../../../main/epr/outbox';
import { http, StubEpr } from './support/stub-epr';
import type { FiledImage } from '../../../shared/domain/clinical-image';
import { filedImage } from './support/filed-images';
import { sampleTranscription } from './support/transcriptions';

/**
 * H-012 (the same advice filed twice) and H-013 (originals wiped while the record is missing or
 * altered): each step of filing against a scripted EPR, every HTTP status filing treats specially,
 * and the read-back checks that decide "verified". No network: the EPR is a stub that records
 * every request, so each test states exactly what was sent.
 */
const NOW = Date.UTC(2024, 2, 31, 12, 0, 0);

/** A real PNG, filed with one of the sample's messages. */
function pngImage(attachmentId: string, messageId: string): FiledImage {
  return filedImage('photo.png', { attachmentId, messageId, consent: { status: 'not-applicable', shows: 'ECG trace' }, creation: '2024-03-31T00:45:00Z', orientation: 1 });
}

function setUp(profile: Partial<EprProfile> = {}, identifierSearchProven = true, transcription = sampleTranscription()) {
  const epr = new StubEpr();
  // No settle window unless a test sets one: each test states when the earlier push was.
  const target: FilingTarget = { connection: epr, profile: { ...ASSUMED_PROFILE, resendSettleMs: 0, ...profile }, identifierSearchProven };
  const saved: OutboxState[] = [];
  const item = (state: OutboxState): OutboxItem => ({
    identifier: transcription.identifier,
    transcription,
    attachmentSha256: transcriptAttachment(transcription).sha256Hex,
    eprId: 'epr-1',
    eprLabel: 'Test EPR',
    state,
    updatedAt: NOW,
  });
  /** Each time filing kept, for later sessions, that a search by identifier found a note. */
  const proofs: number[] = [];
  const step = (state: OutboxState) => filingStep(item(state), { target, save: async (next) => void saved.push(next), now: () => NOW, identifierSearchProven: async (proven) => void proofs.push(proven ? NOW : -NOW) });
  const correlationId = transcription.identifier.slice('urn:uuid:'.length);
  const ours = (id: string): DocumentReference => ({ ...toDocumentReference(transcription), id });
  /** The wipe's second read of a note verified earlier (no save: its state never changes). */
  const recheck = (state: OutboxState) => recheckFiled(item(state), { target, save: async (next) => void saved.push(next), now: () => NOW });
  return { transcription, epr, target, saved, step, recheck, correlationId, ours, proofs };
}

describe('queued', () => {
  it('a valid transcription moves to sending in the profile\'s mode, with no push yet', async () => {
    expect(await setUp().step({ kind: 'queued' })).toEqual({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(await setUp({ write: 'transaction' }).step({ kind: 'queued' })).toEqual({ kind: 'sending', pushes: 0, mode: 'transaction' });
  });

  it('a transcription that would make an invalid DocumentReference, or an invalid Provenance, is stopped before anything is sent', async () => {
    // A control character is no valid FHIR string: the patient's name is only in the document, the transcriber's only in the Provenance.
    const sample = sampleTranscription();
    const documentOnly = { ...sample, patient: { ...sample.patient, name: 'Jane\u0001Testpatient' } };
    const provenanceOnly = { ...sample, transcriber: { ...sample.transcriber, name: 'Sam\u0001Clerk' } };
    for (const transcription of [documentOnly, provenanceOnly]) {
      const { step, epr } = setUp({}, true, transcription);
      expect(await step({ kind: 'queued' })).toEqual({ kind: 'failed', reason: 'invalid-resource', pushes: 0 });
      expect(epr.calls).toEqual([]);
    }
  });

  it('terminal states are left as they are', async () => {
    const { step, epr } = setUp();
    const verified: OutboxState = { kind: 'verified', documentReferenceId: 'doc-1', verifiedAt: '2024-03-31T12:00:00.000Z', provenance: { kind: 'filed' } };
    expect(await step(verified)).toBe(verified);
    expect(epr.calls).toEqual([]);
  });
});

describe('the first push', () => {
  it('two creates: the document, unconditionally when the EPR has no conditional create, saved as one push before it is sent', async () => {
    const { step, epr, saved, correlationId } = setUp();
    const state = await step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(saved).toEqual([{ kind: 'sending', pushes: 1, mode: 'individual', since: NOW }]);
    expect(epr.calls).toEqual([{ method: 'create', what: 'DocumentReference', ifNoneExist: undefined, correlationId }]);
    expect(state).toEqual({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'pending' }, since: NOW });
  });

  it('If-None-Exist names our identifier when the EPR takes conditional creates', async () => {
    const { step, epr, transcription } = setUp({ conditionalCreate: true });
    await step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(epr.calls[0]!.ifNoneExist).toBe(`identifier=${URI_SYSTEM}|${transcription.identifier}`);
    expect(identifierQuery(transcription.identifier)).toBe(`identifier=urn:ietf:rfc:3986|${transcription.identifier}`);
  });

  it('an EPR that keeps no Provenance: the document is filed and the Provenance kept locally', async () => {
    const { step } = setUp({ provenance: 'keep-locally' });
    const state = await step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(state).toMatchObject({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'kept-locally', why: 'not-supported' } });
    if (state.kind === 'filed' && state.provenance.kind === 'kept-locally') {
      expect(state.provenance.resource.target).toEqual([{ reference: 'DocumentReference/doc-1' }]);
      expect(state.provenance).not.toHaveProperty('serverReason');
    }
  });

  it('a transaction files both, and records the Provenance id', async () => {
    const { step, epr, saved } = setUp({ write: 'transaction' });
    const state = await step({ kind: 'sending', pushes: 0, mode: 'transaction' });
    expect(saved).toEqual([{ kind: 'sending', pushes: 1, mode: 'transaction', since: NOW }]);
    expect(epr.calls.map((call) => [call.method, call.what])).toEqual([['transaction', '2 entries']]);
    expect(state).toEqual({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'prov-2' }, since: NOW });
  });

  it('a transaction answered without the Provenance entry: filed, with no Provenance id', async () => {
    const { step, epr } = setUp({ write: 'transaction' });
    epr.script.transaction = () => [{ id: 'doc-9', versionId: '1', created: true }];
    expect(await step({ kind: 'sending', pushes: 0, mode: 'transaction' })).toEqual({ kind: 'filed', documentReferenceId: 'doc-9', provenance: { kind: 'filed' }, since: NOW });
  });

  it.each([404, 405, 501])('a transaction refused with %i (no transaction endpoint): nothing applied, two creates from now on, the push not counted', async (status) => {
    const { step, epr, target } = setUp({ write: 'transaction' });
    epr.script.transaction = http(status);
    expect(await step({ kind: 'sending', pushes: 0, mode: 'transaction' })).toEqual({ kind: 'sending', pushes: 0, mode: 'individual', since: NOW });
    expect(target.profile.write).toBe('individual');
  });

  it.each([400, 403])('a transaction refused with %i may have run first (an authorisation check on the response): two creates from now on, after a search (once the settle window has passed)', async (status) => {
    const { step, epr, target } = setUp({ write: 'transaction' });
    epr.script.transaction = http(status);
    expect(await step({ kind: 'sending', pushes: 0, mode: 'transaction' })).toEqual({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW });
    expect(target.profile.write).toBe('individual');
  });

  it.each([
    ['422 (the content breaks the server\'s rules)', http(422)],
    ['500', http(500)],
    ['a timeout', new EprRequestError('timeout', undefined, undefined)],
    ['an auth failure with 400', new EprRequestError('auth', 400, undefined)],
    ['a programming error', new TypeError('boom')],
  ])('a transaction failing with %s is thrown to the runner, the profile unchanged', async (_, error) => {
    const { step, epr, target } = setUp({ write: 'transaction' });
    epr.script.transaction = error;
    await expect(step({ kind: 'sending', pushes: 0, mode: 'transaction' })).rejects.toBe(error);
    expect(target.profile.write).toBe('transaction');
  });

  it('an EPR missing a status still refuses nothing it does not know', async () => {
    const { step, epr } = setUp({ write: 'transaction' });
    const error = new EprRequestError('http', undefined, undefined);
    epr.script.transaction = error;
    await expect(step({ kind: 'sending', pushes: 0, mode: 'transaction' })).rejects.toBe(error);
  });
});

describe('a push that may repeat an earlier one searches first', () => {
  it('found once by identifier: filed as that document, nothing sent again', async () => {
    const { step, epr, saved, ours, transcription, correlationId } = setUp({ provenance: 'keep-locally' });
    epr.script.search = () => [ours('doc-7')];
    const state = await step({ kind: 'sending', pushes: 1, mode: 'individual' });
    expect(epr.calls).toEqual([{ method: 'search', what: `DocumentReference?identifier=${URI_SYSTEM}|${transcription.identifier}`, correlationId }]);
    expect(saved).toEqual([]);
    expect(state).toMatchObject({ kind: 'filed', documentReferenceId: 'doc-7', provenance: { kind: 'kept-locally', why: 'not-supported' }, since: NOW });
  });

  it('found once, with its Provenance already there: both recorded', async () => {
    const { step, epr, ours } = setUp();
    epr.script.search = (call) =>
      call.what.startsWith('DocumentReference') ? [ours('doc-7')] : [{ resourceType: 'Provenance', id: 'prov-3', target: [{ reference: 'https://epr.test/fhir/DocumentReference/doc-7' }] } as Provenance];
    expect(await step({ kind: 'sending', pushes: 2, mode: 'individual' })).toEqual({ kind: 'filed', documentReferenceId: 'doc-7', provenance: { kind: 'filed', id: 'prov-3' }, since: NOW });
    expect(epr.calls.map((call) => call.what)).toContain('Provenance?target=DocumentReference/doc-7');
  });

  it('found once, its Provenance not there: the Provenance is owed', async () => {
    const { step, epr, ours } = setUp();
    epr.script.search = (call) => (call.what.startsWith('DocumentReference') ? [ours('doc-7')] : []);
    expect(await step({ kind: 'sending', pushes: 1, mode: 'individual' })).toEqual({ kind: 'filed', documentReferenceId: 'doc-7', provenance: { kind: 'pending' }, since: NOW });
  });

  it('found once, Provenance not searchable: kept locally as unconfirmed', async () => {
    const { step, epr, ours } = setUp();
    epr.script.search = (call) => {
      if (call.what.startsWith('Provenance')) throw http(403);
      return [ours('doc-7')];
    };
    expect(await step({ kind: 'sending', pushes: 1, mode: 'individual' })).toMatchObject({ kind: 'filed', documentReferenceId: 'doc-7', provenance: { kind: 'kept-locally', why: 'unconfirmed' } });
  });

  it('found once, the Provenance search answering with anything not pointing at it: it proves nothing (kept locally as unconfirmed, never owed and sent again)', async () => {
    const answers: Record<string, unknown[]> = {
      'a Provenance on another note': [{ resourceType: 'Provenance', id: 'prov-9', target: [{ reference: 'DocumentReference/doc-8' }] }],
      'a resource of another type': [{ resourceType: 'DocumentReference', id: 'doc-7' }],
      'a Provenance without an id': [{ resourceType: 'Provenance', target: [{ reference: 'DocumentReference/doc-7' }] }],
    };
    for (const [what, answer] of Object.entries(answers)) {
      const { step, epr, ours } = setUp();
      epr.script.search = (call) => (call.what.startsWith('DocumentReference') ? [ours('doc-7')] : answer);
      expect(await step({ kind: 'sending', pushes: 1, mode: 'individual' }), what).toMatchObject({ kind: 'filed', documentReferenceId: 'doc-7', provenance: { kind: 'kept-locally', why: 'unconfirmed' } });
    }
  });

  it('found once, its Provenance among several targets, or naming it by identifier only beside: still found', async () => {
    const { step, epr, ours } = setUp();
    epr.script.search = (call) =>
      call.what.startsWith('DocumentReference')
        ? [ours('doc-7')]
        : [{ resourceType: 'Provenance', id: 'prov-3', target: [{ identifier: { value: 'x' } }, { reference: 'Patient/p-1' }, { reference: 'DocumentReference/doc-7' }] } as Provenance];
    expect(await step({ kind: 'sending', pushes: 1, mode: 'individual' })).toEqual({ kind: 'filed', documentReferenceId: 'doc-7', provenance: { kind: 'filed', id: 'prov-3' }, since: NOW });
  });

  it('found twice: needs attention, naming both', async () => {
    const { step, epr, ours } = setUp();
    epr.script.search = () => [ours('doc-7'), ours('doc-8')];
    expect(await step({ kind: 'sending', pushes: 3, mode: 'individual' })).toEqual({ kind: 'needs-attention', reason: 'multiple-matches', documentReferenceIds: ['doc-7', 'doc-8'], pushes: 3 });
    expect(epr.calls.map((call) => call.method)).toEqual(['search']);
  });

  it('not found: pushed again, counted', async () => {
    const { step, epr, saved, transcription } = setUp();
    expect(await step({ kind: 'sending', pushes: 1, mode: 'individual' })).toMatchObject({ kind: 'filed', documentReferenceId: 'doc-1' });
    expect(saved).toEqual([{ kind: 'sending', pushes: 2, mode: 'individual', since: NOW }]);
    // Looked twice (the second a different query, past any cache) before sending again.
    expect(epr.calls.map((call) => call.what)).toEqual([
      `DocumentReference?identifier=${URI_SYSTEM}|${transcription.identifier}`,
      `DocumentReference?identifier=${URI_SYSTEM}|${transcription.identifier}&_count=50`,
      'DocumentReference',
    ]);
  });

  it('an EPR that cannot be searched by identifier: needs attention, nothing sent', async () => {
    for (const profile of [{ identifierSearch: false }, { identifier: 'dropped' as const }]) {
      const { step, epr } = setUp(profile);
      expect(await step({ kind: 'sending', pushes: 1, mode: 'individual' })).toEqual({ kind: 'needs-attention', reason: 'identifier-search-unsupported', documentReferenceIds: [], pushes: 1 });
      expect(epr.calls).toEqual([]);
    }
  });
});

describe('an EPR no search by identifier has yet found a note on (it may drop identifiers)', () => {
  it('a resend that finds nothing is not sent again: needs attention, for a clinician to check the record', async () => {
    const { step, epr, saved, transcription } = setUp({}, false);
    expect(await step({ kind: 'sending', pushes: 1, mode: 'individual' })).toEqual({ kind: 'needs-attention', reason: 'identifier-unproven', documentReferenceIds: [], pushes: 1 });
    // Both looks were made; nothing was saved as a push, nothing created.
    expect(epr.calls.map((call) => call.what)).toEqual([`DocumentReference?identifier=${URI_SYSTEM}|${transcription.identifier}`, `DocumentReference?identifier=${URI_SYSTEM}|${transcription.identifier}&_count=50`]);
    expect(saved).toEqual([]);
  });

  it('a resend that finds it is filed as that document, as on any EPR', async () => {
    const { step, epr, ours } = setUp({}, false);
    epr.script.search = (call) => (call.what.startsWith('DocumentReference') ? [ours('doc-9')] : []);
    expect(await step({ kind: 'sending', pushes: 1, mode: 'individual' })).toMatchObject({ kind: 'filed', documentReferenceId: 'doc-9' });
    expect(epr.calls.filter((call) => call.method === 'create')).toEqual([]);
  });

  it('a first push (nothing sent before) is sent without any search', async () => {
    const { step, epr } = setUp({}, false);
    expect(await step({ kind: 'sending', pushes: 0, mode: 'individual' })).toMatchObject({ kind: 'filed' });
    expect(epr.calls.map((call) => call.method)).toEqual(['create']);
  });

  /** Files and reads back on an unproven EPR; `search` answers the proving search, given a maker of our documents. */
  const verifiedOnce = async (search?: ((ours: (id: string) => DocumentReference) => unknown[]) | Error) => {
    const world = setUp({}, false);
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    if (search) world.epr.script.search = search instanceof Error ? search : () => search(world.ours);
    const state = await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } });
    return { ...world, state };
  };

  it('once a note is verified, a search by its identifier that finds exactly it proves the search, kept for later sessions', async () => {
    const { state, target, proofs, epr, transcription } = await verifiedOnce((ours) => [ours('doc-1')]);
    expect(state).toMatchObject({ kind: 'verified', documentReferenceId: 'doc-1' });
    expect(target.identifierSearchProven).toBe(true);
    expect(proofs).toEqual([NOW]);
    expect(epr.calls.at(-1)).toMatchObject({ method: 'search', what: `DocumentReference?identifier=${URI_SYSTEM}|${transcription.identifier}` });
  });

  it.each<[string, ((ours: (id: string) => DocumentReference) => unknown[]) | Error]>([
    ['finds nothing', () => []],
    ['finds another document with our identifier', (ours) => [ours('doc-2')]],
    ['finds it twice', (ours) => [ours('doc-1'), ours('doc-2')]],
    ['answers with other documents (the parameter ignored)', (ours) => [ours('doc-1'), { resourceType: 'DocumentReference', id: 'doc-3' }]],
    ['is refused', http(400)],
    ['fails transiently', http(503)],
  ])('a proving search that %s proves nothing, and the note stays verified', async (_name, search) => {
    const { state, target, proofs } = await verifiedOnce(search);
    expect(state).toMatchObject({ kind: 'verified' });
    expect(target.identifierSearchProven).toBe(false);
    expect(proofs).toEqual([]);
  });

  it('the proving search failing for a reason other than the EPR is not swallowed', async () => {
    const world = setUp({}, false);
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    const bug = new TypeError('a bug');
    world.epr.script.search = bug;
    await expect(world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } })).rejects.toBe(bug);
  });

  it('a read-back showing the identifier no longer kept, on a proven EPR, withdraws the trust (kept for later sessions too)', async () => {
    const world = setUp();
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    const stored = world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
    world.epr.stored.set('DocumentReference/doc-1', { ...stored, identifier: [], masterIdentifier: undefined });
    expect(await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } })).toMatchObject({ kind: 'failed', mismatched: ['identifier-not-kept'] });
    expect(world.target.identifierSearchProven).toBe(false);
    expect(world.proofs).toEqual([-NOW]);
  });

  it('other mismatches on a proven EPR leave the trust as it is', async () => {
    const world = setUp();
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    const stored = world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
    world.epr.stored.set('DocumentReference/doc-1', { ...stored, status: 'entered-in-error' });
    await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } });
    expect(world.target.identifierSearchProven).toBe(true);
    expect(world.proofs).toEqual([]);
  });

  it('an EPR already proven is not searched again after a read-back', async () => {
    const world = setUp();
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } })).toMatchObject({ kind: 'verified' });
    expect(world.epr.calls.map((call) => call.method)).not.toContain('search');
    expect(world.proofs).toEqual([]);
  });

  it('a read-back that does not match proves nothing (no search is made)', async () => {
    const world = setUp({}, false);
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    const stored = world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
    world.epr.stored.set('DocumentReference/doc-1', { ...stored, status: 'entered-in-error' });
    expect(await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } })).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch' });
    expect(world.epr.calls.map((call) => call.method)).not.toContain('search');
    expect(world.target.identifierSearchProven).toBe(false);
  });
});

describe('findFiled keeps only documents that carry our identifier exactly', () => {
  const target = (epr: StubEpr, profile: Partial<EprProfile> = {}): FilingTarget => ({ connection: epr, profile: { ...ASSUMED_PROFILE, ...profile }, identifierSearchProven: true });

  it.each([400, 403, 404, 405, 501])('a search refused with %i: unsearchable', async (status) => {
    const epr = new StubEpr();
    epr.script.search = http(status);
    expect(await findFiled(target(epr), 'urn:uuid:x')).toBe('unsearchable');
  });

  it.each([401, 409, 422, 500])('a search failing with %i is thrown', async (status) => {
    const epr = new StubEpr();
    const error = http(status);
    epr.script.search = error;
    await expect(findFiled(target(epr), 'urn:uuid:x')).rejects.toBe(error);
  });

  it('a non-HTTP failure with a refusing status is thrown, not read as unsearchable', async () => {
    const epr = new StubEpr();
    const error = new EprRequestError('auth', 403, undefined);
    epr.script.search = error;
    await expect(findFiled(target(epr), 'urn:uuid:x')).rejects.toBe(error);
  });

  it('by identifier or masterIdentifier, with our system and value', async () => {
    const epr = new StubEpr();
    const byIdentifier = { resourceType: 'DocumentReference', id: 'a', identifier: [{ system: 'other', value: 'urn:uuid:x' }, { system: URI_SYSTEM, value: 'urn:uuid:x' }] };
    const byMaster = { resourceType: 'DocumentReference', id: 'b', masterIdentifier: { system: URI_SYSTEM, value: 'urn:uuid:x' } };
    epr.script.search = () => [byIdentifier, byMaster];
    expect((await findFiled(target(epr), 'urn:uuid:x')) as DocumentReference[]).toEqual([byIdentifier, byMaster]);
  });

  it.each([
    ['another value', { resourceType: 'DocumentReference', id: 'c', identifier: [{ system: URI_SYSTEM, value: 'urn:uuid:y' }] }],
    ['another system', { resourceType: 'DocumentReference', id: 'c', masterIdentifier: { system: 'urn:other', value: 'urn:uuid:x' } }],
    ['no identifier', { resourceType: 'DocumentReference', id: 'c' }],
    ['no id', { resourceType: 'DocumentReference', identifier: [{ system: URI_SYSTEM, value: 'urn:uuid:x' }] }],
    ['another resource type', { resourceType: 'Binary', id: 'c', identifier: [{ system: URI_SYSTEM, value: 'urn:uuid:x' }] }],
  ])('an answer holding a document with %s means the parameter was ignored: unsearchable', async (_, other) => {
    const epr = new StubEpr();
    epr.script.search = () => [{ resourceType: 'DocumentReference', id: 'a', masterIdentifier: { system: URI_SYSTEM, value: 'urn:uuid:x' } }, other];
    expect(await findFiled(target(epr), 'urn:uuid:x')).toBe('unsearchable');
  });

  it('no documents: none', async () => {
    expect(await findFiled(target(new StubEpr()), 'urn:uuid:x')).toEqual([]);
  });
});

describe('the Provenance after two creates', () => {
  it('pending: created conditionally on its target where the EPR can, then filed', async () => {
    const { step, epr, saved, correlationId } = setUp({ conditionalCreate: true });
    const state = await step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'pending' } });
    expect(saved).toEqual([{ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'sending', pushes: 1 }, since: NOW }]);
    expect(epr.calls).toEqual([{ method: 'create', what: 'Provenance', ifNoneExist: 'target=DocumentReference/doc-1', correlationId }]);
    expect(state).toEqual({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'prov-1' } });
  });

  it('pending, without conditional create: sent plainly', async () => {
    const { step, epr } = setUp();
    await step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'pending' } });
    expect(epr.calls[0]).toMatchObject({ method: 'create', what: 'Provenance', ifNoneExist: undefined });
  });

  it('the profile changed to keep-locally: kept, nothing sent', async () => {
    const { step, epr } = setUp({ provenance: 'keep-locally' });
    expect(await step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'pending' } })).toMatchObject({ provenance: { kind: 'kept-locally', why: 'not-supported' } });
    expect(epr.calls).toEqual([]);
  });

  it('sent before (maybe applied): searched first; found means filed, not sent again', async () => {
    const { step, epr } = setUp();
    epr.script.search = () => [{ resourceType: 'Provenance', id: 'prov-5', target: [{ reference: 'DocumentReference/doc-1' }] }];
    expect(await step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'sending', pushes: 1 } })).toEqual({
      kind: 'filed',
      documentReferenceId: 'doc-1',
      provenance: { kind: 'filed', id: 'prov-5' },
    });
    expect(epr.calls.map((call) => call.method)).toEqual(['search']);
  });

  it('sent before, not found: never sent again (it may still be committing, or search by target may not work), kept locally as unconfirmed', async () => {
    const { step, epr, saved, transcription } = setUp();
    const state = await step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'sending', pushes: 2 } });
    expect(state).toMatchObject({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'kept-locally', why: 'unconfirmed', resource: { resourceType: 'Provenance', target: [{ reference: 'DocumentReference/doc-1' }] } } });
    expect(saved).toEqual([]);
    expect(epr.calls.map((call) => call.what)).toEqual(['Provenance?target=DocumentReference/doc-1']);
    void transcription;
  });

  it('sent before, cannot tell: kept locally as unconfirmed, never sent twice', async () => {
    const { step, epr } = setUp();
    epr.script.search = () => [{ resourceType: 'Provenance', id: 'p', target: [{ reference: 'DocumentReference/other' }] }];
    expect(await step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'sending', pushes: 1 } })).toMatchObject({ provenance: { kind: 'kept-locally', why: 'unconfirmed' } });
    expect(epr.calls.map((call) => call.method)).toEqual(['search']);
  });

  it('a transient failure of the Provenance search is thrown', async () => {
    const { step, epr } = setUp();
    const error = http(503);
    epr.script.search = error;
    await expect(step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'sending', pushes: 1 } })).rejects.toBe(error);
  });

  it.each([405, 404, 501])('refused with %i: the EPR cannot take Provenance; kept locally, and not tried again', async (status) => {
    const { step, epr, target } = setUp();
    epr.script.create = http(status, 'read-only');
    expect(await step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'pending' } })).toMatchObject({
      provenance: { kind: 'kept-locally', why: 'not-supported', serverReason: 'read-only' },
    });
    expect(target.profile.provenance).toBe('keep-locally');
  });

  it('a 501 (Not Implemented) is an answer, not an outage: never retried, unlike the other 5xx', () => {
    expect(http(501).transient).toBe(false);
    expect([500, 502, 503, 504].map((status) => http(status).transient)).toEqual([true, true, true, true]);
  });

  it.each([400, 403, 422])('refused with %i: kept locally as refused, with the server\'s reason; the profile unchanged', async (status) => {
    const { step, epr, target } = setUp();
    epr.script.create = http(status, 'no permission');
    expect(await step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'pending' } })).toMatchObject({
      provenance: { kind: 'kept-locally', why: 'refused', serverReason: 'no permission' },
    });
    expect(target.profile.provenance).toBe('create');
  });

  it('a refusal without a reason keeps none', async () => {
    const { step, epr } = setUp();
    epr.script.create = http(403);
    const state = await step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'pending' } });
    expect(state.kind === 'filed' && state.provenance).not.toHaveProperty('serverReason');
  });

  it.each([
    ['a 500', http(500)],
    ['a timeout', new EprRequestError('timeout', undefined, undefined)],
    ['a programming error', new TypeError('boom')],
  ])('%s while creating it is thrown to the runner', async (_, error) => {
    const { step, epr } = setUp();
    epr.script.create = error;
    await expect(step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'pending' } })).rejects.toBe(error);
  });
});

describe('read-back', () => {
  async function filedAndRead(change?: (document: DocumentReference) => DocumentReference, profile: Partial<EprProfile> = {}) {
    const world = setUp(profile);
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    const stored = world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
    if (change) world.epr.stored.set('DocumentReference/doc-1', change(stored));
    const state = await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } });
    return { ...world, state };
  }

  it('what was filed, read back unchanged: verified, at the time it was checked', async () => {
    const { state, epr, correlationId } = await filedAndRead();
    expect(state).toEqual({ kind: 'verified', documentReferenceId: 'doc-1', verifiedAt: '2024-03-31T12:00:00.000Z', provenance: { kind: 'filed', id: 'p' } });
    expect(epr.calls.at(-1)).toEqual({ method: 'read', what: 'DocumentReference/doc-1', correlationId });
  });

  it('a document without our identifier is never verified', async () => {
    const { state } = await filedAndRead((document) => ({ ...document, identifier: [], masterIdentifier: undefined }));
    // Nothing foreign in its place: worded as the server not keeping it, still never verified.
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['identifier-not-kept'], documentReferenceId: 'doc-1', pushes: 1, provenance: { kind: 'filed', id: 'p' } });
  });

  it.each<[string, (document: DocumentReference) => DocumentReference, string[]]>([
    ['another date', (document) => ({ ...document, date: '2020-01-01T00:00:00Z' }), ['date']],
    ['no date', (document) => ({ ...document, date: undefined }), ['date']],
    ['no author', (document) => ({ ...document, author: [] }), ['author']],
    ['another Wardscribe user as author', (document) => ({ ...document, author: [{ identifier: { system: 'https://wardscribe.nhs.uk/Id/user', value: 'someone-else' } }] }), ['author']],
    ['another organisation as custodian', (document) => ({ ...document, custodian: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'ZZZ99' } } }), ['custodian']],
  ])('%s: a mismatch naming it, never verified', async (_name, change, fields) => {
    const { state } = await filedAndRead(change);
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: fields });
  });

  it.each<[string, (document: DocumentReference) => DocumentReference]>([
    ['the date written with an offset and no fraction', (document) => ({ ...document, date: new Date(Date.parse(document.date!)).toISOString().replace(/\.\d{3}Z$/, '+00:00') })],
    ['the author resolved to the server\u2019s own Practitioner reference', (document) => ({ ...document, author: [{ reference: 'Practitioner/123' }] })],
    ['the custodian resolved to a reference', (document) => ({ ...document, custodian: { reference: 'Organization/RX1' } })],
    ['no custodian kept', (document) => ({ ...document, custodian: undefined })],
  ])('%s: still verified (how the server writes it, not a different note)', async (_name, change) => {
    const { state } = await filedAndRead(change);
    expect(state).toMatchObject({ kind: 'verified' });
  });

  describe('the attester, identified by the national systems (#15)', () => {
    const attested = (attester: Partial<AttestedTranscription['attester']>) => sampleTranscription({ attester: { userId: 'u-fy1-2', name: 'Dr Priya Shah', role: 'Foundation doctor FY1', ...attester } });
    async function readWith(transcription: AttestedTranscription, author: DocumentReference['author']) {
      const world = setUp({}, true, transcription);
      await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
      const stored = world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
      world.epr.stored.set('DocumentReference/doc-1', { ...stored, author });
      return world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } });
    }
    it.each<[string, Partial<AttestedTranscription['attester']>, { system: string; value: string }]>([
      ['SDS user ID', { sdsUserId: '555021935107', registration: { body: 'GMC', number: '7654321' } }, { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: '555021935107' }],
      ['GMC number', { registration: { body: 'GMC', number: '7654321' } }, { system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: '7654321' }],
      ['the Trust\u2019s own system', { localIdentifier: { system: 'https://trust.example.nhs.uk/Id/staff', value: 'pshah' } }, { system: 'https://trust.example.nhs.uk/Id/staff', value: 'pshah' }],
    ])('by %s: filed so, verified as filed, and someone else under that system is an author mismatch', async (_name, ids, identifier) => {
      const transcription = attested(ids);
      expect(toDocumentReference(transcription).author).toEqual([expect.objectContaining({ identifier })]);
      expect(await readWith(transcription, [{ identifier }])).toMatchObject({ kind: 'verified' });
      expect(await readWith(transcription, [{ identifier: { ...identifier, value: `${identifier.value}9` } }])).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['author'] });
      // Another system altogether (the server's own numbering) is how it writes authors, not another person.
      expect(await readWith(transcription, [{ identifier: { system: 'https://epr.example/staff', value: '42' } }])).toMatchObject({ kind: 'verified' });
    });
    it('with none of them, named only: never under a namespace Wardscribe does not own', async () => {
      const transcription = attested({});
      const document = toDocumentReference(transcription);
      expect(document.author).toEqual([{ display: 'Dr Priya Shah, Foundation doctor FY1' }]);
      expect(JSON.stringify([document, toProvenance(transcription, { reference: 'DocumentReference/doc-1' })])).not.toContain('wardscribe.nhs.uk/Id/user');
      expect(await readWith(transcription, document.author)).toMatchObject({ kind: 'verified' });
    });
  });

  it('changed text is a content mismatch', async () => {
    const { state } = await filedAndRead((document) => ({ ...document, content: [{ attachment: { ...document.content[0]!.attachment, data: Buffer.from('other').toString('base64') } }] }));
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['content'] });
  });

  it('content moved to a Binary is fetched and compared', async () => {
    const world = setUp();
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    const stored = world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
    const bytes = Buffer.from(stored.content[0]!.attachment.data!, 'base64');
    world.epr.stored.set('DocumentReference/doc-1', { ...stored, content: [{ attachment: { contentType: 'text/plain', url: 'Binary/b1' } }] });
    world.epr.script.readAttachment = () => bytes;
    expect(await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' } })).toMatchObject({ kind: 'verified' });
    expect(world.epr.calls.at(-1)).toMatchObject({ method: 'readAttachment', what: 'Binary/b1' });
  });

  it('a Binary that cannot be read (refused): a content mismatch, not verified', async () => {
    const world = setUp();
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    const stored = world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
    world.epr.stored.set('DocumentReference/doc-1', { ...stored, content: [{ attachment: { contentType: 'text/plain', url: 'Binary/b1' } }] });
    world.epr.script.readAttachment = http(403);
    expect(await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' } })).toMatchObject({ kind: 'failed', mismatched: ['content'] });
  });

  it('a Binary read failing transiently is thrown (tried again later)', async () => {
    const world = setUp();
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    const stored = world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
    world.epr.stored.set('DocumentReference/doc-1', { ...stored, content: [{ attachment: { contentType: 'text/plain', url: 'Binary/b1' } }] });
    const error = http(503);
    world.epr.script.readAttachment = error;
    await expect(world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' } })).rejects.toBe(error);
  });

  it('a document with no content at all: a content mismatch, not verified (and no failure thrown)', async () => {
    const { state } = await filedAndRead((document) => ({ ...document, content: undefined as unknown as DocumentReference['content'] }));
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['content'] });
  });

  describe('images the EPR moved to a Binary', () => {
    /** A note with two images, filed; then the stored document rewritten as the EPR would keep it. */
    async function filedWithImages(keep: (image: { url: string; data: string }, index: number) => Partial<Attachment> | undefined) {
      const transcription = sampleTranscription({ images: [pngImage('0b7f5e3a-2c41-4d7e-9a55-0f1e2d3c4b5a', 'msg-101'), pngImage('1c8a6f4b-3d52-4e8f-8b66-1a2b3c4d5e6f', 'msg-104')] });
      const world = setUp({}, true, transcription);
      await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
      const stored = world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
      const [text, ...images] = stored.content;
      const bytesAt = new Map<string, Buffer>();
      const content = images.map((entry, index) => {
        const url = `Binary/image-${index}`;
        bytesAt.set(url, Buffer.from(entry.attachment.data!, 'base64'));
        const kept = keep({ url, data: entry.attachment.data! }, index);
        if (kept === undefined) return {} as DocumentReference['content'][number];
        const { data: _data, ...rest } = entry.attachment;
        return { ...entry, attachment: { ...rest, ...kept } };
      });
      world.epr.stored.set('DocumentReference/doc-1', { ...stored, content: [text!, ...content] });
      world.epr.script.readAttachment = (call) => bytesAt.get(call.what) ?? Buffer.from('other');
      const read = () => world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' } });
      return { ...world, read };
    }

    it('each is fetched from its own address and checked in its place: verified', async () => {
      const world = await filedWithImages(({ url }) => ({ url }));
      expect(await world.read()).toMatchObject({ kind: 'verified' });
      expect(world.epr.calls.filter((call) => call.method === 'readAttachment').map((call) => call.what)).toEqual(['Binary/image-0', 'Binary/image-1']);
    });

    it('an image kept inline is not fetched, even if it also names an address', async () => {
      const world = await filedWithImages(({ url, data }) => ({ url, data }));
      world.epr.script.readAttachment = http(503);
      expect(await world.read()).toMatchObject({ kind: 'verified' });
      expect(world.epr.calls.filter((call) => call.method === 'readAttachment')).toEqual([]);
    });

    it('an image entry with no attachment at all: an image mismatch, not a failure thrown', async () => {
      const world = await filedWithImages(({ url }, index) => (index === 0 ? undefined : { url }));
      expect(await world.read()).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['images'] });
    });

    it('an image Binary refused (403): an image mismatch, never verified', async () => {
      const world = await filedWithImages(({ url }) => ({ url }));
      world.epr.script.readAttachment = http(403);
      expect(await world.read()).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['images'] });
    });

    it('an image Binary failing transiently is thrown (tried again later)', async () => {
      const world = await filedWithImages(({ url }) => ({ url }));
      const error = http(503);
      world.epr.script.readAttachment = error;
      await expect(world.read()).rejects.toBe(error);
    });

    it('an image Binary on another origin: content-elsewhere, naming it, never verified', async () => {
      const world = await filedWithImages(({ url }) => ({ url }));
      world.epr.script.readAttachment = new EprRequestError('elsewhere', undefined, undefined, 'https://cdn.other.example');
      expect(await world.read()).toEqual({ kind: 'failed', reason: 'content-elsewhere', serverReason: 'https://cdn.other.example', documentReferenceId: 'doc-1', pushes: 1, provenance: { kind: 'filed' } });
    });
  });

  it.each([404, 410])('the document gone (%i): failed as read-back-missing with the status', async (status) => {
    const { step, epr } = setUp();
    epr.script.read = http(status);
    expect(await step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' } })).toEqual({
      kind: 'failed',
      reason: 'read-back-missing',
      httpStatus: status,
      documentReferenceId: 'doc-1',
      pushes: 1,
      provenance: { kind: 'filed' },
    });
  });

  it.each([
    ['401', http(401)],
    ['403', http(403)],
    ['500', http(500)],
    ['a timeout', new EprRequestError('timeout', undefined, undefined)],
    ['an auth failure with 404', new EprRequestError('auth', 404, undefined)],
  ])('a read failing with %s is thrown to the runner, never read as verified or missing', async (_, error) => {
    const { step, epr } = setUp();
    epr.script.read = error;
    await expect(step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' } })).rejects.toBe(error);
  });

  it('a literal subject reference: the Patient is read and its NHS number must be ours', async () => {
    const other = await filedAndRead((document) => ({ ...document, subject: { reference: 'Patient/p1' } }));
    expect(other.state).toMatchObject({ kind: 'failed', mismatched: ['subject'] });
    expect(other.epr.calls.map((call) => call.what)).toContain('Patient/p1');

    const world = setUp();
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    const stored = world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
    world.epr.stored.set('DocumentReference/doc-1', { ...stored, subject: { reference: 'Patient/p1' } });
    world.epr.stored.set('Patient/p1', { resourceType: 'Patient', id: 'p1', identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: world.transcription.patient.nhsNumber }] });
    expect(await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' } })).toMatchObject({ kind: 'verified' });
  });

  it('a Patient read refused is a subject mismatch; a transient one is thrown', async () => {
    const refused = setUp();
    await refused.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    const stored = refused.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
    refused.epr.stored.set('DocumentReference/doc-1', { ...stored, subject: { reference: 'Patient/p1' } });
    const read = refused.epr.read.bind(refused.epr);
    refused.epr.script.read = (call) => {
      if (call.what.startsWith('Patient')) throw http(403);
      return refused.epr.stored.get(call.what);
    };
    expect(await refused.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' } })).toMatchObject({ kind: 'failed', mismatched: ['subject'] });
    void read;

    refused.epr.script.read = (call) => {
      if (call.what.startsWith('Patient')) throw http(502);
      return refused.epr.stored.get(call.what);
    };
    await expect(refused.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' } })).rejects.toMatchObject({ status: 502 });
  });
});

describe('the transaction bundle', () => {
  it('posts the document conditionally on its identifier and the Provenance on its target, under fresh fullUrls', () => {
    const transcription = sampleTranscription();
    const document = toDocumentReference(transcription);
    const bundle = filingBundle(transcription, document, identifierQuery(transcription.identifier));
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
    const [first, second] = bundle.entry!;
    expect(first!.resource).toBe(document);
    expect(first!.request).toEqual({ method: 'POST', url: 'DocumentReference', ifNoneExist: identifierQuery(transcription.identifier) });
    expect(second!.request).toEqual({ method: 'POST', url: 'Provenance', ifNoneExist: `target=${first!.fullUrl}` });
    expect((second!.resource as Provenance).target).toEqual([{ reference: first!.fullUrl }]);
    expect(first!.fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(second!.fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(first!.fullUrl).not.toBe(transcription.identifier);
    expect(second!.fullUrl).not.toBe(first!.fullUrl);
  });

  it('without conditional create, no If-None-Exist at all', () => {
    const transcription = sampleTranscription();
    const bundle = filingBundle(transcription, toDocumentReference(transcription), undefined);
    expect(bundle.entry!.map((entry) => entry.request)).toEqual([
      { method: 'POST', url: 'DocumentReference' },
      { method: 'POST', url: 'Provenance' },
    ]);
  });
});

describe('the settle window before a resend (no update-create)', () => {
  /** A step at `now`, the item last saved at `updatedAt`. */
  function at(now: number, profile: Partial<EprProfile>, updatedAt = NOW) {
    const world = setUp(profile);
    const item = (state: OutboxState): OutboxItem => ({
      identifier: world.transcription.identifier,
      transcription: world.transcription,
      attachmentSha256: transcriptAttachment(world.transcription).sha256Hex,
      eprId: 'epr-1',
      eprLabel: 'Test EPR',
      state,
      updatedAt,
    });
    const step = (state: OutboxState, requestTimeoutMs?: number) =>
      filingStep(item(state), { target: world.target, save: async (next) => void world.saved.push(next), now: () => now, ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}) });
    return { ...world, step };
  }

  it('inside the window counted from the last push: waiting to confirm, nothing asked of the EPR', async () => {
    const { step, epr, saved } = at(NOW + 59_999, { resendSettleMs: 60_000 });
    expect(await step({ kind: 'sending', pushes: 2, mode: 'transaction', since: NOW })).toEqual({ kind: 'sending', pushes: 2, mode: 'transaction', since: NOW, confirmAt: NOW + 60_000 });
    expect(epr.calls).toEqual([]);
    expect(saved).toEqual([]);
  });

  it('at the end of the window: looks (twice) and, finding nothing, sends again', async () => {
    const { step, epr } = at(NOW + 60_000, { resendSettleMs: 60_000 });
    expect(await step({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW })).toMatchObject({ kind: 'filed' });
    expect(epr.calls.map((call) => call.method)).toEqual(['search', 'search', 'create']);
  });

  it('a first look that finds it needs no second', async () => {
    const { step, epr, ours } = at(NOW, { resendSettleMs: 0, provenance: 'keep-locally' });
    epr.script.search = () => [ours('doc-4')];
    expect(await step({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW })).toMatchObject({ kind: 'filed', documentReferenceId: 'doc-4' });
    expect(epr.calls.map((call) => call.method)).toEqual(['search']);
  });

  it('a second look that finds it (the first answered before the commit): filed as that one, not sent again', async () => {
    const { step, epr, ours } = at(NOW, { resendSettleMs: 0, provenance: 'keep-locally' });
    let looks = 0;
    epr.script.search = () => (looks++ === 0 ? [] : [ours('doc-5')]);
    expect(await step({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW })).toMatchObject({ kind: 'filed', documentReferenceId: 'doc-5' });
    expect(epr.calls.map((call) => call.method)).toEqual(['search', 'search']);
  });

  it('with no push time stored (a state from before), the window counts from when the item was last saved', async () => {
    const { step } = at(NOW + 1_000, { resendSettleMs: 5_000 }, NOW - 2_000);
    expect(await step({ kind: 'sending', pushes: 1, mode: 'individual' })).toEqual({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW - 2_000, confirmAt: NOW + 3_000 });
  });

  it('by default: two minutes, or the request timeout when that is longer', async () => {
    const { resendSettleMs: _unset, ...assumed } = { ...ASSUMED_PROFILE, resendSettleMs: undefined };
    const defaults = at(NOW, assumed);
    defaults.target.profile = assumed;
    expect(await defaults.step({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW })).toMatchObject({ confirmAt: NOW + 120_000 });
    expect(await defaults.step({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW }, 300_000)).toMatchObject({ confirmAt: NOW + 300_000 });
    expect(await defaults.step({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW }, 1_000)).toMatchObject({ confirmAt: NOW + 120_000 });
  });

  it('a first push (nothing sent before) does not wait', async () => {
    const { step, epr } = at(NOW, { resendSettleMs: 60_000 });
    expect(await step({ kind: 'sending', pushes: 0, mode: 'individual' })).toMatchObject({ kind: 'filed' });
    expect(epr.calls.map((call) => call.method)).toEqual(['create']);
  });
});

describe('an EPR that creates on PUT: written to ids derived from the identifier', () => {
  it('the ids depend on the identifier alone, differ per resource type, and are valid FHIR ids', () => {
    const one = sampleTranscription().identifier;
    expect(documentIdFor(one)).toBe(documentIdFor(one));
    expect(documentIdFor(one)).not.toBe(documentIdFor(sampleTranscription().identifier));
    expect(documentIdFor(one)).not.toBe(provenanceIdFor(one));
    expect(documentIdFor(one)).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(documentIdFor(one)).not.toContain(one.slice('urn:uuid:'.length));
  });

  it('as a transaction: both PUT to their ids, filed at the document id; a resend reads the id first (nothing there) and is the same transaction, with no search', async () => {
    const { step, epr, transcription } = setUp({ updateCreate: true, write: 'transaction' });
    let bundle: Bundle | undefined;
    epr.script.transaction = (_call, input) => {
      bundle = input as Bundle;
      return bundle.entry!.map((entry) => ({ id: (entry.resource as { id: string }).id, versionId: '1', created: true }));
    };
    const id = documentIdFor(transcription.identifier);
    expect(await step({ kind: 'sending', pushes: 3, mode: 'transaction' })).toEqual({ kind: 'filed', documentReferenceId: id, provenance: { kind: 'filed', id: provenanceIdFor(transcription.identifier) }, since: NOW });
    expect(bundle!.entry!.map((entry) => [entry.request!.method, entry.request!.url])).toEqual([
      ['PUT', `DocumentReference/${id}`],
      ['PUT', `Provenance/${provenanceIdFor(transcription.identifier)}`],
    ]);
    expect((bundle!.entry![1]!.resource as Provenance).target[0]!.reference).toBe(`DocumentReference/${id}`);
    expect(epr.calls.map((call) => call.method)).toEqual(['read', 'transaction']);
  });

  it('a resend that finds the document at its id writes nothing over it (the EPR may have changed it): read-back judges it as it stands', async () => {
    const { step, epr, transcription, ours } = setUp({ updateCreate: true, write: 'individual', provenance: 'keep-locally' });
    const id = documentIdFor(transcription.identifier);
    epr.script.read = () => ({ ...ours(id), status: 'entered-in-error' });
    const state = await step({ kind: 'sending', pushes: 1, mode: 'individual' });
    expect(state).toMatchObject({ kind: 'filed', documentReferenceId: id });
    expect(epr.calls.map((call) => call.method)).toEqual(['read']);
  });

  it('a resend that finds its note gone (410: it landed, and the EPR deleted it) stops, writing nothing, and says so', async () => {
    const { step, epr, transcription } = setUp({ updateCreate: true, write: 'individual', provenance: 'keep-locally' });
    const id = documentIdFor(transcription.identifier);
    epr.script.read = http(410);
    expect(await step({ kind: 'sending', pushes: 1, mode: 'individual' })).toEqual({ kind: 'failed', reason: 'read-back-missing', httpStatus: 410, documentReferenceId: id, pushes: 1 });
    expect(epr.calls.map((call) => call.method)).toEqual(['read']);
  });

  it('a resend that finds nothing ever there (404) writes it', async () => {
    const { step, epr } = setUp({ updateCreate: true, write: 'individual', provenance: 'keep-locally' });
    epr.script.read = http(404);
    expect(await step({ kind: 'sending', pushes: 1, mode: 'individual' })).toMatchObject({ kind: 'filed' });
    expect(epr.calls.map((call) => call.method)).toEqual(['read', 'update']);
  });

  it('a resend whose read fails for any other reason writes nothing and stops nothing: the failure is thrown, to be tried again', async () => {
    // A 503 is an outage, not "deleted"; a sign-in service answering 404 or 410 says nothing about the note.
    for (const failure of [new EprRequestError('http', 503, undefined), new EprRequestError('auth', 404, undefined), new EprRequestError('auth', 410, undefined)]) {
      const { step, epr } = setUp({ updateCreate: true, write: 'individual', provenance: 'keep-locally' });
      epr.script.read = failure;
      await expect(step({ kind: 'sending', pushes: 1, mode: 'individual' })).rejects.toBe(failure);
      expect(epr.calls.map((call) => call.method)).toEqual(['read']);
    }
  });

  it('the first push writes without reading: nothing of ours can be there yet', async () => {
    const { step, epr } = setUp({ updateCreate: true, write: 'individual' });
    await step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(epr.calls.map((call) => call.method)).toEqual(['update']);
  });

  it('a server that answers with another id did not do what was asked: a protocol failure, tried again', async () => {
    const { step, epr } = setUp({ updateCreate: true, write: 'transaction' });
    epr.script.transaction = () => [{ id: 'server-7', versionId: '1', created: true }, { id: 'p', versionId: '1', created: true }];
    await expect(step({ kind: 'sending', pushes: 0, mode: 'transaction' })).rejects.toMatchObject({ kind: 'protocol' });
    const individual = setUp({ updateCreate: true, write: 'individual' });
    individual.epr.script.update = () => ({ id: 'server-8', versionId: '1', created: true });
    await expect(individual.step({ kind: 'sending', pushes: 0, mode: 'individual' })).rejects.toMatchObject({ kind: 'protocol' });
  });

  it('a refused transaction falls back to PUTs one by one (the push not counted)', async () => {
    const { step, epr, target } = setUp({ updateCreate: true, write: 'transaction' });
    epr.script.transaction = http(405);
    expect(await step({ kind: 'sending', pushes: 0, mode: 'transaction' })).toEqual({ kind: 'sending', pushes: 0, mode: 'individual', since: NOW });
    expect(target.profile.write).toBe('individual');
    const next = setUp({ updateCreate: true, write: 'transaction' });
    next.epr.script.transaction = http(422);
    await expect(next.step({ kind: 'sending', pushes: 0, mode: 'transaction' })).rejects.toMatchObject({ status: 422 });
  });

  it('a Provenance sent before and not found is PUT again to its own id (a repeat is the same Provenance), not kept locally', async () => {
    const { step, epr, transcription } = setUp({ updateCreate: true, write: 'individual' });
    const id = documentIdFor(transcription.identifier);
    const state = await step({ kind: 'filed', documentReferenceId: id, provenance: { kind: 'sending', pushes: 1 } });
    expect(state).toMatchObject({ kind: 'filed', provenance: { kind: 'filed', id: provenanceIdFor(transcription.identifier) } });
    expect(epr.calls.map((call) => `${call.method} ${call.what}`)).toEqual([`search Provenance?target=DocumentReference/${id}`, `update Provenance/${provenanceIdFor(transcription.identifier)}`]);
  });

  it('one by one: the document PUT, its Provenance owed (looked for first after a resend), then PUT too', async () => {
    const first = setUp({ updateCreate: true, write: 'individual' });
    const id = documentIdFor(first.transcription.identifier);
    expect(await first.step({ kind: 'sending', pushes: 0, mode: 'individual' })).toEqual({ kind: 'filed', documentReferenceId: id, provenance: { kind: 'pending' }, since: NOW });
    expect(first.epr.calls.map((call) => `${call.method} ${call.what}`)).toEqual([`update DocumentReference/${id}`]);
    const again = setUp({ updateCreate: true, write: 'individual' });
    expect(await again.step({ kind: 'sending', pushes: 1, mode: 'individual' })).toMatchObject({ provenance: { kind: 'sending', pushes: 1 } });
    expect(await again.step({ kind: 'filed', documentReferenceId: id, provenance: { kind: 'pending' } })).toMatchObject({ provenance: { kind: 'filed', id: provenanceIdFor(again.transcription.identifier) } });
    expect(again.epr.calls.at(-1)).toMatchObject({ method: 'update', what: `Provenance/${provenanceIdFor(again.transcription.identifier)}` });
    const kept = setUp({ updateCreate: true, write: 'individual', provenance: 'keep-locally' });
    expect(await kept.step({ kind: 'sending', pushes: 0, mode: 'individual' })).toMatchObject({ provenance: { kind: 'kept-locally', why: 'not-supported' } });
  });
});

describe('read-back answers that are not a difference in the note', () => {
  async function filedAndRead(change: (document: DocumentReference) => DocumentReference, profile: Partial<EprProfile> = {}) {
    const world = setUp(profile);
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    world.epr.stored.set('DocumentReference/doc-1', change(world.epr.stored.get('DocumentReference/doc-1') as DocumentReference));
    return { ...world, state: await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } }) };
  }

  async function readAt(now: number, since: number | undefined, read: () => unknown) {
    const world = setUp();
    world.epr.script.read = read;
    const item: OutboxItem = {
      identifier: world.transcription.identifier,
      transcription: world.transcription,
      attachmentSha256: transcriptAttachment(world.transcription).sha256Hex,
      eprId: 'epr-1',
      eprLabel: 'Test EPR',
      state: { kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' }, ...(since !== undefined ? { since } : {}) },
      updatedAt: NOW,
    };
    return filingStep(item, { target: world.target, save: async () => undefined, now: () => now });
  }

  it.each([404, 410])('%i within a minute of the create: not yet readable (retried), after it: missing', async (status) => {
    await expect(readAt(NOW + READ_AFTER_WRITE_LAG_MS - 1, NOW, () => { throw http(status); })).rejects.toMatchObject({ kind: 'not-yet-readable', status, transient: true });
    expect(await readAt(NOW + READ_AFTER_WRITE_LAG_MS, NOW, () => { throw http(status); })).toMatchObject({ kind: 'failed', reason: 'read-back-missing', httpStatus: status });
    // A Retry's read-back (no create time): missing at once, as before.
    expect(await readAt(NOW, undefined, () => { throw http(status); })).toMatchObject({ kind: 'failed', reason: 'read-back-missing' });
  });

  it('content at an address on another origin: its own terminal state naming that origin, never verified', async () => {
    const world = setUp();
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    const stored = world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
    world.epr.stored.set('DocumentReference/doc-1', { ...stored, content: [{ attachment: { contentType: 'text/plain', url: 'http://hapi-internal:8080/fhir/Binary/b1' } }] });
    world.epr.script.readAttachment = new EprRequestError('elsewhere', undefined, undefined, 'http://hapi-internal:8080');
    expect(await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed' } })).toEqual({
      kind: 'failed',
      reason: 'content-elsewhere',
      serverReason: 'http://hapi-internal:8080',
      documentReferenceId: 'doc-1',
      pushes: 1,
      provenance: { kind: 'filed' },
    });
  });

  it('a server that keeps identifier but not masterIdentifier: learnt from the first read-back, verified', async () => {
    const { state, target } = await filedAndRead((document) => ({ ...document, masterIdentifier: undefined }));
    expect(state.kind).toBe('verified');
    expect(target.profile.identifier).toBe('identifier-only');
  });

  it('and one that keeps masterIdentifier only, likewise', async () => {
    const { state, target } = await filedAndRead((document) => ({ ...document, identifier: undefined }));
    expect(state.kind).toBe('verified');
    expect(target.profile.identifier).toBe('master-only');
  });

  it('nothing is learnt from a foreign identifier beside ours: a mismatch', async () => {
    const { state, target } = await filedAndRead((document) => ({ ...document, masterIdentifier: { system: URI_SYSTEM, value: 'urn:uuid:00000000-0000-4000-8000-000000000000' } }));
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['identifier'] });
    expect(target.profile.identifier).toBe('kept');
  });

  it('a profile set to identifier-only: a document with ours in masterIdentifier only is worded as the server not keeping it', async () => {
    const { state } = await filedAndRead((document) => ({ ...document, identifier: undefined }), { identifier: 'identifier-only' });
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['identifier-not-kept'] });
  });
});

describe('a push the EPR answered with a refusal counts like one with no answer (it may have been applied, and its search may lag)', () => {
  it.each([
    ['a 422', http(422, 'bad content')],
    ['a 403', http(403)],
    ['a 401 on a write', new EprRequestError('token-refused', 401, undefined)],
    ['a redirect', new EprRequestError('moved', 301, undefined, 'https://elsewhere.example')],
    ['a 500', http(500)],
    ['a timeout', new EprRequestError('timeout', undefined, undefined)],
  ])('%s on a create: counted before it is sent, and the error passed on', async (_name, error) => {
    const { step, epr, saved } = setUp();
    epr.script.create = error;
    await expect(step({ kind: 'sending', pushes: 2, mode: 'individual', since: NOW - 500_000 })).rejects.toBe(error);
    expect(saved).toEqual([{ kind: 'sending', pushes: 3, mode: 'individual', since: NOW }]);
  });

  it('its resend inside the settle window is waited for, nothing searched or sent', async () => {
    const { step, epr } = setUp({ resendSettleMs: 600_000 });
    const state = await step({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW - 1_000 });
    expect(state).toEqual({ kind: 'sending', pushes: 1, mode: 'individual', since: NOW - 1_000, confirmAt: NOW - 1_000 + 600_000 });
    expect(epr.calls).toEqual([]);
  });

});


describe('recheckFiled: a verified note read back again before its originals are wiped (H-013)', () => {
  const VERIFIED: OutboxState = { kind: 'verified', documentReferenceId: 'doc-1', verifiedAt: '2024-03-30T12:00:00.000Z', provenance: { kind: 'filed', id: 'p' } };
  async function filedThen(change?: (document: DocumentReference) => DocumentReference) {
    const world = setUp();
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    const stored = world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;
    if (change) world.epr.stored.set('DocumentReference/doc-1', change(stored));
    return world;
  }

  it('still there as filed: present, read by its id, nothing saved', async () => {
    const world = await filedThen();
    expect(await world.recheck(VERIFIED)).toEqual({ kind: 'present' });
    expect(world.epr.calls.at(-1)).toEqual({ method: 'read', what: 'DocumentReference/doc-1', correlationId: world.correlationId });
    expect(world.saved).toEqual([{ kind: 'sending', pushes: 1, mode: 'individual', since: NOW }]);
  });

  it.each([404, 410])('answered %i: missing, with the status (never taken for a fresh create\'s lag)', async (status) => {
    const world = await filedThen();
    world.epr.script.read = http(status);
    expect(await world.recheck(VERIFIED)).toEqual({ kind: 'missing', httpStatus: status });
  });

  it('marked entered-in-error, or moved to another patient: changed, naming the fields', async () => {
    expect(await (await filedThen((document) => ({ ...document, status: 'entered-in-error' }))).recheck(VERIFIED)).toEqual({ kind: 'changed', mismatched: ['status'] });
    const moved = await filedThen((document) => ({ ...document, subject: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000009' } } }));
    expect(await moved.recheck(VERIFIED)).toEqual({ kind: 'changed', mismatched: ['subject'] });
  });

  it('content the EPR holds on another origin: unreadable, not present', async () => {
    const world = await filedThen((document) => ({ ...document, content: [{ attachment: { contentType: 'text/plain', url: 'http://hapi-internal:8080/Binary/b1' } }] }));
    world.epr.script.readAttachment = new EprRequestError('elsewhere', undefined, undefined, 'http://hapi-internal:8080');
    expect(await world.recheck(VERIFIED)).toEqual({ kind: 'unreadable' });
  });

  it('an EPR that fails (503) throws: the wipe must not read it as present', async () => {
    const world = await filedThen();
    world.epr.script.read = http(503);
    await expect(world.recheck(VERIFIED)).rejects.toMatchObject({ status: 503 });
  });

  it('a note not verified is never re-read', async () => {
    const world = await filedThen();
    const calls = world.epr.calls.length;
    await expect(world.recheck({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } })).rejects.toThrow(/filed, not verified/);
    expect(world.epr.calls).toHaveLength(calls);
  });
});

describe('a correction marks the note it replaces entered in error, once verified (#15)', () => {
  const OLD = 'urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b';
  const replaces = { identifier: OLD, documentReferenceId: 'old-1', attestedAt: '2024-03-31T09:00:00Z' };
  /** The note as the EPR holds it: ours, current, at version 3. */
  const oldNote = (change: Partial<DocumentReference> = {}): DocumentReference => ({
    ...toDocumentReference(sampleTranscription({ identifier: OLD })),
    id: 'old-1',
    meta: { versionId: '3' },
    ...change,
  });
  const verified = { kind: 'verified', documentReferenceId: 'doc-9', verifiedAt: '2024-03-31T12:00:00.000Z', provenance: { kind: 'filed' } } as const;
  function correcting(old: DocumentReference | null = oldNote()) {
    const world = setUp({}, true, sampleTranscription({ replaces }));
    if (old) world.epr.stored.set('DocumentReference/old-1', old);
    return world;
  }

  it('a correction read back as filed is verified with the marking still to do; any other note has none to do', async () => {
    const world = correcting();
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } })).toEqual({ ...verified, documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' }, replaced: { kind: 'pending' } });
    const plain = setUp();
    await plain.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(await plain.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } })).not.toHaveProperty('replaced');
    // The DocumentReference sent names the note it replaces.
    expect((world.epr.stored.get('DocumentReference/doc-1') as DocumentReference).relatesTo).toEqual([{ code: 'replaces', target: { reference: 'DocumentReference/old-1', identifier: { system: URI_SYSTEM, value: OLD } } }]);
  });

  it('marks it for the version it read, reads it back, and is done; nothing is asked of a verified note with no marking to do', async () => {
    const { step, epr, correlationId } = correcting();
    expect(await step({ ...verified, replaced: { kind: 'pending' } })).toEqual({ ...verified, replaced: { kind: 'retired', at: '2024-03-31T12:00:00.000Z' } });
    expect(epr.calls).toEqual([
      { method: 'read', what: 'DocumentReference/old-1', correlationId },
      { method: 'update', what: 'DocumentReference/old-1', correlationId, ifMatch: '3' },
      { method: 'read', what: 'DocumentReference/old-1', correlationId },
    ]);
    const after = epr.stored.get('DocumentReference/old-1') as DocumentReference;
    expect(after).toEqual({ ...oldNote(), status: 'entered-in-error' });
    epr.calls.length = 0;
    for (const state of [verified, { ...verified, replaced: { kind: 'retired', at: 'x' } } as const, { ...verified, replaced: { kind: 'not-retired', why: 'refused' } } as const]) {
      expect(await step(state)).toEqual(state);
    }
    expect(epr.calls).toEqual([]);
  });

  it('a note with no version is marked without one', async () => {
    const { meta: _meta, ...unversioned } = oldNote();
    const { step, epr } = correcting(unversioned as DocumentReference);
    expect(await step({ ...verified, replaced: { kind: 'pending' } })).toMatchObject({ replaced: { kind: 'retired' } });
    expect(epr.calls[1]).not.toHaveProperty('ifMatch');
  });

  it('already entered in error: done without writing', async () => {
    const { step, epr } = correcting(oldNote({ status: 'entered-in-error' }));
    expect(await step({ ...verified, replaced: { kind: 'pending' } })).toMatchObject({ replaced: { kind: 'retired' } });
    expect(epr.calls.map((call) => call.method)).toEqual(['read']);
  });

  it.each([404, 410])('gone from the record (%i): nothing to mark', async (status) => {
    const { step, epr } = correcting(null);
    epr.script.read = http(status);
    expect(await step({ ...verified, replaced: { kind: 'pending' } })).toEqual({ ...verified, replaced: { kind: 'gone', httpStatus: status } });
  });

  it('another Wardscribe note at that id now is never marked; one whose identifier the EPR dropped is', async () => {
    const foreign = correcting(oldNote({ identifier: [{ system: URI_SYSTEM, value: 'urn:uuid:00000000-0000-4000-8000-000000000000' }], masterIdentifier: undefined }));
    expect(await foreign.step({ ...verified, replaced: { kind: 'pending' } })).toEqual({ ...verified, replaced: { kind: 'not-retired', why: 'refused' } });
    expect(foreign.epr.calls.map((call) => call.method)).toEqual(['read']);
    const masterForeign = correcting(oldNote({ identifier: [], masterIdentifier: { system: URI_SYSTEM, value: 'urn:uuid:00000000-0000-4000-8000-000000000000' } }));
    expect(await masterForeign.step({ ...verified, replaced: { kind: 'pending' } })).toMatchObject({ replaced: { kind: 'not-retired', why: 'refused' } });
    // Ours in one field and another note's in the other: not ours to change.
    const mixed = correcting(oldNote({ identifier: [{ system: URI_SYSTEM, value: OLD }], masterIdentifier: { system: URI_SYSTEM, value: 'urn:uuid:00000000-0000-4000-8000-000000000000' } }));
    expect(await mixed.step({ ...verified, replaced: { kind: 'pending' } })).toMatchObject({ replaced: { kind: 'not-retired', why: 'refused' } });
    // Another system's identifier alongside is not another note.
    const dropped = correcting(oldNote({ identifier: [{ system: 'https://trust.example/id', value: 'x' }], masterIdentifier: undefined }));
    expect(await dropped.step({ ...verified, replaced: { kind: 'pending' } })).toMatchObject({ replaced: { kind: 'retired' } });
  });

  it.each([400, 403, 405, 409, 412, 422, 501])('an update refused with %i: the correction stays verified, the refusal said', async (status) => {
    const { step, epr } = correcting();
    epr.script.update = http(status, 'Not here');
    expect(await step({ ...verified, replaced: { kind: 'pending' } })).toEqual({ ...verified, replaced: { kind: 'not-retired', why: 'refused', httpStatus: status, serverReason: 'Not here' } });
  });

  it.each([403, 400])('a read refused with %i: refused, nothing written', async (status) => {
    const { step, epr } = correcting();
    epr.script.read = http(status);
    expect(await step({ ...verified, replaced: { kind: 'pending' } })).toEqual({ ...verified, replaced: { kind: 'not-retired', why: 'refused', httpStatus: status } });
    expect(epr.calls.map((call) => call.method)).toEqual(['read']);
  });

  it('a failure on the way (5xx, no answer, a status it does not know, a sign-in refusal) is thrown for the runner to decide', async () => {
    for (const [method, error] of [
      ['read', new EprRequestError('auth', 403, undefined)],
      ['read', new EprRequestError('auth', 404, undefined)],
      ['update', new EprRequestError('auth', 403, undefined)],
      ['read', http(503)],
      ['update', http(500)],
      ['update', new EprRequestError('timeout', undefined, undefined)],
      ['update', http(404)],
      ['read', new EprRequestError('network', undefined, undefined)],
    ] as const) {
      const { step, epr } = correcting();
      epr.script[method] = error;
      await expect(step({ ...verified, replaced: { kind: 'pending' } })).rejects.toBe(error);
    }
  });

  it('an update accepted but not kept is said so', async () => {
    const { step, epr } = correcting();
    epr.script.update = (call) => ({ id: 'old-1', versionId: '4', created: false, call });
    expect(await step({ ...verified, replaced: { kind: 'pending' } })).toEqual({ ...verified, replaced: { kind: 'not-retired', why: 'not-kept' } });
  });
});

describe('a withdrawn note marks itself entered in error (#15, H-032)', () => {
  const withdrawal = (kind: 'pending' | 'retired' = 'pending') => ({ reason: 'Filed against the wrong patient.', askedAt: '2024-03-31T12:30:00.000Z', marked: kind === 'pending' ? ({ kind: 'pending' } as const) : ({ kind: 'retired', at: 'x' } as const) });
  const verified = { kind: 'verified', documentReferenceId: 'doc-9', verifiedAt: '2024-03-31T12:00:00.000Z', provenance: { kind: 'filed' } } as const;

  it('reads its own document, marks it for the version read, reads it back; the reason and when it was asked are kept', async () => {
    const { step, epr, ours, correlationId } = setUp();
    epr.stored.set('DocumentReference/doc-9', { ...ours('doc-9'), meta: { versionId: '4' } });
    expect(await step({ ...verified, withdrawal: withdrawal() })).toEqual({ ...verified, withdrawal: { ...withdrawal(), marked: { kind: 'retired', at: '2024-03-31T12:00:00.000Z' } } });
    expect(epr.calls).toEqual([
      { method: 'read', what: 'DocumentReference/doc-9', correlationId },
      { method: 'update', what: 'DocumentReference/doc-9', correlationId, ifMatch: '4' },
      { method: 'read', what: 'DocumentReference/doc-9', correlationId },
    ]);
    expect((epr.stored.get('DocumentReference/doc-9') as DocumentReference).status).toBe('entered-in-error');
    // Marked already: nothing more is asked.
    epr.calls.length = 0;
    expect(await step({ ...verified, withdrawal: withdrawal('retired') })).toEqual({ ...verified, withdrawal: withdrawal('retired') });
    expect(epr.calls).toEqual([]);
  });

  it('its document now another note is never marked; a refusal is settled on the withdrawal, not the correction', async () => {
    const { step, epr, ours } = setUp();
    epr.stored.set('DocumentReference/doc-9', { ...ours('doc-9'), identifier: [{ system: URI_SYSTEM, value: 'urn:uuid:00000000-0000-4000-8000-000000000000' }], masterIdentifier: undefined });
    expect(await step({ ...verified, withdrawal: withdrawal() })).toEqual({ ...verified, withdrawal: { ...withdrawal(), marked: { kind: 'not-retired', why: 'refused' } } });
    expect(epr.calls.map((call) => call.method)).toEqual(['read']);
  });

  it('a document the EPR does not know (404) is not taken as gone: the withdrawal is not done; deleted (410) is gone', async () => {
    const unknown = setUp();
    unknown.epr.script.read = http(404);
    expect(await unknown.step({ ...verified, withdrawal: withdrawal() })).toEqual({ ...verified, withdrawal: { ...withdrawal(), marked: { kind: 'not-retired', why: 'not-found', httpStatus: 404 } } });
    const deleted = setUp();
    deleted.epr.script.read = http(410);
    expect(await deleted.step({ ...verified, withdrawal: withdrawal() })).toEqual({ ...verified, withdrawal: { ...withdrawal(), marked: { kind: 'gone', httpStatus: 410 } } });
    expect([...unknown.epr.calls, ...deleted.epr.calls].map((call) => call.method)).toEqual(['read', 'read']);
  });

  it('a correction still marking the note it replaces does that first; the withdrawal waits for the next step', async () => {
    const OLD = 'urn:uuid:6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b';
    const { step, epr, ours } = setUp({}, true, sampleTranscription({ replaces: { identifier: OLD, documentReferenceId: 'old-1', attestedAt: '2024-03-31T09:00:00Z' } }));
    epr.stored.set('DocumentReference/old-1', { ...toDocumentReference(sampleTranscription({ identifier: OLD })), id: 'old-1' });
    epr.stored.set('DocumentReference/doc-9', ours('doc-9'));
    const first = await step({ ...verified, replaced: { kind: 'pending' }, withdrawal: withdrawal() });
    expect(first).toMatchObject({ replaced: { kind: 'retired' }, withdrawal: { marked: { kind: 'pending' } } });
    expect((epr.stored.get('DocumentReference/doc-9') as DocumentReference).status).toBe('current');
    expect(await step(first)).toMatchObject({ replaced: { kind: 'retired' }, withdrawal: { marked: { kind: 'retired' } } });
  });
});

describe('the document type’s LOINC translation, where the EPR asks for one (#15)', () => {
  it.each([false, true])('sent with two creates, in a transaction and to our own id alike (asked: %s)', async (asked) => {
    const codes = (document: DocumentReference) => document.type?.coding?.map((coding) => coding.code);
    const expected = asked ? ['371530004', '11488-4'] : ['371530004'];
    const individual = setUp({ documentTypeLoinc: asked });
    await individual.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(codes(individual.epr.stored.get('DocumentReference/doc-1') as DocumentReference)).toEqual(expected);
    const transaction = setUp({ documentTypeLoinc: asked, write: 'transaction' });
    let bundled: Bundle | undefined;
    transaction.epr.script.transaction = (_call, bundle) => ((bundled = bundle as Bundle), [{ id: 'doc-1', created: true }, { id: 'prov-1', created: true }]);
    await transaction.step({ kind: 'sending', pushes: 0, mode: 'transaction' });
    expect(codes(bundled!.entry![0]!.resource as DocumentReference)).toEqual(expected);
    const ownId = setUp({ documentTypeLoinc: asked, updateCreate: true });
    await ownId.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(codes([...ownId.epr.stored.values()].find((resource) => resource.resourceType === 'DocumentReference') as DocumentReference)).toEqual(expected);
  });
});

describe('staff named by the EPR’s own Practitioner (#15)', () => {
  const GMC = 'https://fhir.hl7.org.uk/Id/gmc-number';
  const SDS = 'https://fhir.nhs.uk/Id/sds-user-id';
  const transcription = sampleTranscription({
    attester: { userId: 'u-1', name: 'Dr Priya Shah', role: 'FY1', registration: { body: 'GMC', number: '7654321' } },
    transcriber: { userId: 'u-2', name: 'Sam Clerk', role: 'Ward clerk', sdsUserId: '555123456789' },
  });
  const practitioner = (id: string, system: string, value: string) => ({ resourceType: 'Practitioner', id, identifier: [{ system, value }] });
  function staffWorld(answers: Record<string, unknown[]> = {}, profile: Partial<EprProfile> = { practitionerSearch: true }) {
    const world = setUp(profile, true, transcription);
    world.epr.script.search = (call) => {
      if (!call.what.startsWith('Practitioner?')) return [];
      return answers[call.what.slice('Practitioner?identifier='.length)] ?? [];
    };
    return world;
  }
  const sent = (world: ReturnType<typeof staffWorld>) => world.epr.stored.get('DocumentReference/doc-1') as DocumentReference;

  it('each found exactly once, with their identifier: referenced in the document and the Provenance', async () => {
    const world = staffWorld({ [`${GMC}|7654321`]: [practitioner('p-att', GMC, '7654321')], [`${SDS}|555123456789`]: [practitioner('p-tr', SDS, '555123456789')] });
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(sent(world).author?.[0]?.reference).toBe('Practitioner/p-att');
    expect(sent(world).authenticator?.reference).toBe('Practitioner/p-att');
    expect(world.epr.calls.filter((call) => call.what.startsWith('Practitioner?')).map((call) => call.what)).toEqual([`Practitioner?identifier=${GMC}|7654321`, `Practitioner?identifier=${SDS}|555123456789`]);
    const provenance = await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'pending' } });
    expect(provenance).toMatchObject({ provenance: { kind: 'filed' } });
    const filedProvenance = [...world.epr.stored.values()].find((resource) => resource.resourceType === 'Provenance') as Provenance;
    expect(filedProvenance.agent.find((agent) => agent.type?.coding?.[0]?.code === 'enterer')?.who.reference).toBe('Practitioner/p-tr');
    // Looked up once this session: the Provenance asked nothing again.
    expect(world.epr.calls.filter((call) => call.what.startsWith('Practitioner?'))).toHaveLength(2);
  });

  it('a Practitioner carrying other identifiers as well as theirs is found', async () => {
    const world = staffWorld({ [`${GMC}|7654321`]: [{ resourceType: 'Practitioner', id: 'p-att', identifier: [{ system: SDS, value: '999999999999' }, { system: GMC, value: '7654321' }] }] });
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(sent(world).author?.[0]?.reference).toBe('Practitioner/p-att');
  });

  it('a search that fails for another reason than the EPR (a bug) is not swallowed', async () => {
    const world = staffWorld();
    const bug = new TypeError('boom');
    world.epr.script.search = () => {
      throw bug;
    };
    await expect(world.step({ kind: 'sending', pushes: 0, mode: 'individual' })).rejects.toBe(bug);
  });

  it('none, two, one without their identifier, or an answer with others too: named by identifier alone', async () => {
    for (const answer of [
      [],
      [practitioner('a', GMC, '7654321'), practitioner('b', GMC, '7654321')],
      [practitioner('a', GMC, '1111111')],
      [practitioner('a', GMC, '7654321'), practitioner('b', GMC, '1111111')],
      [{ resourceType: 'Patient', id: 'x' }],
      // Their number under another register, the right identifier on another kind of resource, a Practitioner with no id.
      [practitioner('a', 'https://fhir.hl7.org.uk/Id/nmc-number', '7654321')],
      [{ resourceType: 'PractitionerRole', id: 'r', identifier: [{ system: GMC, value: '7654321' }] }],
      [{ resourceType: 'Practitioner', identifier: [{ system: GMC, value: '7654321' }] }],
    ]) {
      const world = staffWorld({ [`${GMC}|7654321`]: answer });
      await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
      expect(sent(world).author?.[0]).not.toHaveProperty('reference');
    }
  });

  it('an EPR whose profile does not say it can be searched so is not asked', async () => {
    const world = staffWorld({ [`${GMC}|7654321`]: [practitioner('p-att', GMC, '7654321')] }, {});
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(world.epr.calls.some((call) => call.what.startsWith('Practitioner?'))).toBe(false);
    expect(sent(world).author?.[0]).not.toHaveProperty('reference');
  });

  it('a search that fails is not remembered: the next step asks again; a member of staff with no identifier is never searched for', async () => {
    const world = staffWorld();
    let fail = true;
    world.epr.script.search = (call) => {
      if (fail && call.what.startsWith('Practitioner?')) throw http(403);
      return call.what === `Practitioner?identifier=${GMC}|7654321` ? [practitioner('p-att', GMC, '7654321')] : [];
    };
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(sent(world).author?.[0]).not.toHaveProperty('reference');
    fail = false;
    const state = await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } });
    // Read back: the author has no reference (sent before the EPR answered), and that is not another Practitioner.
    expect(state).toMatchObject({ kind: 'verified' });
    expect(world.epr.calls.filter((call) => call.what === `Practitioner?identifier=${GMC}|7654321`)).toHaveLength(2);
    const nameOnly = setUp({ practitionerSearch: true }, true, sampleTranscription({ attester: { userId: 'u-1', name: 'Dr Priya Shah', role: 'FY1' } }));
    await nameOnly.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    expect(nameOnly.epr.calls.some((call) => call.what.startsWith('Practitioner?'))).toBe(false);
  });

  it.each<[string, string, 'verified' | 'failed']>([
    ['the same Practitioner', 'Practitioner/p-att', 'verified'],
    ['the same Practitioner under the EPR’s base URL, at a version', 'https://epr.test/fhir/Practitioner/p-att/_history/2', 'verified'],
    ['another Practitioner of the EPR', 'Practitioner/p-other', 'failed'],
    ['another Practitioner under the EPR’s base URL', 'https://epr.test/fhir/Practitioner/p-other', 'failed'],
    ['a Practitioner of another server', 'https://elsewhere.test/fhir/Practitioner/p-other', 'verified'],
    ['not a Practitioner', 'PractitionerRole/p-other', 'verified'],
  ])('read back with %s as author', async (_name, reference, kind) => {
    const world = staffWorld({ [`${GMC}|7654321`]: [practitioner('p-att', GMC, '7654321')] });
    await world.step({ kind: 'sending', pushes: 0, mode: 'individual' });
    world.epr.stored.set('DocumentReference/doc-1', { ...sent(world), author: [{ reference }] });
    const state = await world.step({ kind: 'filed', documentReferenceId: 'doc-1', provenance: { kind: 'filed', id: 'p' } });
    expect(state.kind).toBe(kind);
    if (kind === 'failed') expect(state).toMatchObject({ mismatched: ['author'] });
  });
});
