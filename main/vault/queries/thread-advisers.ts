import { ClinicianIdentitySchema, type ClinicianIdentity } from '../../../shared/domain/transcription';
import type { Db } from '../sqlcipher';

/** thread_advisers: who each sender of a thread is, remembered for the next transcription. */
interface ThreadAdviserRow {
  sender: string;
  identity_json: string;
}

/** The identities remembered for a thread, by sender name as the chat showed it. Unreadable rows are skipped. */
export function listThreadAdvisers(db: Db, threadId: string): Record<string, ClinicianIdentity> {
  const rows = db.prepare('SELECT sender, identity_json FROM thread_advisers WHERE thread_id = ? ORDER BY sender').all(threadId) as ThreadAdviserRow[];
  // Built as own properties, so a sender called "__proto__" or "constructor" is just a name.
  return Object.fromEntries(
    rows.flatMap((row) => {
      const parsed = ClinicianIdentitySchema.safeParse(JSON.parse(row.identity_json));
      return parsed.success ? [[row.sender, parsed.data] as const] : [];
    }),
  );
}

/** Remembers (or replaces) who a sender of a thread is. */
export function upsertThreadAdviser(db: Db, threadId: string, sender: string, identity: ClinicianIdentity, userId: string, now: Date): void {
  db.prepare(
    `INSERT INTO thread_advisers (thread_id, sender, identity_json, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (thread_id, sender) DO UPDATE SET identity_json = excluded.identity_json, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
  ).run(threadId, sender, JSON.stringify(identity), userId, now.toISOString());
}
