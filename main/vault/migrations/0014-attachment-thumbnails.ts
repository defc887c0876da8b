import type { Migration } from './migration';

/**
 * Small previews of image attachments, made once and kept in the vault (issue #19), so a thread
 * with many large photos opens without sending every full image to the renderer again.
 *
 * A thumbnail is made by the renderer (Chromium's sandboxed decoders) and checked in main
 * before it is stored (main/threads/media.ts): its type is read from its bytes and its size and
 * pixel dimensions are bounded here as well, so a row can never hold more than a small picture.
 * It is tied to its attachment (ON DELETE CASCADE), and `source_sha256` names the bytes it was
 * made from, so a thumbnail can never stand for another file. The wipe deletes these rows with the
 * thread and its verifier searches for their bytes like the attachments' (main/wipe/).
 */
export const migration0014: Migration = {
  version: 14,
  name: 'attachment-thumbnails',
  up(db) {
    db.exec(`
      CREATE TABLE attachment_thumbnails (
        attachment_id  TEXT PRIMARY KEY NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
        source_sha256  TEXT NOT NULL CHECK (length(source_sha256) = 64 AND source_sha256 NOT GLOB '*[^0-9a-f]*'),
        media_type     TEXT NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png')),
        width          INTEGER NOT NULL CHECK (width BETWEEN 1 AND 512),
        height         INTEGER NOT NULL CHECK (height BETWEEN 1 AND 512),
        byte_length    INTEGER NOT NULL CHECK (byte_length BETWEEN 1 AND 262144),
        content        BLOB NOT NULL CHECK (length(content) = byte_length),
        made_at        TEXT NOT NULL
      ) STRICT;
    `);
  },
};
