/**
 * What the outbox shows for an item: its state, which EPR it is bound to, and in plain English
 * what is happening or what a clinician can do. Pure.
 */
import type { StoredOutboxItem } from '../vault/queries/outbox';
import { owedMarking, unsettledMarking, type OutboxStateKind, type ReplacedState } from './outbox';

export interface OutboxView {
  readonly identifier: string;
  readonly draftId: string | null;
  readonly threadTitle: string;
  /** The patient's NHS number, ten digits. */
  readonly nhsNumber: string;
  readonly state: OutboxStateKind;
  /** A reason code when it stopped (failed / needs-attention), else null. */
  readonly reason: string | null;
  /** What is happening or what to do, in words for the ward. */
  readonly detail: string;
  readonly httpStatus: number | null;
  /** The EPR's DocumentReference id once filed. */
  readonly documentReferenceId: string | null;
  /** The EPR this item is bound to. */
  readonly epr: string;
  /** When the next automatic attempt is due (ISO UTC), if one is. */
  readonly nextAttemptAt: string | null;
  /** Whether a clinician's Retry would do something now. */
  readonly canRetry: boolean;
  /** When the state last changed (ISO UTC). */
  readonly updatedAt: string;
  /** A correction: when the note it replaces was attested (ISO UTC); null otherwise. */
  readonly correctsAttestedAt: string | null;
  /** A correction: the EPR's id of the note it replaces (the outbox row of that note shows the same). */
  readonly correctsDocumentId: string | null;
  /** Where the correction of this note stands, if it has one (`drafted`: started, not attested); null otherwise. */
  readonly correctedBy: CorrectionOf['state'] | null;
  /** With a verified correction: whether this note is replaced, still current (not yet marked), or the correction was withdrawn too. */
  readonly correctionOutcome: CorrectionOutcome | null;
  /** Whether a correction can be started from it now (verified, and not corrected or withdrawn already). */
  readonly canCorrect: boolean;
  /** A withdrawn note: where marking it entered in error stands, why and when it was withdrawn; null otherwise. */
  readonly withdrawal: { readonly state: 'withdrawing' | 'withdrawn' | 'not-withdrawn'; readonly reason: string; readonly askedAt: string; readonly by: string | null } | null;
  /** Whether it can be withdrawn now (verified, settled, not corrected or withdrawn already, and any note it corrects marked). */
  readonly canWithdraw: boolean;
}

/** The correction of an item, as its row in the outbox mentions it: started and not attested (`drafted`), or where it is in the outbox. */
export interface CorrectionOf {
  readonly state: OutboxStateKind | 'drafted';
  /** A verified correction: whether the record marks this note entered in error yet (`replaced` of the correction). */
  readonly marked?: ReplacedState['kind'];
  /** A verified correction that was itself withdrawn afterwards (or is being). */
  readonly withdrawn?: boolean;
}

/** What a verified correction did to the note it corrects, as its row says it; null with no verified correction. */
export type CorrectionOutcome = 'replaced' | 'still-current' | 'correction-withdrawn';

function correctionOutcome(correctedBy: CorrectionOf | undefined): CorrectionOutcome | null {
  if (correctedBy?.state !== 'verified') return null;
  if (correctedBy.withdrawn) return 'correction-withdrawn';
  return correctedBy.marked === 'retired' || correctedBy.marked === 'gone' ? 'replaced' : 'still-current';
}

/** Each read-back field that can differ, in words (the outbox and the wipe's refusals say them). */
export const MISMATCH_FIELD_WORDS: Readonly<Record<string, string>> = {
  id: 'the document id',
  identifier: "the note's identifier",
  subject: 'the patient',
  status: 'its status (no longer current)',
  docStatus: 'its document status',
  type: 'the document type',
  date: 'its date',
  author: 'its author (not the clinician who attested it)',
  custodian: 'the organisation that keeps it',
  encounter: 'the encounter it is linked to (another visit, perhaps another patient\u2019s)',
  securityLabel: 'its restriction (the record does not keep it marked restricted, so anyone could read this sensitive advice)',
  content: 'the text',
  images: 'an image filed with it (missing, changed or not the one filed)',
  'identifier-not-kept': "the note's identifier, which this EPR does not keep where its settings say (a limitation of the server, not a different note: an administrator can correct what it keeps in the EPR settings)",
};

