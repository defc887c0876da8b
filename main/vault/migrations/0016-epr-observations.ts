import type { Migration } from './migration';

/**
 * What filing has seen an EPR do, kept across sessions (issue #13). One fact so far: when a search
 * by Wardscribe's note identifier first found a note this workstation had filed there. Until then
 * an empty search proves nothing (the EPR may drop identifiers), so a resend after a push whose
 * outcome is unknown waits for a clinician to check the record instead of sending again.
 */
export const migration0016: Migration = {
  version: 16,
  name: 'epr-observations',
  up(db) {
    db.exec(`
      CREATE TABLE epr_observations (
        epr_id TEXT PRIMARY KEY CHECK (length(epr_id) BETWEEN 1 AND 200),
        identifier_found_at TEXT NOT NULL CHECK (identifier_found_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*Z')
      ) STRICT;
    `);
  },
};
