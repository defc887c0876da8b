import type { Migration } from './migration';

/**
 * The filed note a draft corrects (issue #15): its outbox identifier; null for an ordinary draft.
 * Attested, the correction is filed replacing that note, which is then marked entered in error.
 */
export const migration0020: Migration = {
  version: 20,
  name: 'draft-corrections',
  up(db) {
    db.exec(`
      ALTER TABLE transcription_drafts ADD COLUMN corrects_identifier TEXT CHECK (corrects_identifier IS NULL OR corrects_identifier LIKE 'urn:uuid:%');
      CREATE INDEX transcription_drafts_corrects ON transcription_drafts (corrects_identifier) WHERE corrects_identifier IS NOT NULL;
    `);
  },
};
