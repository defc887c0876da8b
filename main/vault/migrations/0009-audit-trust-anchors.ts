import type { Migration } from './migration';

/**
 * Audit trust anchors out of the shared vault key's reach (issue #14). Every key slot opens the
 * vault, so a key the vault holds in the clear is a key every user holds. From here:
 *
 * - `audit_root_key`: the workstation's root Ed25519 key (its fingerprint is what auditors pin);
 *   the private half is sealed under the administrators' key (AES-256-GCM), never in the clear.
 * - `admin_key_grants`: the administrators' key sealed to each active admin's key-slot X25519
 *   public key. A clerk's slot has no grant, so a clerk's passphrase opens none of this.
 * - `audit_signing_keys`: the keys sessions sign checkpoints with, each certified by the root; the
 *   private half sealed by the workstation's OS keystore. Kept, not replaced: old certificates
 *   still vouch for old checkpoints.
 * - The old `workstation_key` row signed with a key every user could read: its private half is
 *   erased here, and it is never trusted again (the next admin sign-in makes a new root).
 */
export const migration0009: Migration = {
  version: 9,
  name: 'audit-trust-anchors',
  up(db) {
    db.exec(`
      CREATE TABLE audit_root_key (
        id                   INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
        public_key_pem       TEXT NOT NULL,
        fingerprint          TEXT NOT NULL CHECK (length(fingerprint) = 64),
        sealed_private_json  TEXT NOT NULL CHECK (json_valid(sealed_private_json)),
        created_at           TEXT NOT NULL
      ) STRICT;

      CREATE TABLE admin_key_grants (
        user_id               TEXT PRIMARY KEY NOT NULL,
        recipient_public_key  TEXT NOT NULL,
        sealed_json           TEXT NOT NULL CHECK (json_valid(sealed_json)),
        granted_at            TEXT NOT NULL
      ) STRICT;

      CREATE TABLE audit_signing_keys (
        seq                     INTEGER PRIMARY KEY AUTOINCREMENT,
        fingerprint             TEXT NOT NULL UNIQUE CHECK (length(fingerprint) = 64),
        public_key_pem          TEXT NOT NULL,
        keystore_sealed_private BLOB NOT NULL,
        certificate_json        TEXT NOT NULL CHECK (json_valid(certificate_json)),
        created_at              TEXT NOT NULL
      ) STRICT;

      CREATE TRIGGER audit_signing_keys_no_update BEFORE UPDATE ON audit_signing_keys
      BEGIN SELECT RAISE(ABORT, 'signing keys are kept as issued'); END;

      UPDATE workstation_key SET private_key_pem = '';
    `);
  },
};
