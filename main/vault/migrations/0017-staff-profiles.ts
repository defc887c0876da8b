import type { Migration } from './migration';

/**
 * What the record needs to know of a Wardscribe user who transcribes or attests (issue #15): their
 * job title and grade as the record should print it, their professional registration (GMC, NMC,
 * HCPC or GPhC) and their NHS smartcard's SDS user ID, set by an administrator. Filed notes
 * identify staff by these national systems, never by a namespace Wardscribe would have to own.
 */
export const migration0017: Migration = {
  version: 17,
  name: 'staff-profiles',
  up(db) {
    db.exec(`
      ALTER TABLE users ADD COLUMN job_title TEXT NOT NULL DEFAULT '' CHECK (length(job_title) <= 100);
      ALTER TABLE users ADD COLUMN registration_body TEXT CHECK (registration_body IS NULL OR registration_body IN ('GMC', 'NMC', 'HCPC', 'GPhC'));
      ALTER TABLE users ADD COLUMN registration_number TEXT CHECK (registration_number IS NULL OR length(registration_number) BETWEEN 1 AND 20);
      ALTER TABLE users ADD COLUMN sds_user_id TEXT CHECK (sds_user_id IS NULL OR (length(sds_user_id) = 12 AND sds_user_id NOT GLOB '*[^0-9]*'));
    `);
  },
};
