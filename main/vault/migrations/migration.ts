import type { Db } from '../sqlcipher';

/** One schema step. Migrations are never edited once released; a change is a new migration. */
export interface Migration {
  /** Equals the number in the file name; the database's user_version after it runs. */
  readonly version: number;
  readonly name: string;
  up(db: Db): void;
}
