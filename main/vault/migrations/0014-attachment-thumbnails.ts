import type { Migration } from './migration';

/**
 * What each attachment's bytes are, and a small preview of each image, found once and kept in the
 * vault (issue #19), so a thread with many large photos opens without reading every file again.
 *
 * `media_type` and the image's dimensions are read from the file's own bytes (its magic number and
 * header, main/threads/media-sniff.ts), never from its name. The thumbnail is drawn by the
 * renderer (Chromium's sandboxed decoders) and checked in main before it is stored: its type and
 * dimensions are read from its bytes, and both are bounded here as well, so a row can never hold
 * more than a small picture. A row is tied to its attachment (ON DELETE CASCADE), and
 * `source_sha256` names the bytes it describes, so it can never stand for another file. The
 * wipe deletes these rows with the thread, and its verifier searches for the thumbnails' bytes
 * as it does the attachments' (main/wipe/).
 */
export const migration0014: Migration = {
  version: 14,
  name: 'attachment-thumbnails',
  up(db) {
    db.exec(`
      CREATE TABLE attachment_thumbnails (
        attachment_id     TEXT PRIMARY KEY NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
        source_sha256     TEXT NOT NULL CHECK (length(source_sha256) = 64 AND source_sha256 NOT GLOB '*[^0-9a-f]*'),
        -- What the bytes are (e.g. image/jpeg, application/pdf, application/octet-stream).
        media_type        TEXT NOT NULL CHECK (length(media_type) BETWEEN 3 AND 100),
        -- An image's dimensions as its header states them; NULL for other files or an unreadable header.
        width             INTEGER CHECK (width IS NULL OR width > 0),
        height            INTEGER CHECK (height IS NULL OR height > 0),
        checked_at        TEXT NOT NULL,
        thumbnail_type    TEXT CHECK (thumbnail_type IN ('image/jpeg', 'image/png')),
        thumbnail_width   INTEGER CHECK (thumbnail_width BETWEEN 1 AND 512),
        thumbnail_height  INTEGER CHECK (thumbnail_height BETWEEN 1 AND 512),
        thumbnail         BLOB CHECK (length(thumbnail) BETWEEN 1 AND 262144),
        thumbnail_made_at TEXT,
        CHECK ((width IS NULL) = (height IS NULL)),
        CHECK ((thumbnail IS NULL) = (thumbnail_type IS NULL)
           AND (thumbnail IS NULL) = (thumbnail_width IS NULL)
           AND (thumbnail IS NULL) = (thumbnail_height IS NULL)
           AND (thumbnail IS NULL) = (thumbnail_made_at IS NULL))
      ) STRICT;
    `);
  },
};
