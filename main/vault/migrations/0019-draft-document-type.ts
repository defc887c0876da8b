import type { Migration } from './migration';

/**
 * The document type a clinician chose for a draft (a SNOMED CT code; null: the administrator's
 * default) and whether the advice is sensitive, and why (null: not sensitive), issue #15.
 */
export const migration0019: Migration = {
  version: 19,
  name: 'draft-document-type',
  up(db) {
    db.exec(`
      ALTER TABLE transcription_drafts ADD COLUMN document_type TEXT CHECK (document_type IS NULL OR length(document_type) BETWEEN 1 AND 40);
      ALTER TABLE transcription_drafts ADD COLUMN sensitivity TEXT CHECK (sensitivity IS NULL OR length(sensitivity) BETWEEN 1 AND 40);
    `);
  },
};
