import type { Migration } from './migration';

/**
 * The EPR encounter a draft's note belongs to, as the clinician chose it (issue #15): its id and
 * description (JSON); null: not linked to one. Checked again against the EPR at attestation.
 */
export const migration0021: Migration = {
  version: 21,
  name: 'draft-encounter',
  up(db) {
    db.exec(`
      ALTER TABLE transcription_drafts ADD COLUMN encounter_json TEXT CHECK (encounter_json IS NULL OR (json_valid(encounter_json) AND json_type(encounter_json) = 'object'));
    `);
  },
};
