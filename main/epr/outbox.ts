/**
 * The outbox: one item per attested transcription, bound to the EPR it was attested for, and the
 * state machine filing drives it through.
 *
 *   queued ──► sending ──► filed ──► verified
 *                 │  ▲        │  (Provenance, then read-back)
 *                 │  └ retry  └──► failed(read-back-*)   ← Retry reads back again, never re-sends
 *                 ├──► failed(reason)                    ← Retry searches before it sends again
 *                 └──► needs-attention(several matches / cannot be searched)
 *
 * Every state is saved before the step that leaves it, so a workstation killed at any moment
 * resumes correctly: `sending` with pushes > 0 means "a push may have reached the EPR", so
 * resuming searches before sending again; `filed` means "the EPR holds it", so resuming files
 * the Provenance if it is still owed and reads the document back.
 */
import type { Provenance } from '@medplum/fhirtypes';
import type { AuditActor } from '../../shared/domain/audit';
import type { AttestedTranscription } from '../../shared/domain/transcription';

/** Why an item stopped without being verified. */
export type FailureReason =
  /** The EPR refused the content (a 4xx other than auth, 409, 412, 429). */
  | 'rejected-by-epr'
  /** The EPR refused our credentials, or its sign-in service did. */
  | 'not-authorised'
  /** Retries ran out on timeouts, network errors, 5xx or 429. */
  | 'unreachable'
  /** Our own validators found the resources invalid; nothing was sent. */
  | 'invalid-resource'
  /** The read-back document differs from what we filed (the fields are named). */
  | 'read-back-mismatch'
  /** The EPR answered success but the document cannot be read back. */
  | 'read-back-missing'
  /** The EPR holds the note but puts its text at an address outside the EPR (its public base URL is not set). */
  | 'content-elsewhere'
  /** The EPR answered with a redirect to another address (never followed): its address must be corrected in the settings. */
  | 'epr-moved';

export type AttentionReason =
  /** The EPR holds several documents with this identifier. */
  | 'multiple-matches'
  /** A push may have reached the EPR and the EPR cannot be searched by identifier to find out. */
  | 'identifier-search-unsupported'
  /**
   * A push may have reached the EPR and a search found nothing, but no search of this EPR has yet
   * found a note by its identifier: it may drop identifiers, so finding nothing proves nothing.
   */
  | 'identifier-unproven';

/** Where the Provenance stands once the document is filed. */
export type ProvenanceState =
  | { readonly kind: 'pending' }
  /** A create was sent (`pushes` times); a resend searches by target first. */
  | { readonly kind: 'sending'; readonly pushes: number }
  | { readonly kind: 'filed'; readonly id?: string }
  /** The EPR cannot take it (or its arrival could not be confirmed): kept here and in the audit trail. */
  | { readonly kind: 'kept-locally'; readonly why: 'not-supported' | 'refused' | 'unconfirmed'; readonly resource: Provenance; readonly serverReason?: string };

/**
 * For a correction, once it is verified: the note it replaces marked entered in error in the
 * record (`retired`, read back so), already gone from the record (`gone`), still to be marked
 * (`pending`), or not marked because the EPR refused or could not be reached (`not-retired`): the
 * correction stands either way; a Retry asks again.
 */
export type ReplacedState =
  | { readonly kind: 'pending' }
  | { readonly kind: 'retired'; readonly at: string }
  | { readonly kind: 'gone'; readonly httpStatus: number }
  /**
   * `not-found`: a withdrawn note the EPR says it does not know (HTTP 404). Unlike 410 (deleted),
   * that does not show it has left the record (another server may be answering, or the account may
   * not see it), so a withdrawal is not taken as done on it.
   */
  | { readonly kind: 'not-retired'; readonly why: 'refused' | 'unreachable' | 'not-kept' | 'not-found'; readonly httpStatus?: number; readonly serverReason?: string };

/**
 * A clinician's withdrawal of a verified note that should not be in the record at all (the wrong
 * patient, advice never meant for it): why, when it was asked, and where marking the note itself
 * entered in error stands (`marked`, the same steps as a correction's marking of the note it
 * replaces). Once `retired` or `gone`, the note's messages are in no note filed in the record.
 */
export interface Withdrawal {
  readonly reason: string;
  /** When it was asked (ISO UTC). */
  readonly askedAt: string;
  /** Who withdrew it, as the outbox names them (absent on withdrawals saved before it was kept). */
  readonly by?: { readonly name: string; readonly role: string };
  readonly marked: ReplacedState;
}

