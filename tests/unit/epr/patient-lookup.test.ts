import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapabilityStatement, CapabilityStatementRestResource, Patient } from '@medplum/fhirtypes';
import { createEprConnection, EprRequestError, type EprConnection } from '../../../main/epr/fhir-client';
import { canSearchPatients, lookUpInEpr, lookUpInPds, lookUpPatient, patientRecord } from '../../../main/epr/patient-lookup';
import { createPdsClient, type PdsClient } from '../../../main/epr/pds-client';
import { systemClock } from '../../../main/epr/retry-policy';
import { SYNTHETIC_NHS_NUMBERS, syntheticPatients } from '../../../main/epr/synthetic-patients';
import { createTrainingServer, type TrainingServer } from '../../../main/epr/training-server';
import { isValidNhsNumber, NHS_NUMBER_SYSTEM, type NhsNumber } from '../../../shared/domain/nhs-number';
import { recordMismatches, sameVersion, typedNameMatches } from '../../../shared/domain/patient-record';
import { startPdsStandIn, type PdsStandIn } from './support/pds-stand-in';
import { http, StubEpr } from './support/stub-epr';

/** H-014: each way a patient look-up ends, against the training EPR, scripted EPRs and a PDS stand-in. */

const JANE = { nhsNumber: '9991235671' as NhsNumber, name: 'Jane Testpatient', birthDate: '1954-07-12' };
/** Passes Modulus 11 (a published test number) but is not one of the training EPR's patients. */
const NOT_IN_EPR = '9434765919' as NhsNumber;

let training: TrainingServer;
let epr: EprConnection;
beforeAll(async () => {
  training = createTrainingServer();
  epr = await createEprConnection({ baseUrl: await training.start(), auth: { kind: 'none' }, requestTimeoutMs: 5_000, clock: systemClock });
});
afterAll(() => training.stop());

const patient = (id: string, nhsNumber: string, extra: Partial<Patient> = {}): Patient => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber }],
  name: [{ use: 'official', family: 'Testpatient', given: ['Jane'] }],
  birthDate: '1954-07-12',
  ...extra,
});

