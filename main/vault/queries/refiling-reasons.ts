import type { Db } from '../sqlcipher';

/** Why a clinician files again advice already filed (migration 0008). */
export interface RefilingReason {
  readonly draftId: string;
  readonly reason: string;
  readonly recordedBy: string;
  readonly recordedAt: string;
}

/** Records (or replaces, while the draft is a draft) the reason for filing a draft's advice again. */
export function upsertRefilingReason(db: Db, reason: RefilingReason): void {
  db.prepare(
    `INSERT INTO refiling_reasons (draft_id, reason, recorded_by, recorded_at) VALUES (@draftId, @reason, @recordedBy, @recordedAt)
     ON CONFLICT (draft_id) DO UPDATE SET reason = excluded.reason, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at`,
  ).run(reason);
}

export function getRefilingReason(db: Db, draftId: string): RefilingReason | null {
  const row = db.prepare('SELECT draft_id, reason, recorded_by, recorded_at FROM refiling_reasons WHERE draft_id = ?').get(draftId) as
    | { draft_id: string; reason: string; recorded_by: string; recorded_at: string }
    | undefined;
  return row ? { draftId: row.draft_id, reason: row.reason, recordedBy: row.recorded_by, recordedAt: row.recorded_at } : null;
}
