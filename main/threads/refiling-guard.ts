/**
 * The same advice is not filed twice by accident (issue #18, H-012): a draft that carries a
 * message already part of another filing is saved, and attested, only with a reason (a
 * correction, or more context), which is kept in the vault and audited as a code.
 */
import { WardscribeError } from '../errors';
import type { ImportSession } from '../imports/import-service';
import { getRefilingReason, upsertRefilingReason } from '../vault/queries/refiling-reasons';
import { getDraft } from '../vault/queries/transcription-drafts';
import type { FiledMark } from './filed-advice';
import type { ThreadReader } from './thread-reader';

/** Shortest reason accepted for filing again what is already filed. */
export const MIN_REFILE_REASON = 10;

function describe(marks: readonly FiledMark[]): string {
  const documents = marks.map((mark) => (mark.documentReferenceId ? `document ${mark.documentReferenceId}` : `filing ${mark.identifier} (${mark.state})`));
  return `${marks.length === 1 ? 'A selected message is' : 'Selected messages are'} already part of ${documents.join(', ')}.`;
}

export class RefilingGuard {
  readonly #session: Pick<ImportSession, 'vault' | 'audit'>;
  readonly #reader: ThreadReader;
  readonly #now: () => Date;

  constructor(session: Pick<ImportSession, 'vault' | 'audit'>, reader: ThreadReader, now: () => Date = () => new Date()) {
    this.#session = session;
    this.#reader = reader;
    this.#now = now;
  }

  /**
   * Filings other than `draftId` that already carry any of these messages. The note a correction
   * corrects is not one: filing its messages again is what a correction is (it replaces that note).
   */
  filedElsewhere(messageIds: readonly string[], draftId: string | null): FiledMark[] {
    const corrects = draftId ? (getDraft(this.#session.vault().db, draftId)?.correctsIdentifier ?? null) : null;
    return this.#reader.filedElsewhere(messageIds, draftId).filter((mark) => mark.identifier !== corrects);
  }

  /** Before a draft is saved: refuses (`conflict`) when its messages are filed elsewhere and no reason is given. */
  checkSave(messageIds: readonly string[], draftId: string | null, reason: string | undefined): FiledMark[] {
    const marks = this.filedElsewhere(messageIds, draftId);
    if (marks.length === 0) return marks;
    const given = reason?.trim() ?? '';
    const stored = draftId ? getRefilingReason(this.#session.vault().db, draftId) : null;
    if (given.length < MIN_REFILE_REASON && !stored) {
      throw new WardscribeError(
        'conflict',
        `${describe(marks)} To file it again, confirm and say why (a correction, or more context; at least ${MIN_REFILE_REASON} characters).`,
      );
    }
    return marks;
  }

  /** After the save: keeps the reason with the draft and audits that one was given (as a code, never the text). */
  recordReason(draftId: string, reason: string | undefined): void {
    const given = reason?.trim() ?? '';
    if (given.length < MIN_REFILE_REASON) return;
    const { log, actor } = this.#session.audit();
    upsertRefilingReason(this.#session.vault().db, { draftId, reason: given, recordedBy: actor.userId, recordedAt: this.#now().toISOString() });
    log.record({ action: 'transcription-changed', actor, objects: { transcriptionId: draftId }, outcome: { status: 'success', reason: 'refiling-reason-recorded' } });
  }

  /** Before attesting: a draft whose messages were filed since it was saved needs its reason too. */
  checkAttest(draftId: string): void {
    const draft = getDraft(this.#session.vault().db, draftId);
    if (!draft) return; // the transcription service reports it
    const marks = this.filedElsewhere(draft.messageIds, draftId);
    if (marks.length > 0 && !getRefilingReason(this.#session.vault().db, draftId)) {
      throw new WardscribeError('conflict', `${describe(marks)} Open the draft, confirm filing it again and say why, then attest.`);
    }
  }
}
