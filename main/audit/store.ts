import type { AuditCheckpoint, AuditEntry, AuditFilter, ChainHead } from '../../shared/domain/audit';

/** Which entries to read: a filter, optionally narrowed to a run of sequence numbers (inclusive). */
export interface AuditQuery {
  readonly filter: AuditFilter;
  readonly fromSequence?: number;
  readonly toSequence?: number;
}

/**
 * Where the trail is kept (the vault). Synchronous because the vault is better-sqlite3 and
 * because an append must read the head and write the next entry with nothing in between.
 * Implementations only store and select; chaining and signing are the AuditLog's job.
 */
export interface AuditStore {
  /** The newest entry's sequence and hash, or null while the trail is empty. */
  head(): ChainHead | null;
  /**
   * Appends one entry. Must throw, writing nothing, unless `entry.sequence` is head + 1 (1 when
   * empty): a unique, append-only sequence is what makes a second writer fail instead of fork.
   */
  append(entry: AuditEntry): void;
  /**
   * Runs `work` (which reads the head and appends the next entry) holding the trail's write
   * lock. A store that another process writes too (the vault: a second Wardscribe instance on
   * the same folder) must have it, or an entry sealed on a head that process has just moved on
   * is refused; without it, `work` simply runs.
   */
  inTurn?<T>(work: () => T): T;
  /** Entries that match, in ascending sequence (see `entryMatchesFilter` for the meaning). */
  entries(query: AuditQuery): Iterable<AuditEntry>;
  /** Stores a signed checkpoint. */
  appendCheckpoint(checkpoint: AuditCheckpoint): void;
  /** Checkpoints whose sequence lies in the inclusive range, ascending by sequence then time. */
  checkpoints(fromSequence: number, toSequence: number): Iterable<AuditCheckpoint>;
}
