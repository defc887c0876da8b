/**
 * Each outbox item is bound to the EPR it was attested for (issue #13): a note attested while
 * the live EPR was down says so and retries; an administrator switching to the training EPR does
 * not move it there (it waits, saying why, and cannot be wiped); switching back files it there,
 * once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EprSettingsService } from '../../../main/epr/epr-settings';
import { OutboxRunner } from '../../../main/epr/outbox-runner';
import { createVaultOutboxStore } from '../../../main/epr/outbox-store';
import { createTrainingEpr, type TrainingEpr } from '../../../main/epr/training-epr';
import { identifierQuery } from '../../../main/epr/mapping';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { TranscriptionService, type OutboxView } from '../../../main/transcriptions/transcription-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { listMessages } from '../../../main/vault/queries/messages';
import { vaultFiles } from '../../../main/vault/vault-files';
import { decideWipe } from '../../../shared/domain/wipe';
import { buildZip } from '../importers/zip-writer';
import { writeExport } from '../importers/helpers';
import { startEprHarness, type EprHarness } from '../epr/support/epr-harness';
import { ADVISERS, CLINICIAN, PATIENT } from '../../support/people';
import { confirmedPatient } from '../../support/patient-check';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

let training: TrainingEpr;
let live: EprHarness;
beforeAll(async () => {
  training = createTrainingEpr({ requestTimeoutMs: 2_000 });
  await training.connection();
  live = await startEprHarness();
});
afterAll(async () => {
  await training.close();
  await live.close();
});
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function job(): ImportJob {
  return { signal: new AbortController().signal, progress: () => undefined };
}

async function until(read: () => OutboxView | undefined, done: (view: OutboxView) => boolean, what: string, timeoutMs = 15_000): Promise<OutboxView> {
  const started = Date.now();
  for (;;) {
    const view = read();
    if (view && done(view)) return view;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How many documents the training EPR holds for an identifier (asked through its connection: it needs the per-launch token). */
async function documentsInTraining(identifier: string): Promise<number> {
  const [name, value] = identifierQuery(identifier).split(/=(.*)/s) as [string, string];
  return (await (await training.connection()).search('DocumentReference', { [name]: value })).length;
}

describe('outbox items stay with the EPR they were attested for', () => {
  it('a live EPR down, then the settings switched to training and back: waits, never filed in training, then filed once in the live EPR', async () => {
    const dir = tempDir('wardscribe-epr-binding-');
    const session = new SessionService({ files: vaultFiles(`${dir.path}/vault`), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    await session.createFirstAdmin(ADMIN);
    await session.createUser(CLINICIAN);
    const imports = new ImportService({ session });
    const path = writeExport(dir.path, 'WhatsApp Chat - Ward 7.zip', buildZip([{ name: '_chat.txt', data: '[13/03/2023, 08:00:00] Dr Ada Shah: start bisoprolol 2.5 mg\n[13/03/2023, 08:05:30] Ben Okafor: ECG done\n' }]));
    const { threadId } = await imports.import({ path, zone: 'Europe/London' }, job());
    const messageIds = listMessages(session.vault().db, threadId, 0, 10).map((message) => String(message.id));
    const settings: EprSettingsService = new EprSettingsService({ session, training, defaultOdsCode: 'WSTRAINING', onChange: () => runner.eprsChanged() });
    const runner: OutboxRunner = new OutboxRunner({
      store: (stopped) => createVaultOutboxStore({ db: () => session.vault().db, audit: () => session.audit().log, stopped }),
      eprs: settings,
      policy: { baseDelayMs: 20, maxDelayMs: 40, maxAttempts: 10_000, requestTimeoutMs: 500 },
      log: silentLogger,
    });
    const service = new TranscriptionService({ session, imports, outbox: runner, eprs: settings, log: silentLogger, organisationOdsCode: 'WSTRAINING' });
    cleanups.push(dir.remove, () => session.lock('sign-out'), () => runner.stop());

    // The administrator configures the live EPR (loopback http is allowed; anything else must be https).
    settings.update({ mode: 'live', baseUrl: live.baseUrl, authKind: 'none', odsCode: 'RX1', documentType: 'clinical-consultation-report' });
    session.lock('sign-out');
    await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);

    // The live EPR's filing is down while the clinician attests (its patient search still answers, so
    // the patient is found and confirmed): the item says so and when it tries again.
    live.fault = (request) => (request.path.includes('/Patient?') ? { kind: 'pass' } : { kind: 'respond', status: 503 });
    const draft = service.saveDraft({ threadId, messageIds, advisers: ADVISERS, summary: 'Bisoprolol started.', patient: PATIENT });
    const queued = await service.attest(draft.id, await confirmedPatient(service));
    expect(queued.epr).toBe(new URL(live.baseUrl).host + '/fhir');
    const mine = () => service.outbox().find((item) => item.identifier === queued.identifier);
    const retrying = await until(mine, (view) => view.nextAttemptAt !== null, 'a retry note');
    expect(retrying.detail).toMatch(/HTTP 503.*Attempt \d+ at/);

    // The administrator switches to training. The item is not moved there: it waits, saying why.
    await runner.stop();
    session.lock('sign-out');
    await session.signIn(ADMIN.username, ADMIN.passphrase);
    settings.update({ mode: 'training', odsCode: 'RX1', documentType: 'clinical-consultation-report' });
    const waiting = await until(mine, (view) => /no longer configured/.test(view.detail), 'the waiting message');
    expect(waiting).toMatchObject({ state: 'queued', epr: queued.epr, canRetry: true });
    await runner.settled();
    expect(await documentsInTraining(queued.identifier)).toBe(0);
    // Still unverified, so the wipe is refused outright.
    expect(decideWipe([{ draftId: draft.id, identifier: queued.identifier, state: waiting.state, nhsNumber: '9991235671', documentReferenceId: null }], 0).kind).toBe('refused');
    // A Retry while it waits is safe: it still waits.
    session.lock('sign-out');
    await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
    await service.retry(queued.identifier);
    await runner.settled();
    expect(mine()).toMatchObject({ state: 'queued', detail: expect.stringMatching(/no longer configured/) });
    expect(await documentsInTraining(queued.identifier)).toBe(0);

    // Back to the live EPR, now up: the item goes there, once.
    live.fault = () => ({ kind: 'pass' });
    session.lock('sign-out');
    await session.signIn(ADMIN.username, ADMIN.passphrase);
    settings.update({ mode: 'live', baseUrl: `${live.baseUrl}/`, authKind: 'none', odsCode: 'RX1', documentType: 'clinical-consultation-report' });
    const verified = await until(mine, (view) => view.state === 'verified', 'verified');
    expect(verified.epr).toBe(queued.epr);
    expect(live.documentsCreated(queued.identifier)).toHaveLength(1);
    expect(await documentsInTraining(queued.identifier)).toBe(0);
  });
});