describe('the training EPR and its synthetic patients', () => {
  it('holds six synthetic patients, each with a 999 test number whose check digit is valid', () => {
    expect(SYNTHETIC_NHS_NUMBERS).toHaveLength(6);
    for (const number of SYNTHETIC_NHS_NUMBERS) {
      expect(number).toMatch(/^999\d{7}$/);
      expect(isValidNhsNumber(number)).toBe(true);
    }
    expect(syntheticPatients().map((entry) => entry.identifier?.[0]?.value)).toEqual(SYNTHETIC_NHS_NUMBERS);
  });

  it('says in its capability statement that patients can be searched by NHS number', async () => {
    expect(canSearchPatients(await epr.capabilityStatement())).toBe(true);
  });

  it('finds a synthetic patient by NHS number and shows what the record holds, to confirm', async () => {
    const found = await lookUpInEpr(epr, JANE.nhsNumber, JANE);
    expect(found).toMatchObject({ status: 'found', confirmable: true, problems: [], national: null });
    expect(found.message).toMatch(/^Found in the EPR\. Check that Jane TESTPATIENT is the patient/);
    expect(found.record).toMatchObject({
      source: 'epr',
      nhsNumber: '9991235671',
      names: [{ family: 'Testpatient', given: ['Jane'] }],
      birthDate: '1954-07-12',
      gender: 'female',
      address: '1 Practice Row, Leeds, LS1 4AP',
      gp: 'Training Medical Practice (synthetic) (Y99901)',
      restricted: false,
    });
    expect(found.record!.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(found.record!.versionId).not.toBeNull();
  });

  it('blocks a Mod-11-valid NHS number the EPR does not hold', async () => {
    const found = await lookUpInEpr(epr, NOT_IN_EPR, JANE);
    expect(found).toMatchObject({ status: 'not-found', confirmable: false, record: null });
    expect(found.message).toBe(
      "No patient with NHS number 943 476 5919 is in the EPR. Check the number against the patient's wristband or notes: advice cannot be filed against a patient the EPR does not hold.",
    );
  });

  it('blocks when the date of birth or the name typed is not what the EPR holds, saying which', async () => {
    const birth = await lookUpInEpr(epr, JANE.nhsNumber, { ...JANE, birthDate: '1954-12-07' });
    expect(birth).toMatchObject({ status: 'mismatch', confirmable: false, problems: ['The date of birth you entered is not the one the EPR holds for this NHS number. Check the NHS number and the date of birth.'] });
    expect(birth.record?.nhsNumber).toBe('9991235671');
    const name = await lookUpInEpr(epr, JANE.nhsNumber, { ...JANE, name: 'Joan Testpatient' });
    expect(name).toMatchObject({ status: 'mismatch', problems: ['The name you entered is not the name the EPR holds for this NHS number. Check the NHS number and the name.'] });
    const nothingTyped = await lookUpInEpr(epr, JANE.nhsNumber, { name: '', birthDate: '' });
    expect(nothingTyped.problems).toEqual([
      "Enter the patient's name from their wristband or notes, to compare with the record.",
      "Enter the patient's date of birth from their wristband or notes, to compare with the record.",
    ]);
  });
});

describe('EPRs that answer otherwise', () => {
  const statementWith = (patientResource: CapabilityStatementRestResource[] | undefined): CapabilityStatement => ({
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2025-01-01',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [{ mode: 'server', ...(patientResource ? { resource: patientResource } : {}) }],
  });

  it('several records with the number: blocked, never a guess', async () => {
    const stub = new StubEpr();
    stub.script.search = () => [patient('a', JANE.nhsNumber), patient('b', JANE.nhsNumber)];
    expect(await lookUpInEpr(stub, JANE.nhsNumber, JANE)).toMatchObject({ status: 'several', confirmable: false, record: null, message: expect.stringMatching(/^The EPR holds 2 patient records with NHS number 999 123 5671/) });
    expect(stub.calls.find((call) => call.method === 'search')?.what).toBe('Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9991235671');
  });

  it('a record merged into another, or no longer active: blocked', async () => {
    const stub = new StubEpr();
    stub.script.search = () => [patient('old', JANE.nhsNumber, { link: [{ type: 'replaced-by', other: { reference: 'Patient/new' } }] })];
    expect(await lookUpInEpr(stub, JANE.nhsNumber, JANE)).toMatchObject({ status: 'merged', confirmable: false });
    stub.script.search = () => [patient('closed', JANE.nhsNumber, { active: false })];
    expect(await lookUpInEpr(stub, JANE.nhsNumber, JANE)).toMatchObject({ status: 'merged', confirmable: false });
  });

  it('an EPR that ignores the NHS number (answers with other patients) cannot be searched: never taken as "not found" or as the patient', async () => {
    const stub = new StubEpr();
    stub.script.search = () => [patient('someone', '9991236783')];
    const found = await lookUpInEpr(stub, JANE.nhsNumber, JANE);
    expect(found).toMatchObject({ status: 'cannot-search', confirmable: false, record: null });
    expect(found.message).toMatch(/^This EPR cannot be searched for patients by NHS number \(it answered the search with other patients/);
  });

  it('a capability statement without a Patient search, or without its identifier parameter, means the EPR cannot search: nothing is asked', async () => {
    expect(canSearchPatients(undefined)).toBe(true);
    expect(canSearchPatients(statementWith(undefined))).toBe(false);
    expect(canSearchPatients(statementWith([{ type: 'Patient', interaction: [{ code: 'read' }] }]))).toBe(false);
    expect(canSearchPatients(statementWith([{ type: 'Patient', interaction: [{ code: 'search-type' }], searchParam: [{ name: 'family', type: 'string' }] }]))).toBe(false);
    expect(canSearchPatients(statementWith([{ type: 'Patient', interaction: [{ code: 'search-type' }], searchParam: [{ name: 'identifier', type: 'token' }] }]))).toBe(true);
    const stub = new StubEpr();
    stub.script.capabilityStatement = () => statementWith([{ type: 'DocumentReference', interaction: [{ code: 'create' }] }]);
    expect(await lookUpInEpr(stub, JANE.nhsNumber, JANE)).toMatchObject({ status: 'cannot-search' });
    expect(stub.calls.map((call) => call.method)).toEqual(['capabilityStatement']);
  });

  it.each([400, 404, 405, 501])('an HTTP %i to the search means the EPR cannot search patients', async (status) => {
    const stub = new StubEpr();
    stub.script.search = http(status);
    expect(await lookUpInEpr(stub, JANE.nhsNumber, JANE)).toMatchObject({ status: 'cannot-search', message: expect.stringContaining('(it refused the search)') });
  });

  it('no answer, or a refusal of this workstation, is "unavailable": try again, or ask an administrator', async () => {
    const stub = new StubEpr();
    stub.script.search = new EprRequestError('timeout', undefined, undefined);
    expect(await lookUpInEpr(stub, JANE.nhsNumber, JANE)).toMatchObject({ status: 'unavailable', message: 'The EPR did not answer the patient search, so the patient could not be checked. Try again in a moment.' });
    stub.script.search = http(503);
    expect((await lookUpInEpr(stub, JANE.nhsNumber, JANE)).status).toBe('unavailable');
    stub.script.search = http(403);
    expect(await lookUpInEpr(stub, JANE.nhsNumber, JANE)).toMatchObject({ status: 'unavailable', message: expect.stringMatching(/not allowed to search patients/) });
  });

  it('a restricted patient in the EPR: their address and GP are never shown', () => {
    const record = patientRecord(
      patient('r', JANE.nhsNumber, { meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] }, address: [{ line: ['1 Secret Street'] }], generalPractitioner: [{ display: 'Hidden Surgery' }] }),
      'epr',
      JANE.nhsNumber,
    );
    expect(record).toMatchObject({ restricted: true, address: null, gp: null });
    expect(JSON.stringify(record)).not.toMatch(/Secret|Hidden/);
  });
});

