import type { Db } from '../sqlcipher';

export type WipeState = 'erased' | 'verified' | 'failed';
export type WipeTrigger = 'user' | 'retention';
export type SourceFileState = 'not-requested' | 'requested' | 'overwriting' | 'overwritten' | 'not-found' | 'changed' | 'replaced-by-link' | 'failed';

interface WipeRow {
  id: string;
  thread_id: string;
  source_sha256: string;
  fingerprint: string | null;
  state: WipeState;
  trigger: WipeTrigger;
  requested_by: string | null;
  canary_b64: string;
  source_file_state: SourceFileState;
  source_path: string | null;
  certificate_json: string;
  started_at: string;
  finished_at: string | null;
}

/** One wipe, with its certificate kept as the JSON the wipe service owns. */
export interface StoredWipe {
  readonly id: string;
  readonly threadId: string;
  readonly sourceSha256: string;
  readonly fingerprint: string | null;
  readonly state: WipeState;
  readonly trigger: WipeTrigger;
  readonly requestedBy: string | null;
  readonly canaryBase64: string;
  readonly sourceFileState: SourceFileState;
  readonly sourcePath: string | null;
  readonly certificate: unknown;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

const COLUMNS =
  'id, thread_id, source_sha256, fingerprint, state, trigger, requested_by, canary_b64, source_file_state, source_path, certificate_json, started_at, finished_at';

function toWipe(row: WipeRow): StoredWipe {
  return {
    id: row.id,
    threadId: row.thread_id,
    sourceSha256: row.source_sha256,
    fingerprint: row.fingerprint,
    state: row.state,
    trigger: row.trigger,
    requestedBy: row.requested_by,
    canaryBase64: row.canary_b64,
    sourceFileState: row.source_file_state,
    sourcePath: row.source_path,
    certificate: JSON.parse(row.certificate_json) as unknown,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function insertWipe(
  db: Db,
  wipe: Omit<StoredWipe, 'state' | 'finishedAt'>,
): void {
  db.prepare(
    `INSERT INTO wipes (id, thread_id, source_sha256, fingerprint, state, trigger, requested_by, canary_b64, source_file_state, source_path, certificate_json, started_at)
     VALUES (@id, @threadId, @sourceSha256, @fingerprint, 'erased', @trigger, @requestedBy, @canaryBase64, @sourceFileState, @sourcePath, @certificate, @startedAt)`,
  ).run({ ...wipe, certificate: JSON.stringify(wipe.certificate) });
}

export function getWipe(db: Db, id: string): StoredWipe | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM wipes WHERE id = ?`).get(id) as WipeRow | undefined;
  return row ? toWipe(row) : null;
}

export function getWipeByThread(db: Db, threadId: string): StoredWipe | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM wipes WHERE thread_id = ?`).get(threadId) as WipeRow | undefined;
  return row ? toWipe(row) : null;
}

/** Wipes whose thread is gone but whose remaining steps are still owed (a crash or lock cut them short). */
export function listOwedWipes(db: Db): StoredWipe[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM wipes WHERE state = 'erased' ORDER BY started_at`).all() as WipeRow[]).map(toWipe);
}

/** Every wipe, newest first. */
export function listWipes(db: Db): StoredWipe[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM wipes ORDER BY started_at DESC, id`).all() as WipeRow[]).map(toWipe);
}

/** An earlier wipe of an export with these bytes or this content, if any. */
export function findWipeOfExport(db: Db, match: { sourceSha256?: string; fingerprint?: string }): StoredWipe | null {
  const row = db
    .prepare(`SELECT ${COLUMNS} FROM wipes WHERE source_sha256 = @sha OR fingerprint = @fingerprint ORDER BY started_at LIMIT 1`)
    .get({ sha: match.sourceSha256 ?? null, fingerprint: match.fingerprint ?? null }) as WipeRow | undefined;
  return row ? toWipe(row) : null;
}

export function setSourceFileState(db: Db, id: string, state: SourceFileState): void {
  // The path is forgotten as soon as nothing more will be done to the file.
  const keepPath = state === 'requested' || state === 'overwriting';
  db.prepare(`UPDATE wipes SET source_file_state = @state, source_path = CASE WHEN @keepPath THEN source_path ELSE NULL END WHERE id = @id`).run({
    id,
    state,
    keepPath: keepPath ? 1 : 0,
  });
}

/** The last step: the certificate as issued, and the outcome of verification. */
export function finishWipe(db: Db, id: string, outcome: { state: 'verified' | 'failed'; certificate: unknown; finishedAt: string }): void {
  db.prepare(`UPDATE wipes SET state = @state, certificate_json = @certificate, finished_at = @finishedAt, source_path = NULL WHERE id = @id AND state = 'erased'`).run({
    id,
    state: outcome.state,
    certificate: JSON.stringify(outcome.certificate),
    finishedAt: outcome.finishedAt,
  });
}
