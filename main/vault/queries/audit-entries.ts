import { canonicalJson } from '../../audit/canonical';
import type { AuditQuery, AuditStore } from '../../audit/store';
import { type AuditCheckpoint, type AuditEntry, type ChainHead } from '../../../shared/domain/audit';
import { WardscribeError } from '../../errors';
import type { Db } from '../sqlcipher';

/** A row of `audit_entries` as read back (the other columns are generated from the JSON). */
interface AuditEntryRow {
  entry_json: string;
}

/** A row of `audit_checkpoints` as read back. */
interface AuditCheckpointRow {
  checkpoint_json: string;
}

/** The head as `audit_entries` gives it. */
interface HeadRow {
  sequence: number;
  entry_hash: string;
}

/**
 * Rows are parsed without re-validating against the schema: the vault's page HMACs already
 * refuse a changed file, and the hash chain catches any entry whose content changed, so a
 * per-row zod parse would cost seconds on a large trail and add nothing.
 */
function toEntry(row: AuditEntryRow): AuditEntry {
  return JSON.parse(row.entry_json) as AuditEntry;
}

function toCheckpoint(row: AuditCheckpointRow): AuditCheckpoint {
  return JSON.parse(row.checkpoint_json) as AuditCheckpoint;
}

/**
 * The WHERE fragments a query may use, keyed by the AuditQuery field they serve. They are fixed
 * text; the query's values are only ever bound as parameters.
 */
const CONDITIONS = {
  fromSequence: 'sequence >= @fromSequence',
  toSequence: 'sequence <= @toSequence',
  fromUtc: 'time_utc >= @fromUtc',
  toUtc: 'time_utc < @toUtc',
  userId: 'user_id = @userId',
  actions: 'action IN (SELECT value FROM json_each(@actionsJson))',
  nhsNumber: 'nhs_number = @nhsNumber',
  threadId: 'thread_id = @threadId',
} as const;

type ConditionName = keyof typeof CONDITIONS;
/** Named parameters for a SELECT built by selectEntriesSql. */
export type QueryParameters = Partial<Record<Exclude<ConditionName, 'actions'> | 'actionsJson', string | number>>;

/**
 * The SELECT for one query: fixed condition text for each field the query uses, joined with
 * AND, and the values to bind. Exported so tests can check the query plan uses the indexes.
 */
export function selectEntriesSql(query: AuditQuery): { sql: string; parameters: QueryParameters } {
  const { filter } = query;
  const names: ConditionName[] = [];
  const parameters: QueryParameters = {};
  const use = (name: Exclude<ConditionName, 'actions'>, value: string | number | undefined) => {
    if (value === undefined) return;
    names.push(name);
    parameters[name] = value;
  };
  use('fromSequence', query.fromSequence);
  use('toSequence', query.toSequence);
  use('fromUtc', filter.fromUtc);
  use('toUtc', filter.toUtc);
  use('userId', filter.userId);
  if (filter.actions !== undefined) {
    names.push('actions');
    parameters.actionsJson = JSON.stringify(filter.actions);
  }
  use('nhsNumber', filter.nhsNumber);
  use('threadId', filter.threadId);
  const where = names.length === 0 ? '' : ` WHERE ${names.map((name) => CONDITIONS[name]).join(' AND ')}`;
  return { sql: `SELECT entry_json FROM audit_entries${where} ORDER BY sequence`, parameters };
}

/**
 * The audit trail kept in the vault. Appends happen in an IMMEDIATE transaction, so the head
 * is read and the next entry written under the write lock; the schema's triggers refuse the
 * same mistakes again (out-of-turn inserts, updates, deletes).
 *
 * `entries()` and `checkpoints()` read lazily from a live cursor: until the caller has finished
 * (or broken out of) the loop, this connection cannot run another statement, so do not record
 * to the trail from inside such a loop.
 */
export function createVaultAuditStore(db: Db): AuditStore {
  const selectHead = db.prepare('SELECT sequence, entry_hash FROM audit_entries ORDER BY sequence DESC LIMIT 1');
  const insertEntry = db.prepare('INSERT INTO audit_entries (sequence, entry_json) VALUES (@sequence, @entryJson)');
  const insertCheckpoint = db.prepare('INSERT INTO audit_checkpoints (checkpoint_json) VALUES (?)');
  const selectCheckpoints = db.prepare(
    'SELECT checkpoint_json FROM audit_checkpoints WHERE sequence BETWEEN ? AND ? ORDER BY sequence, created_utc, id',
  );
  // One prepared statement per combination of conditions actually used (at most 2^8).
  const entryStatements = new Map<string, ReturnType<Db['prepare']>>();

  const head = (): ChainHead | null => {
    const row = selectHead.get() as HeadRow | undefined;
    return row ? { sequence: row.sequence, hash: row.entry_hash } : null;
  };

  const appendInTurn = db.transaction((entry: AuditEntry) => {
    const expected = (head()?.sequence ?? 0) + 1;
    if (entry.sequence !== expected) {
      // Numbers only: the entry itself may name a patient.
      throw new WardscribeError('conflict', `The audit trail refused an entry out of turn (expected ${expected}, got ${entry.sequence}); nothing was recorded.`);
    }
    insertEntry.run({ sequence: entry.sequence, entryJson: canonicalJson(entry) });
  });

  return {
    head,

    append(entry) {
      appendInTurn.immediate(entry);
    },

    inTurn(work) {
      // IMMEDIATE takes SQLite's write lock at once (waiting up to the busy timeout for another
      // process's), so the head read inside cannot move before the append; nested, a savepoint.
      return db.transaction(work).immediate();
    },

    *entries(query) {
      const { sql, parameters } = selectEntriesSql(query);
      let statement = entryStatements.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        entryStatements.set(sql, statement);
      }
      // The conditions mean exactly what entryMatchesFilter means (BINARY comparison of the same
      // strings); the store tests compare the two on every filter field.
      for (const row of statement.iterate(parameters) as IterableIterator<AuditEntryRow>) yield toEntry(row);
    },

    appendCheckpoint(checkpoint) {
      insertCheckpoint.run(canonicalJson(checkpoint));
    },

    *checkpoints(fromSequence, toSequence) {
      for (const row of selectCheckpoints.iterate(fromSequence, toSequence) as IterableIterator<AuditCheckpointRow>) {
        yield toCheckpoint(row);
      }
    },
  };
}
