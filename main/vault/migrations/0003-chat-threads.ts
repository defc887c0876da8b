import type { Migration } from './migration';

/**
 * Imported chat threads: the thread, its participants, its messages, the media the export
 * carried, and a full-text index over message text.
 *
 * A thread is written in several transactions (one per batch of messages) while its status is
 * `importing`; the last transaction flips it to `complete`. Readers only ever see complete
 * threads, and an `importing` thread left by a crash is deleted at the next unlock (cascading to
 * its messages, their index entries and its attachments).
 *
 * Media bytes are kept as BLOBs inside the encrypted vault: an attachment is never written to
 * disk in the clear.
 *
 * The full-text index is an external-content FTS5 table over `messages.text`, kept in step by
 * triggers. FTS5's `secure-delete` option is on, so a deleted message's tokens are removed from
 * the index pages rather than left behind as tombstoned data; `'delete-all'` clears it outright
 * for a secure wipe.
 */
export const migration0003: Migration = {
  version: 3,
  name: 'chat-threads',
  up(db) {
    db.exec(`
      CREATE TABLE threads (
        id                TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
        -- Known once the whole export has been read, so NULL while importing.
        source            TEXT CHECK (source IN ('whatsapp-ios', 'whatsapp-android', 'signal-sigtop-text', 'signal-sigtop-json', 'signal-export-markdown', 'threema', 'telegram', 'teams')),
        title             TEXT,
        fingerprint       TEXT UNIQUE CHECK (fingerprint IS NULL OR (length(fingerprint) = 64 AND fingerprint NOT GLOB '*[^0-9a-f]*')),
        zone              TEXT NOT NULL,
        date_order        TEXT CHECK (date_order IN ('dmy', 'mdy', 'ymd')),
        -- 'file': proven by the export; 'caller': chosen by the user; 'format': the format fixes it.
        date_order_by     TEXT CHECK (date_order_by IN ('file', 'caller', 'format')),
        status            TEXT NOT NULL CHECK (status IN ('importing', 'complete')),
        imported_by       TEXT NOT NULL REFERENCES users(id),
        imported_at       TEXT NOT NULL,
        message_count     INTEGER NOT NULL DEFAULT 0 CHECK (message_count >= 0),
        first_instant     TEXT,
        last_instant      TEXT,
        source_file_name  TEXT NOT NULL,
        source_sha256     TEXT NOT NULL CHECK (length(source_sha256) = 64 AND source_sha256 NOT GLOB '*[^0-9a-f]*'),
        CHECK (status = 'importing' OR (source IS NOT NULL AND fingerprint IS NOT NULL)),
        CHECK ((date_order IS NULL) = (date_order_by IS NULL))
      ) STRICT;

      CREATE INDEX threads_by_status ON threads (status, imported_at);
      CREATE INDEX threads_by_source_sha256 ON threads (source_sha256);

      CREATE TABLE participants (
        thread_id  TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
        position   INTEGER NOT NULL CHECK (position >= 0),
        name       TEXT NOT NULL,
        PRIMARY KEY (thread_id, position)
      ) STRICT;

      CREATE TABLE messages (
        id               INTEGER PRIMARY KEY NOT NULL,
        thread_id        TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
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
        UNIQUE (thread_id, ordinal)
      ) STRICT;

      CREATE TABLE attachments (
        id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
        thread_id       TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
        -- The first message naming the file; NULL if no message does (it still belongs to the thread).
        message_id      INTEGER REFERENCES messages(id) ON DELETE CASCADE,
        original_name   TEXT NOT NULL,
        -- A name made by us (no path, no user text), for saving or showing the file.
        generated_name  TEXT NOT NULL,
        byte_length     INTEGER NOT NULL CHECK (byte_length >= 0),
        sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
        content         BLOB NOT NULL CHECK (length(content) = byte_length),
        UNIQUE (thread_id, original_name)
      ) STRICT;

      CREATE INDEX attachments_by_message ON attachments (message_id) WHERE message_id IS NOT NULL;

      CREATE VIRTUAL TABLE messages_fts USING fts5(
        text,
        content = 'messages',
        content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
      );
      INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);

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