describe('the rule that compares what was typed with the record', () => {
  it('matches the family name and the first given name in any order, without case, accents, punctuation or titles; an initial is not enough', () => {
    const names = [{ family: "O'Brien-Smith", given: ['Siân', 'Mary'] }];
    expect(typedNameMatches('Mrs Sian OBRIEN SMITH', names)).toBe(true);
    expect(typedNameMatches("O'Brien-Smith, Siân", names)).toBe(true);
    expect(typedNameMatches('S OBrien-Smith', names)).toBe(false);
    expect(typedNameMatches('Sian Smith', names)).toBe(false);
    expect(typedNameMatches('Mary OBrien-Smith', names)).toBe(false);
    expect(typedNameMatches('Sian OBrien-Smith', [])).toBe(false);
  });

  it('a record without a date of birth cannot be confirmed by it', () => {
    expect(recordMismatches(JANE, { names: [{ family: 'Testpatient', given: ['Jane'] }], birthDate: null, source: 'epr' })).toEqual([
      'The EPR holds no date of birth for this NHS number, so it cannot be confirmed as this patient.',
    ]);
  });

  it('the same version: by versionId where both have one, else by lastUpdated', () => {
    expect(sameVersion({ versionId: '2', lastUpdated: 'a' }, { versionId: '2', lastUpdated: 'b' })).toBe(true);
    expect(sameVersion({ versionId: '2', lastUpdated: 'a' }, { versionId: '3', lastUpdated: 'a' })).toBe(false);
    expect(sameVersion({ versionId: '2', lastUpdated: 'a' }, { versionId: null, lastUpdated: 'a' })).toBe(false);
    expect(sameVersion({ versionId: null, lastUpdated: '2025-01-01T00:00:00Z' }, { versionId: null, lastUpdated: '2025-01-01T00:00:00Z' })).toBe(true);
    expect(sameVersion({ versionId: null, lastUpdated: '2025-01-01T00:00:00Z' }, { versionId: null, lastUpdated: '2025-01-02T00:00:00Z' })).toBe(false);
  });
});

