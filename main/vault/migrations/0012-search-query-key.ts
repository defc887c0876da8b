import type { Migration } from './migration';

/**
 * The key of the audit trail's search-query hash, sealed by the workstation keystore (issue #14,
 * cold attack). It was derived from the chat identity key, which every vault user can read: any
 * clerk could hash every NHS number (10^9 candidates, under an hour on one core) and read from
 * the trail which patients were searched for. Now the key is random and kept here only sealed by
 * the workstation's OS keystore (main/security/search-query-key.ts), which a copy of the data folder
 * and a user's passphrase do not open.
 *
 * A row per key: a vault moved to another OS account or computer cannot open the old one, so a new
 * key starts (hashes made before stay comparable only where the old keystore is). Kept, not
 * replaced, so that the old one still serves an investigation on the workstation that made it.
 */
export const migration0012: Migration = {
  version: 12,
  name: 'search-query-key',
  up(db) {
    db.exec(`
      CREATE TABLE search_query_keys (
        seq              INTEGER PRIMARY KEY AUTOINCREMENT,
        keystore_sealed  BLOB NOT NULL CHECK (length(keystore_sealed) > 32),
        created_at       TEXT NOT NULL
      ) STRICT;

      CREATE TRIGGER search_query_keys_no_update BEFORE UPDATE ON search_query_keys
      BEGIN SELECT RAISE(ABORT, 'search query keys are kept as made'); END;
    `);
  },
};
