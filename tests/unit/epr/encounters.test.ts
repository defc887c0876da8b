/**
 * Linking a note to the patient's current encounter (#15), against the training EPR over HTTP:
 * only that patient's current encounters are offered, and at attestation the one chosen must
 * still be theirs and current.
 */
import type { Encounter, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentEncounters, describeEncounter, encounterProblem } from '../../../main/epr/encounters';
import { EprRequestError } from '../../../main/epr/epr-errors';
import { createEprConnection, type EprConnection } from '../../../main/epr/fhir-client';
import { toDocumentReference, transcriptAttachment } from '../../../main/epr/mapping';
import { readBackMismatches } from '../../../main/epr/read-back';
import { systemClock } from '../../../main/epr/retry-policy';
import { createTrainingServer, type TrainingServer } from '../../../main/epr/training-server';
import { NHS_NUMBER_SYSTEM } from '../../../shared/domain/nhs-number';
import { sampleTranscription } from './support/transcriptions';

let training: TrainingServer;
let epr: EprConnection;
beforeAll(async () => {
  training = createTrainingServer();
  epr = await createEprConnection({ baseUrl: await training.start(), auth: { kind: 'none' }, requestTimeoutMs: 5_000, clock: systemClock });
});
afterAll(() => training.stop());

const patientId = async (nhsNumber: string) => ((await epr.search('Patient', { identifier: `${NHS_NUMBER_SYSTEM}|${nhsNumber}` }))[0] as Patient).id!;
async function write(encounter: Encounter): Promise<string> {
  const response = await fetch(`${training.baseUrl}/Encounter`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(encounter) });
  expect(response.status).toBe(201);
  return ((await response.json()) as Encounter).id!;
}

describe('the patient’s current encounters', () => {
  it('the training EPR holds one for Jane Testpatient, described by class and ward, and none for a patient not admitted', async () => {
    const jane = await patientId('9991235671');
    expect(await currentEncounters(epr, jane)).toEqual({ kind: 'found', encounters: [{ id: expect.any(String), description: 'Inpatient, Ward 7 (training)', start: '2024-03-30T18:20:00Z' }] });
    expect(await currentEncounters(epr, await patientId('9991242341'))).toEqual({ kind: 'found', encounters: [] });
  });

  it('offers only that patient’s encounters that are still going on, newest first', async () => {
    const morgan = await patientId('9991240128');
    const other = await patientId('9991239014');
    const newer = await write({ resourceType: 'Encounter', status: 'in-progress', class: { code: 'EMER' }, subject: { reference: `Patient/${morgan}` }, period: { start: '2024-05-02T10:00:00Z' } });
    const older = await write({ resourceType: 'Encounter', status: 'onleave', class: { code: 'IMP' }, subject: { reference: `Patient/${morgan}` }, period: { start: '2024-05-01T10:00:00Z' } });
    await write({ resourceType: 'Encounter', status: 'finished', class: { code: 'IMP' }, subject: { reference: `Patient/${morgan}` } });
    await write({ resourceType: 'Encounter', status: 'in-progress', class: { code: 'IMP' }, subject: { reference: `Patient/${other}` } });
    // The training EPR searches by status; an EPR that ignores the parameters answers with all of them.
    const found = await currentEncounters({ ...epr, search: (type: string, params: Record<string, string>) => epr.search(type, { patient: params.patient! }) } as EprConnection, morgan);
    expect(found).toMatchObject({ kind: 'found', encounters: [{ id: newer, description: 'Emergency' }, { id: older }] });
    const ignoring = await currentEncounters({ ...epr, search: () => epr.search('Encounter', {}) } as EprConnection, morgan);
    expect(ignoring.kind === 'found' && ignoring.encounters.map((encounter) => encounter.id).sort()).toEqual([newer, older].sort());
  });

  it('an EPR that will not list them says so, in words; the note can be filed without', async () => {
    const failing = { ...epr, search: () => Promise.reject(new EprRequestError('http', 403, undefined)) } as EprConnection;
    expect(await currentEncounters(failing, 'p1')).toEqual({ kind: 'unavailable', message: expect.stringContaining('It can be filed without') });
  });

  it('describes an encounter by class, type and place, never anything clinical', () => {
    expect(describeEncounter({ resourceType: 'Encounter', status: 'in-progress', class: { code: 'XYZ', display: 'Their class' }, type: [{ text: 'Stroke unit' }], reasonCode: [{ text: 'Stroke' }], serviceProvider: { display: 'Trust' } })).toBe('Their class, Stroke unit, Trust');
    expect(describeEncounter({ resourceType: 'Encounter', status: 'in-progress', class: { code: 'AMB' } })).toBe('Outpatient or clinic');
    expect(describeEncounter({ resourceType: 'Encounter', status: 'in-progress', class: {} })).toBe('An encounter with no description');
  });
});

describe('at attestation, and in the record', () => {
  it('the encounter chosen must still be that patient’s and current', async () => {
    const jane = await patientId('9991235671');
    const arthur = await patientId('9991236783');
    const found = await currentEncounters(epr, jane);
    const [current] = found.kind === 'found' ? found.encounters : [];
    expect(await encounterProblem(epr, jane, current!.id)).toBeNull();
    expect(await encounterProblem(epr, arthur, current!.id)).toMatch(/not a current encounter of this patient/);
    expect(await encounterProblem(epr, jane, 'no-such-encounter')).toMatch(/no longer in the EPR/);
    const ended = await write({ resourceType: 'Encounter', status: 'finished', class: { code: 'IMP' }, subject: { reference: `Patient/${jane}` } });
    expect(await encounterProblem(epr, jane, ended)).toMatch(/not a current encounter/);
  });

  it('is linked in the document, and a record linking another encounter is not verified; one that dropped it is', () => {
    const transcription = sampleTranscription({ patient: { nhsNumber: '943 476 5919', name: 'Jane Testpatient', birthDate: '1954-07-12', eprPatientId: 'p-1' }, encounter: { id: 'enc-1', display: 'Inpatient, Ward 7' } });
    const document = { ...toDocumentReference(transcription), id: 'doc-1' };
    expect(document.context?.encounter).toEqual([{ reference: 'Encounter/enc-1', display: 'Inpatient, Ward 7' }]);
    const check = (context: typeof document.context) =>
      readBackMismatches(transcription, transcriptAttachment(transcription).sha256Hex, { identifier: 'kept' }, {
        documentReferenceId: 'doc-1',
        document: { ...document, context, subject: { identifier: { system: NHS_NUMBER_SYSTEM, value: '9434765919' } } },
        contentBytes: transcriptAttachment(transcription).bytes,
        baseUrl: 'https://epr.test/fhir',
      });
    expect(check(document.context)).toEqual([]);
    expect(check({ ...document.context, encounter: [{ reference: 'https://epr.test/fhir/Encounter/enc-1' }] })).toEqual([]);
    expect(check({ ...document.context, encounter: undefined })).toEqual([]);
    expect(check({ ...document.context, encounter: [{ reference: 'Encounter/enc-2' }] })).toEqual(['encounter']);
    expect(check({ ...document.context, encounter: [{ reference: 'https://elsewhere.test/fhir/Encounter/enc-1' }] })).toEqual(['encounter']);
    // Only for a patient found in the EPR.
    expect(() => sampleTranscription({ encounter: { id: 'enc-1', display: 'x' } })).toThrow(/only for a patient found in the EPR/);
  });
});
