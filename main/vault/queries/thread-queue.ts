import type { ChatSource } from '../../../shared/domain/chat';
import type { ThreadQueueRow, ThreadWorkStatus } from '../../../shared/ipc/work-queue';
import type { Db } from '../sqlcipher';

/**
 * The work queue: every complete thread with where its work stands, and every wiped thread with
 * its certificate's figures, in one statement. Each aggregate is grouped once per table (drafts
 * by thread, outbox items through their drafts, merged exports by thread), so the cost grows
 * with the rows of those small tables, never with the messages, except that a thread with a
 * verified note has its messages (not system lines) counted, for "N of M in notes". Read only.
 */

interface QueueRow {
  id: string;
  wiped: 0 | 1;
  title: string | null;
  source: ChatSource;
  message_count: number;
  first_instant: string | null;
  last_instant: string | null;
  zone: string | null;
  imported_at: string | null;
  imported_by: string | null;
  importer_name: string | null;
  last_activity_at: string;
  open_drafts: number;
  pending: number;
  filed: number;
  verified: number;
  stopped: number;
  in_notes: number;
  noteable: number | null;
  wiped_at: string | null;
  wipe_id: string | null;
}

// Outbox times are ms since the epoch; everything else is an ISO instant, which sorts as text.
const ISO_FROM_MS = (column: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`;

const QUEUE_SQL = `
WITH drafts AS (
  SELECT thread_id, sum(status = 'draft') AS open_drafts, max(updated_at) AS last_at
  FROM transcription_drafts GROUP BY thread_id
), filings AS (
  SELECT d.thread_id,
         sum(o.state_kind IN ('queued', 'sending')) AS pending,
         sum(o.state_kind = 'filed') AS filed,
         sum(o.state_kind = 'verified') AS verified,
         sum(o.state_kind IN ('failed', 'needs-attention')) AS stopped,
         ${ISO_FROM_MS('max(o.updated_at)')} AS last_at
  FROM outbox AS o JOIN transcription_drafts AS d ON d.id = o.draft_id
  GROUP BY d.thread_id
), noted AS (
  SELECT d.thread_id, count(DISTINCT j.value) AS in_notes
  FROM transcription_drafts AS d JOIN outbox AS o ON o.draft_id = d.id AND o.state_kind = 'verified', json_each(d.message_ids_json) AS j
  GROUP BY d.thread_id
), merges AS (
  SELECT thread_id, max(imported_at) AS last_at FROM thread_exports GROUP BY thread_id
), live AS (
  SELECT t.id, 0 AS wiped, t.title, t.source, t.message_count, t.first_instant, t.last_instant, t.zone,
         t.imported_at, t.imported_by, u.display_name AS importer_name,
         max(t.imported_at, coalesce(d.last_at, ''), coalesce(f.last_at, ''), coalesce(m.last_at, '')) AS last_activity_at,
         coalesce(d.open_drafts, 0) AS open_drafts, coalesce(f.pending, 0) AS pending, coalesce(f.filed, 0) AS filed,
         coalesce(f.verified, 0) AS verified, coalesce(f.stopped, 0) AS stopped, coalesce(n.in_notes, 0) AS in_notes,
         -- Only for a thread with a verified note: what "N of M messages in notes" counts (not system lines, as the wipe does not).
         CASE WHEN n.in_notes IS NULL THEN NULL
              ELSE (SELECT count(*) FROM messages AS mm WHERE mm.thread_seq = t.seq AND mm.kind <> 'system') END AS noteable,
         NULL AS wiped_at, NULL AS wipe_id
  FROM threads AS t
  LEFT JOIN drafts AS d ON d.thread_id = t.id
  LEFT JOIN filings AS f ON f.thread_id = t.id
  LEFT JOIN noted AS n ON n.thread_id = t.id
  LEFT JOIN merges AS m ON m.thread_id = t.id
  LEFT JOIN users AS u ON u.id = t.imported_by
  WHERE t.status = 'complete'
), gone AS (
  SELECT w.thread_id AS id, 1 AS wiped, NULL AS title, json_extract(w.certificate_json, '$.source') AS source,
         json_extract(w.certificate_json, '$.messageCount') AS message_count,
         json_extract(w.certificate_json, '$.firstInstant') AS first_instant,
         json_extract(w.certificate_json, '$.lastInstant') AS last_instant,
         NULL AS zone, NULL AS imported_at, NULL AS imported_by, NULL AS importer_name,
         coalesce(w.finished_at, w.started_at) AS last_activity_at,
         0 AS open_drafts, 0 AS pending, 0 AS filed, 0 AS verified, 0 AS stopped, 0 AS in_notes, NULL AS noteable,
         w.started_at AS wiped_at, w.id AS wipe_id
  FROM wipes AS w
  WHERE @includeWiped = 1
)
SELECT * FROM live
UNION ALL
SELECT * FROM gone
ORDER BY last_activity_at DESC, id
LIMIT @limit`;

/** Most urgent first: an open draft needs finishing, then filing not yet verified, then done. */
export function workStatus(row: Pick<QueueRow, 'wiped' | 'open_drafts' | 'pending' | 'filed' | 'stopped' | 'verified'>): ThreadWorkStatus {
  if (row.wiped) return 'wiped';
  if (row.open_drafts > 0) return 'drafted';
  if (row.pending + row.filed + row.stopped > 0) return 'queued';
  if (row.verified > 0) return 'filed';
  return 'unfiled';
}

/** The work queue, newest activity first (see the module comment). */
export function listThreadQueue(db: Db, options: { readonly includeWiped: boolean; readonly limit: number }): ThreadQueueRow[] {
  const rows = db.prepare(QUEUE_SQL).all({ includeWiped: options.includeWiped ? 1 : 0, limit: options.limit }) as QueueRow[];
  return rows.map((row) => ({
    id: row.id,
    status: workStatus(row),
    title: row.title,
    source: row.source,
    messageCount: row.message_count,
    firstInstant: row.first_instant,
    lastInstant: row.last_instant,
    zone: row.zone,
    importedAt: row.imported_at,
    importedBy: row.imported_by ? { userId: row.imported_by, displayName: row.importer_name ?? 'A removed user' } : null,
    lastActivityAt: row.last_activity_at,
    openDrafts: row.open_drafts,
    outbox: { pending: row.pending, filed: row.filed, verified: row.verified, stopped: row.stopped },
    messagesInNotes: row.in_notes,
    messagesForNotes: row.noteable ?? row.message_count,
    wipedAt: row.wiped_at,
    wipeId: row.wipe_id,
  }));
}
