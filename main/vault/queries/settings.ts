import type { Db } from '../sqlcipher';

/** settings: workstation settings as JSON values, each with who changed it and when. */
export function readSetting(db: Db, key: string): unknown {
  const row = db.prepare('SELECT value_json FROM settings WHERE key = ?').get(key) as { value_json: string } | undefined;
  return row === undefined ? undefined : (JSON.parse(row.value_json) as unknown);
}

export function writeSetting(db: Db, key: string, value: unknown, userId: string | null, now: Date): void {
  db.prepare(
    `INSERT INTO settings (key, value_json, updated_at, updated_by) VALUES (?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  ).run(key, JSON.stringify(value), now.toISOString(), userId);
}
