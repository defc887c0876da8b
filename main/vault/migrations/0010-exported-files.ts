import type { Migration } from './migration';

/**
 * Files Wardscribe wrote outside the vault (audit-trail PDFs, wipe certificates): where, what
 * they are and their SHA-256. A PDF outside the vault is plaintext on a shared PC, so each is
 * listed for the people who may see it and can be overwritten and removed from there. (None
 * holds a thread's messages: certificates and trails carry identifiers, counts and names.)
 * `removed_at` is set when the file has been overwritten and unlinked (or found gone).
 */
export const migration0010: Migration = {
  version: 10,
  name: 'exported-files',
  up(db) {
    db.exec(`
      CREATE TABLE exported_files (
        id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
        kind        TEXT NOT NULL CHECK (kind IN ('audit-trail', 'wipe-certificate')),
        path        TEXT NOT NULL CHECK (length(path) BETWEEN 1 AND 4096),
        sha256      TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
        created_by  TEXT NOT NULL REFERENCES users(id),
        created_at  TEXT NOT NULL,
        removed_at  TEXT
      ) STRICT;
    `);
  },
};
