import { SigningKeyCertificateSchema, type SigningKeyCertificate } from '../../audit/signing-certificates';
import { z } from 'zod';
import type { StoredAdminGrant, StoredAdminRoster, StoredRootKey, StoredSigningKey, TrustAnchorStore } from '../../audit/trust-anchors';
import { SlotSealSchema, SymmetricSealSchema } from '../../security/sealed-box';
import type { Db } from '../sqlcipher';

/**
 * The audit trust anchors (migration 0009): `audit_root_key`, `admin_key_grants` and
 * `audit_signing_keys`. Rows hold only sealed private keys; see main/audit/trust-anchors.ts.
 */

interface RootRow {
  public_key_pem: string;
  fingerprint: string;
  sealed_private_json: string;
}

interface GrantRow {
  user_id: string;
  recipient_public_key: string;
  sealed_json: string;
}

interface SigningKeyRow {
  fingerprint: string;
  public_key_pem: string;
  keystore_sealed_private: Buffer;
  certificate_json: string;
}

function toSigningKey(row: SigningKeyRow): StoredSigningKey {
  return {
    fingerprint: row.fingerprint,
    publicKeyPem: row.public_key_pem,
    keystoreSealedPrivateKey: row.keystore_sealed_private,
    certificate: SigningKeyCertificateSchema.parse(JSON.parse(row.certificate_json)),
  };
}

/** The root key's fingerprint (what auditors pin), or null before an administrator has made one. */
export function getRootKeyFingerprint(db: Db): string | null {
  const row = db.prepare('SELECT fingerprint FROM audit_root_key WHERE id = 1').get() as { fingerprint: string } | undefined;
  return row?.fingerprint ?? null;
}

/** The trust anchor store over an open vault. */
export function createVaultTrustAnchorStore(db: Db): TrustAnchorStore {
  return {
    roster() {
      const row = db.prepare('SELECT members_json, mac FROM admin_roster WHERE id = 1').get() as { members_json: string; mac: string } | undefined;
      if (!row) return null;
      // A list that does not parse is treated as written without the key: it checks against nothing.
      const members = z.array(z.object({ userId: z.string(), publicKey: z.string() })).safeParse(JSON.parse(row.members_json));
      return { members: members.success ? members.data : [], mac: members.success ? row.mac : '0'.repeat(64) };
    },
    putRoster(roster: StoredAdminRoster, now: Date) {
      db.prepare(
        `INSERT INTO admin_roster (id, members_json, mac, updated_at) VALUES (1, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET members_json = excluded.members_json, mac = excluded.mac, updated_at = excluded.updated_at`,
      ).run(JSON.stringify(roster.members), roster.mac, now.toISOString());
    },
    root() {
      const row = db.prepare('SELECT public_key_pem, fingerprint, sealed_private_json FROM audit_root_key WHERE id = 1').get() as RootRow | undefined;
      return row ? { publicKeyPem: row.public_key_pem, fingerprint: row.fingerprint, sealedPrivateKey: SymmetricSealSchema.parse(JSON.parse(row.sealed_private_json)) } : null;
    },
    insertRoot(root: StoredRootKey, now: Date) {
      db.prepare('INSERT INTO audit_root_key (id, public_key_pem, fingerprint, sealed_private_json, created_at) VALUES (1, ?, ?, ?, ?)').run(
        root.publicKeyPem,
        root.fingerprint,
        JSON.stringify(root.sealedPrivateKey),
        now.toISOString(),
      );
    },
    replaceRootSeal(sealed) {
      db.prepare('UPDATE audit_root_key SET sealed_private_json = ? WHERE id = 1').run(JSON.stringify(sealed));
    },
    grants() {
      const rows = db.prepare('SELECT user_id, recipient_public_key, sealed_json FROM admin_key_grants ORDER BY user_id').all() as GrantRow[];
      return rows.map((row): StoredAdminGrant => ({ userId: row.user_id, recipientPublicKey: row.recipient_public_key, sealed: SlotSealSchema.parse(JSON.parse(row.sealed_json)) }));
    },
    putGrant(grant: StoredAdminGrant, now: Date) {
      db.prepare(
        `INSERT INTO admin_key_grants (user_id, recipient_public_key, sealed_json, granted_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET recipient_public_key = excluded.recipient_public_key, sealed_json = excluded.sealed_json, granted_at = excluded.granted_at`,
      ).run(grant.userId, grant.recipientPublicKey, JSON.stringify(grant.sealed), now.toISOString());
    },
    removeGrant(userId: string) {
      db.prepare('DELETE FROM admin_key_grants WHERE user_id = ?').run(userId);
    },
    currentSigningKey() {
      const row = db.prepare('SELECT fingerprint, public_key_pem, keystore_sealed_private, certificate_json FROM audit_signing_keys ORDER BY seq DESC LIMIT 1').get() as SigningKeyRow | undefined;
      return row ? toSigningKey(row) : null;
    },
    insertSigningKey(key: StoredSigningKey, now: Date) {
      db.prepare('INSERT INTO audit_signing_keys (fingerprint, public_key_pem, keystore_sealed_private, certificate_json, created_at) VALUES (?, ?, ?, ?, ?)').run(
        key.fingerprint,
        key.publicKeyPem,
        key.keystoreSealedPrivateKey,
        JSON.stringify(key.certificate),
        now.toISOString(),
      );
    },
    certificates(): SigningKeyCertificate[] {
      const rows = db.prepare('SELECT certificate_json FROM audit_signing_keys ORDER BY seq').all() as { certificate_json: string }[];
      return rows.map((row) => SigningKeyCertificateSchema.parse(JSON.parse(row.certificate_json)));
    },
  };
}