describe('PDS (a local stand-in emulating its documented behaviour)', () => {
  let stand: PdsStandIn;
  let pds: PdsClient;
  const RESTRICTED = '9991236783';
  const SUPERSEDED = '9991237909';
  const INVALIDATED = '9991239014';
  beforeAll(async () => {
    stand = await startPdsStandIn({
      patients: [
        patient(JANE.nhsNumber, JANE.nhsNumber, { meta: { versionId: '4' }, gender: 'female', address: [{ line: ['1 Practice Row'], city: 'Leeds', postalCode: 'LS1 4AP' }], generalPractitioner: [{ identifier: { value: 'Y99901' } }] }),
        patient(RESTRICTED, RESTRICTED, {
          meta: { versionId: '2', security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R', display: 'restricted' }] },
          name: [{ use: 'usual', family: 'Trainee', given: ['Arthur'] }],
          birthDate: '1941-02-03',
          address: [{ line: ['Refuge address'] }],
          telecom: [{ system: 'phone', value: '0113 000 0000' }],
          generalPractitioner: [{ identifier: { value: 'Y00002' } }],
        }),
        patient('9991240128', '9991240128', { name: [{ use: 'usual', family: 'Example-Smith', given: ['Priya'] }], birthDate: '1988-11-30' }),
      ],
      superseded: { [SUPERSEDED]: '9991240128' },
      invalidated: [INVALIDATED],
    });
    pds = createPdsClient({ baseUrl: stand.baseUrl, auth: { kind: 'none' }, requestTimeoutMs: 5_000, clock: systemClock });
  });
  afterAll(() => stand.close());

  it('retrieves by NHS number with a fresh X-Request-ID each time, and shows the record with its version', async () => {
    const before = stand.requestIds.length;
    const found = await lookUpInPds(pds, JANE.nhsNumber, JANE);
    await lookUpInPds(pds, JANE.nhsNumber, JANE);
    const ids = stand.requestIds.slice(before);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(found).toMatchObject({ status: 'found', confirmable: true, record: { source: 'pds', id: JANE.nhsNumber, versionId: '4', address: '1 Practice Row, Leeds, LS1 4AP', gp: '(Y99901)', restricted: false } });
    expect(found.message).toMatch(/^Found in the national record \(PDS\)\./);
  });

  it('a restricted (S-flagged) patient: confirmable by name and date of birth, their whereabouts never shown', async () => {
    const found = await lookUpInPds(pds, RESTRICTED as NhsNumber, { name: 'Arthur Trainee', birthDate: '1941-02-03' });
    expect(found).toMatchObject({ status: 'found', confirmable: true, record: { restricted: true, address: null, gp: null } });
    expect(JSON.stringify(found)).not.toMatch(/Refuge|0113|Y00002/);
  });

  it('a superseded NHS number (answered with another id) blocks, naming the number now in use', async () => {
    const found = await lookUpInPds(pds, SUPERSEDED as NhsNumber, { name: 'Priya Example-Smith', birthDate: '1988-11-30' });
    expect(found).toMatchObject({ status: 'superseded', confirmable: false, record: null, national: { id: '9991240128' } });
    expect(found.message).toBe('NHS number 999 123 7909 has been replaced: the national record (PDS) now holds this patient under 999 124 0128. Use the current number (and check the EPR holds it).');
  });

  it('not found, invalidated and an id PDS refuses as an NHS number each block with their own words', async () => {
    expect(await lookUpInPds(pds, NOT_IN_EPR, JANE)).toMatchObject({ status: 'not-found', message: expect.stringMatching(/^The national record \(PDS\) holds no patient with NHS number 943 476 5919/) });
    expect(await lookUpInPds(pds, INVALIDATED as NhsNumber, JANE)).toMatchObject({ status: 'invalidated', message: expect.stringMatching(/made invalid and not replaced/) });
    // The PDS client is given only valid numbers; the stand-in's own check is what PDS answers for anything else.
    expect(await pds.retrieve('9000000000')).toEqual({ kind: 'invalid-nhs-number' });
  });

  it('with PDS as well, the EPR record is filed against and PDS must agree: found in both, or blocked', async () => {
    const both = await lookUpPatient({ epr, pds, use: 'also' }, JANE.nhsNumber, JANE);
    expect(both).toMatchObject({ status: 'found', confirmable: true, record: { source: 'epr' }, national: { source: 'pds', id: JANE.nhsNumber }, message: 'Found in the EPR and in the national record (PDS).' });
    // In the EPR (a synthetic patient) but superseded nationally: blocked.
    const superseded = await lookUpPatient({ epr, pds, use: 'also' }, SUPERSEDED as NhsNumber, { name: 'Priya Example-Smith', birthDate: '1988-11-30' });
    expect(superseded).toMatchObject({ status: 'superseded', confirmable: false, record: { source: 'epr' } });
    // PDS holds another date of birth than the EPR does.
    const stub = new StubEpr();
    stub.script.search = () => [patient('p1', RESTRICTED, { name: [{ family: 'Trainee', given: ['Arthur'] }], birthDate: '1941-03-02' })];
    const disagree = await lookUpPatient({ epr: stub, pds, use: 'also' }, RESTRICTED as NhsNumber, { name: 'Arthur Trainee', birthDate: '1941-03-02' });
    expect(disagree).toMatchObject({ status: 'mismatch', confirmable: false });
    // Instead of the EPR: the PDS record, which is no EPR Patient.
    expect(await lookUpPatient({ pds, use: 'instead' }, JANE.nhsNumber, JANE)).toMatchObject({ status: 'found', record: { source: 'pds' } });
  });

  it('PDS not answering blocks ("unavailable"), it is never taken as "not found"', async () => {
    const down = createPdsClient({ baseUrl: 'http://127.0.0.1:9/FHIR/R4', auth: { kind: 'none' }, requestTimeoutMs: 2_000, clock: systemClock });
    expect(await lookUpInPds(down, JANE.nhsNumber, JANE)).toMatchObject({ status: 'unavailable', confirmable: false });
  });
});
