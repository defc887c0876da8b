import type { Migration } from './migration';

/**
 * Who the administrators are, vouched for by the administrators' key (issue #14, cold re-attack).
 * `users.role` is a column every vault user can write (each key slot opens the vault), so a clerk
 * who set their own row to 'admin' was granted the administrators' key at the next administrator's
 * sign-in, and with it the root private key. `admin_roster` holds the administrators (user id and the
 * key-slot public key their grant may be sealed to) and an HMAC over it under a key derived from the administrators' key: only a session holding
 * that key can write a roster that checks, and grants go only to users it lists (trust-anchors.ts).
 */
export const migration0013: Migration = {
  version: 13,
  name: 'admin-roster',
  up(db) {
    db.exec(`
      CREATE TABLE admin_roster (
        id             INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
        members_json  TEXT NOT NULL CHECK (json_valid(members_json)),
        mac            TEXT NOT NULL CHECK (length(mac) = 64),
        updated_at     TEXT NOT NULL
      ) STRICT;
    `);
  },
};
