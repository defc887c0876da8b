import type { ThreadQueueRow, ThreadWorkStatus } from '../../../shared/ipc/work-queue';

/** Where a thread stands, in the ward's words (threads.queue gives the status). */
export const STATUS_LABELS: Readonly<Record<ThreadWorkStatus, string>> = {
  drafted: 'Draft waiting',
  queued: 'Being filed',
  filed: 'Filed and verified',
  unfiled: 'Nothing transcribed yet',
  wiped: 'Originals wiped',
};

/** A thread whose filing stopped (failed, or needs attention) comes first of all. */
export function queueLabel(row: ThreadQueueRow): string {
  if (row.status === 'queued' && row.outbox.stopped > 0) return 'Filing stopped: needs attention';
  // One filed note says nothing of the rest of a ward chat: say how much of it is in notes.
  if (row.status === 'filed' && row.messagesInNotes < row.messagesForNotes) return `${STATUS_LABELS.filed} (${row.messagesInNotes} of ${row.messagesForNotes} messages in notes)`;
  return STATUS_LABELS[row.status] + (row.status === 'drafted' && row.openDrafts > 1 ? ` (${row.openDrafts})` : '');
}

const STATUS_ORDER: readonly ThreadWorkStatus[] = ['drafted', 'queued', 'unfiled', 'filed', 'wiped'];
function urgency(row: ThreadQueueRow): number {
  return row.outbox.stopped > 0 && row.status !== 'wiped' ? -1 : STATUS_ORDER.indexOf(row.status);
}

export type SortKey = 'title' | 'status' | 'messages' | 'from' | 'importedBy' | 'lastActivity';
export interface Sort {
  readonly key: SortKey;
  readonly descending: boolean;
}

/** Sorts queue rows by a column; ties keep the most recent activity first. */
export function sortRows(rows: readonly ThreadQueueRow[], sort: Sort): ThreadQueueRow[] {
  const compare = (a: ThreadQueueRow, b: ThreadQueueRow): number => {
    switch (sort.key) {
      case 'title':
        return (a.title ?? '').localeCompare(b.title ?? '', 'en-GB', { sensitivity: 'base' });
      case 'status':
        return urgency(a) - urgency(b);
      case 'messages':
        return a.messageCount - b.messageCount;
      case 'from':
        return (a.firstInstant ?? '').localeCompare(b.firstInstant ?? '');
      case 'importedBy':
        return (a.importedBy?.displayName ?? '').localeCompare(b.importedBy?.displayName ?? '', 'en-GB', { sensitivity: 'base' });
      case 'lastActivity':
        return a.lastActivityAt.localeCompare(b.lastActivityAt);
    }
  };
  return [...rows].sort((a, b) => (sort.descending ? -compare(a, b) : compare(a, b)) || b.lastActivityAt.localeCompare(a.lastActivityAt));
}
