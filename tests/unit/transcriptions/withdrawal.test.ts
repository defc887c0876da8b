/**
 * Withdrawing a filed note (issue #15), through the transcription service, the outbox and the wipe
 * gate: a clinician withdraws a verified note that should not be in the record; it is marked
 * entered in error there, its messages count as filed nowhere (the wipe asks for a reason, and they
 * can be filed for the right patient without one), and a note being corrected is not withdrawn.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentReference } from '@medplum/fhirtypes';
import { createEprConnection } from '../../../main/epr/fhir-client';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { RefilingGuard } from '../../../main/threads/refiling-guard';
import { ThreadReader } from '../../../main/threads/thread-reader';
import { TranscriptionService } from '../../../main/transcriptions/transcription-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { listMessages } from '../../../main/vault/queries/messages';
import { vaultFiles } from '../../../main/vault/vault-files';
import { WipeService } from '../../../main/wipe/wipe-service';
import type { AuditEntry } from '../../../shared/domain/audit';
import { certificateWording } from '../../../shared/wording/wipe-certificate';
import { buildZip } from '../importers/zip-writer';
import { writeExport } from '../importers/helpers';
import { startEprHarness, type EprHarness } from '../epr/support/epr-harness';
import { ADVISERS, CLERK, CLINICIAN, PATIENT } from '../../support/people';
import { confirmedPatient } from '../../support/patient-check';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

let epr: EprHarness;
beforeAll(async () => {
  epr = await startEprHarness();
});
afterAll(() => epr.close());
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  epr.reset();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const job = (): ImportJob => ({ signal: new AbortController().signal, progress: () => undefined });
const CHAT = '[13/03/2023, 08:00:00] Dr Ada Shah: start bisoprolol 2.5 mg once daily\n[13/03/2023, 08:05:00] Dr Ada Shah: and stop the amlodipine\n';

async function world(eprId = 'trust-epr') {
  const dir = tempDir('wardscribe-withdrawal-');
  const session = new SessionService({ files: vaultFiles(`${dir.path}/vault`), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  await session.createUser(CLINICIAN);
  await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
  const imports = new ImportService({ session });
  const { threadId } = await imports.import({ path: writeExport(dir.path, 'WhatsApp Chat - Ward 7.zip', buildZip([{ name: '_chat.txt', data: CHAT }])), zone: 'Europe/London' }, job());
  let currentEpr = eprId;
  const connect = () => createEprConnection({ baseUrl: epr.baseUrl, auth: { kind: 'none' }, requestTimeoutMs: 2_000, clock: { now: Date.now } });
  const transcriptions = new TranscriptionService({
    session,
    imports,
    eprs: { current: () => ({ eprId: currentEpr, label: currentEpr === 'trust-epr' ? 'Trust EPR' : 'Other EPR' }), connect: async () => ({ connection: await connect() }) },
    log: silentLogger,
    organisationOdsCode: 'RX1',
  });
  const wipes = new WipeService({ session, imports, transcriptions, log: silentLogger });
  const refiling = new RefilingGuard(session, new ThreadReader(session));
  cleanups.push(dir.remove, () => session.lock('sign-out'), () => transcriptions.stop());
  const messageIds = listMessages(session.vault().db, threadId, 0, 10).map((message) => String(message.id));
  const fileNote = async () => {
    const queued = await transcriptions.attest(transcriptions.saveDraft({ threadId, messageIds, advisers: ADVISERS, summary: 'Bisoprolol started.', patient: PATIENT }).id, await confirmedPatient(transcriptions));
    await transcriptions.settled();
    return transcriptions.outbox().find((item) => item.identifier === queued.identifier)!;
  };
  const trail = (action: AuditEntry['action']) => [...session.audit().store.entries({ filter: { actions: [action] } })];
  /** The correction as its clinician leaves it: the patient confirmed again. */
  const correct = (identifier: string) => {
    const draft = transcriptions.startCorrection(identifier);
    return transcriptions.saveDraft({ id: draft.id, threadId: draft.threadId, messageIds: [...draft.messageIds], advisers: ADVISERS, summary: draft.summary, patient: PATIENT });
  };
  return { session, transcriptions, wipes, refiling, threadId, messageIds, fileNote, correct, trail, switchEpr: (id: string) => (currentEpr = id) };
}