/** `active`: the runner is working on it now; `stalledAfterMs`: how long a state may last unattended before it says so. */
export function outboxView(item: StoredOutboxItem, active: boolean, now: number, stalledAfterMs: number, correctedBy?: CorrectionOf): OutboxView {
  const { state } = item;
  const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  const retry = 'retry' in state ? state.retry : undefined;
  const waiting = 'waiting' in state ? state.waiting : undefined;
  const stalled = !active && (state.kind === 'queued' || state.kind === 'sending' || state.kind === 'filed') && !retry && !waiting && now - item.updatedAt > stalledAfterMs;
  let detail: string;
  switch (state.kind) {
    case 'queued':
    case 'sending':
    case 'filed': {
      const doing = state.kind === 'queued' ? 'Waiting to be sent' : state.kind === 'sending' ? 'Sending' : 'In the record; reading it back to check it';
      const confirmAt = state.kind === 'sending' ? state.confirmAt : undefined;
      if (waiting) detail = waiting;
      else if (confirmAt !== undefined && confirmAt > now)
        detail = `Waiting to confirm with the EPR: the last send got no clear answer, so Wardscribe looks for the note at ${time(confirmAt)} UTC before sending anything again.`;
      else if (retry) detail = `${doing}: ${retry.problem}. Attempt ${retry.attempt + 1} at ${time(retry.nextAttemptAt)} UTC.`;
      else if (stalled) detail = `${doing} was interrupted. Wardscribe checks the EPR before sending anything again: press Retry, or it carries on at the next sign-in.`;
      else detail = `${doing}.`;
      break;
    }
    case 'verified':
      detail =
        state.provenance.kind === 'kept-locally'
          ? 'Verified in the record. The EPR does not keep Provenance, so the attribution is in the document text and the Provenance is kept in the audit trail.'
          : 'Verified in the record.';
      if (state.replaced) detail += ` ${replacedWords(state.replaced)}`;
      if (correctedBy) detail += ` ${correctedByWords(correctedBy)}`;
      // Withdrawn, the note itself is what the row is about; a correction's old note still current is said too.
      if (state.withdrawal) detail = withdrawalWords(state.withdrawal.marked) + (state.replaced?.kind === 'not-retired' ? ` ${replacedWords(state.replaced)}` : '');
      break;
    case 'failed': {
      const server = state.serverReason ? ` The EPR said: "${state.serverReason}"` : '';
      const status = state.httpStatus ? ` (HTTP ${state.httpStatus})` : '';
      switch (state.reason) {
        case 'rejected-by-epr':
          detail = `The EPR refused this note${status}.${server} Ask your EPR team about it, then press Retry.`;
          break;
        case 'not-authorised':
          detail = `The EPR did not accept Wardscribe's credentials${status}.${server} An administrator must check the EPR settings; then press Retry.`;
          break;
        case 'unreachable':
          detail = `The EPR could not be reached after several attempts (${state.serverReason ?? 'no answer'}). Press Retry when it is back: Wardscribe checks for the note before sending it again.`;
          break;
        case 'invalid-resource':
          detail = 'This note would not pass FHIR validation, so nothing was sent. Report it to your system administrator.';
          break;
        case 'read-back-mismatch':
          // Another note's identifier: the EPR answered with some other note (a conditional create
          // that matched the wrong document, say), so this one may never have been filed.
          if (state.mismatched?.includes('identifier')) {
            detail = `The EPR answered with a document that belongs to another Wardscribe note, not this one${state.documentReferenceId ? ` (document ${state.documentReferenceId})` : ''}, so this note may not be in the record at all. Do not wipe the chat. Ask your EPR team which note that document is and whether this one was filed. Retry reads that document again; it never sends this note a second time.`;
            break;
          }
          detail = `The record now holds a document that differs from what was filed in ${(state.mismatched ?? []).map((field) => MISMATCH_FIELD_WORDS[field] ?? field).join(', ') || 'its content'}. Do not wipe the chat; ask your EPR team to correct the record. Retry reads it back again.`;
          break;
        case 'content-elsewhere':
          detail = `The EPR holds the note but gives the address of its text outside the EPR (${state.serverReason ?? 'another server'}), where Wardscribe does not send its credentials, so it cannot be checked. Ask your EPR team to set the FHIR server's public base URL; then press Retry (it reads it back again).`;
          break;
        case 'epr-moved':
          detail = `The EPR's address answered with a redirect${state.serverReason ? ` to ${state.serverReason}` : ''}${status}. Wardscribe does not follow redirects by itself. An administrator must check the EPR address in the settings; then press Retry.`;
          break;
        case 'read-back-missing':
          if (state.httpStatus === 410) {
            detail = 'The EPR says this note was deleted from the record (HTTP 410). Wardscribe will not file it again by itself. Do not wipe the chat; ask your EPR team why it was removed. Retry only reads it again.';
            break;
          }
          detail = `The EPR accepted the note but cannot show it${status}. Retry reads it back again; nothing is sent twice.`;
          break;
      }
      break;
    }
    case 'needs-attention':
      detail =
        state.reason === 'multiple-matches'
          ? `The EPR holds ${state.documentReferenceIds.length > 1 ? state.documentReferenceIds.length : 'several'} documents with this note's identifier. Ask your EPR team to remove the duplicates, then press Retry.`
          : state.reason === 'identifier-unproven'
            ? 'An earlier attempt may have reached the EPR. Wardscribe searched for it and found nothing, but it has not yet seen this EPR find a note by its identifier, so finding nothing does not prove the note is not there, and it will not send it again by itself. Check the patient\u2019s record in the EPR for this note; if it is not there, press \u201cSend after checking the record\u201d.'
            : 'This EPR cannot be searched by identifier, so Wardscribe cannot tell whether an earlier attempt reached it, and will not send it again by itself. Check the patient\u2019s record in the EPR for this note; if it is not there, press \u201cSend after checking the record\u201d.';
      break;
  }
  const documentReferenceId = 'documentReferenceId' in state ? (state.documentReferenceId ?? null) : null;
  return {
    identifier: item.identifier,
    draftId: item.draftId,
    threadTitle: item.transcription.source.title,
    nhsNumber: item.transcription.patient.nhsNumber,
    state: state.kind,
    reason: state.kind === 'failed' || state.kind === 'needs-attention' ? state.reason : null,
    detail,
    httpStatus: state.kind === 'failed' ? (state.httpStatus ?? null) : null,
    documentReferenceId,
    epr: item.eprLabel,
    nextAttemptAt: state.kind === 'sending' && state.confirmAt !== undefined && state.confirmAt > now ? new Date(state.confirmAt).toISOString() : retry ? new Date(retry.nextAttemptAt).toISOString() : null,
    canRetry: state.kind === 'failed' || state.kind === 'needs-attention' || stalled || (!!waiting && !active) || (state.kind === 'verified' && unsettledMarking(state) !== undefined && !active),
    updatedAt: new Date(item.updatedAt).toISOString(),
    correctsAttestedAt: item.transcription.replaces?.attestedAt ?? null,
    correctsDocumentId: item.transcription.replaces?.documentReferenceId ?? null,
    correctedBy: correctedBy?.state ?? null,
    correctionOutcome: correctionOutcome(correctedBy),
    // A correction started and not attested is carried on from the same button (it opens that draft).
    canCorrect: state.kind === 'verified' && (correctedBy === undefined || correctedBy.state === 'drafted') && !state.withdrawal,
    withdrawal:
      state.kind === 'verified' && state.withdrawal
        ? {
            state: withdrawalStanding(state.withdrawal.marked),
            reason: state.withdrawal.reason,
            askedAt: state.withdrawal.askedAt,
            by: state.withdrawal.by ? `${state.withdrawal.by.name} (${state.withdrawal.by.role})` : null,
          }
        : null,
    canWithdraw: state.kind === 'verified' && correctedBy === undefined && !state.withdrawal && owedMarking(state) === undefined && state.replaced?.kind !== 'not-retired' && !active,
  };
}

