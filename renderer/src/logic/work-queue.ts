import type { DraftView, OutboxView, ThreadSummary } from '../../../shared/ipc/contract';

/**
 * Where each thread stands, for the work queue: built from the threads, the drafts and the
 * outbox the renderer can read. Most urgent first in `STATUS_ORDER`.
 */
export type QueueStatus = 'stopped' | 'drafted' | 'queued' | 'filed' | 'unfiled';

export const STATUS_LABELS: Readonly<Record<QueueStatus, string>> = {
  stopped: 'Filing stopped: needs attention',
  drafted: 'Draft waiting',
  queued: 'Being filed',
  filed: 'Filed and verified',
  unfiled: 'Nothing transcribed yet',
};

const STATUS_ORDER: readonly QueueStatus[] = ['stopped', 'drafted', 'queued', 'unfiled', 'filed'];

export interface QueueRow {
  readonly thread: ThreadSummary;
  readonly status: QueueStatus;
  readonly openDrafts: number;
  /** The latest of the import, a draft saved and a filing's change (ISO UTC). */
  readonly lastActivityAt: string;
  /** Who imported it, where known. */
  readonly importedBy: string | null;
}

export function buildQueueRows(threads: readonly ThreadSummary[], drafts: readonly DraftView[], outbox: readonly OutboxView[], importers: ReadonlyMap<string, string> = new Map()): QueueRow[] {
  const draftsByThread = new Map<string, DraftView[]>();
  for (const draft of drafts) draftsByThread.set(draft.threadId, [...(draftsByThread.get(draft.threadId) ?? []), draft]);
  const threadOfDraft = new Map(drafts.map((draft) => [draft.id, draft.threadId]));
  const outboxByThread = new Map<string, OutboxView[]>();
  for (const item of outbox) {
    const threadId = threadOfDraft.get(item.draftId);
    if (threadId) outboxByThread.set(threadId, [...(outboxByThread.get(threadId) ?? []), item]);
  }
  return threads.map((thread) => {
    const mine = draftsByThread.get(thread.id) ?? [];
    const items = outboxByThread.get(thread.id) ?? [];
    const openDrafts = mine.filter((draft) => draft.status === 'draft').length;
    let status: QueueStatus;
    if (items.some((item) => item.state === 'failed' || item.state === 'needs-attention')) status = 'stopped';
    else if (openDrafts > 0) status = 'drafted';
    else if (items.some((item) => item.state !== 'verified')) status = 'queued';
    else if (items.length > 0) status = 'filed';
    else status = 'unfiled';
    const times = [thread.importedAt, ...mine.map((draft) => draft.updatedAt), ...items.map((item) => item.updatedAt)];
    return { thread, status, openDrafts, lastActivityAt: times.reduce((a, b) => (a > b ? a : b)), importedBy: importers.get(thread.id) ?? null };
  });
}

export type SortKey = 'title' | 'status' | 'messages' | 'from' | 'lastActivity';
export interface Sort {
  readonly key: SortKey;
  readonly descending: boolean;
}

/** Sorts queue rows; ties keep the most recent activity first. */
export function sortRows(rows: readonly QueueRow[], sort: Sort): QueueRow[] {
  const compare = (a: QueueRow, b: QueueRow): number => {
    switch (sort.key) {
      case 'title':
        return a.thread.title.localeCompare(b.thread.title, 'en-GB', { sensitivity: 'base' });
      case 'status':
        return STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status);
      case 'messages':
        return a.thread.messageCount - b.thread.messageCount;
      case 'from':
        return (a.thread.firstInstant ?? '').localeCompare(b.thread.firstInstant ?? '');
      case 'lastActivity':
        return a.lastActivityAt.localeCompare(b.lastActivityAt);
    }
  };
  return [...rows].sort((a, b) => (sort.descending ? -compare(a, b) : compare(a, b)) || b.lastActivityAt.localeCompare(a.lastActivityAt));
}
