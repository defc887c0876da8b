/**
 * The outbox: one item per attested transcription, and the state machine filing drives it through.
 *
 *   queued ──► sending ──► filed ──► verified
 *                 │  ▲        │
 *                 │  └ retry  └──► failed(read-back-*)
 *                 ├──► failed(reason)            (a person may requeue it)
 *                 └──► needs-attention(412 / duplicates in the EPR)
 *
 * Every state is saved before the step that leaves it, so a workstation killed at any moment
 * resumes correctly: `sending` means "a push may have reached the EPR", so resuming it searches by
 * identifier before sending again; `filed` means "the EPR holds it", so resuming reads it back.
 */
import type { AttestedTranscription } from '../../shared/domain/transcription';

/** Why an item stopped without being verified. */
export type FailureReason =
  /** The EPR refused the content (4xx other than 401/404/409/412/429). */
  | 'rejected-by-epr'
  /** The EPR refused our credentials, or its sign-in service did. */
  | 'not-authorised'
  /** Retries ran out on timeouts, network errors or 5xx. */
  | 'unreachable'
  /** Our own validators found the resources invalid; nothing was sent. */
  | 'invalid-resource'
  /** The read-back document's attachment differs from what we filed. */
  | 'read-back-mismatch'
  /** The EPR answered success but the document cannot be read back. */
  | 'read-back-missing';

export type OutboxState =
  | { readonly kind: 'queued' }
  | { readonly kind: 'sending'; readonly attempts: number }
  | { readonly kind: 'filed'; readonly documentReferenceId: string; readonly readBackAttempts: number }
  | { readonly kind: 'verified'; readonly documentReferenceId: string; readonly verifiedAt: string }
  | { readonly kind: 'failed'; readonly reason: FailureReason; readonly httpStatus?: number; readonly documentReferenceId?: string }
  | { readonly kind: 'needs-attention'; readonly reason: 'multiple-matches'; readonly documentReferenceIds: readonly string[] };

export type OutboxStateKind = OutboxState['kind'];

/** One transcription on its way to the EPR. */
export interface OutboxItem {
  /** The transcription's `urn:uuid` identifier; the outbox key. */
  readonly identifier: string;
  readonly transcription: AttestedTranscription;
  /** Hex SHA-256 of the attachment bytes as rendered when queued; read-back compares with it. */
  readonly attachmentSha256: string;
  readonly state: OutboxState;
  /** When the state last changed (ms since the epoch). */
  readonly updatedAt: number;
}

/**
 * Where outbox items live. The vault implements it on a table; `MemoryOutboxStore` serves the
 * training EPR and tests. `save` must be durable when it resolves (the engine relies on it to
 * resume after a crash).
 */
export interface OutboxStore {
  load(identifier: string): Promise<OutboxItem | undefined>;
  save(item: OutboxItem): Promise<void>;
  /** Items not in a terminal state, oldest first: what to resume at start-up. */
  unfinished(): Promise<OutboxItem[]>;
}

/** Terminal states: the engine does nothing more with them on its own. */
export function isTerminal(state: OutboxState): boolean {
  return state.kind === 'verified' || state.kind === 'failed' || state.kind === 'needs-attention';
}

/** Which transitions the engine may make; anything else is a bug and throws. */
const ALLOWED: Readonly<Record<OutboxStateKind, readonly OutboxStateKind[]>> = {
  queued: ['sending', 'failed'],
  sending: ['sending', 'filed', 'failed', 'needs-attention'],
  filed: ['filed', 'verified', 'failed'],
  verified: [],
  failed: ['queued'],
  'needs-attention': ['queued'],
};

export function transition(item: OutboxItem, next: OutboxState, now: number): OutboxItem {
  if (!ALLOWED[item.state.kind].includes(next.kind)) {
    throw new Error(`Outbox transition ${item.state.kind} → ${next.kind} is not allowed`);
  }
  return { ...item, state: next, updatedAt: now };
}

/** An in-memory store: for the training EPR and tests. Copies on the way in and out, as a database would. */
export class MemoryOutboxStore implements OutboxStore {
  private readonly items = new Map<string, OutboxItem>();

  async load(identifier: string): Promise<OutboxItem | undefined> {
    const item = this.items.get(identifier);
    return item ? structuredClone(item) : undefined;
  }

  async save(item: OutboxItem): Promise<void> {
    this.items.set(item.identifier, structuredClone(item));
  }

  async unfinished(): Promise<OutboxItem[]> {
    return [...this.items.values()].filter((item) => !isTerminal(item.state)).sort((a, b) => a.updatedAt - b.updatedAt).map((item) => structuredClone(item));
  }
}
