import type { Db } from '../sqlcipher';

/** A row of `participants` as SQLite returns it. */
interface ParticipantRow {
  name: string;
}

/** Stores a thread's senders in order of first appearance. */
export function insertParticipants(db: Db, threadId: string, names: readonly string[]): void {
  const insert = db.prepare('INSERT INTO participants (thread_id, position, name) VALUES (?, ?, ?)');
  names.forEach((name, position) => insert.run(threadId, position, name));
}

export function listParticipants(db: Db, threadId: string): string[] {
  return (db.prepare('SELECT name FROM participants WHERE thread_id = ? ORDER BY position').all(threadId) as ParticipantRow[]).map((row) => row.name);
}

/** Adds senders a merged export brought, after those already listed. */
export function appendParticipants(db: Db, threadId: string, names: readonly string[]): void {
  const known = new Set(listParticipants(db, threadId));
  const next = (db.prepare('SELECT coalesce(max(position) + 1, 0) AS n FROM participants WHERE thread_id = ?').get(threadId) as { n: number }).n;
  const insert = db.prepare('INSERT INTO participants (thread_id, position, name) VALUES (?, ?, ?)');
  names.filter((name) => !known.has(name)).forEach((name, offset) => insert.run(threadId, next + offset, name));
}
