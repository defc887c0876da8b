/**
 * EPR credentials (a bearer token, a SMART private key) are sealed by the workstation keystore
 * before the settings registry stores them, and opened when read. The vault alone, which every
 * user's passphrase opens, then holds only sealed blobs: a clerk with a copy of the data folder
 * cannot read them. Filing (clinicians) still works, because the keystore is the workstation's,
 * not an administrator's; its limit is the keystore's (main/security/keystore.ts).
 * Values stored before sealing existed are read as they are and sealed at the next save.
 */
import { boundKeystore, isSealedText, keystoreOf, openText, sealText } from '../security/keystore';
import { readSetting } from '../vault/queries/settings';
import type { Db } from '../vault/sqlcipher';

type Auth = { kind: string; token?: string; privateKeyPem?: string };
type Connection = { auth?: Auth };

const SECRET_FIELDS = ['token', 'privateKeyPem'] as const;
/** The settings that hold credentials: the EPR connection and the PDS connection. */
const SEALED_KEYS: ReadonlySet<string> = new Set(['epr.connection', 'epr.pds']);

/** The value to store for `key`: secrets sealed. */
export function sealSettingSecrets(db: object, key: string, value: unknown): unknown {
  if (!SEALED_KEYS.has(key)) return value;
  return mapSecrets(value, (secret) => (isSealedText(secret) ? secret : sealText(keystoreOf(db), secret)));
}

/** The value as read for `key`: secrets opened. */
export function openSettingSecrets(db: object, key: string, value: unknown): unknown {
  if (!SEALED_KEYS.has(key)) return value;
  return mapSecrets(value, (secret) => {
    if (!isSealedText(secret)) return secret;
    const keystore = boundKeystore(db);
    if (!keystore) return secret;
    return openText(keystore, secret);
  });
}

function mapSecrets(value: unknown, map: (secret: string) => string): unknown {
  const connection = value as Connection | null;
  if (!connection || typeof connection !== 'object' || !connection.auth || typeof connection.auth !== 'object') return value;
  const auth: Record<string, unknown> = { ...connection.auth };
  for (const field of SECRET_FIELDS) if (typeof auth[field] === 'string') auth[field] = map(auth[field]);
  return { ...connection, auth };
}

/**
 * Seals EPR credentials stored before sealing existed (called when a session opens the vault,
 * once its keystore is bound): the plaintext then stays only in pages secure_delete zeroes.
 */
export function sealStoredSecrets(db: Db): void {
  for (const key of SEALED_KEYS) {
    const stored = readSetting(db, key);
    const sealed = sealSettingSecrets(db, key, stored);
    if (JSON.stringify(sealed) === JSON.stringify(stored)) continue;
    db.prepare('UPDATE settings SET value_json = ? WHERE key = ?').run(JSON.stringify(sealed), key);
  }
}
