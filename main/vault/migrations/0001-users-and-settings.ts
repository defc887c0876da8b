import type { Migration } from './migration';

/** Vault identity, the people who use this workstation, and workstation settings. */
export const migration0001: Migration = {
  version: 1,
  name: 'users-and-settings',
  up(db) {
    db.exec(`
      CREATE TABLE vault_meta (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE users (
        id                      TEXT PRIMARY KEY NOT NULL,
        username                TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name            TEXT NOT NULL,
        role                    TEXT NOT NULL CHECK (role IN ('clerk', 'clinician', 'auditor', 'admin')),
        disabled                INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        must_change_passphrase  INTEGER NOT NULL DEFAULT 0 CHECK (must_change_passphrase IN (0, 1)),
        created_at              TEXT NOT NULL,
        updated_at              TEXT NOT NULL
      ) STRICT;

      CREATE TABLE settings (
        key         TEXT PRIMARY KEY NOT NULL,
        value_json  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        updated_by  TEXT REFERENCES users(id)
      ) STRICT;
    `);
  },
};
