/**
 * Issue #15 against an EPR over real HTTP: staff named by the EPR's own Practitioner where it holds
 * exactly one with their identifier (found by `Practitioner?identifier=`), and sensitive advice
 * filed restricted, with a read-back that refuses a record that dropped or lowered the restriction.
 */
import type { DocumentReference, Practitioner, Provenance } from '@medplum/fhirtypes';
import { beforeEach, describe, expect, test } from 'vitest';
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

const GMC = 'https://fhir.hl7.org.uk/Id/gmc-number';
// The EPR behind the harness lives for the whole file: each test's doctor has a number of their own.
let nextNumber = 7_654_321;
let number = '';
let attester: ReturnType<typeof doctor>;
const doctor = (gmc: string) => ({ userId: 'u-fy1-2', name: 'Dr Priya Shah', role: 'Foundation doctor FY1', registration: { body: 'GMC' as const, number: gmc } });
beforeEach(() => {
  number = String(nextNumber++);
  attester = doctor(number);
});

/** A Practitioner as the EPR's staff directory holds it, written straight to the server behind the harness. */
async function seedPractitioner(identifier: { system: string; value: string }, family = 'Shah'): Promise<string> {
  const practitioner: Practitioner = { resourceType: 'Practitioner', identifier: [identifier], name: [{ family, given: ['Priya'] }] };
  const response = await fetch(`${harness.upstreamUrl}/Practitioner`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(practitioner) });
  expect(response.status).toBe(201);
  return ((await response.json()) as Practitioner).id!;
}

async function stored<T>(path: string): Promise<T> {
  return (await (await fetch(`${harness.upstreamUrl}/${path}`)).json()) as T;
}

describe('staff resolved to the EPR’s Practitioner (Practitioner?identifier=)', () => {
  test('one Practitioner with the attester’s GMC number: the note names it as author, authenticator, verifier and signer, and verifies', async () => {
    const id = await seedPractitioner({ system: GMC, value: number });
    await seedPractitioner({ system: GMC, value: String(Number(number) + 1000) }, 'Other');
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), sampleTranscription({ attester }));
    expect(state.kind).toBe('verified');
    const documentId = (state as { documentReferenceId: string }).documentReferenceId;
    const document = await stored<DocumentReference>(`DocumentReference/${documentId}`);
    expect(document.author).toEqual([{ reference: `Practitioner/${id}`, identifier: { system: GMC, value: number }, display: 'Dr Priya Shah, Foundation doctor FY1' }]);
    expect(document.authenticator?.reference).toBe(`Practitioner/${id}`);
    const [provenance] = ((await stored<{ entry?: { resource: Provenance }[] }>(`Provenance?target=DocumentReference/${documentId}`)).entry ?? []).map((entry) => entry.resource);
    expect(provenance?.agent.find((agent) => agent.type?.coding?.[0]?.code === 'verifier')?.who.reference).toBe(`Practitioner/${id}`);
    expect(provenance?.signature?.[0]?.who.reference).toBe(`Practitioner/${id}`);
    // The search asked for exactly the attester's identifier.
    expect(harness.seen.some((request) => request.path === `/Practitioner?identifier=${encodeURIComponent(`${GMC}|${number}`)}`)).toBe(true);
  });

  test('two Practitioners with the same number: named by identifier alone, never a guess, and still verified', async () => {
    await seedPractitioner({ system: GMC, value: number });
    await seedPractitioner({ system: GMC, value: number }, 'Duplicate');
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), sampleTranscription({ attester }));
    expect(state.kind).toBe('verified');
    const document = await stored<DocumentReference>(`DocumentReference/${(state as { documentReferenceId: string }).documentReferenceId}`);
    expect(document.author?.[0]).toEqual({ identifier: { system: GMC, value: number }, display: 'Dr Priya Shah, Foundation doctor FY1' });
  });

  test('a search the EPR refuses holds nothing back: the note is filed by identifier and verified', async () => {
    await seedPractitioner({ system: GMC, value: number });
    harness.fault = (request) => (request.path.startsWith('/Practitioner') ? { kind: 'respond', status: 403, body: '{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"forbidden"}]}' } : { kind: 'pass' });
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), sampleTranscription({ attester }));
    expect(state.kind).toBe('verified');
    const document = await stored<DocumentReference>(`DocumentReference/${(state as { documentReferenceId: string }).documentReferenceId}`);
    expect(document.author?.[0]).not.toHaveProperty('reference');
  });

  test('an EPR that ignores the parameter (answers with every Practitioner) is not believed', async () => {
    await seedPractitioner({ system: GMC, value: number });
    const other = await seedPractitioner({ system: GMC, value: String(Number(number) + 2000) }, 'Other');
    harness.fault = (request) =>
      request.path.startsWith('/Practitioner?')
        ? { kind: 'respond', status: 200, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Practitioner', id: other, identifier: [{ system: GMC, value: String(Number(number) + 2000) }] } }] }) }
        : { kind: 'pass' };
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), sampleTranscription({ attester }));
    expect(state.kind).toBe('verified');
    const document = await stored<DocumentReference>(`DocumentReference/${(state as { documentReferenceId: string }).documentReferenceId}`);
    expect(document.author?.[0]?.reference).toBeUndefined();
  });

  test('a record whose author is now another of the EPR’s Practitioners is not verified', async () => {
    await seedPractitioner({ system: GMC, value: number });
    const other = await seedPractitioner({ system: GMC, value: String(Number(number) + 2000) }, 'Other');
    harness.behaviour = { readBack: (document) => ({ ...document, author: [{ reference: `Practitioner/${other}` }], authenticator: { reference: `Practitioner/${other}` } }) };
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), sampleTranscription({ attester }));
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['author'] });
  });
});

describe('sensitive advice filed restricted', () => {
  test('labelled restricted with its reason in the EPR, and verified', async () => {
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), sampleTranscription({ sensitivity: 'safeguarding' }));
    expect(state.kind).toBe('verified');
    const document = await stored<DocumentReference>(`DocumentReference/${(state as { documentReferenceId: string }).documentReferenceId}`);
    expect(document.securityLabel?.map((label) => label.coding?.[0]?.code)).toEqual(['R', 'SDV']);
  });

  test.each<[string, (document: DocumentReference) => DocumentReference]>([
    ['dropped every label', ({ securityLabel: _dropped, ...document }) => document as DocumentReference],
    ['lowered it to normal', (document) => ({ ...document, securityLabel: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N' }] }] })],
    ['kept "restricted" but dropped why', (document) => ({ ...document, securityLabel: document.securityLabel!.slice(0, 1) })],
  ])('an EPR that %s leaves the note unverified, and its originals unwiped', async (_name, readBack) => {
    harness.behaviour = { readBack };
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), sampleTranscription({ sensitivity: 'safeguarding' }));
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: ['securityLabel'] });
  });

  test('a record more restricted than filed ("very restricted") is verified; a note not marked sensitive is not checked for labels', async () => {
    harness.behaviour = { readBack: (document) => ({ ...document, securityLabel: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' }] }, ...(document.securityLabel ?? []).slice(1)] }) };
    expect((await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), sampleTranscription({ sensitivity: 'safeguarding' }))).state.kind).toBe('verified');
    expect((await fileOne(world, world.runner({ baseUrl: harness.baseUrl }), sampleTranscription())).state.kind).toBe('verified');
  });
});
