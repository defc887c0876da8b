/**
 * H-013: a read-back that shows another patient, entered-in-error or a changed type is never
 * verified, and the wipe gate refuses the thread outright (no clinician's reason unlocks it).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentReference } from '@medplum/fhirtypes';
import { createEprConnection } from '../../../main/epr/fhir-client';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { TranscriptionService } from '../../../main/transcriptions/transcription-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { listMessages } from '../../../main/vault/queries/messages';
import { vaultFiles } from '../../../main/vault/vault-files';
import { WipeService } from '../../../main/wipe/wipe-service';
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

function job(): ImportJob {
  return { signal: new AbortController().signal, progress: () => undefined };
}

const changes: [string, (document: DocumentReference) => void, string][] = [
  ['another patient', (document) => (document.subject = { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000009' } }), 'the patient'],
  ['entered-in-error', (document) => (document.status = 'entered-in-error'), 'its status'],
  ['a changed type', (document) => (document.type = { coding: [{ system: 'http://loinc.org', code: '11488-4' }] }), 'the document type'],
];

describe('a read-back that differs is never verified, and the thread cannot be wiped', () => {
  it.each(changes)('%s', async (_name, change, words) => {
    const dir = tempDir('wardscribe-gate-mismatch-');
    const session = new SessionService({ files: vaultFiles(`${dir.path}/vault`), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    await session.createFirstAdmin(ADMIN);
    await session.createUser(CLINICIAN);
    await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
    const imports = new ImportService({ session });
    const path = writeExport(dir.path, 'WhatsApp Chat - Ward 7.zip', buildZip([{ name: '_chat.txt', data: '[13/03/2023, 08:00:00] Dr Ada Shah: start bisoprolol 2.5 mg\n' }]));
    const { threadId } = await imports.import({ path, zone: 'Europe/London' }, job());
    const transcriptions = new TranscriptionService({
      session,
      imports,
      epr: () => createEprConnection({ baseUrl: epr.baseUrl, auth: { kind: 'none' }, requestTimeoutMs: 2_000, clock: { now: Date.now } }),
      log: silentLogger,
      organisationOdsCode: 'RX1',
    });
    const wipes = new WipeService({ session, imports, transcriptions, log: silentLogger });
    cleanups.push(dir.remove, () => session.lock('sign-out'), () => transcriptions.stop());

    epr.behaviour = {
      readBack: (document) => {
        change(document);
        return document;
      },
    };
    const messageIds = listMessages(session.vault().db, threadId, 0, 10).map((message) => String(message.id));
    const queued = await transcriptions.attest(transcriptions.saveDraft({ threadId, messageIds, advisers: ADVISERS, summary: 'Bisoprolol started.', patient: PATIENT }).id, await confirmedPatient(transcriptions));
    await transcriptions.settled();
    const view = transcriptions.outbox().find((item) => item.identifier === queued.identifier)!;
    expect(view).toMatchObject({ state: 'failed', reason: 'read-back-mismatch', canRetry: true });
    expect(view.detail).toContain(words);
    expect(view.detail).toContain('Do not wipe the chat');

    const plan = await wipes.plan(threadId);
    expect(plan.decision.kind).toBe('refused');
    await expect(wipes.wipe({ threadId, overwriteSourceFile: false, overrideReason: 'a reason that is certainly long enough to count' })).rejects.toMatchObject({ code: 'rejected' });
    // The originals are still there.
    expect(listMessages(session.vault().db, threadId, 0, 10)).toHaveLength(1);
  });
});
