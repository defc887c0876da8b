import type { Migration } from './migration';

/**
 * The images a draft will file (issue #19): each chosen attachment's id and the consent the
 * clinician recorded for it, as `[{ attachmentId, consent }]`. Kept with the draft so the choice
 * survives restarts; at attestation the stripped bytes and their hashes are fixed in the outbox
 * item (transcription_json), so a retry files exactly what was attested.
 */
export const migration0015: Migration = {
  version: 15,
  name: 'draft-images',
  up(db) {
    db.exec(`
      ALTER TABLE transcription_drafts
        ADD COLUMN images_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(images_json) AND json_type(images_json) = 'array');
    `);
  },
};
