import type { Migration } from './migration';

/**
 * Secure wipes of imported threads (main/wipe/).
 *
 * - `threads.canary`: a random token planted in every thread at import. After a wipe the
 *   verifier searches every decrypted page and every raw file for it: one hit means something of
 *   the thread survived. Threads imported before this migration get one now.
 * - `threads.source_path`: the absolute path the export was imported from, so that the user may
 *   ask for that file (and only that file, checked by its SHA-256) to be overwritten.
 * - `wipes`: one row per wipe. It is written in the same transaction that deletes the thread, so
 *   a crash leaves either the thread or a wipe that is owed its remaining steps (key rotation,
 *   source file, verification), never neither. It outlives the thread: it is the certificate,
 *   and it recognises the export if someone tries to import it again.
 *
 *   `canary` holds the thread's canary as base64 of its random bytes, a different byte pattern
 *   from the planted hex form, so the row itself never counts as a surviving copy.
 */
export const migration0005: Migration = {
  version: 5,
  name: 'wipes',
  up(db) {
    db.exec(`
      ALTER TABLE threads ADD COLUMN source_path TEXT;
      ALTER TABLE threads ADD COLUMN canary TEXT CHECK (canary IS NULL OR (length(canary) = 40 AND substr(canary, 1, 8) = 'wscanary'));
      UPDATE threads SET canary = 'wscanary' || lower(hex(randomblob(16)));

      CREATE TABLE wipes (
        id                 TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
        thread_id          TEXT NOT NULL UNIQUE,
        source_sha256      TEXT NOT NULL CHECK (length(source_sha256) = 64 AND source_sha256 NOT GLOB '*[^0-9a-f]*'),
        fingerprint        TEXT CHECK (fingerprint IS NULL OR length(fingerprint) = 64),
        -- erased: the thread is gone from the tables; key rotation, source file and verification are owed.
        state              TEXT NOT NULL CHECK (state IN ('erased', 'verified', 'failed')),
        trigger            TEXT NOT NULL CHECK (trigger IN ('user', 'retention')),
        requested_by       TEXT REFERENCES users(id),
        canary_b64         TEXT NOT NULL CHECK (length(canary_b64) = 24),
        -- requested → overwriting → overwritten | not-found | changed | failed; not-requested otherwise.
        source_file_state  TEXT NOT NULL CHECK (source_file_state IN ('not-requested', 'requested', 'overwriting', 'overwritten', 'not-found', 'changed', 'failed')),
        -- Kept only while an overwrite is owed.
        source_path        TEXT,
        certificate_json   TEXT NOT NULL CHECK (json_valid(certificate_json) AND json_type(certificate_json) = 'object'),
        started_at         TEXT NOT NULL,
        finished_at        TEXT,
        CHECK ((trigger = 'user') = (requested_by IS NOT NULL)),
        CHECK ((state = 'erased') = (finished_at IS NULL))
      ) STRICT;

      CREATE INDEX wipes_owed ON wipes (started_at) WHERE state = 'erased';
      CREATE INDEX wipes_by_source_sha256 ON wipes (source_sha256);
      CREATE INDEX wipes_by_fingerprint ON wipes (fingerprint) WHERE fingerprint IS NOT NULL;
    `);
  },
};
