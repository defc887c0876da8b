import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentReference, Provenance } from '@medplum/fhirtypes';
import { singleEprDirectory, type EprDirectory } from '../../../main/epr/epr-directory';
import { identifierQuery } from '../../../main/epr/mapping';
import { EprRequestError, type EprConnection } from '../../../main/epr/fhir-client';
import { createTrainingEpr, type TrainingEpr } from '../../../main/epr/training-epr';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { TranscriptionService, type DraftInput } from '../../../main/transcriptions/transcription-service';
import { StaffProfiles } from '../../../main/users/staff-profiles';
import { getOutboxItem } from '../../../main/vault/queries/outbox';
import { setSettings } from '../../../main/settings/registry';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { listMessages } from '../../../main/vault/queries/messages';
import { recordIdentifierFound } from '../../../main/vault/queries/epr-observations';
import { TRAINING_EPR_ID } from '../../../main/epr/epr-directory';
import { vaultFiles } from '../../../main/vault/vault-files';
import type { AuditEntry } from '../../../shared/domain/audit';
import { buildZip } from '../importers/zip-writer';
import { writeExport } from '../importers/helpers';
import { ADVISERS, CLERK, CLINICIAN, PATIENT } from '../../support/people';
import { contract } from '../../../shared/ipc/contract';
import { confirmedPatient } from '../../support/patient-check';
import { tempDir } from '../../support/temp';
import { ADMIN, countPlaintext } from '../../support/vault';
import { untilOutboxState as until } from '../../support/outbox-wait';

const CANARY = 'zebracanary5521 start bisoprolol';

let training: TrainingEpr;
beforeAll(async () => {
  training = createTrainingEpr({ requestTimeoutMs: 5_000 });
  await training.connection();
});
afterAll(() => training.close());

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function chat(): string {
  return [
    `[13/03/2023, 08:00:00] Dr Ada Shah: ${CANARY} 2.5 mg once daily`,
    '[13/03/2023, 08:05:30] Ben Okafor: ECG done, rate 72',
    '[13/03/2023, 08:07:00] Dr Ada Shah: thanks, repeat in the morning',
  ].join('\n') + '\n';
}

function job(): ImportJob {
  return { signal: new AbortController().signal, progress: () => undefined };
}

async function world(options: { epr?: () => Promise<EprConnection> } = {}) {
  const dir = tempDir('wardscribe-transcriptions-');
  const files = vaultFiles(`${dir.path}/vault`);
  const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  await session.createUser(CLINICIAN);
  await session.createUser(CLERK);
  const imports = new ImportService({ session });
  const path = writeExport(dir.path, 'WhatsApp Chat - Ward 7.zip', buildZip([{ name: '_chat.txt', data: chat() }]));
  const { threadId } = await imports.import({ path, zone: 'Europe/London' }, job());
  const messageIds = listMessages(session.vault().db, threadId, 0, 10).map((message) => String(message.id));
  // The training EPR as one this workstation has filed in before (an empty search there is trusted).
  recordIdentifierFound(session.vault().db, TRAINING_EPR_ID, '2023-03-01T09:00:00.000Z');
  // A one-second settle window before a resend (the default is minutes): the resend still waits for it.
  const make = (epr = options.epr ?? (() => training.connection())) => {
    const single = singleEprDirectory(epr);
    const eprs: EprDirectory = { current: single.current, connect: async (eprId) => ({ ...(await single.connect(eprId)), overrides: { resendSettleMs: 1_000 } }) };
    return new TranscriptionService({ session, imports, eprs, log: silentLogger, organisationOdsCode: 'RX1' });
  };
  const service = make();
  cleanups.push(dir.remove, () => session.lock('sign-out'), () => service.stop());
  const signIn = (user: { username: string; passphrase: string }) => session.signIn(user.username, user.passphrase);
  const input = (overrides: Partial<DraftInput> = {}): DraftInput => ({ threadId, messageIds, advisers: ADVISERS, summary: 'Bisoprolol started; ECG repeated.', patient: PATIENT, ...overrides });
  return { dir: dir.path, files, session, imports, service, make, signIn, threadId, messageIds, input };
}

