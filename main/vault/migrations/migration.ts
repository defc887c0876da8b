import type { Db } from '../sqlcipher';

/** One schema step. Migrations are never edited once released; a change is a new migration. */
export interface Migration {
  /** Equals the number in the file name; the database's user_version after it runs. */
  readonly version: number;
  readonly name: string;
  /**
   * Set when the migration rebuilds a table (new table, copy, drop, rename: SQLite's procedure for
   * changing a column). It then runs with foreign key enforcement off, as that procedure requires
   * (otherwise dropping the old table would cascade into its dependants), and the runner checks
   * every foreign key before committing.
   */
  readonly rebuildsTables?: boolean;
  up(db: Db): void;
}
