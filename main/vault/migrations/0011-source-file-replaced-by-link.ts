import type { Migration } from './migration';

/**
 * A wipe's export file that was replaced by a symbolic link is an outcome of its own,
 * `replaced-by-link` (issue #14, cold attack): it used to be recorded as `not-found`, which told
 * the user the plaintext was gone when it may still be wherever the link points. The link is
 * never followed and never removed; the certificate says so.
 *
 * SQLite cannot change a CHECK constraint in place, so `wipes` is rebuilt with the same columns,
 * rows and indexes (`rebuildsTables`: foreign keys off around it, checked before it commits;
 * `wiped_fingerprints.wipe_id` names the table, so it points at the rebuilt one).
 */
export const migration0011: Migration = {
  version: 11,
  name: 'source-file-replaced-by-link',
  rebuildsTables: true,
  up(db) {
    db.exec(`
      CREATE TABLE wipes_new (
        id                 TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
        thread_id          TEXT NOT NULL UNIQUE,
        source_sha256      TEXT NOT NULL CHECK (length(source_sha256) = 64 AND source_sha256 NOT GLOB '*[^0-9a-f]*'),
        fingerprint        TEXT CHECK (fingerprint IS NULL OR length(fingerprint) = 64),
        state              TEXT NOT NULL CHECK (state IN ('erased', 'verified', 'failed')),
        trigger            TEXT NOT NULL CHECK (trigger IN ('user', 'retention')),
        requested_by       TEXT REFERENCES users(id),
        canary_b64         TEXT NOT NULL CHECK (length(canary_b64) = 24),
        -- requested → overwriting → overwritten | not-found | changed | replaced-by-link | failed; not-requested otherwise.
        source_file_state  TEXT NOT NULL CHECK (source_file_state IN ('not-requested', 'requested', 'overwriting', 'overwritten', 'not-found', 'changed', 'replaced-by-link', 'failed')),
        source_path        TEXT,
        certificate_json   TEXT NOT NULL CHECK (json_valid(certificate_json) AND json_type(certificate_json) = 'object'),
        started_at         TEXT NOT NULL,
        finished_at        TEXT,
        CHECK ((trigger = 'user') = (requested_by IS NOT NULL)),
        CHECK ((state = 'erased') = (finished_at IS NULL))
      ) STRICT;

      INSERT INTO wipes_new (id, thread_id, source_sha256, fingerprint, state, trigger, requested_by, canary_b64, source_file_state, source_path, certificate_json, started_at, finished_at)
        SELECT id, thread_id, source_sha256, fingerprint, state, trigger, requested_by, canary_b64, source_file_state, source_path, certificate_json, started_at, finished_at FROM wipes;
      DROP TABLE wipes;
      ALTER TABLE wipes_new RENAME TO wipes;

      CREATE INDEX wipes_owed ON wipes (started_at) WHERE state = 'erased';
      CREATE INDEX wipes_by_source_sha256 ON wipes (source_sha256);
      CREATE INDEX wipes_by_fingerprint ON wipes (fingerprint) WHERE fingerprint IS NOT NULL;
    `);
  },
};
