/**
 * "Every read is audited" (issue #14), from a cold attack that found draft reads, thread lists and
 * attachment reads left out: each is one entry per request, with identifiers only — no message or
 * draft text, no patient, no file name.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTrainingEpr, type TrainingEpr } from '../../../main/epr/training-epr';
import { ImportService } from '../../../main/imports/import-service';
import { createThreadHandlers } from '../../../main/ipc/handlers/threads';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { ThreadReader } from '../../../main/threads/thread-reader';
import { renameThreadTitle } from '../../../main/threads/thread-titles';
import { TranscriptionService } from '../../../main/transcriptions/transcription-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { listMessages } from '../../../main/vault/queries/messages';
import { vaultFiles } from '../../../main/vault/vault-files';
import type { AuditAction, AuditEntry } from '../../../shared/domain/audit';
import { buildZip } from '../importers/zip-writer';
import { writeExport } from '../importers/helpers';
import { ADVISERS, CLINICIAN, PATIENT } from '../../support/people';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const SECRET_TEXT = 'zebracanary9904 start bisoprolol';
const PHOTO = Buffer.from('\xFF\xD8\xFF fake jpeg bytes of a wound photo', 'latin1');
const PHOTO_NAME = '00000001-PHOTO-Jane-Testpatient.jpg';
const READS: readonly AuditAction[] = ['threads-listed', 'attachments-listed', 'attachment-read', 'drafts-listed', 'draft-read'];

describe('every read is audited', () => {
  const dir = tempDir('wardscribe-read-audit-');
  let training: TrainingEpr | undefined;
  afterAll(async () => {
    await training?.close();
    dir.remove();
  });

  it('thread lists, attachment lists and reads, draft lists and draft reads: one entry each, identifiers only', async () => {
    const session = new SessionService({ files: vaultFiles(`${dir.path}/vault`), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    await session.createFirstAdmin(ADMIN);
    await session.createUser(CLINICIAN);
    session.lock('sign-out');
    await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
    const imports = new ImportService({ session });
    const chat = `[13/03/2023, 08:00:00] Dr Ada Shah: ${SECRET_TEXT}\n[13/03/2023, 08:01:00] Ben Okafor: \u200E<attached: ${PHOTO_NAME}>\n`;
    const path = writeExport(dir.path, 'WhatsApp Chat - Ward 7.zip', buildZip([{ name: '_chat.txt', data: chat }, { name: PHOTO_NAME, data: PHOTO, method: 0 }]));
    const { threadId } = await imports.import({ path, zone: 'Europe/London' }, { signal: new AbortController().signal, progress: () => undefined });
    training = createTrainingEpr({ requestTimeoutMs: 5_000 });
    const epr = training;
    const transcriptions = new TranscriptionService({ session, imports, epr: () => epr.connection(), log: silentLogger, organisationOdsCode: 'RX1' });
    const messageIds = listMessages(session.vault().db, threadId, 0, 10).map((message) => String(message.id));
    const draft = transcriptions.saveDraft({ threadId, messageIds, advisers: ADVISERS, summary: `Summary: ${SECRET_TEXT}`, patient: PATIENT });
    const reader = new ThreadReader(session);
    const handlers = createThreadHandlers(reader, (id, title) => renameThreadTitle(session, id, title));
    const reads = () => [...session.audit().store.entries({ filter: { actions: [...READS] } })];
    // Saving a draft shows it back, but that is the save's own entry, not a read.
    expect(reads()).toEqual([]);

    await handlers.list({} as never, {} as never);
    const [attachment] = reader.attachments(threadId);
    expect(attachment?.originalName).toBe(PHOTO_NAME);
    expect(reader.attachmentContent(attachment!.id).content.equals(PHOTO)).toBe(true);
    transcriptions.listDrafts();
    transcriptions.getDraft(draft.id);
    // Titles for search hits and page totals are part of their own (audited) request, not a list read.
    reader.listThreads();

    const entries: AuditEntry[] = reads();
    expect(entries.map((entry) => [entry.action, entry.objects, entry.outcome.status])).toEqual([
      ['threads-listed', {}, 'success'],
      ['attachments-listed', { threadId }, 'success'],
      ['attachment-read', { threadId }, 'success'],
      ['drafts-listed', {}, 'success'],
      ['draft-read', { transcriptionId: draft.id, threadId }, 'success'],
    ]);
    expect(entries.every((entry) => entry.actor?.userId === session.principal()!.userId)).toBe(true);
    // Identifiers only: no text, no patient, no file name.
    const stored = JSON.stringify(entries);
    for (const withheld of ['zebracanary9904', PHOTO_NAME, 'Jane', '9991235671', '999 123 5671']) expect(stored).not.toContain(withheld);

    // A chat renamed (its export gave it none a ward would know): audited by thread, never by either name.
    expect(await handlers.rename({ threadId, title: '  Ward 7   night  team ' }, {} as never)).toEqual({ title: 'Ward 7 night team' });
    expect(reader.listThreads().find((thread) => thread.id === threadId)?.title).toBe('Ward 7 night team');
    const renamed = [...session.audit().store.entries({ filter: { actions: ['thread-renamed'] } })];
    expect(renamed.map((entry) => [entry.objects, entry.outcome.status])).toEqual([[{ threadId }, 'success']]);
    expect(JSON.stringify(renamed)).not.toMatch(/Ward 7/);
    expect(() => renameThreadTitle(session, threadId, ' \n ')).toThrow('Enter a name for the chat.');
    expect(() => renameThreadTitle(session, threadId, 'x'.repeat(201))).toThrow("A chat's name can be at most 200 characters.");
    expect(() => renameThreadTitle(session, 'no-such-thread', 'Ward 9')).toThrow('That chat is not in the vault');
    expect([...session.audit().store.entries({ filter: { actions: ['thread-renamed'] } })]).toHaveLength(1);
    transcriptions.stop();
    session.lock('sign-out');
  });
});
