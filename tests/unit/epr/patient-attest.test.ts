import { singleEprDirectory } from '../../../main/epr/epr-directory';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CapabilityStatement, DocumentReference, Patient } from '@medplum/fhirtypes';
import { createEprConnection, type EprConnection } from '../../../main/epr/fhir-client';
import { identifierQuery } from '../../../main/epr/mapping';
import { systemClock } from '../../../main/epr/retry-policy';
import { createTrainingServer, type TrainingServer } from '../../../main/epr/training-server';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { TranscriptionService } from '../../../main/transcriptions/transcription-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { listMessages } from '../../../main/vault/queries/messages';
import { vaultFiles } from '../../../main/vault/vault-files';
import type { AuditEntry } from '../../../shared/domain/audit';
import { NHS_NUMBER_SYSTEM } from '../../../shared/domain/nhs-number';
import { buildZip } from '../importers/zip-writer';
import { writeExport } from '../importers/helpers';
import { confirmedPatient } from '../../support/patient-check';
import { ADVISERS, CLINICIAN, PATIENT } from '../../support/people';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';
import { untilOutboxState as until } from '../../support/outbox-wait';

/**
 * H-014 in the attest path: main refuses to attest unless the patient the clinician confirmed is
 * found again, unchanged, in the EPR the note goes to. The renderer cannot talk it round.
 */

let training: TrainingServer;
let epr: EprConnection;
beforeAll(async () => {
  training = createTrainingServer();
  epr = await createEprConnection({ baseUrl: await training.start(), auth: { kind: 'none' }, requestTimeoutMs: 5_000, clock: systemClock });
});
afterAll(() => training.stop());

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const job = (): ImportJob => ({ signal: new AbortController().signal, progress: () => undefined });

