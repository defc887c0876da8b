/**
 * The one OutboxStore: the vault's `outbox` table, auditing each change that matters (filed,
 * verified, failed, flagged, Provenance kept locally) in the same transaction as the state.
 * better-sqlite3 is synchronous and the vault runs with `synchronous=FULL`, so a state is on disk
 * when `save` returns. Once `stopped()` is true (the vault is closing) it refuses everything.
 */
import type { AuditLog } from '../audit/audit-log';
import type { AuditObjects, AuditOutcome } from '../../shared/domain/audit';
import { forgetIdentifierFound, getIdentifierFoundAt, recordIdentifierFound } from '../vault/queries/epr-observations';
import { getOutboxItem, listUnfinishedOutboxItems, saveOutboxState } from '../vault/queries/outbox';
import type { Db } from '../vault/sqlcipher';
import type { OutboxItem, OutboxStore, ReplacedState } from './outbox';

/** Thrown once the store has stopped: nothing more is written. */
export class OutboxStoppedError extends Error {
  override readonly name = 'OutboxStoppedError';
}

export interface VaultOutboxStoreOptions {
  readonly db: () => Db;
  readonly audit: () => AuditLog;
  readonly stopped: () => boolean;
}

export function createVaultOutboxStore(options: VaultOutboxStoreOptions): OutboxStore {
  const db = (): Db => {
    if (options.stopped()) throw new OutboxStoppedError('The outbox has stopped (the vault is closing).');
    return options.db();
  };
  return {
    load: async (identifier) => getOutboxItem(db(), identifier) ?? undefined,
    unfinished: async () => listUnfinishedOutboxItems(db()),
    identifierSearchProven: async (eprId) => getIdentifierFoundAt(db(), eprId) !== null,
    recordIdentifierSearch: async (eprId, proven, at) => (proven ? recordIdentifierFound(db(), eprId, new Date(at).toISOString()) : forgetIdentifierFound(db(), eprId)),
    save: async (item, by) => {
      const vault = db();
      const log = options.audit();
      vault.transaction(() => {
        const previous = getOutboxItem(vault, item.identifier);
        saveOutboxState(vault, item);
        // The person's action and the change it makes are one: neither is kept without the other.
        if (by) {
          const withdrawn = item.state.kind === 'verified' && item.state.withdrawal !== undefined && !(previous?.state.kind === 'verified' && previous.state.withdrawal);
          log.record({
            action: withdrawn ? 'withdrawal-asked' : 'record-checked',
            actor: by,
            objects: { transcriptionId: item.identifier, nhsNumber: item.transcription.patient.nhsNumber, ...(withdrawn && 'documentReferenceId' in item.state ? { documentId: item.state.documentReferenceId } : {}) },
            outcome: { status: 'success', ...(withdrawn ? {} : { reason: 'not-in-record' }) },
            hashes: { documentSha256: item.attachmentSha256 },
          });
        }
        auditChange(log, previous ?? undefined, item);
      })();
    },
  };
}

function auditChange(log: AuditLog, previous: OutboxItem | undefined, item: OutboxItem): void {
  const { state, transcription } = item;
  const objects: AuditObjects = { transcriptionId: item.identifier, nhsNumber: transcription.patient.nhsNumber };
  const hashes = { documentSha256: item.attachmentSha256 };
  const provenance = 'provenance' in state ? state.provenance : undefined;
  const previousProvenance = previous && 'provenance' in previous.state ? previous.state.provenance : undefined;
  if (provenance?.kind === 'kept-locally' && previousProvenance?.kind !== 'kept-locally' && 'documentReferenceId' in state && state.documentReferenceId) {
    // The Provenance the EPR could not take: its digest in the trail, the resource in the vault.
    log.record({
      action: 'provenance-kept-locally',
      actor: null,
      objects: { ...objects, documentId: state.documentReferenceId },
      outcome: { status: 'success', reason: `provenance-${provenance.why}` },
      hashes,
    });
  }
  const replaced = state.kind === 'verified' ? state.replaced : undefined;
  const previousReplaced = previous?.state.kind === 'verified' ? previous.state.replaced : undefined;
  if (replaced && replaced.kind !== 'pending' && previousReplaced?.kind !== replaced.kind && transcription.replaces) {
    log.record({ action: 'marked-entered-in-error', actor: null, objects: { ...objects, documentId: transcription.replaces.documentReferenceId }, outcome: markingOutcome(replaced), hashes });
  }
  // A withdrawn note marked itself: its own document, with reasons that say it was withdrawn.
  const withdrawn = state.kind === 'verified' ? state.withdrawal?.marked : undefined;
  const previousWithdrawn = previous?.state.kind === 'verified' ? previous.state.withdrawal?.marked : undefined;
  if (withdrawn && withdrawn.kind !== 'pending' && previousWithdrawn?.kind !== withdrawn.kind && state.kind === 'verified') {
    const outcome = markingOutcome(withdrawn);
    log.record({ action: 'marked-entered-in-error', actor: null, objects: { ...objects, documentId: state.documentReferenceId }, outcome: { ...outcome, reason: outcome.reason ? `withdrawn-${outcome.reason}` : 'withdrawn' }, hashes });
  }
  if (previous?.state.kind === state.kind) return;
  if (state.kind === 'filed' || state.kind === 'verified') {
    log.record({ action: state.kind, actor: null, objects: { ...objects, documentId: state.documentReferenceId }, outcome: { status: 'success' }, hashes });
  } else if (state.kind === 'failed') {
    const documentId = state.documentReferenceId;
    log.record({ action: 'filing-failed', actor: null, objects: { ...objects, ...(documentId ? { documentId } : {}) }, outcome: { status: 'failure', reason: state.reason }, hashes });
  } else if (state.kind === 'needs-attention') {
    log.record({ action: 'filing-failed', actor: null, objects, outcome: { status: 'failure', reason: state.reason }, hashes });
  }
}

/** How marking a note entered in error ended, as the trail records it. */
function markingOutcome(marked: Exclude<ReplacedState, { kind: 'pending' }>): AuditOutcome {
  return marked.kind === 'retired' ? { status: 'success' } : marked.kind === 'gone' ? { status: 'success', reason: 'gone' } : { status: 'failure', reason: marked.why };
}
