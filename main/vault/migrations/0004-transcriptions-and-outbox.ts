import type { Migration } from './migration';

/**
 * Transcriptions on their way to the EPR.
 *
 * - `thread_advisers`: who each sender of a thread is (full name, role, registration), as the
 *   transcriber identified them; remembered so the next transcription from the thread reuses it.
 * - `transcription_drafts`: the clerk's or clinician's draft: which messages, who gave the advice,
 *   the summary and the patient. A draft is `attested` once it has gone into the outbox, and is
 *   never changed after that.
 * - `outbox`: one row per attested transcription, keyed by its `urn:uuid` identifier, holding the
 *   AttestedTranscription exactly as filed and the filing state (main/epr/outbox.ts). `state_kind`
 *   repeats the state's kind so unfinished items can be found by index.
 */
export const migration0004: Migration = {
  version: 4,
  name: 'transcriptions-and-outbox',
  up(db) {
    db.exec(`
      CREATE TABLE thread_advisers (
        thread_id      TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
        -- The sender's name exactly as the chat showed it.
        sender         TEXT NOT NULL CHECK (length(sender) > 0),
        identity_json  TEXT NOT NULL CHECK (json_valid(identity_json) AND json_type(identity_json) = 'object'),
        updated_by     TEXT NOT NULL REFERENCES users(id),
        updated_at     TEXT NOT NULL,
        PRIMARY KEY (thread_id, sender)
      ) STRICT;

      CREATE TABLE transcription_drafts (
        id                TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
        thread_id         TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
        message_ids_json  TEXT NOT NULL CHECK (json_valid(message_ids_json) AND json_type(message_ids_json) = 'array'),
        advisers_json     TEXT NOT NULL CHECK (json_valid(advisers_json) AND json_type(advisers_json) = 'object'),
        summary           TEXT NOT NULL,
        patient_json      TEXT NOT NULL CHECK (json_valid(patient_json) AND json_type(patient_json) = 'object'),
        status            TEXT NOT NULL CHECK (status IN ('draft', 'attested')),
        created_by        TEXT NOT NULL REFERENCES users(id),
        created_at        TEXT NOT NULL,
        updated_by        TEXT NOT NULL REFERENCES users(id),
        updated_at        TEXT NOT NULL
      ) STRICT;

      CREATE INDEX transcription_drafts_by_thread ON transcription_drafts (thread_id);
      CREATE INDEX transcription_drafts_by_update ON transcription_drafts (updated_at);

      CREATE TABLE outbox (
        identifier          TEXT PRIMARY KEY NOT NULL
                            CHECK (length(identifier) = 45 AND substr(identifier, 1, 9) = 'urn:uuid:'),
        -- The draft it came from; NULL for an item queued without one. Not a foreign key: the
        -- item (and what it filed) outlives the draft and its thread after a wipe.
        draft_id            TEXT UNIQUE,
        transcription_json  TEXT NOT NULL CHECK (json_valid(transcription_json) AND json_type(transcription_json) = 'object'),
        attachment_sha256   TEXT NOT NULL CHECK (length(attachment_sha256) = 64 AND attachment_sha256 NOT GLOB '*[^0-9a-f]*'),
        state_json          TEXT NOT NULL CHECK (json_valid(state_json) AND json_type(state_json) = 'object'),
        state_kind          TEXT NOT NULL
                            CHECK (state_kind IN ('queued', 'sending', 'filed', 'verified', 'failed', 'needs-attention')
                                   AND state_kind = json_extract(state_json, '$.kind')),
        created_at          INTEGER NOT NULL,
        -- When the state last changed, ms since the epoch (OutboxItem.updatedAt).
        updated_at          INTEGER NOT NULL
      ) STRICT;

      CREATE INDEX outbox_by_state ON outbox (state_kind, updated_at);
    `);
  },
};