/** What the training EPR holds (asked through its own connection: it needs the per-launch token). */
async function documentsOnServer(identifier: string): Promise<DocumentReference[]> {
  const [name, value] = identifierQuery(identifier).split(/=(.*)/s) as [string, string];
  return (await (await training.connection()).search('DocumentReference', { [name]: value })) as DocumentReference[];
}

async function provenancesOnServer(documentReferenceId: string): Promise<Provenance[]> {
  return (await (await training.connection()).search('Provenance', { target: `DocumentReference/${documentReferenceId}` })) as Provenance[];
}

/** A connection that behaves like `real` except where `overrides` say. */
function wrap(real: EprConnection, overrides: { [K in keyof EprConnection]?: (real: EprConnection) => EprConnection[K] }): EprConnection {
  return new Proxy(real, {
    get(target, property, receiver) {
      const override = overrides[property as keyof EprConnection];
      if (override) return override(target);
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function entries(session: SessionService, actions: AuditEntry['action'][]): AuditEntry[] {
  return [...session.audit().store.entries({ filter: { actions } })];
}


describe('TranscriptionService', () => {
  it('saves a draft that survives lock and sign-in, remembers advisers, and audits without text', async () => {
    const { session, service, signIn, input, threadId, files } = await world();
    await signIn(CLERK);
    const saved = service.saveDraft(input({ advisers: { 'Dr Ada Shah': ADVISERS['Dr Ada Shah'] } }));
    expect(saved).toMatchObject({ threadId, threadTitle: 'Ward 7', status: 'draft' });
    expect(saved.problems).toEqual(['Say who "Ben Okafor" is (full name and role) before attesting.']);

    session.lock('idle');
    await signIn(CLERK);
    expect(service.getDraft(saved.id)).toMatchObject({ id: saved.id, summary: 'Bisoprolol started; ECG repeated.', patient: PATIENT });
    const changed = service.saveDraft(input({ id: saved.id }));
    expect(changed.problems).toEqual([]);
    expect(service.listDrafts().map((draft) => draft.id)).toEqual([saved.id]);
    expect(service.knownAdvisers(threadId)).toEqual(ADVISERS);

    const audited = entries(session, ['transcription-drafted', 'transcription-changed']);
    expect(audited.map((entry) => entry.action)).toEqual(['transcription-drafted', 'transcription-changed']);
    expect(audited[0]!.objects).toEqual({ threadId, transcriptionId: saved.id, nhsNumber: '9991235671' });
    expect(JSON.stringify(entries(session, []))).not.toContain('zebracanary');
    session.lock('sign-out');
    expect(countPlaintext(files.database, 'Bisoprolol started')).toBe(0);
  });

  it('keeps a draft whose advisers are only partly known (a clerk, or the idle lock, saving): each gap is a problem, nothing half-known is remembered, and it cannot be attested', async () => {
    const { service, signIn, input, threadId } = await world();
    const partial = { 'Dr Ada Shah': { displayNameInChat: 'Dr Ada Shah', name: 'Dr Ada Shah', role: '' }, 'Ben Okafor': { displayNameInChat: 'Ben Okafor', name: '', role: 'Ward sister', registration: { body: 'NMC' as const, number: '12A3' } } };
    // What a window sends is checked against the contract first: a draft's advisers may be incomplete there.
    const request = { threadId, messageIds: input().messageIds, advisers: partial, summary: '', patient: { nhsNumber: '', name: '', birthDate: '', confirmed: false } };
    expect(contract.transcriptions.saveDraft.request.safeParse(request).success).toBe(true);
    expect(contract.transcriptions.knownAdvisers.response.safeParse(partial).success).toBe(false);
    await signIn(CLERK);
    const saved = service.saveDraft(input({ advisers: partial }));
    // Each gap names its field (a ward trial: a clerk who left a grade blank was told of a registration number she never typed).
    const gaps = saved.problems.filter((problem) => /Dr Ada Shah|Ben Okafor/.test(problem));
    expect(gaps).toEqual([
      'Enter the role and grade of "Dr Ada Shah": if nobody at hand knows it, leave it for the clinician who attests to confirm with them.',
      'Enter the full name of "Ben Okafor".',
      'The NMC registration number of "Ben Okafor" is not in the format the Nursing and Midwifery Council issues.',
    ]);
    expect(service.getDraft(saved.id).advisers).toEqual(partial);
    expect(service.knownAdvisers(threadId)).toEqual({});
    await signIn(CLINICIAN);
    expect((await service.preview(saved.id)).problems).toContain('Enter the role and grade of "Dr Ada Shah": if nobody at hand knows it, leave it for the clinician who attests to confirm with them.');
  });

  it('refuses a message from another thread and names a wrong NHS check digit; such a draft is never filed', async () => {
    const { service, signIn, input } = await world();
    await signIn(CLINICIAN);
    expect(() => service.saveDraft(input({ messageIds: ['999999'] }))).toThrow(/not part of this chat/);
    const draft = service.saveDraft(input({ patient: { ...PATIENT, nhsNumber: '943 476 5918' } }));
    expect(draft.problems).toEqual(['This NHS number has a typing error: its last digit does not match the others.']);
    expect(service.preview(draft.id).problems).toContain('This NHS number has a typing error: its last digit does not match the others.');
    await expect(service.attest(draft.id, undefined)).rejects.toThrow(/typing error/);
    expect(service.outbox()).toEqual([]);
    expect(service.getDraft(draft.id).status).toBe('draft');
  });

  it("a clerk's confirmation of the patient never carries to the clinician: they confirm it themselves before attesting (H-014)", async () => {
    const { service, signIn, input } = await world();
    await signIn(CLERK);
    const draft = service.saveDraft(input());
    expect(service.getDraft(draft.id).patient.confirmed).toBe(true);
    await signIn(CLINICIAN);
    // Opened by the clinician: unticked, and attest is refused until they tick it and save.
    expect(service.getDraft(draft.id).patient).toEqual({ ...PATIENT, confirmed: false });
    expect(service.listDrafts().find((listed) => listed.id === draft.id)!.problems).toEqual(['Confirm that this is the right patient.']);
    await expect(service.attest(draft.id, await confirmedPatient(service))).rejects.toThrow('Confirm that this is the right patient.');
    expect(service.outbox()).toEqual([]);
    service.saveDraft(input({ id: draft.id }));
    expect(service.getDraft(draft.id).patient.confirmed).toBe(true);
    const queued = await service.attest(draft.id, await confirmedPatient(service));
    expect(queued.identifier).toMatch(/^urn:uuid:/);
    // The clerk, back, sees the clinician's confirmation as not theirs either.
    await signIn(CLERK);
    expect(service.getDraft(draft.id).patient.confirmed).toBe(false);
  });

  it('files the transcriber and attester as an administrator described them: job title, registration, SDS user ID (#15)', async () => {
    const { session, service, signIn, input } = await world();
    await signIn(ADMIN);
    const id = (username: string) => session.listUsers().find((user) => user.username === username)!.id;
    const profiles = new StaffProfiles({ session });
    profiles.set(id(CLINICIAN.username), { jobTitle: 'Consultant physician', registration: { body: 'GMC', number: 'l123456' }, sdsUserId: '555021935107' });
    // A clerk with no registration: named by the Trust's own system once one is configured.
    setSettings(session.vault().db, session.audit().log, session.audit().actor, { 'staff.localIdentifierSystem': 'https://trust.example.nhs.uk/Id/staff' }, new Date());
    profiles.set(id(CLERK.username), { jobTitle: 'Ward clerk', registration: null, sdsUserId: null });
    expect(session.listUsers().find((user) => user.username === CLINICIAN.username)!.profile).toEqual({ jobTitle: 'Consultant physician', registration: { body: 'GMC', number: 'L123456' }, sdsUserId: '555021935107' });
    expect(entries(session, ['user-changed']).map((entry) => entry.outcome)).toEqual([
      { status: 'success', reason: 'professional-details' },
      { status: 'success', reason: 'professional-details' },
    ]);
    // A number not in the body's format, or a short SDS id, is refused in words and nothing changes.
    expect(() => profiles.set(id(CLINICIAN.username), { jobTitle: 'Consultant', registration: { body: 'NMC', number: '1234567' }, sdsUserId: null })).toThrow('NMC numbers are two digits, a letter, four digits and a letter (for example 12A3456B).');
    expect(() => profiles.set(id(CLINICIAN.username), { jobTitle: 'Consultant', registration: null, sdsUserId: '5550219' })).toThrow(/12 digits/);
    expect(session.listUsers().find((user) => user.username === CLINICIAN.username)!.profile.jobTitle).toBe('Consultant physician');

    await signIn(CLERK);
    expect(() => profiles.set(id(CLERK.username), { jobTitle: 'Consultant', registration: null, sdsUserId: null })).toThrow(expect.objectContaining({ code: 'forbidden' }));
    const draft = service.saveDraft(input());
    await signIn(CLINICIAN);
    service.saveDraft(input({ id: draft.id }));
    const queued = await service.attest(draft.id, await confirmedPatient(service));
    await until(() => service.outbox().find((item) => item.identifier === queued.identifier), ['verified']);
    const filed = getOutboxItem(session.vault().db, queued.identifier)!.transcription;
    expect(filed.attester).toMatchObject({ name: CLINICIAN.displayName, role: 'Consultant physician', registration: { body: 'GMC', number: 'L123456' }, sdsUserId: '555021935107' });
    expect(filed.transcriber).toMatchObject({ role: 'Ward clerk', localIdentifier: { system: 'https://trust.example.nhs.uk/Id/staff', value: CLERK.username } });
    const [document] = await documentsOnServer(queued.identifier);
    expect(document!.author).toEqual([{ identifier: { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: '555021935107' }, display: `${CLINICIAN.displayName}, Consultant physician, GMC L123456` }]);
    const text = Buffer.from(document!.content[0]!.attachment.data!, 'base64').toString('utf8');
    expect(text).toContain(`Attested by: ${CLINICIAN.displayName}, Consultant physician, GMC L123456, `);
    expect(text).toContain(`Transcribed by: ${CLERK.displayName}, Ward clerk\n`);
    expect(JSON.stringify(document)).not.toContain('wardscribe.nhs.uk/Id/user');
  });

  it('files a message marked as a question or reply as context, not as its sender\'s advice; one of another thread is ignored', async () => {
    const { session, service, signIn, input, messageIds } = await world();
    await signIn(CLINICIAN);
    // Ben's "ECG done" is what the advice answers; an id not in the selection is dropped.
    const draft = service.saveDraft(input({ contextMessageIds: [messageIds[1]!, '999999'] }));
    expect(draft.contextMessageIds).toEqual([messageIds[1]]);
    expect(draft.problems).toEqual([]);
    const allContext = service.saveDraft(input({ id: draft.id, contextMessageIds: messageIds }));
    expect(allContext.problems).toContain('Mark at least one message as advice: every selected message is marked as a question or reply.');
    service.saveDraft(input({ id: draft.id, contextMessageIds: [messageIds[1]!] }));
    const preview = service.preview(draft.id);
    expect(preview.text).toContain('Advice 1 of 2\nFrom: ');
    expect(preview.text).toContain('Context (a question or reply, not advice)\nFrom: ');
    const queued = await service.attest(draft.id, await confirmedPatient(service));
    await until(() => service.outbox().find((item) => item.identifier === queued.identifier), ['verified']);
    const filed = getOutboxItem(session.vault().db, queued.identifier)!.transcription;
    expect(filed.excerpts.map((excerpt) => excerpt.kind ?? 'advice')).toEqual(['advice', 'context', 'advice']);
    // Context is in the note: the wipe counts it as in the record.
    expect(filed.excerpts.map((excerpt) => excerpt.messageId)).toEqual(messageIds.slice(0, 3));
  });

  it('does not let a clerk attest', async () => {
    const { session, service, signIn, input } = await world();
    await signIn(CLERK);
    const draft = service.saveDraft(input());
    await expect(service.attest(draft.id, await confirmedPatient(service))).rejects.toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(service.outbox()).toEqual([]);
    expect(entries(session, ['attested']).map((entry) => entry.outcome)).toEqual([{ status: 'refused', reason: 'role-clerk' }]);
  });

  it('previews exactly what attest files; attest files once in the training EPR and verifies, audited end to end', async () => {
    const { session, service, signIn, input, threadId } = await world();
    await signIn(CLERK);
    const draft = service.saveDraft(input({ patient: { ...PATIENT, confirmed: false } }));
    expect(draft.problems).toEqual(['Confirm that this is the right patient.']);
    service.saveDraft(input({ id: draft.id }));
    session.lock('sign-out');
    await signIn(CLINICIAN);
    // The clinician confirms the patient themselves (the clerk's tick is the clerk's).
    service.saveDraft(input({ id: draft.id }));

    const preview = service.preview(draft.id);
    expect(preview.problems).toEqual([]);
    expect(preview.text).toContain('From: Dr Ada Shah-Whitfield, Consultant cardiologist, GMC 7123456 (shown in the chat as "Dr Ada Shah")');
    expect(preview.text).toContain('Sent: 2023-03-13 08:05 Europe/London');
    expect(preview.documentReference).toMatchObject({ resourceType: 'DocumentReference' });

    const queued = await service.attest(draft.id, await confirmedPatient(service));
    expect(queued).toMatchObject({ draftId: draft.id, threadTitle: 'Ward 7', nhsNumber: '9991235671' });
    await expect(service.attest(draft.id, await confirmedPatient(service))).rejects.toThrow(expect.objectContaining({ code: 'conflict' }));
    const verified = await until(() => service.outbox().find((item) => item.identifier === queued.identifier), ['verified', 'failed', 'needs-attention']);
    expect(verified).toMatchObject({ state: 'verified', reason: null, documentReferenceId: expect.any(String) });

    const documents = await documentsOnServer(queued.identifier);
    expect(documents.map((document) => document.id)).toEqual([verified.documentReferenceId]);
    const text = Buffer.from(documents[0]!.content[0]!.attachment.data!, 'base64').toString('utf8');
    expect(text).toContain('Dr Ada Shah-Whitfield');
    expect(text).toContain('Benjamin Okafor, Ward sister, NMC 12A3456E');
    expect(text).toContain('Sent: 2023-03-13 08:00 Europe/London');
    expect(text).toContain('Sent: 2023-03-13 08:07 Europe/London');
    expect(text).toContain('Attested by: Dr Priya Shah, Clinician');
    expect(text).toContain('Transcribed by: Sam Clerk, Ward clerk');

    const trail = entries(session, ['transcription-drafted', 'attested', 'filed', 'verified']);
    expect(trail.map((entry) => entry.action)).toEqual(['transcription-drafted', 'attested', 'filed', 'verified']);
    const attested = trail[1]!;
    expect(attested.objects).toEqual({ threadId, transcriptionId: draft.id, nhsNumber: '9991235671', documentId: queued.identifier });
    expect(trail[3]!.objects).toMatchObject({ transcriptionId: queued.identifier, documentId: verified.documentReferenceId });
    expect(trail[3]!.hashes?.documentSha256).toMatch(/^[0-9a-f]{64}$/);
    // The EPR witnesses the trail: the document carries the head at the attested entry.
    const provenances = await provenancesOnServer(verified.documentReferenceId!);
    expect(provenances).toHaveLength(1);
    expect(JSON.stringify(provenances[0])).toContain(attested.entryHash);
    expect(JSON.stringify(entries(session, []))).not.toContain('zebracanary');
    expect(JSON.stringify(entries(session, []))).not.toContain('Bisoprolol');
  });

  it('resumes after a lock in mid-push and still files exactly once', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let pushed!: () => void;
    const pushReached = new Promise<void>((resolve) => (pushed = resolve));
    // The push reaches the EPR and commits, but its answer is held until after the lock.
    const held = async (): Promise<EprConnection> =>
      wrap(await training.connection(), {
        transaction: (real) => async (bundle, context) => {
          const result = await real.transaction(bundle, context);
          pushed();
          await released;
          return result;
        },
      });
    const { session, service, signIn, input, make } = await world({ epr: held });
    await signIn(CLINICIAN);
    const draft = service.saveDraft(input());
    const queued = await service.attest(draft.id, await confirmedPatient(service));
    await pushReached;
    const stopping = service.stop();
    session.lock('idle');
    release();
    await stopping;

    await signIn(CLINICIAN);
    expect(service.outbox()).toEqual([expect.objectContaining({ identifier: queued.identifier, state: 'sending' })]);
    expect(await documentsOnServer(queued.identifier)).toHaveLength(1);

    const restarted = make(() => training.connection());
    cleanups.push(() => restarted.stop());
    const resumed = await restarted.resumeAll();
    expect(resumed).toEqual([expect.objectContaining({ identifier: queued.identifier, state: 'verified' })]);
    const documents = await documentsOnServer(queued.identifier);
    expect(documents.map((document) => document.id)).toEqual([resumed[0]!.documentReferenceId]);
    expect(entries(session, ['filed', 'verified']).map((entry) => entry.action)).toEqual(['filed', 'verified']);
  });
  it('records a refused filing as failed, and a clinician can retry it to verified', async () => {
    let refuse = true;
    const flaky = async (): Promise<EprConnection> =>
      wrap(await training.connection(), {
        transaction: (real) => async (bundle, context) => {
          if (refuse) throw new EprRequestError('http', 422, undefined, 'Custodian not known');
          return real.transaction(bundle, context);
        },
      });
    const { session, service, signIn, input } = await world({ epr: flaky });
    await signIn(CLINICIAN);
    const queued = await service.attest(service.saveDraft(input()).id, await confirmedPatient(service));
    const failed = await until(() => service.outbox()[0], ['verified', 'failed', 'needs-attention']);
    expect(failed).toMatchObject({ state: 'failed', reason: 'rejected-by-epr', httpStatus: 422, documentReferenceId: null, epr: 'Training EPR', canRetry: true });
    expect(failed.detail).toContain('Custodian not known');
    expect(entries(session, ['filing-failed']).map((entry) => [entry.objects, entry.outcome])).toEqual([
      [{ transcriptionId: queued.identifier, nhsNumber: '9991235671' }, { status: 'failure', reason: 'rejected-by-epr' }],
    ]);
    await expect(service.retry('urn:uuid:00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'not-found' });
    refuse = false;
    // The refused push was not applied, so Retry starts afresh: queued, and sent without waiting to confirm.
    expect((await service.retry(queued.identifier)).state).toMatch(/^(queued|sending|filed|verified)$/);
    await service.settled();
    expect(service.outbox()[0]).toMatchObject({ state: 'verified' });
    expect(await documentsOnServer(queued.identifier)).toHaveLength(1);
    await expect(service.retry(queued.identifier)).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('the outbox actions a clinician can take', () => {
  it('Retry pressed again while the filing is being sent is refused with a reason, and sends nothing', async () => {
    let refuse = true;
    let pushes = 0;
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const slow = async (): Promise<EprConnection> =>
      wrap(await training.connection(), {
        transaction: (real) => async (bundle, context) => {
          pushes++;
          if (refuse) throw new EprRequestError('http', 422, undefined, 'Try later');
          await answered;
          return real.transaction(bundle, context);
        },
      });
    const { service, signIn, input } = await world({ epr: slow });
    await signIn(CLINICIAN);
    const queued = await service.attest(service.saveDraft(input()).id, await confirmedPatient(service));
    await until(() => service.outbox()[0], ['failed']);
    refuse = false;
    await service.retry(queued.identifier);
    while (pushes < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    for (let press = 0; press < 5; press++) {
      await expect(service.retry(queued.identifier)).rejects.toMatchObject({ code: 'conflict', message: 'This filing is already being sent; there is nothing to retry.' });
    }
    answer();
    await service.settled();
    expect(service.outbox()[0]).toMatchObject({ state: 'verified' });
    expect(pushes).toBe(2);
    expect(await documentsOnServer(queued.identifier)).toHaveLength(1);
  });

  it('Send after checking the record: the clinician\u2019s confirmation is audited (who, when) and the note is sent once, read back and verified', async () => {
    let lost = true;
    // An EPR that cannot be searched by identifier (it answers with another document), and a first
    // push whose answer never came (it had not arrived).
    const unsearchable = async (): Promise<EprConnection> =>
      wrap(await training.connection(), {
        search: (real) => async (resourceType, params, context) =>
          resourceType === 'DocumentReference' ? [{ resourceType: 'DocumentReference', id: 'someone-else', status: 'current', content: [] } as DocumentReference] : real.search(resourceType, params, context),
        transaction: (real) => async (bundle, context) => {
          if (lost) {
            lost = false;
            throw new EprRequestError('timeout', undefined, undefined);
          }
          return real.transaction(bundle, context);
        },
      });
    const { session, service, signIn, input } = await world({ epr: unsearchable });
    await signIn(CLINICIAN);
    const queued = await service.attest(service.saveDraft(input()).id, await confirmedPatient(service));
    const stopped = await until(() => service.outbox()[0], ['needs-attention', 'verified', 'failed']);
    expect(stopped).toMatchObject({ state: 'needs-attention', reason: 'identifier-search-unsupported', detail: expect.stringContaining('Send after checking the record') });
    expect(await documentsOnServer(queued.identifier)).toHaveLength(0);

    await signIn(CLERK);
    await expect(service.sendAfterCheck(queued.identifier)).rejects.toMatchObject({ code: 'forbidden' });
    await signIn(CLINICIAN);
    const before = Date.now();
    await service.sendAfterCheck(queued.identifier);
    await service.settled();
    expect(service.outbox()[0]).toMatchObject({ state: 'verified' });
    expect(await documentsOnServer(queued.identifier)).toHaveLength(1);
    const [checked, ...more] = entries(session, ['record-checked']);
    expect(more).toEqual([]);
    expect(checked).toMatchObject({
      actor: { displayName: CLINICIAN.displayName, role: 'clinician' },
      objects: { transcriptionId: queued.identifier, nhsNumber: '9991235671' },
      outcome: { status: 'success', reason: 'not-in-record' },
    });
    expect(Date.parse(checked!.time.utc)).toBeGreaterThanOrEqual(before - 1000);
    // Verified now: there is nothing left to send.
    await expect(service.sendAfterCheck(queued.identifier)).rejects.toMatchObject({ code: 'conflict' });
    await expect(service.sendAfterCheck('urn:uuid:00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('opening a filed note from the outbox', () => {
  it('shows the note as the EPR holds it now (its edits included), audited by document id, for clerks and clinicians only', async () => {
    const { session, service, signIn, input } = await world();
    await signIn(CLINICIAN);
    const queued = await service.attest(service.saveDraft(input()).id, await confirmedPatient(service));
    // Not filed yet: nothing to open, said plainly.
    await expect(service.filedDocument('urn:uuid:00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'not-found' });
    const verified = await until(() => service.outbox()[0], ['verified', 'failed', 'needs-attention']);
    expect(verified.state).toBe('verified');

    // The EPR's copy changes after filing (a records officer amends it): the view is the EPR's, not ours.
    const connection = await training.connection();
    const stored = (await connection.read('DocumentReference', verified.documentReferenceId!)) as DocumentReference;
    const amended = Buffer.from(stored.content[0]!.attachment.data!, 'base64').toString('utf8') + '\nAmended by records: bed 4.';
    await connection.update({ ...stored, id: stored.id!, content: [{ attachment: { ...stored.content[0]!.attachment, data: Buffer.from(amended).toString('base64') } }] });

    const document = await service.filedDocument(queued.identifier);
    expect(document).toMatchObject({ documentReferenceId: verified.documentReferenceId, status: 'current', contentType: expect.stringMatching(/^text\/plain/), textProblem: null, truncated: false });
    expect(document.text).toContain('Dr Ada Shah-Whitfield');
    expect(document.text).toContain('Amended by records: bed 4.');
    expect(document.versionId).not.toBe(stored.meta?.versionId ?? null);
    const reads = entries(session, ['filed-document-read']);
    expect(reads.map((entry) => [entry.objects, entry.outcome.status])).toEqual([[{ transcriptionId: queued.identifier, documentId: verified.documentReferenceId }, 'success']]);
    expect(JSON.stringify(reads)).not.toContain('Amended');

    session.lock('sign-out');
    await signIn(CLERK);
    expect((await service.filedDocument(queued.identifier)).text).toContain('Amended by records');
  });

  it('a note the EPR no longer has, or an EPR that cannot be reached, is said in plain English and audited as a failure', async () => {
    let mode: 'gone' | 'down' | 'pass' = 'pass';
    const flaky = async () =>
      wrap(await training.connection(), {
        read: (real) => async (type, id, context) => {
          if (type === 'DocumentReference' && mode === 'gone') throw new EprRequestError('http', 410, undefined);
          if (type === 'DocumentReference' && mode === 'down') throw new EprRequestError('network', undefined, undefined);
          return real.read(type, id, context);
        },
      });
    const { session, service, signIn, input } = await world({ epr: flaky });
    await signIn(CLINICIAN);
    const queued = await service.attest(service.saveDraft(input()).id, await confirmedPatient(service));
    expect((await until(() => service.outbox()[0], ['verified', 'failed', 'needs-attention'])).state).toBe('verified');
    mode = 'gone';
    await expect(service.filedDocument(queued.identifier)).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/no longer has this note \(HTTP 410\)/) });
    mode = 'down';
    await expect(service.filedDocument(queued.identifier)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/could not be reached/) });
    expect(entries(session, ['filed-document-read']).map((entry) => entry.outcome)).toEqual([
      { status: 'failure', reason: 'http' },
      { status: 'failure', reason: 'network' },
    ]);
  });

  it('an auditor cannot open filed notes, and a note not yet filed has nothing to open', async () => {
    const never = async () => wrap(await training.connection(), { transaction: () => () => new Promise(() => undefined), create: () => () => new Promise(() => undefined) });
    const { session, service, signIn, input } = await world({ epr: never });
    const auditor = { username: 'aud', displayName: 'Ann Auditor', passphrase: 'auditor passphrase for the ward pc', role: 'auditor' as const };
    await session.createUser(auditor);
    await signIn(CLINICIAN);
    const queued = await service.attest(service.saveDraft(input()).id, await confirmedPatient(service));
    await expect(service.filedDocument(queued.identifier)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/not been filed in the EPR yet/) });
    session.lock('sign-out');
    await signIn(auditor);
    await expect(service.filedDocument(queued.identifier)).rejects.toMatchObject({ code: 'forbidden' });
  });
});
