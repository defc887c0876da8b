import { createWorkstationKey, type WorkstationKeyPair } from '../../audit/signing';
import type { Db } from '../sqlcipher';

/** The row of `workstation_key` as SQLite returns it. */
interface WorkstationKeyRow {
  private_key_pem: string;
  public_key_pem: string;
  fingerprint: string;
}

function toKeyPair(row: WorkstationKeyRow): WorkstationKeyPair {
  return { privateKeyPem: row.private_key_pem, publicKeyPem: row.public_key_pem, fingerprint: row.fingerprint };
}

/** The workstation's signing key, or null before one has been made. */
export function getWorkstationKey(db: Db): WorkstationKeyPair | null {
  const row = db.prepare('SELECT private_key_pem, public_key_pem, fingerprint FROM workstation_key WHERE id = 1').get() as
    | WorkstationKeyRow
    | undefined;
  return row ? toKeyPair(row) : null;
}

/**
 * The workstation's Ed25519 signing key, made and stored in the vault the first time it is
 * asked for. `created` is true only on that first call, so the caller can record a
 * `workstation-key-created` audit entry. Read and insert share one IMMEDIATE transaction, so two
 * callers cannot each make a key.
 */
export function getOrCreateWorkstationKey(db: Db, now: Date): { key: WorkstationKeyPair; created: boolean } {
  return db
    .transaction(() => {
      const existing = getWorkstationKey(db);
      if (existing) return { key: existing, created: false };
      const key = createWorkstationKey();
      db.prepare(
        'INSERT INTO workstation_key (id, private_key_pem, public_key_pem, fingerprint, created_at) VALUES (1, @privateKeyPem, @publicKeyPem, @fingerprint, @now)',
      ).run({ ...key, now: now.toISOString() });
      return { key, created: true };
    })
    .immediate();
}