async function stored(id: string): Promise<DocumentReference> {
  return (await (await fetch(`${epr.upstreamUrl}/DocumentReference/${id}`)).json()) as DocumentReference;
}

const REASON = 'Filed against the wrong patient.';

describe('withdrawing a verified note', () => {
  it('marks it entered in error; its messages are then filed nowhere, the wipe asks for a reason, and its outbox row stays as history', async () => {
    const { session, transcriptions, wipes, refiling, fileNote, messageIds, threadId, trail } = await world();
    const note = await fileNote();
    expect(note).toMatchObject({ canWithdraw: true, withdrawal: null });
    expect((await wipes.plan(threadId)).decision.kind).toBe('allowed');
    expect(refiling.filedElsewhere(messageIds, null)).toHaveLength(1);

    // While the record is still being asked, the wipe waits: whether the note stays there is not yet known.
    epr.fault = (request) => (request.method === 'PUT' ? { kind: 'hang' } : { kind: 'pass' });
    const withdrawing = transcriptions.withdraw(note.identifier, REASON);
    await expect.poll(() => epr.seen.some((request) => request.method === 'PUT'), { timeout: 5000 }).toBe(true);
    expect((await wipes.plan(threadId)).decision).toMatchObject({ kind: 'refused', problems: [expect.stringMatching(/withdrawn note is still being marked entered in error/)] });
    // The hung request times out and is tried again, now answered.
    epr.fault = () => ({ kind: 'pass' });
    await withdrawing;
    await transcriptions.settled();

    const row = transcriptions.outbox().find((item) => item.identifier === note.identifier)!;
    expect(row).toMatchObject({ state: 'verified', withdrawal: { state: 'withdrawn', reason: REASON }, canWithdraw: false, canCorrect: false });
    expect((await stored(note.documentReferenceId!)).status).toBe('entered-in-error');
    expect(trail('withdrawal-asked')).toHaveLength(1);
    expect(() => transcriptions.startCorrection(note.identifier)).toThrow(/withdrawn from the record, so there is nothing to correct/);
    // Filed nowhere now: no reason asked to file them again (for the right patient), and the wipe says what was withdrawn.
    expect(refiling.filedElsewhere(messageIds, null)).toEqual([]);
    expect(() => refiling.checkSave(messageIds, null, undefined)).not.toThrow();
    const plan = await wipes.plan(threadId);
    expect(plan.decision).toMatchObject({ kind: 'needs-override', problems: expect.arrayContaining([expect.stringMatching(/1 note filed from this chat was withdrawn from the record/), 'Nothing from this chat has been filed in the record.']) });
    expect(plan.transcriptions).toMatchObject([{ identifier: note.identifier, state: 'withdrawn' }]);
    expect(plan.untranscribed.count).toBe(messageIds.length);
    await expect(wipes.wipe({ threadId, overwriteSourceFile: false })).rejects.toMatchObject({ code: 'rejected' });
    // The withdrawn note is not re-read before the wipe (it is entered in error by the clinician's choice); the wipe keeps its row.
    const reads = () => epr.seen.filter((request) => request.method === 'GET' && request.path.startsWith('/DocumentReference/')).length;
    const before = reads();
    await wipes.wipe({ threadId, overwriteSourceFile: false, overrideReason: 'The advice was for another patient and is filed in their record by hand.', planned: { messageCount: plan.messageCount, attachmentCount: plan.attachmentCount } });
    expect(reads()).toBe(before);
    expect(listMessages(session.vault().db, threadId, 0, 10)).toHaveLength(0);
    expect(transcriptions.outbox().find((item) => item.identifier === note.identifier)).toMatchObject({ withdrawal: { state: 'withdrawn' } });
  });

  it('filed again (for the right patient) and verified, the withdrawn note no longer stands in the way of the wipe', async () => {
    const { transcriptions, wipes, fileNote, threadId } = await world();
    const note = await fileNote();
    await transcriptions.withdraw(note.identifier, REASON);
    await transcriptions.settled();
    expect((await wipes.plan(threadId)).decision.kind).toBe('needs-override');
    await fileNote();
    const plan = await wipes.plan(threadId);
    expect(plan.decision).toEqual({ kind: 'allowed' });
    expect(plan.transcriptions).toMatchObject([{ identifier: note.identifier, state: 'withdrawn', refiled: true }, { state: 'verified' }]);
  });

  it('a withdrawn correction files nothing: the wipe asks for a reason for it, not for a correction never verified', async () => {
    const { transcriptions, wipes, fileNote, correct, threadId } = await world();
    const note = await fileNote();
    const draft = correct(note.identifier);
    const correction = await transcriptions.attest(draft.id, await confirmedPatient(transcriptions));
    await transcriptions.settled();
    const oldRow = () => transcriptions.outbox().find((item) => item.identifier === note.identifier)!;
    expect(oldRow()).toMatchObject({ correctionOutcome: 'replaced' });
    await transcriptions.withdraw(correction.identifier, REASON);
    await transcriptions.settled();
    expect(transcriptions.outbox().find((item) => item.identifier === correction.identifier)).toMatchObject({ withdrawal: { state: 'withdrawn' } });
    // The old note's row no longer says a verified correction stands in its place.
    expect(oldRow()).toMatchObject({ correctionOutcome: 'correction-withdrawn' });
    expect(oldRow().detail).toContain('which was itself withdrawn afterwards: the record holds neither as current');
    expect(oldRow().detail).not.toContain('Corrected by a later note, which is verified');
    const plan = await wipes.plan(threadId);
    expect(plan.decision).toMatchObject({ kind: 'needs-override', problems: [expect.stringMatching(/^1 note filed from this chat was withdrawn from the record/), 'Nothing from this chat has been filed in the record.'] });
    // The note it replaced is entered in error by the correction, so is not weighed; the correction is withdrawn, with no standing as one.
    expect(plan.transcriptions).toEqual([expect.objectContaining({ identifier: correction.identifier, state: 'withdrawn' })]);
    expect(plan.transcriptions[0]).not.toHaveProperty('correction');
  });

  it.each([false, true])('a chat with a verified correction (withdrawn afterwards: %s) wipes clean: the note it replaced keeps no copy of its words', async (withdrawn) => {
    const { transcriptions, wipes, fileNote, correct, threadId } = await world();
    const note = await fileNote();
    const correction = await transcriptions.attest(correct(note.identifier).id, await confirmedPatient(transcriptions));
    await transcriptions.settled();
    if (withdrawn) {
      await transcriptions.withdraw(correction.identifier, REASON);
      await transcriptions.settled();
    }
    const plan = await wipes.plan(threadId);
    const reason = plan.decision.kind === 'needs-override' ? { overrideReason: 'The advice was withdrawn from the record on purpose.', planned: { messageCount: plan.messageCount, attachmentCount: plan.attachmentCount } } : {};
    const certificate = await wipes.wipe({ threadId, overwriteSourceFile: false, ...reason });
    expect(certificate).toMatchObject({ level: 'purge', verification: { status: 'passed', hits: [] } });
    // Both rows stay as the history of the correction.
    expect(transcriptions.outbox().map((item) => item.identifier).sort()).toEqual([note.identifier, correction.identifier].sort());
  });

  it('a verified correction whose old note the EPR would not mark: the old note says it is still current, not replaced', async () => {
    const { transcriptions, fileNote, correct } = await world();
    const note = await fileNote();
    epr.fault = (request) => (request.method === 'PUT' ? { kind: 'respond', status: 405 } : { kind: 'pass' });
    await transcriptions.attest(correct(note.identifier).id, await confirmedPatient(transcriptions));
    await transcriptions.settled();
    const old = transcriptions.outbox().find((item) => item.identifier === note.identifier)!;
    expect(old).toMatchObject({ correctedBy: 'verified', correctionOutcome: 'still-current' });
    expect(old.detail).toContain('this note is still current there until the record marks it entered in error');
  });

  it('a withdrawal the EPR refused leaves the note current: a correction of it is refused in words that say so', async () => {
    const { transcriptions, fileNote } = await world();
    const note = await fileNote();
    epr.fault = (request) => (request.method === 'PUT' ? { kind: 'respond', status: 405 } : { kind: 'pass' });
    await transcriptions.withdraw(note.identifier, REASON);
    await transcriptions.settled();
    expect(transcriptions.outbox().find((item) => item.identifier === note.identifier)).toMatchObject({ withdrawal: { state: 'not-withdrawn' }, canCorrect: false, canRetry: true });
    expect(() => transcriptions.startCorrection(note.identifier)).toThrow(/withdrawn, though the record does not yet mark it entered in error/);
  });

  it('a withdrawal the EPR refused: the wipe asks why it may go anyway, and its certificate says the note is still current', async () => {
    const { transcriptions, wipes, fileNote, threadId } = await world();
    const note = await fileNote();
    epr.fault = (request) => (request.method === 'PUT' ? { kind: 'respond', status: 405 } : { kind: 'pass' });
    await transcriptions.withdraw(note.identifier, REASON);
    await transcriptions.settled();
    epr.fault = () => ({ kind: 'pass' });
    const plan = await wipes.plan(threadId);
    expect(plan.transcriptions).toMatchObject([{ identifier: note.identifier, state: 'verified', withdrawal: 'not-marked' }]);
    expect(plan.decision).toMatchObject({ kind: 'needs-override', problems: expect.arrayContaining([expect.stringContaining('still current there')]) });
    const overrideReason = 'The EPR team will mark it; the advice needs nothing more from this chat.';
    const certificate = await wipes.wipe({ threadId, overwriteSourceFile: false, overrideReason, planned: { messageCount: plan.messageCount, attachmentCount: plan.attachmentCount } });
    expect(certificate.filed).toEqual([expect.objectContaining({ identifier: note.identifier, withdrawal: 'not-marked' })]);
    expect(certificate.overriddenProblems).toEqual(plan.decision.kind === 'needs-override' ? plan.decision.problems : []);
    const wording = certificateWording(certificate);
    expect(wording.filed[0]).toContain('Withdrawn by a clinician, but the record would not mark it entered in error, so it is still current there');
    expect(wording.overridden.some((problem) => problem.includes('still current there'))).toBe(true);
  });

  it('is for clinicians only, and refused for a note with a correction or one being corrected', async () => {
    const { session, transcriptions, fileNote, correct } = await world();
    const corrected = await fileNote();
    const draft = correct(corrected.identifier);
    await expect(transcriptions.withdraw(corrected.identifier, REASON)).rejects.toThrow(/Discard that draft first/);
    await transcriptions.attest(draft.id, await confirmedPatient(transcriptions));
    await transcriptions.settled();
    await expect(transcriptions.withdraw(corrected.identifier, REASON)).rejects.toThrow(/withdraw the correction instead, once it is verified and the record marks this note entered in error/);

    session.lock('sign-out');
    await session.signIn(ADMIN.username, ADMIN.passphrase);
    await session.createUser(CLERK);
    session.lock('sign-out');
    await session.signIn(CLERK.username, CLERK.passphrase);
    await expect(transcriptions.withdraw(corrected.identifier, REASON)).rejects.toMatchObject({ code: 'forbidden' });
  });
});