/** What the outbox says while an item waits between attempts. */
export interface RetryNote {
  /** 1 for the first retry. */
  readonly attempt: number;
  /** When the next attempt is due (ms since the epoch). */
  readonly nextAttemptAt: number;
  /** What went wrong, in words for the ward (never server text that could quote patient data into a log). */
  readonly problem: string;
}

export type OutboxState =
  | { readonly kind: 'queued'; readonly retry?: RetryNote; readonly waiting?: string }
  | {
      readonly kind: 'sending';
      readonly pushes: number;
      readonly mode: 'transaction' | 'individual';
      /** When the last push started (the settle window before a resend counts from it). */
      readonly since?: number;
      /**
       * Waiting to confirm with the EPR: the last push's outcome is unknown, and nothing is searched
       * for or sent again before this time (ms since the epoch).
       */
      readonly confirmAt?: number;
      readonly retry?: RetryNote;
      readonly waiting?: string;
    }
  | {
      readonly kind: 'filed';
      readonly documentReferenceId: string;
      readonly provenance: ProvenanceState;
      readonly since?: number;
      readonly retry?: RetryNote;
      readonly waiting?: string;
    }
  | {
      readonly kind: 'verified';
      readonly documentReferenceId: string;
      readonly verifiedAt: string;
      readonly provenance: ProvenanceState;
      /** A correction only: where marking the note it replaces stands. */
      readonly replaced?: ReplacedState;
      /** A withdrawn note: where marking it entered in error stands. */
      readonly withdrawal?: Withdrawal;
      readonly retry?: RetryNote;
      readonly waiting?: string;
    }
  | {
      readonly kind: 'failed';
      readonly reason: FailureReason;
      readonly httpStatus?: number;
      /** The server's own explanation (OperationOutcome), shown to the clinician. */
      readonly serverReason?: string;
      /** For a read-back mismatch: which fields differ. */
      readonly mismatched?: readonly string[];
      readonly documentReferenceId?: string;
      /** DocumentReference pushes that may have reached the EPR: a Retry searches first when > 0. */
      readonly pushes: number;
      readonly provenance?: ProvenanceState;
    }
  | { readonly kind: 'needs-attention'; readonly reason: AttentionReason; readonly documentReferenceIds: readonly string[]; readonly pushes: number };

export type OutboxStateKind = OutboxState['kind'];

/** One transcription on its way to the EPR. */
export interface OutboxItem {
  /** The transcription's `urn:uuid` identifier; the outbox key. */
  readonly identifier: string;
  readonly transcription: AttestedTranscription;
  /** Hex SHA-256 of the attachment bytes as rendered when queued; read-back compares with it. */
  readonly attachmentSha256: string;
  /** The EPR it was attested for (epr-identity.ts); it is filed there or nowhere. */
  readonly eprId: string;
  /** How the outbox names that EPR. */
  readonly eprLabel: string;
  readonly state: OutboxState;
  /** When the state last changed (ms since the epoch). */
  readonly updatedAt: number;
}

/**
 * Where outbox items live: the vault (outbox-store.ts). `save` is durable when it resolves (the
 * runner relies on it to resume after a crash) and audits the changes that matter.
 */
export interface OutboxStore {
  load(identifier: string): Promise<OutboxItem | undefined>;
  /**
   * `by`: the clinician whose action the change is, audited with it: one who confirmed that the
   * EPR does not hold the note (an EPR that cannot be searched by identifier), sending the item on,
   * or one who withdrew a verified note.
   */
  save(item: OutboxItem, by?: AuditActor): Promise<void>;
  /** Items not in a terminal state, oldest first: what to resume at start-up. */
  unfinished(): Promise<OutboxItem[]>;
  /** Whether a search of this EPR by note identifier has found a note filed there (kept across sessions). */
  identifierSearchProven(eprId: string): Promise<boolean>;
  /** Records that it has (the first time is kept), or that it can no longer be trusted (`proven` false). */
  recordIdentifierSearch(eprId: string, proven: boolean, at: number): Promise<void>;
}

/** The reasons a clinician can settle by checking the record and confirming the note is not there. */
export function settledByRecordCheck(reason: AttentionReason): boolean {
  return reason === 'identifier-search-unsupported' || reason === 'identifier-unproven';
}

/**
 * Terminal states: the runner does nothing more with them unless a person asks. A verified
 * correction is not finished until the note it replaces has been marked (or that was refused),
 * nor a withdrawn note until it has been marked itself.
 */
export function isTerminal(state: OutboxState): boolean {
  if (state.kind === 'verified') return owedMarking(state) === undefined;
  return state.kind === 'failed' || state.kind === 'needs-attention';
}

