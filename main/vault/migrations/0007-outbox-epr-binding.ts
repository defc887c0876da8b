import type { Migration } from './migration';

/**
 * Each outbox item is bound to the EPR it was attested for, so a change of settings never sends
 * it somewhere else (issue #13).
 *
 * - `epr_id`: the stable id of that EPR: `training`, or `live:` and its base URL without a
 *   trailing slash (main/epr/epr-identity.ts). Items already in the outbox were filed to whatever
 *   was configured, so they are bound to the EPR configured now.
 * - `epr_label`: what the outbox shows for it, kept with the item so it can still be named once
 *   that EPR is no longer configured.
 */
export const migration0007: Migration = {
  version: 7,
  name: 'outbox-epr-binding',
  up(db) {
    db.exec(`
      ALTER TABLE outbox ADD COLUMN epr_id TEXT NOT NULL DEFAULT 'training' CHECK (length(epr_id) BETWEEN 1 AND 2100);
      ALTER TABLE outbox ADD COLUMN epr_label TEXT NOT NULL DEFAULT 'Training EPR' CHECK (length(epr_label) BETWEEN 1 AND 2100);
      UPDATE outbox SET
        epr_id = (SELECT 'live:' || rtrim(trim(json_extract(value_json, '$.baseUrl')), '/') FROM settings WHERE key = 'epr.connection'),
        epr_label = (SELECT rtrim(trim(json_extract(value_json, '$.baseUrl')), '/') FROM settings WHERE key = 'epr.connection')
      WHERE (SELECT json_extract(value_json, '$.mode') FROM settings WHERE key = 'epr.connection') = 'live';
    `);
  },
};
