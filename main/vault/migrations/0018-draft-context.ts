import type { Migration } from './migration';

/**
 * Which of a draft's messages are context (the question asked, a thank-you, a reply) rather than
 * advice (a cold trial: the nurse's question and her "thanks" were filed as "Advice 1 of 5" and
 * "Advice 3 of 5" from her). Vault message ids, a subset of `message_ids_json`; empty: all advice.
 */
export const migration0018: Migration = {
  version: 18,
  name: 'draft-context',
  up(db) {
    db.exec(`
      ALTER TABLE transcription_drafts
        ADD COLUMN context_ids_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(context_ids_json) AND json_type(context_ids_json) = 'array');
    `);
  },
};