type VerifiedState = Extract<OutboxState, { kind: 'verified' }>;

/**
 * The entered-in-error marking a verified item still owes the record: the note a correction
 * replaces (`replaced`), or a withdrawn note itself (`withdrawal`). A correction's comes first: a
 * note cannot be withdrawn while it is still marking the one it replaces.
 */
export function owedMarking(state: VerifiedState): 'replaced' | 'withdrawal' | undefined {
  if (state.replaced?.kind === 'pending') return 'replaced';
  return state.withdrawal?.marked.kind === 'pending' ? 'withdrawal' : undefined;
}

/** The state with the marking it owes (or, when `which` is given, that one) settled as `marked`. */
export function settleMarking(state: VerifiedState, marked: ReplacedState, which: 'replaced' | 'withdrawal' = owedMarking(state) ?? 'replaced'): VerifiedState {
  return which === 'withdrawal' && state.withdrawal ? { ...state, withdrawal: { ...state.withdrawal, marked } } : { ...state, replaced: marked };
}

/** The marking a person's Retry may ask for again: one the EPR refused or could not be reached for. */
export function unsettledMarking(state: VerifiedState): 'replaced' | 'withdrawal' | undefined {
  if (state.replaced?.kind === 'not-retired') return 'replaced';
  return state.withdrawal?.marked.kind === 'not-retired' ? 'withdrawal' : undefined;
}

/** Whether a verified note has been withdrawn from the record (marked entered in error there, or gone from it). */
export function isWithdrawn(state: OutboxState): boolean {
  return state.kind === 'verified' && (state.withdrawal?.marked.kind === 'retired' || state.withdrawal?.marked.kind === 'gone');
}

/** Which transitions filing may make; anything else is a bug and throws. */
const ALLOWED: Readonly<Record<OutboxStateKind, readonly OutboxStateKind[]>> = {
  queued: ['queued', 'sending', 'failed'],
  sending: ['sending', 'filed', 'failed', 'needs-attention'],
  filed: ['filed', 'verified', 'failed'],
  // Only marking a note entered in error (the one a correction replaces, or a withdrawn one) moves a verified item on, and it stays verified.
  verified: ['verified'],
  failed: ['queued', 'sending', 'filed'],
  'needs-attention': ['sending', 'filed'],
};

export function transition(item: OutboxItem, next: OutboxState, now: number): OutboxItem {
  if (!ALLOWED[item.state.kind].includes(next.kind)) {
    throw new Error(`Outbox transition ${item.state.kind} → ${next.kind} is not allowed`);
  }
  return { ...item, state: next, updatedAt: now };
}

/** How many DocumentReference pushes of this item may have reached the EPR. */
export function pushesOf(state: OutboxState): number {
  return 'pushes' in state ? state.pushes : 0;
}

/**
 * Where a person's Retry resumes, so that it is always safe: with a document id, at `filed` (read
 * back again, finish the Provenance: never a second document); after a push that may have landed,
 * at `sending` (which searches first); otherwise from the start.
 */
export function retryState(state: OutboxState): OutboxState | undefined {
  if (state.kind !== 'failed' && state.kind !== 'needs-attention') return undefined;
  const documentReferenceId = state.kind === 'failed' ? state.documentReferenceId : state.documentReferenceIds.length === 1 ? state.documentReferenceIds[0] : undefined;
  if (documentReferenceId && state.kind === 'failed') {
    return { kind: 'filed', documentReferenceId, provenance: state.provenance ?? { kind: 'pending' } };
  }
  if (state.pushes > 0 || state.kind === 'needs-attention') return { kind: 'sending', pushes: Math.max(1, state.pushes), mode: 'transaction' };
  return { kind: 'queued' };
}

/**
 * Reads a stored state, including those written before issue #13 (`attempts`, no Provenance
 * state: the old engine filed both in one transaction).
 */
export function normaliseState(raw: unknown): OutboxState {
  const state = raw as Record<string, unknown> & { kind: OutboxStateKind };
  const pushes = typeof state.pushes === 'number' ? state.pushes : typeof state.attempts === 'number' ? state.attempts : 0;
  switch (state.kind) {
    case 'sending':
      return { ...(state as object), kind: 'sending', pushes, mode: state.mode === 'individual' ? 'individual' : 'transaction' } as OutboxState;
    case 'filed':
    case 'verified':
      return { ...(state as object), provenance: (state.provenance as ProvenanceState | undefined) ?? { kind: 'filed' } } as OutboxState;
    case 'failed':
    case 'needs-attention':
      return { ...(state as object), pushes } as OutboxState;
    default:
      return state as OutboxState;
  }
}
