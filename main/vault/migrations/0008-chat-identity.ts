import type { Migration } from './migration';

/**
 * Chat identity across exports (issue #18): every export of a chat holds its whole history, so a
 * later export is matched message by message against what the vault holds or has wiped.
 *
 * - `chat_identity_key`: one random 256-bit key, made here by SQLite and kept only inside the
 *   encrypted vault. Message fingerprints are HMAC-SHA256 under it (main/imports/chat-identity.ts),
 *   so none can be computed or checked without the vault key; the key rotation a wipe does copies
 *   it with the rest of the vault, so fingerprints stay comparable. Never replaced in place.
 * - `messages.occurrence`: how many messages of the same export with the same sender, time and
 *   text came before this one (the same "ok" twice in a minute is two messages). The fingerprint
 *   is computed from the stored message and this number. Threads imported before this migration
 *   are numbered here, in thread order, by the same rule (version 1 of the fingerprint).
 * - `messages.position`: where a message merged in from a later export is shown when its time
 *   falls between messages already in the thread (NULL: its ordinal is its place).
 * - `thread_exports`: every export merged into a thread after its first import, with its counts.
 * - `wiped_fingerprints`: what a wipe keeps of each wiped message, so that a later export never
 *   brings it back: its fingerprint (`message`) and a fingerprint of its sender and time alone
 *   (`slot`, to recognise it once the app shows it as deleted). No text, sender or time.
 * - `refiling_reasons`: why a clinician chose to file again advice that was already filed.
 */
export const migration0008: Migration = {
  version: 8,
  name: 'chat-identity',
  up(db) {
    db.exec(`
      CREATE TABLE chat_identity_key (
        id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
        key         BLOB NOT NULL CHECK (length(key) = 32),
        created_at  TEXT NOT NULL
      ) STRICT;
      INSERT INTO chat_identity_key (id, key, created_at) VALUES (1, randomblob(32), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
      CREATE TRIGGER chat_identity_key_no_update BEFORE UPDATE ON chat_identity_key
      BEGIN SELECT RAISE(ABORT, 'the chat identity key is never replaced in place'); END;
      CREATE TRIGGER chat_identity_key_no_delete BEFORE DELETE ON chat_identity_key
      BEGIN SELECT RAISE(ABORT, 'the chat identity key is never replaced in place'); END;

      ALTER TABLE messages ADD COLUMN occurrence INTEGER NOT NULL DEFAULT 0 CHECK (occurrence >= 0);
      ALTER TABLE messages ADD COLUMN position REAL;

      UPDATE messages SET occurrence = ranked.n
      FROM (
        SELECT m.id AS id, row_number() OVER (
          PARTITION BY m.thread_seq, m.kind,
            CASE WHEN EXISTS (SELECT 1 FROM json_each(m.flags_json) WHERE value = 'group-name-author') THEN char(0) || 'group'
                 ELSE coalesce(m.sender, char(0) || 'none') END,
            CASE WHEN t.source IN ('telegram', 'teams', 'signal-sigtop-json', 'signal-sigtop-text') THEN coalesce(m.instant, 'local:' || m.local_time)
                 ELSE m.local_time END,
            CASE WHEN EXISTS (SELECT 1 FROM json_each(m.flags_json) WHERE value IN ('attachment', 'media-omitted')) THEN char(0) || 'media'
                 WHEN EXISTS (SELECT 1 FROM json_each(m.flags_json) WHERE value = 'deleted') THEN char(0) || 'deleted'
                 ELSE m.text END
          ORDER BY m.ordinal) - 1 AS n
        FROM messages AS m JOIN threads AS t ON t.seq = m.thread_seq
      ) AS ranked
      WHERE messages.id = ranked.id AND ranked.n > 0;

      CREATE TABLE thread_exports (
        thread_id         TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
        imported_at       TEXT NOT NULL,
        imported_by       TEXT NOT NULL REFERENCES users(id),
        source_file_name  TEXT NOT NULL,
        source_sha256     TEXT NOT NULL CHECK (length(source_sha256) = 64 AND source_sha256 NOT GLOB '*[^0-9a-f]*'),
        added             INTEGER NOT NULL CHECK (added >= 0),
        already_here      INTEGER NOT NULL CHECK (already_here >= 0),
        wiped_skipped     INTEGER NOT NULL CHECK (wiped_skipped >= 0)
      ) STRICT;
      CREATE INDEX thread_exports_by_thread ON thread_exports (thread_id, imported_at);
      CREATE INDEX thread_exports_by_source_sha256 ON thread_exports (source_sha256);

      CREATE TABLE wiped_fingerprints (
        fingerprint  BLOB PRIMARY KEY NOT NULL CHECK (length(fingerprint) = 16),
        kind         TEXT NOT NULL CHECK (kind IN ('message', 'slot')),
        wipe_id      TEXT NOT NULL REFERENCES wipes(id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX wiped_fingerprints_by_wipe ON wiped_fingerprints (wipe_id);

      CREATE TABLE refiling_reasons (
        draft_id     TEXT PRIMARY KEY NOT NULL REFERENCES transcription_drafts(id) ON DELETE CASCADE,
        reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 10 AND 2000),
        recorded_by  TEXT NOT NULL REFERENCES users(id),
        recorded_at  TEXT NOT NULL
      ) STRICT;
    `);
  },
};