function withdrawalStanding(marked: ReplacedState): 'withdrawing' | 'withdrawn' | 'not-withdrawn' {
  return marked.kind === 'pending' ? 'withdrawing' : marked.kind === 'not-retired' ? 'not-withdrawn' : 'withdrawn';
}

/** A withdrawn note: what the record did with it. */
function withdrawalWords(marked: ReplacedState): string {
  switch (marked.kind) {
    case 'pending':
      return 'Withdrawn: asking the record to mark this note entered in error.';
    case 'retired':
      return 'Withdrawn: the record now marks this note entered in error. Its messages are in no note filed in the record; file them again (for the right patient) if the advice belongs there.';
    case 'gone':
      return 'Withdrawn: the note is no longer in the record. Its messages are in no note filed in the record; file them again (for the right patient) if the advice belongs there.';
    case 'not-retired': {
      const status = marked.httpStatus ? ` (HTTP ${marked.httpStatus})` : '';
      const server = marked.serverReason && marked.why !== 'unreachable' ? ` The EPR said: "${marked.serverReason}"` : '';
      const what =
        marked.why === 'unreachable'
          ? 'The EPR could not be reached to mark this note entered in error.'
          : marked.why === 'not-kept'
            ? 'The EPR accepted, but did not keep, marking this note entered in error.'
            : marked.why === 'not-found'
              ? `The EPR said it does not know this note${status}, which does not show the note has left the record (another server may be answering, or Wardscribe's account may not see it).`
              : `The EPR would not mark this note entered in error${status}.${server}`;
      return `Withdrawal refused: the note is still current in the record. ${what} Ask your EPR team to mark it entered in error, or press Retry to ask again.`;
    }
  }
}