async function world(connection: () => Promise<EprConnection> = async () => epr) {
  const dir = tempDir('wardscribe-patient-attest-');
  const session = new SessionService({ files: vaultFiles(`${dir.path}/vault`), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  await session.createUser(CLINICIAN);
  const imports = new ImportService({ session });
  const chat = '[13/03/2023, 08:00:00] Dr Ada Shah: start bisoprolol 2.5 mg once daily, DOB 12/07/1954 NHS 999 123 5671\n';
  const { threadId } = await imports.import({ path: writeExport(dir.path, 'WhatsApp Chat - Ward 7.zip', buildZip([{ name: '_chat.txt', data: chat }])), zone: 'Europe/London' }, job());
  await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
  const service = new TranscriptionService({ session, imports, epr: connection, log: silentLogger, organisationOdsCode: 'RX1' });
  cleanups.push(dir.remove, () => session.lock('sign-out'), () => service.stop());
  const messageIds = listMessages(session.vault().db, threadId, 0, 10).map((message) => String(message.id));
  const draft = (patient: typeof PATIENT = PATIENT) => service.saveDraft({ threadId, messageIds, advisers: ADVISERS, summary: 'Bisoprolol started.', patient });
  const trail = (action: AuditEntry['action']) => [...session.audit().store.entries({ filter: { actions: [action] } })];
  return { session, imports, service, draft, threadId, trail };
}


const jane = async (): Promise<Patient> => (await epr.search('Patient', { identifier: `${NHS_NUMBER_SYSTEM}|9991235671` }))[0] as Patient;

describe('a number the training EPR does not hold', () => {
  it('is told with the made-up patients it does hold, so a trainee is not stuck; a Trust EPR never lists patients', async () => {
    const { session, imports, service } = await world();
    const stranger = { nhsNumber: '943 476 5919', name: 'Alex Real', birthDate: '1960-01-01' };
    const lookup = await service.lookUpPatient(stranger);
    expect(lookup).toMatchObject({ status: 'not-found', confirmable: false });
    expect(lookup.message).toContain('No patient with NHS number 943 476 5919 is in the EPR.');
    expect(lookup.message).toContain('This is the training EPR: it holds only made-up patients, for example 999 123 5671 (Jane Testpatient, born 12/7/1954), 999 123 6783 (Arthur James Trainee, born 3/2/1941)');
    expect(lookup.problems).toEqual([lookup.message]);
    const trust = new TranscriptionService({ session, imports, eprs: singleEprDirectory(async () => epr, 'trust-epr', 'Trust EPR'), log: silentLogger, organisationOdsCode: 'RX1' });
    cleanups.push(() => trust.stop());
    expect((await trust.lookUpPatient(stranger)).message).not.toContain('training');
  });
});

describe('attesting checks the patient against the EPR again', () => {
  it('files against the confirmed Patient: subject is Patient/{id} with the NHS number, and the look-up is audited without demographics', async () => {
    const { service, draft, trail } = await world();
    const confirmation = await confirmedPatient(service);
    expect(confirmation).toMatchObject({ kind: 'record', source: 'epr', id: (await jane()).id });
    const queued = await service.attest(draft().id, confirmation);
    const verified = await until(() => service.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention']);
    expect(verified.state).toBe('verified');
    const [name, value] = identifierQuery(queued.identifier).split(/=(.*)/s) as [string, string];
    const [document] = (await epr.search('DocumentReference', { [name]: value })) as DocumentReference[];
    expect(document!.subject).toEqual({
      reference: `Patient/${(await jane()).id}`,
      identifier: { system: NHS_NUMBER_SYSTEM, value: '9991235671' },
      display: 'Jane Testpatient (NHS number 999 123 5671)',
    });
    const looked = trail('patient-looked-up');
    expect(looked.map((entry) => [entry.objects, entry.outcome])).toEqual([[{ nhsNumber: '9991235671' }, { status: 'success' }]]);
    expect(JSON.stringify(looked)).not.toMatch(/Testpatient|1954|Leeds/);
  });

  it('refuses a Mod-11-valid NHS number the EPR does not hold, even with a confirmation of another record', async () => {
    const { service, draft, trail } = await world();
    const forged = await confirmedPatient(service); // Jane's record, confirmed for a draft about someone else
    const wrong = draft({ ...PATIENT, nhsNumber: '943 476 5919' });
    expect(wrong.problems).toEqual([]); // the check digit alone lets it through
    await expect(service.attest(wrong.id, forged)).rejects.toMatchObject({
      code: 'rejected',
      message: "No patient with NHS number 943 476 5919 is in the EPR. Check the number against the patient's wristband or notes: advice cannot be filed against a patient the EPR does not hold.",
    });
    expect(service.outbox()).toEqual([]);
    expect(service.getDraft(wrong.id).status).toBe('draft');
    expect(trail('attested').map((entry) => entry.outcome)).toEqual([{ status: 'refused', reason: 'patient-not-found' }]);
  });

  it('refuses without a confirmation, with a name or date of birth the record does not hold, and a confirmation of another record', async () => {
    const { service, draft, trail } = await world();
    const confirmation = await confirmedPatient(service);
    await expect(service.attest(draft().id, undefined)).rejects.toThrow('Find the patient in the EPR by NHS number and confirm the record before attesting.');
    await expect(service.attest(draft({ ...PATIENT, birthDate: '1954-12-07' }).id, confirmation)).rejects.toThrow(/date of birth you entered is not the one the EPR holds/);
    await expect(service.attest(draft({ ...PATIENT, name: 'Joan Testpatient' }).id, confirmation)).rejects.toThrow(/name you entered is not the name the EPR holds/);
    if (confirmation.kind !== 'record') throw new Error('a record was confirmed');
    await expect(service.attest(draft().id, { ...confirmation, id: 'another-patient' })).rejects.toThrow(/not the one you confirmed/);
    expect(service.outbox()).toEqual([]);
    expect(trail('attested').map((entry) => entry.outcome.reason)).toEqual(['patient-not-confirmed', 'patient-mismatch', 'patient-mismatch', 'patient-changed']);
  });

  it('refuses when the record changed after the clinician confirmed it (another version)', async () => {
    const { service, draft } = await world();
    const confirmation = await confirmedPatient(service);
    const current = await jane();
    const response = await fetch(`${training.baseUrl}/Patient/${current.id}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ ...current, telecom: [{ system: 'phone', value: '0113 496 0000' }] }),
    });
    expect(response.ok).toBe(true);
    await expect(service.attest(draft().id, confirmation)).rejects.toThrow("The patient's record has changed since you confirmed it. Look at it again and confirm.");
    expect(service.outbox()).toEqual([]);
    // Looked at again and confirmed: it files.
    await service.attest(draft().id, await confirmedPatient(service));
    expect(service.outbox()).toHaveLength(1);
  });

  it("where the EPR cannot search patients, only the clinician's statement lets it through, audited, and subject has no reference", async () => {
    const noPatientSearch = async (): Promise<EprConnection> =>
      new Proxy(epr, {
        get(target, property, receiver) {
          if (property === 'capabilityStatement') {
            return async () => {
              const statement = (await target.capabilityStatement()) as CapabilityStatement;
              return { ...statement, rest: statement.rest?.map((rest) => ({ ...rest, resource: rest.resource?.filter((resource) => resource.type !== 'Patient') })) };
            };
          }
          const value = Reflect.get(target, property, receiver) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    const { service, draft, trail } = await world(noPatientSearch);
    const lookup = await service.lookUpPatient(PATIENT);
    expect(lookup).toMatchObject({ status: 'cannot-search', confirmable: false });
    await expect(service.attest(draft().id, { kind: 'record', source: 'epr', id: (await jane()).id!, versionId: null, lastUpdated: null })).rejects.toThrow(/cannot be searched for patients/);
    const queued = await service.attest(draft().id, { kind: 'checked-outside-epr', statement: true });
    expect(trail('attested').map((entry) => entry.outcome)).toEqual([
      { status: 'refused', reason: 'patient-cannot-search' },
      { status: 'success', reason: 'patient-checked-outside-epr' },
    ]);
    const verified = await until(() => service.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention']);
    expect(verified.state).toBe('verified');
    const [name, value] = identifierQuery(queued.identifier).split(/=(.*)/s) as [string, string];
    const [document] = (await epr.search('DocumentReference', { [name]: value })) as DocumentReference[];
    expect(document!.subject?.reference).toBeUndefined();
    expect(document!.subject?.identifier).toEqual({ system: NHS_NUMBER_SYSTEM, value: '9991235671' });
  });

  it("the clinician's statement is refused where the EPR can find the patient", async () => {
    const { service, draft, trail } = await world();
    await expect(service.attest(draft().id, { kind: 'checked-outside-epr', statement: true })).rejects.toThrow('The EPR holds this patient: confirm the record it shows instead.');
    expect(trail('attested').map((entry) => entry.outcome)).toEqual([{ status: 'refused', reason: 'patient-found' }]);
  });
});

describe('the preview and a look-up that never ends', () => {
  it('the preview names the confirmed Patient as attesting will, and without a confirmation does not', async () => {
    const { service, draft } = await world();
    const saved = draft();
    const confirmation = await confirmedPatient(service);
    const subject = (preview: ReturnType<typeof service.preview>) => (preview.documentReference as DocumentReference).subject;
    expect(subject(service.preview(saved.id))?.reference).toBeUndefined();
    expect(subject(service.preview(saved.id, confirmation))).toMatchObject({ reference: `Patient/${(await jane()).id}`, identifier: { value: '9991235671' } });
  });

  it('an EPR connection that never comes is "unavailable" within the bound: the look-up never hangs', async () => {
    const dir = tempDir('wardscribe-patient-hang-');
    const session = new SessionService({ files: vaultFiles(`${dir.path}/vault`), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    await session.createFirstAdmin(ADMIN);
    await session.createUser(CLINICIAN);
    await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
    const service = new TranscriptionService({
      session,
      imports: new ImportService({ session }),
      epr: () => new Promise<EprConnection>(() => undefined),
      log: silentLogger,
      organisationOdsCode: 'RX1',
      retryPolicy: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 1, requestTimeoutMs: 100 },
    });
    cleanups.push(dir.remove, () => session.lock('sign-out'), () => service.stop());
    const started = Date.now();
    expect(await service.lookUpPatient(PATIENT)).toMatchObject({ status: 'unavailable', message: expect.stringMatching(/took too long/) });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('patient-identifiable details in a thread', () => {
  it('counts them per kind, without returning any text', async () => {
    const { service, threadId } = await world();
    const details = service.patientDetailsInThread(threadId);
    expect(details.counts).toMatchObject({ 'nhs-number': 1, 'date-of-birth': 1 });
    expect(details.total).toBe(2);
  });
});

describe('the encounter the note is linked to (#15)', () => {
  it('is one of the confirmed patient’s current encounters in the EPR, checked again at attestation, and filed in context.encounter', async () => {
    const { service, draft, trail } = await world();
    const confirmation = await confirmedPatient(service);
    if (confirmation.kind !== 'record') throw new Error('a record was confirmed');
    const found = await service.encounters(confirmation.id);
    expect(found).toMatchObject({ kind: 'found', encounters: [{ description: 'Inpatient, Ward 7 (training)' }] });
    const janes = found.kind === 'found' ? found.encounters[0]! : undefined;

    // Another patient's encounter (a stale choice, a forged request) is refused at attestation.
    const arthur = (await epr.search('Patient', { identifier: `${NHS_NUMBER_SYSTEM}|9991236783` }))[0] as Patient;
    const arthurs = await service.encounters(arthur.id!);
    const other = arthurs.kind === 'found' ? arthurs.encounters[0]! : undefined;
    const wrong = draft();
    service.saveDraft({ id: wrong.id, threadId: wrong.threadId, messageIds: [...wrong.messageIds], advisers: ADVISERS, summary: wrong.summary, patient: PATIENT, encounter: { id: other!.id, display: other!.description } });
    await expect(service.attest(wrong.id, confirmation)).rejects.toThrow(/not a current encounter of this patient/);
    expect(trail('attested').at(-1)?.outcome).toEqual({ status: 'refused', reason: 'encounter-changed' });

    const right = draft();
    const saved = service.saveDraft({ id: right.id, threadId: right.threadId, messageIds: [...right.messageIds], advisers: ADVISERS, summary: right.summary, patient: PATIENT, encounter: { id: janes!.id, display: janes!.description } });
    expect(saved.encounter).toEqual({ id: janes!.id, display: 'Inpatient, Ward 7 (training)' });
    // Saved again without saying: kept. Another patient's number: forgotten.
    expect(service.saveDraft({ id: right.id, threadId: right.threadId, messageIds: [...right.messageIds], advisers: ADVISERS, summary: right.summary, patient: PATIENT }).encounter).not.toBeNull();
    const queued = await service.attest(right.id, confirmation);
    const verified = await until(() => service.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention']);
    expect(verified.state).toBe('verified');
    const [name, value] = identifierQuery(queued.identifier).split(/=(.*)/s) as [string, string];
    const [document] = (await epr.search('DocumentReference', { [name]: value })) as DocumentReference[];
    expect(document!.context?.encounter).toEqual([{ reference: `Encounter/${janes!.id}`, display: 'Inpatient, Ward 7 (training)' }]);

    const moved = draft();
    service.saveDraft({ id: moved.id, threadId: moved.threadId, messageIds: [...moved.messageIds], advisers: ADVISERS, summary: moved.summary, patient: PATIENT, encounter: { id: janes!.id, display: 'x' } });
    expect(service.saveDraft({ id: moved.id, threadId: moved.threadId, messageIds: [...moved.messageIds], advisers: ADVISERS, summary: moved.summary, patient: { ...PATIENT, nhsNumber: '999 123 6783' } }).encounter).toBeNull();
  });
});
