import type { Migration } from './migration';

/**
 * The audit trail, its signed checkpoints and the workstation's signing key.
 *
 * Each entry and checkpoint is stored as its canonical JSON; the columns filters use are
 * generated from that JSON, so an index can never disagree with the entry it points at. The
 * trail is append-only here as well as in code: triggers refuse UPDATE and DELETE, and an entry
 * whose sequence is not the head + 1. (The hash chain is what proves it; the triggers stop an
 * honest bug or a careless tool from ever breaking it.)
 */
export const migration0002: Migration = {
  version: 2,
  name: 'audit-trail',
  up(db) {
    db.exec(`
      CREATE TABLE audit_entries (
        sequence     INTEGER PRIMARY KEY NOT NULL CHECK (sequence >= 1),
        entry_json   TEXT NOT NULL CHECK (json_valid(entry_json) AND json_extract(entry_json, '$.sequence') = sequence),
        entry_hash   TEXT GENERATED ALWAYS AS (json_extract(entry_json, '$.entryHash')) STORED NOT NULL,
        time_utc     TEXT GENERATED ALWAYS AS (json_extract(entry_json, '$.time.utc')) STORED NOT NULL,
        user_id      TEXT GENERATED ALWAYS AS (json_extract(entry_json, '$.actor.userId')) STORED,
        action       TEXT GENERATED ALWAYS AS (json_extract(entry_json, '$.action')) STORED NOT NULL,
        nhs_number   TEXT GENERATED ALWAYS AS (json_extract(entry_json, '$.objects.nhsNumber')) STORED,
        thread_id    TEXT GENERATED ALWAYS AS (json_extract(entry_json, '$.objects.threadId')) STORED
      ) STRICT;

      -- One index per AuditFilter field. BINARY collation (the default) on purpose: filters
      -- match exactly, as entryMatchesFilter does.
      CREATE INDEX audit_entries_by_time   ON audit_entries (time_utc);
      CREATE INDEX audit_entries_by_user   ON audit_entries (user_id) WHERE user_id IS NOT NULL;
      CREATE INDEX audit_entries_by_action ON audit_entries (action);
      CREATE INDEX audit_entries_by_nhs    ON audit_entries (nhs_number) WHERE nhs_number IS NOT NULL;
      CREATE INDEX audit_entries_by_thread ON audit_entries (thread_id) WHERE thread_id IS NOT NULL;

      -- A second writer (another connection, a tool) must fail rather than fork or leave a gap.
      -- NEW.sequence is -1 here if none was given, so that is refused too. This trigger is also
      -- what stops INSERT OR REPLACE: REPLACE deletes without firing the DELETE trigger.
      CREATE TRIGGER audit_entries_append_in_turn BEFORE INSERT ON audit_entries
      WHEN NEW.sequence IS NOT (SELECT coalesce(max(sequence), 0) + 1 FROM audit_entries)
      BEGIN SELECT RAISE(ABORT, 'audit entries are appended in sequence'); END;

      CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
      BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;

      CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
      BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;

      CREATE TABLE audit_checkpoints (
        id               INTEGER PRIMARY KEY NOT NULL CHECK (id >= 1),
        checkpoint_json  TEXT NOT NULL CHECK (json_valid(checkpoint_json)),
        sequence         INTEGER GENERATED ALWAYS AS (json_extract(checkpoint_json, '$.sequence')) STORED NOT NULL CHECK (sequence >= 0),
        created_utc      TEXT GENERATED ALWAYS AS (json_extract(checkpoint_json, '$.createdUtc')) STORED NOT NULL,
        kind             TEXT GENERATED ALWAYS AS (json_extract(checkpoint_json, '$.kind')) STORED NOT NULL CHECK (kind IN ('interval', 'export'))
      ) STRICT;

      CREATE INDEX audit_checkpoints_by_sequence ON audit_checkpoints (sequence, created_utc);

      -- INSERT OR REPLACE deletes the old row without firing the DELETE trigger; refuse it here.
      CREATE TRIGGER audit_checkpoints_no_replace BEFORE INSERT ON audit_checkpoints
      WHEN EXISTS (SELECT 1 FROM audit_checkpoints WHERE id = NEW.id)
      BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;

      CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
      BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;

      CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
      BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;

      -- The Ed25519 key that signs checkpoints: one row, kept only inside the encrypted vault.
      -- It is never replaced in place: checkpoints already signed name its fingerprint, so a
      -- rotation needs its own design (keeping the old public key), not an UPDATE.
      CREATE TABLE workstation_key (
        id               INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
        private_key_pem  TEXT NOT NULL,
        public_key_pem   TEXT NOT NULL,
        fingerprint      TEXT NOT NULL CHECK (length(fingerprint) = 64),
        created_at       TEXT NOT NULL
      ) STRICT;

      CREATE TRIGGER workstation_key_no_replace BEFORE INSERT ON workstation_key
      WHEN EXISTS (SELECT 1 FROM workstation_key)
      BEGIN SELECT RAISE(ABORT, 'the workstation key is never replaced in place'); END;

      CREATE TRIGGER workstation_key_no_update BEFORE UPDATE ON workstation_key
      BEGIN SELECT RAISE(ABORT, 'the workstation key is never replaced in place'); END;

      CREATE TRIGGER workstation_key_no_delete BEFORE DELETE ON workstation_key
      BEGIN SELECT RAISE(ABORT, 'the workstation key is never replaced in place'); END;
    `);
  },
};
