import type { Migration } from './migrations/migration';
import { MIGRATIONS } from './migrations';
import type { Db } from './sqlcipher';

/**
 * Brings a vault's schema up to date. Each migration runs in its own transaction together with
 * the version bump, so a crash leaves the vault at a whole version. A vault newer than this
 * build is refused rather than guessed at.
 */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (from > latest) {
    throw new Error(`vault schema version ${from} is newer than this Wardscribe understands (${latest})`);
  }
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration ${migration.name} is numbered ${migration.version}, expected ${index + 1}`);
  });
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    const step = db.transaction(() => {
      migration.up(db);
      if (migration.rebuildsTables) assertForeignKeysHold(db, migration);
      // user_version takes no bound parameter; the value is an integer from our own table.
      db.pragma(`user_version = ${Number(migration.version)}`);
    });
    if (migration.rebuildsTables) withForeignKeysOff(db, step);
    else step();
  }
  return { from, to: latest };
}

/** Runs `work` with foreign key enforcement off: the pragma is a no-op inside a transaction, so it is switched around it. */
function withForeignKeysOff(db: Db, work: () => void): void {
  const enforced = db.pragma('foreign_keys', { simple: true }) === 1;
  db.pragma('foreign_keys = OFF');
  try {
    work();
  } finally {
    if (enforced) db.pragma('foreign_keys = ON');
  }
}

/** Throws (rolling the migration back) if any row's foreign key points at nothing. */
function assertForeignKeysHold(db: Db, migration: Migration): void {
  const violations = db.pragma('foreign_key_check') as { table: string; parent: string }[];
  if (violations.length > 0) {
    const first = violations[0]!;
    throw new Error(`migration ${migration.name} left ${violations.length} broken foreign key(s), the first in ${first.table} → ${first.parent}`);
  }
}
