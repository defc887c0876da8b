import type { Db } from '../sqlcipher';

/** When a search by note identifier first found a note filed in this EPR (migration 0016), or null. */
export function getIdentifierFoundAt(db: Db, eprId: string): string | null {
  const row = db.prepare('SELECT identifier_found_at FROM epr_observations WHERE epr_id = ?').get(eprId) as { identifier_found_at: string } | undefined;
  return row?.identifier_found_at ?? null;
}

/** Records the first time only: later sightings change nothing. */
export function recordIdentifierFound(db: Db, eprId: string, at: string): void {
  db.prepare('INSERT INTO epr_observations (epr_id, identifier_found_at) VALUES (?, ?) ON CONFLICT (epr_id) DO NOTHING').run(eprId, at);
}

/** Forgets it: the EPR was seen to stop keeping the identifier, so its searches prove nothing until found again. */
export function forgetIdentifierFound(db: Db, eprId: string): void {
  db.prepare('DELETE FROM epr_observations WHERE epr_id = ?').run(eprId);
}
