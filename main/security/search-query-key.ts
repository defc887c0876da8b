/**
 * The audit trail records a search as a keyed hash of its query, never the words: an investigator
 * on this workstation can test a suspected query (the same query gives the same value), but the
 * trail and its PDF do not say what was searched for.
 *
 * Why the key is sealed by the workstation keystore, and not derived from anything in the vault:
 * a search is very often an NHS number, and there are only 10^9 of those. Every vault user can read
 * every vault table, so a key held in the vault (it used to be derived from the chat identity key)
 * let any clerk with the vault open hash every number in under an hour and read from the trail
 * which patients were searched for, and by whom. The key must be something a clerk's passphrase
 * does not reach, yet every session on the workstation can use (a clerk's own searches are hashed
 * too): only the keystore is both. An admin-held key would leave clerks' sessions unable to hash.
 *
 * The limit is the keystore's (keystore.ts): code running as the workstation's OS account can open
 * it, and with it test queries. A copy of the data folder with any user's passphrase cannot.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../vault/sqlcipher';
import { keystoreOf, type SecretKeystore } from './keystore';

const KEY_BYTES = 32;

/**
 * The form of a query that is hashed: an investigator asking "was 9434765919 searched for?" must
 * find a search typed as `943 476 5919` or `943-476-5919` (#14). NFC, case folded, runs of white
 * space as one space, and ten digits written in the NHS number's 3-3-4 groups joined into one run.
 */
export function normaliseSearchQuery(query: string): string {
  return query
    .normalize('NFC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)/g, '$1$2$3');
}

/**
 * HMAC-SHA256 of the normalised query under the workstation's search-query key. Throws when no
 * keystore is bound to the connection: a vault opened outside a session cannot hash a query.
 */
export function searchQueryHmac(db: Db, query: string): string {
  const key = searchQueryKey(db, keystoreOf(db));
  try {
    return createHmac('sha256', key).update(normaliseSearchQuery(query)).digest('hex');
  } finally {
    key.fill(0);
  }
}

/**
 * The newest key this keystore opens; a new one when none does (a new vault, or one moved to
 * another OS account or computer, whose keystore cannot open the old keys).
 */
function searchQueryKey(db: Db, keystore: SecretKeystore): Buffer {
  const rows = db.prepare('SELECT keystore_sealed FROM search_query_keys ORDER BY seq DESC').all() as { keystore_sealed: Buffer }[];
  for (const row of rows) {
    try {
      const key = keystore.open(row.keystore_sealed);
      if (key.length === KEY_BYTES) return key;
      key.fill(0);
    } catch {
      // Sealed by another keystore: kept for the workstation that made it.
    }
  }
  const fresh = randomBytes(KEY_BYTES);
  db.prepare('INSERT INTO search_query_keys (keystore_sealed, created_at) VALUES (?, ?)').run(keystore.seal(fresh), new Date().toISOString());
  return fresh;
}