/** A verified correction: what became of the note it replaces. */
function replacedWords(replaced: ReplacedState): string {
  switch (replaced.kind) {
    case 'pending':
      return 'Asking the record to mark the note it corrects as entered in error.';
    case 'retired':
      return 'It replaces an earlier note, which the record now marks entered in error.';
    case 'gone':
      return 'It replaces an earlier note, which is no longer in the record.';
    case 'not-retired': {
      const status = replaced.httpStatus ? ` (HTTP ${replaced.httpStatus})` : '';
      const server = replaced.serverReason && replaced.why !== 'unreachable' ? ` The EPR said: "${replaced.serverReason}"` : '';
      const what =
        replaced.why === 'unreachable'
          ? 'The EPR could not be reached to mark the note it corrects as entered in error.'
          : replaced.why === 'not-kept'
            ? 'The EPR accepted, but did not keep, marking the note it corrects as entered in error.'
            : replaced.why === 'not-found'
              ? `The EPR said it does not know the note it corrects${status}.`
            : `The EPR would not mark the note it corrects as entered in error${status}.${server}`;
      return `${what} Both notes are current in the record until it is: ask your EPR team to mark the earlier one, or press Retry.`;
    }
  }
}

/** A note with a correction: where the correction stands. */
function correctedByWords(correctedBy: CorrectionOf): string {
  const { state } = correctedBy;
  if (state === 'drafted') return 'A correction of it has been started and not yet attested (on the Transcribe screen). Until it is, this note stands in the record as it is.';
  if (state === 'failed' || state === 'needs-attention') return 'A correction of it could not be filed yet (see it below).';
  if (state !== 'verified') return 'A correction of it is being filed.';
  switch (correctionOutcome(correctedBy)) {
    case 'correction-withdrawn':
      return 'It was corrected by a later note, which was itself withdrawn afterwards: the record holds neither as current. If the advice still stands, transcribe it again.';
    case 'replaced':
      return 'Corrected by a later note, which is verified in the record.';
    default:
      return 'Corrected by a later note, which is verified in the record; this note is still current there until the record marks it entered in error (see the correction below).';
  }
}