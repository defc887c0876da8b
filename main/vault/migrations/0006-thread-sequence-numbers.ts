import type { Migration } from './migration';

/**
 * Messages name their thread by a small integer instead of its 36-character id.
 *
 * Every message row, and every entry of the (thread, ordinal) index, carried the thread's UUID:
 * 72 bytes of a roughly 300-byte message, each of them encrypted and authenticated page by page.
 * `threads.seq` (AUTOINCREMENT, so a number is never reused for a later thread) takes its place
 * in `messages.thread_seq`; the thread's UUID stays its identity everywhere else (`threads.id`
 * is UNIQUE, so the other tables' foreign keys to it still hold). Importing 700k messages writes
 * about a quarter less (bench/import.ts).
 *
 * SQLite cannot change a column in place, so both tables are rebuilt by its documented
 * procedure: new table, copy, drop, rename, with foreign key enforcement off for the migration
 * (`rebuildsTables`) and a foreign key check before it commits. Message ids are copied
 * unchanged, so the full-text index (keyed by message id) stays valid as it is.
 */
export const migration0006: Migration = {
  version: 6,
  name: 'thread-sequence-numbers',
  rebuildsTables: true,
  up(db) {
    db.exec(`
      CREATE TABLE threads_new (
        seq               INTEGER PRIMARY KEY AUTOINCREMENT,
        id                TEXT NOT NULL UNIQUE CHECK (length(id) = 36),
        source            TEXT CHECK (source IN ('whatsapp-ios', 'whatsapp-android', 'signal-sigtop-text', 'signal-sigtop-json', 'signal-export-markdown', 'threema', 'telegram', 'teams')),
        title             TEXT,
        fingerprint       TEXT UNIQUE CHECK (fingerprint IS NULL OR (length(fingerprint) = 64 AND fingerprint NOT GLOB '*[^0-9a-f]*')),
        zone              TEXT NOT NULL,
        date_order        TEXT CHECK (date_order IN ('dmy', 'mdy', 'ymd')),
        date_order_by     TEXT CHECK (date_order_by IN ('file', 'caller', 'format')),
        status            TEXT NOT NULL CHECK (status IN ('importing', 'complete')),
        imported_by       TEXT NOT NULL REFERENCES users(id),
        imported_at       TEXT NOT NULL,
        message_count     INTEGER NOT NULL DEFAULT 0 CHECK (message_count >= 0),
        first_instant     TEXT,
        last_instant      TEXT,
        source_file_name  TEXT NOT NULL,
        source_sha256     TEXT NOT NULL CHECK (length(source_sha256) = 64 AND source_sha256 NOT GLOB '*[^0-9a-f]*'),
        source_path       TEXT,
        canary            TEXT CHECK (canary IS NULL OR (length(canary) = 40 AND substr(canary, 1, 8) = 'wscanary')),
        CHECK (status = 'importing' OR (source IS NOT NULL AND fingerprint IS NOT NULL)),
        CHECK ((date_order IS NULL) = (date_order_by IS NULL))
      ) STRICT;

      INSERT INTO threads_new (seq, id, source, title, fingerprint, zone, date_order, date_order_by, status, imported_by, imported_at,
                               message_count, first_instant, last_instant, source_file_name, source_sha256, source_path, canary)
        SELECT rowid, id, source, title, fingerprint, zone, date_order, date_order_by, status, imported_by, imported_at,
               message_count, first_instant, last_instant, source_file_name, source_sha256, source_path, canary
        FROM threads ORDER BY rowid;

      CREATE TABLE messages_new (
        id               INTEGER PRIMARY KEY NOT NULL,
        thread_seq       INTEGER NOT NULL REFERENCES threads(seq) ON DELETE CASCADE,
        ordinal          INTEGER NOT NULL CHECK (ordinal >= 0),
        sender           TEXT,
        kind             TEXT NOT NULL CHECK (kind IN ('message', 'system')),
        text             TEXT NOT NULL,
        head             TEXT NOT NULL,
        local_time       TEXT NOT NULL,
        zone             TEXT NOT NULL,
        instant          TEXT,
        flags_json       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(flags_json) AND json_type(flags_json) = 'array'),
        warnings_json    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(warnings_json) AND json_type(warnings_json) = 'array'),
        attachment_name  TEXT,
        line             INTEGER NOT NULL CHECK (line >= 0),
        UNIQUE (thread_seq, ordinal)
      ) STRICT;

      INSERT INTO messages_new (id, thread_seq, ordinal, sender, kind, text, head, local_time, zone, instant, flags_json, warnings_json, attachment_name, line)
        SELECT m.id, t.seq, m.ordinal, m.sender, m.kind, m.text, m.head, m.local_time, m.zone, m.instant, m.flags_json, m.warnings_json, m.attachment_name, m.line
        FROM messages AS m JOIN threads_new AS t ON t.id = m.thread_id ORDER BY m.id;

      -- Foreign keys are off: dropping deletes no dependent row, and the triggers go with the table.
      DROP TABLE messages;
      DROP TABLE threads;
      ALTER TABLE threads_new RENAME TO threads;
      ALTER TABLE messages_new RENAME TO messages;

      CREATE INDEX threads_by_status ON threads (status, imported_at);
      CREATE INDEX threads_by_source_sha256 ON threads (source_sha256);

      CREATE TRIGGER messages_fts_after_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, text) VALUES (NEW.id, NEW.text);
      END;

      CREATE TRIGGER messages_fts_after_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
      END;

      CREATE TRIGGER messages_fts_after_update AFTER UPDATE OF id, text ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
        INSERT INTO messages_fts (rowid, text) VALUES (NEW.id, NEW.text);
      END;
    `);
  },
};
