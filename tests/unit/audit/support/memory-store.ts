import { entryMatchesFilter, type AuditCheckpoint, type AuditEntry, type ChainHead } from '../../../../shared/domain/audit';
import type { AuditQuery, AuditStore } from '../../../../main/audit/store';

/**
 * An AuditStore in memory, for tests only: the product's store is the vault. It keeps the
 * interface's promises (append-only, head + 1) so tests exercise the same contract.
 */
export class MemoryAuditStore implements AuditStore {
  readonly storedEntries: AuditEntry[] = [];
  readonly storedCheckpoints: AuditCheckpoint[] = [];

  head(): ChainHead | null {
    const last = this.storedEntries.at(-1);
    return last ? { sequence: last.sequence, hash: last.entryHash } : null;
  }

  append(entry: AuditEntry): void {
    const expected = (this.head()?.sequence ?? 0) + 1;
    if (entry.sequence !== expected) throw new Error(`append out of turn: expected ${expected}, got ${entry.sequence}`);
    this.storedEntries.push(entry);
  }

  *entries(query: AuditQuery): Iterable<AuditEntry> {
    for (const entry of this.storedEntries) {
      if (query.fromSequence !== undefined && entry.sequence < query.fromSequence) continue;
      if (query.toSequence !== undefined && entry.sequence > query.toSequence) continue;
      if (entryMatchesFilter(entry, query.filter)) yield entry;
    }
  }

  appendCheckpoint(checkpoint: AuditCheckpoint): void {
    this.storedCheckpoints.push(checkpoint);
  }

  *checkpoints(fromSequence: number, toSequence: number): Iterable<AuditCheckpoint> {
    for (const checkpoint of this.storedCheckpoints) {
      if (checkpoint.sequence >= fromSequence && checkpoint.sequence <= toSequence) yield checkpoint;
    }
  }
}
