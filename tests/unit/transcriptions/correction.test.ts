/**
 * Correcting a filed note (issue #15), through the transcription service, the outbox and the wipe
 * gate: a correction starts from a verified note as a draft of it; attested, it is filed replacing
 * that note, which is then marked entered in error; the thread cannot be wiped until the
 * correction is verified, and then its originals go with the correction re-read in their place.
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
import { buildZip } from '../importers/zip-writer';
import { writeExport } from '../importers/helpers';
import { startEprHarness, type EprHarness } from '../epr/support/epr-harness';
import { ADVISERS, CLINICIAN, PATIENT } from '../../support/people';
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
  const dir = tempDir('wardscribe-correction-');
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

describe('correcting a verified note', () => {
  it('starts as a draft of the note, is filed replacing it once attested, and the note is marked entered in error', async () => {
    const { transcriptions, refiling, fileNote, messageIds, trail } = await world();
    const note = await fileNote();
    expect(note).toMatchObject({ state: 'verified', canCorrect: true, correctedBy: null });

    const draft = transcriptions.startCorrection(note.identifier);
    expect(draft).toMatchObject({ messageIds, summary: 'Bisoprolol started.', corrects: { identifier: note.identifier }, status: 'draft' });
    // The patient is to be confirmed again by whoever attests.
    expect(draft.patient.confirmed).toBe(false);
    // Asked again, the same draft: one correction at a time.
    expect(transcriptions.startCorrection(note.identifier).id).toBe(draft.id);
    // Its messages are filed already, in the note it corrects: that needs no reason.
    expect(refiling.filedElsewhere(messageIds, draft.id)).toEqual([]);
    expect(() => refiling.checkSave(messageIds, draft.id, undefined)).not.toThrow();
    expect(refiling.filedElsewhere(messageIds, null)).toHaveLength(1);

    const changed = transcriptions.saveDraft({ id: draft.id, threadId: draft.threadId, messageIds, advisers: ADVISERS, summary: 'Bisoprolol started; amlodipine stopped.', patient: PATIENT });
    expect(transcriptions.preview(changed.id).text).toContain(`Corrects: the note attested`);
    const queued = await transcriptions.attest(changed.id, await confirmedPatient(transcriptions));
    await transcriptions.settled();
    const correction = transcriptions.outbox().find((item) => item.identifier === queued.identifier)!;
    expect(correction).toMatchObject({ state: 'verified', correctsAttestedAt: expect.any(String), canCorrect: true });
    expect(correction.detail).toContain('which the record now marks entered in error');
    const old = transcriptions.outbox().find((item) => item.identifier === note.identifier)!;
    expect(old).toMatchObject({ state: 'verified', correctedBy: 'verified', canCorrect: false });
    expect(old.detail).toContain('Corrected by a later note');
    expect((await stored(note.documentReferenceId!)).status).toBe('entered-in-error');
    expect(trail('transcription-drafted').some((entry) => entry.outcome.reason === 'correction')).toBe(true);
    expect(trail('marked-entered-in-error')).toHaveLength(1);
    // A second correction of the same note is refused; the correction itself can be corrected.
    expect(() => transcriptions.startCorrection(note.identifier)).toThrow(/already has a correction/);
    const again = transcriptions.startCorrection(correction.identifier);
    expect(again.corrects?.identifier).toBe(correction.identifier);
    // Correcting the correction: neither it nor the note it replaced counts as the advice filed elsewhere (a cold trial was told to file it "again").
    expect(refiling.filedElsewhere(messageIds, again.id)).toEqual([]);
    expect(() => refiling.checkSave(messageIds, again.id, undefined)).not.toThrow();
    // For any other draft, the advice is filed once: in the correction.
    expect(refiling.filedElsewhere(messageIds, null).map((mark) => mark.identifier)).toEqual([correction.identifier]);
  });

  it('is refused for a note not verified, for another patient, and in another EPR than the note', async () => {
    const { transcriptions, fileNote, switchEpr, messageIds } = await world();
    const note = await fileNote();
    expect(() => transcriptions.startCorrection('urn:uuid:00000000-0000-4000-8000-000000000000')).toThrow(/not in the outbox/);

    const draft = transcriptions.startCorrection(note.identifier);
    const other = { nhsNumber: '999 123 6783', name: 'Arthur James Trainee', birthDate: '1941-02-03', confirmed: true };
    // Refused as soon as it is saved (a cold trial got as far as the preview), and the draft keeps the right patient.
    expect(() => transcriptions.saveDraft({ id: draft.id, threadId: draft.threadId, messageIds, advisers: ADVISERS, summary: 'For another patient.', patient: other })).toThrow(/same patient as the note it corrects/);
    expect(transcriptions.getDraft(draft.id).patient.nhsNumber).toBe('9991235671');
    // Half-typed numbers are kept as typed, as in any draft.
    expect(transcriptions.saveDraft({ id: draft.id, threadId: draft.threadId, messageIds, advisers: ADVISERS, summary: 'x', patient: { ...other, nhsNumber: '999 1' } }).patient.nhsNumber).toBe('999 1');

    transcriptions.saveDraft({ id: draft.id, threadId: draft.threadId, messageIds, advisers: ADVISERS, summary: 'Bisoprolol started.', patient: PATIENT });
    switchEpr('other-epr');
    await expect(transcriptions.attest(draft.id, await confirmedPatient(transcriptions))).rejects.toThrow(/correction is filed in the same record/);
    expect(transcriptions.outbox()).toHaveLength(1);
  });
});

describe('the wipe gate and a correction', () => {
  it('refuses while the correction is not verified, lets the thread go once it is, and re-reads the correction, not the note it replaced', async () => {
    const { session, transcriptions, wipes, fileNote, correct, threadId } = await world();
    const note = await fileNote();
    expect((await wipes.plan(threadId)).decision.kind).toBe('allowed');
    const draft = correct(note.identifier);
    // Started and not attested: said for what it is (a cold trial read it as "1 draft has not been attested").
    expect((await wipes.plan(threadId)).decision).toEqual({ kind: 'needs-override', problems: [expect.stringMatching(/^1 correction of a filed note was started and not attested: the note in the record may be wrong/)] });

    // The record answers with the correction changed: not verified, and the thread cannot be wiped, even with a reason.
    epr.behaviour = { readBack: (document) => (document.id === note.documentReferenceId ? document : { ...document, docStatus: 'preliminary' }) };
    const queued = await transcriptions.attest(draft.id, await confirmedPatient(transcriptions));
    await transcriptions.settled();
    expect(transcriptions.outbox().find((item) => item.identifier === queued.identifier)!.state).toBe('failed');
    const refused = await wipes.plan(threadId);
    expect(refused.decision).toMatchObject({ kind: 'refused', problems: [expect.stringMatching(/correction of a filed note is not yet verified/)] });
    await expect(wipes.wipe({ threadId, overwriteSourceFile: false, overrideReason: 'a reason that is certainly long enough to count' })).rejects.toMatchObject({ code: 'rejected' });

    // The record put right, Retry reads it back: verified, the note marked; the wipe re-reads the correction and goes ahead.
    epr.behaviour = {};
    await transcriptions.retry(queued.identifier);
    await transcriptions.settled();
    expect((await stored(note.documentReferenceId!)).status).toBe('entered-in-error');
    const plan = await wipes.plan(threadId);
    expect(plan.decision.kind).toBe('allowed');
    expect(plan.transcriptions.map((transcription) => transcription.identifier)).toEqual([queued.identifier]);
    const reads = () => epr.seen.filter((request) => request.method === 'GET' && request.path.startsWith('/DocumentReference/')).map((request) => request.path);
    const before = reads().length;
    await wipes.wipe({ threadId, overwriteSourceFile: false });
    const reread = reads().slice(before);
    expect(reread.some((path) => path.includes(note.documentReferenceId!))).toBe(false);
    expect(reread.length).toBeGreaterThan(0);
    expect(listMessages(session.vault().db, threadId, 0, 10)).toHaveLength(0);
  });

  it('a correction started by mistake can be discarded: the plan no longer asks about it, and the discard is audited; an attested one cannot be', async () => {
    const { transcriptions, wipes, fileNote, correct, threadId, trail } = await world();
    const note = await fileNote();
    const draft = correct(note.identifier);
    expect((await wipes.plan(threadId)).decision.kind).toBe('needs-override');
    // The outbox says the correction was started (a cold trial found no trace of it there); it is carried on from the same row, not withdrawn.
    const row = () => transcriptions.outbox().find((item) => item.identifier === note.identifier)!;
    expect(row()).toMatchObject({ correctedBy: 'drafted', canCorrect: true, canWithdraw: false });
    expect(row().detail).toContain('A correction of it has been started and not yet attested');
    transcriptions.discardDraft(draft.id);
    expect(row()).toMatchObject({ correctedBy: null, canCorrect: true, canWithdraw: true });
    expect(() => transcriptions.getDraft(draft.id)).toThrow(/not in the vault/);
    expect((await wipes.plan(threadId)).decision.kind).toBe('allowed');
    expect(trail('draft-discarded').map((entry) => [entry.objects, entry.outcome])).toEqual([[{ transcriptionId: draft.id, threadId, documentId: note.identifier }, { status: 'success', reason: 'correction' }]]);
    // Started again: a new draft of the note.
    expect(transcriptions.startCorrection(note.identifier).id).not.toBe(draft.id);
    expect(() => transcriptions.discardDraft(note.draftId!)).toThrow(/attested: it is in the outbox/);
  });

  it('needs a clinician’s reason while the EPR would not mark the replaced note: both notes are current there', async () => {
    const { transcriptions, wipes, fileNote, correct, threadId } = await world();
    const note = await fileNote();
    const draft = correct(note.identifier);
    epr.fault = (request) => (request.method === 'PUT' ? { kind: 'respond', status: 405 } : { kind: 'pass' });
    await transcriptions.attest(draft.id, await confirmedPatient(transcriptions));
    await transcriptions.settled();
    const plan = await wipes.plan(threadId);
    expect(plan.decision).toMatchObject({ kind: 'needs-override', problems: [expect.stringMatching(/still current there beside the correction/)] });
  });
});
