import type { Role } from '../../../shared/domain/roles';
import type { RegistrationBody } from '../../../shared/domain/transcription';
import type { StaffProfile, UserSummary } from '../../../shared/domain/users';
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

/** A row's professional details (migration 0017) as SQLite returns them. */
interface StaffProfileRow {
  job_title: string;
  registration_body: RegistrationBody | null;
  registration_number: string | null;
  sds_user_id: string | null;
}

/** What a filed note says of this user (empty parts where an administrator has set none); null for no such user. */
export function getStaffProfile(db: Db, id: string): StaffProfile | null {
  const row = db.prepare('SELECT job_title, registration_body, registration_number, sds_user_id FROM users WHERE id = ?').get(id) as StaffProfileRow | undefined;
  if (!row) return null;
  return {
    jobTitle: row.job_title,
    registration: row.registration_body && row.registration_number ? { body: row.registration_body, number: row.registration_number } : null,
    sdsUserId: row.sds_user_id,
  };
}

/** Every user's professional details, by user id. */
export function listStaffProfiles(db: Db): Map<string, StaffProfile> {
  const rows = db.prepare('SELECT id, job_title, registration_body, registration_number, sds_user_id FROM users').all() as (StaffProfileRow & { id: string })[];
  return new Map(
    rows.map((row) => [
      row.id,
      { jobTitle: row.job_title, registration: row.registration_body && row.registration_number ? { body: row.registration_body, number: row.registration_number } : null, sdsUserId: row.sds_user_id },
    ]),
  );
}

export function setStaffProfile(db: Db, id: string, profile: StaffProfile, now: Date): boolean {
  return (
    db
      .prepare('UPDATE users SET job_title = ?, registration_body = ?, registration_number = ?, sds_user_id = ?, updated_at = ? WHERE id = ?')
      .run(profile.jobTitle, profile.registration?.body ?? null, profile.registration?.number ?? null, profile.sdsUserId, now.toISOString(), id).changes === 1
  );
}
