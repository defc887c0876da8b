import type { Db } from '../sqlcipher';

/**
 * What a wipe keeps of each wiped message (migration 0008): its keyed fingerprint (`message`)
 * and a keyed fingerprint of its sender and time (`slot`). No text, sender or time.
 */
export type WipedFingerprintKind = 'message' | 'slot';

/** Records the fingerprints of a wipe; call inside the wipe's erase transaction. A fingerprint already kept (an earlier wipe of the same messages) stays with that wipe. */
export function insertWipedFingerprints(db: Db, wipeId: string, kind: WipedFingerprintKind, fingerprints: readonly Buffer[]): number {
  const statement = db.prepare('INSERT OR IGNORE INTO wiped_fingerprints (fingerprint, kind, wipe_id) VALUES (?, ?, ?)');
  let added = 0;
  for (const fingerprint of fingerprints) added += statement.run(fingerprint, kind, wipeId).changes;
  return added;
}

/** True when any wipe has kept fingerprints (an import may then skip its lookups when false). */
export function anyWipedFingerprints(db: Db): boolean {
  return db.prepare('SELECT 1 FROM wiped_fingerprints LIMIT 1').get() !== undefined;
}

/** Rows per lookup statement: well under SQLite's limit on bound values. */
const LOOKUP_CHUNK = 500;

/**
 * Which of `fingerprints` a wipe kept, and the wipe: latin1 key of the fingerprint → wipe id.
 * One statement per few hundred fingerprints: SQLite probes the index, not JavaScript.
 */
export function findWipedFingerprints(db: Db, kind: WipedFingerprintKind, fingerprints: readonly Buffer[]): Map<string, string> {
  const found = new Map<string, string>();
  for (let start = 0; start < fingerprints.length; start += LOOKUP_CHUNK) {
    const chunk = fingerprints.slice(start, start + LOOKUP_CHUNK);
    // Only '?' placeholders are spliced in; every value is bound.
    const sql = `SELECT fingerprint, wipe_id FROM wiped_fingerprints WHERE kind = ? AND fingerprint IN (${chunk.map(() => '?').join(', ')})`;
    const rows = db.prepare(sql).all(kind, ...chunk) as { fingerprint: Buffer; wipe_id: string }[];
    for (const row of rows) found.set(row.fingerprint.toString('latin1'), row.wipe_id);
  }
  return found;
}

/** How many messages a wipe kept fingerprints of (its `message` rows). */
export function countWipedMessages(db: Db, wipeId: string): number {
  return (db.prepare("SELECT count(*) AS n FROM wiped_fingerprints WHERE wipe_id = ? AND kind = 'message'").get(wipeId) as { n: number }).n;
}
