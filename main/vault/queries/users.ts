import type { Role } from '../../../shared/domain/roles';
import type { UserSummary } from '../../../shared/domain/users';
import type { Db } from '../sqlcipher';

/** A row of `users` as SQLite returns it. */
interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  disabled: 0 | 1;
  must_change_passphrase: 0 | 1;
}

const COLUMNS = 'id, username, display_name, role, disabled, must_change_passphrase';

function toUser(row: UserRow): UserSummary {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    disabled: row.disabled === 1,
    mustChangePassphrase: row.must_change_passphrase === 1,
  };
}

export function insertUser(db: Db, user: UserSummary, now: Date): void {
  db.prepare(
    `INSERT INTO users (${COLUMNS}, created_at, updated_at) VALUES (@id, @username, @displayName, @role, @disabled, @mustChange, @now, @now)`,
  ).run({
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    disabled: user.disabled ? 1 : 0,
    mustChange: user.mustChangePassphrase ? 1 : 0,
    now: now.toISOString(),
  });
}

export function getUserById(db: Db, id: string): UserSummary | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?`).get(id) as UserRow | undefined;
  return row ? toUser(row) : null;
}

export function getUserByUsername(db: Db, username: string): UserSummary | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM users WHERE username = ?`).get(username) as UserRow | undefined;
  return row ? toUser(row) : null;
}

export function listUsers(db: Db): UserSummary[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM users ORDER BY username`).all() as UserRow[]).map(toUser);
}

export function setUserDisabled(db: Db, id: string, disabled: boolean, now: Date): boolean {
  return db.prepare('UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?').run(disabled ? 1 : 0, now.toISOString(), id).changes === 1;
}

export function setMustChangePassphrase(db: Db, id: string, mustChange: boolean, now: Date): boolean {
  return (
    db.prepare('UPDATE users SET must_change_passphrase = ?, updated_at = ? WHERE id = ?').run(mustChange ? 1 : 0, now.toISOString(), id)
      .changes === 1
  );
}

/** Active administrators: a workstation must always keep at least one. */
export function countActiveAdmins(db: Db): number {
  return (db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0").get() as { n: number }).n;
}
