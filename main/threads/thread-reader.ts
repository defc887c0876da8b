import { WardscribeError } from '../errors';
import { searchQueryHmac } from '../security/search-query-key';
import type { ImportSession } from '../imports/import-service';
import { listAttachments, readAttachmentContent, type StoredAttachment } from '../vault/queries/attachments';
import { firstMessageFrom, getMessagesByIds, listMessages, messagePlace, searchMessages, type MessageSearchHit, type StoredMessage } from '../vault/queries/messages';
import { listParticipants } from '../vault/queries/participants';
import { listThreadExports, threadHasMergedExports, type ThreadExport } from '../vault/queries/thread-exports';
import { getCompleteThread, listCompleteThreads, type StoredThread } from '../vault/queries/threads';
import { listThreadQueue } from '../vault/queries/thread-queue';
import type { SearchOrder, ThreadQueueRow } from '../../shared/ipc/work-queue';
import { parseSearch } from '../vault/search-query';
import type { SearchThread } from '../search/search-thread';
import { FiledAdvice, type FiledMark } from './filed-advice';

const MAX_PAGE = 1_000;

/** The audit trail's keyed hash of a search query: its key is sealed by the workstation keystore (main/security/search-query-key.ts). */
export { searchQueryHmac };
const MAX_SEARCH_RESULTS = 200;

/** A search hit with the filings its message is already part of. */
export type SearchHitWithFilings = MessageSearchHit & { readonly filed: readonly FiledMark[] };

/** A stored message with the filings it is already part of (issue #18). */
export type ReadMessage = StoredMessage & { readonly filed: readonly FiledMark[] };

/**
 * Reads imported threads back for the screens: the list, pages of messages (each marked with
 * where its advice was already filed), search, attachments. Split from the import pipeline
 * (ImportService), which only writes.
 */
export class ThreadReader {
  readonly #session: Pick<ImportSession, 'vault' | 'audit'>;
  readonly #searchThread: SearchThread | null;

  /** `searchThread`: where searches run off the main connection (searchOffMain); without one they run on it. */
  constructor(session: Pick<ImportSession, 'vault' | 'audit'>, options: { readonly searchThread?: SearchThread } = {}) {
    this.#session = session;
    this.#searchThread = options.searchThread ?? null;
  }

  /** Every complete thread, newest import first, with its participants. */
  listThreads(): (StoredThread & { participants: string[] })[] {
    const db = this.#session.vault().db;
    return listCompleteThreads(db).map((thread) => ({ ...thread, participants: listParticipants(db, thread.id) }));
  }

  /**
   * The thread list as a screen asks for it: a read of every thread's title and participants, so
   * audited, one entry per request (FOI and subject access requests ask who read what). Internal
   * uses (a title for a search hit) call listThreads and are covered by their own request's entry.
   */
  openThreadList(): (StoredThread & { participants: string[] })[] {
    const { log, actor } = this.#session.audit();
    log.record({ action: 'threads-listed', actor, outcome: { status: 'success' } });
    return this.listThreads();
  }

  /**
   * The work queue: each thread's status, date range, importer and last activity (one query,
   * vault/queries/thread-queue.ts). A read of every thread's title, audited as the thread list
   * is (`threads-listed`), one entry per request.
   */
  queue(options: { readonly includeWiped: boolean; readonly limit: number }): ThreadQueueRow[] {
    const { log, actor } = this.#session.audit();
    log.record({ action: 'threads-listed', actor, outcome: { status: 'success' } });
    return listThreadQueue(this.#session.vault().db, options);
  }

  /** A page of a complete thread's messages, in the order shown. Reading the first page counts as opening the thread, and is audited. */
  messages(threadId: string, offset: number, limit: number): ReadMessage[] {
    const db = this.#session.vault().db;
    this.#requireComplete(threadId);
    // Every page read is audited (FOI and subject access requests ask who read what): the first as opening the thread.
    const { log, actor } = this.#session.audit();
    log.record({ action: offset === 0 ? 'thread-opened' : 'messages-read', actor, objects: { threadId }, outcome: { status: 'success' } });
    const page = listMessages(db, threadId, Math.max(0, Math.floor(offset)), Math.min(MAX_PAGE, Math.max(0, Math.floor(limit))), threadHasMergedExports(db, threadId));
    return this.#marked(page);
  }

  /**
   * Where a complete thread's messages of `day` (YYYY-MM-DD) start: the first message sent on or
   * after it, by its place in the thread; null when the thread ends before that day. Only times
   * are read (nothing of any message's text), so it is not audited; the pages then shown are.
   */
  /** Where a message (a search hit) is shown in its thread, for scrolling to it; null when it is not there. */
  placeOf(threadId: string, ordinal: number): number | null {
    const db = this.#session.vault().db;
    this.#requireComplete(threadId);
    return messagePlace(db, threadId, ordinal, threadHasMergedExports(db, threadId));
  }

  firstMessageFrom(threadId: string, day: string): { index: number; ordinal: number } | null {
    const db = this.#session.vault().db;
    this.#requireComplete(threadId);
    return firstMessageFrom(db, threadId, day, threadHasMergedExports(db, threadId));
  }

  /**
   * Messages of complete threads matching `query` (vault/search-query.ts: words, "phrases",
   * prefix*), each with its filings. A query with nothing to search for is `rejected` saying why.
   */
  search(query: string, limit: number, order: SearchOrder = 'relevance'): SearchHitWithFilings[] {
    const bounded = this.#audited(query, limit);
    return this.#withFilings(searchMessages(this.#session.vault().db, query, bounded, order));
  }

  /**
   * The same search run on the search thread, off the main connection, so that a slow query
   * holds up no other request (issue #16); on the main connection when there is no thread. A
   * newer search, or cancelSearch(), ends it: it rejects `cancelled`. Audited before it runs,
   * like search().
   */
  async searchOffMain(query: string, limit: number, order: SearchOrder = 'relevance'): Promise<SearchHitWithFilings[]> {
    if (!this.#searchThread) return this.search(query, limit, order);
    const bounded = this.#audited(query, limit);
    const vault = this.#session.vault();
    const hits = await this.#searchThread.search({ database: vault.files.database, key: vault.key }, query, bounded, order);
    return this.#withFilings(hits);
  }

  /** Ends the search running on the search thread, if any (a newer one has been asked for). */
  cancelSearch(): void {
    this.#searchThread?.cancelRunning();
  }

  /** Checks the query and records the search (by a keyed hash of the query, never its words); the limit as searched. */
  #audited(query: string, limit: number): number {
    const parsed = parseSearch(query);
    if (!parsed.ok) throw new WardscribeError('rejected', parsed.problem);
    const db = this.#session.vault().db;
    const { log, actor } = this.#session.audit();
    log.record({ action: 'search', actor, outcome: { status: 'success' }, hashes: { queryHmac: searchQueryHmac(db, query) } });
    return Math.min(MAX_SEARCH_RESULTS, Math.max(0, Math.floor(limit)));
  }

  #withFilings(hits: readonly MessageSearchHit[]): SearchHitWithFilings[] {
    const db = this.#session.vault().db;
    const marks = new Map(this.#marked(getMessagesByIds(db, hits.map((hit) => hit.messageId))).map((message) => [message.id, message.filed]));
    return hits.map((hit) => ({ ...hit, filed: marks.get(hit.messageId) ?? [] }));
  }

  /** The later exports merged into a thread, oldest first. */
  exports(threadId: string): ThreadExport[] {
    this.#requireComplete(threadId);
    return listThreadExports(this.#session.vault().db, threadId);
  }

  /** A complete thread's attachments (without their bytes). */
  attachments(threadId: string): StoredAttachment[] {
    this.#requireComplete(threadId);
    const { log, actor } = this.#session.audit();
    log.record({ action: 'attachments-listed', actor, objects: { threadId }, outcome: { status: 'success' } });
    return listAttachments(this.#session.vault().db, threadId);
  }

  /** One attachment's bytes, from the vault (never a file on disk). */
  attachmentContent(attachmentId: string): { attachment: StoredAttachment; content: Buffer } {
    const found = readAttachmentContent(this.#session.vault().db, attachmentId);
    if (!found) throw new WardscribeError('not-found', 'That attachment is not in the vault.');
    // The thread, not the file's name (which may name a patient): the trail holds identifiers only.
    const { log, actor } = this.#session.audit();
    log.record({ action: 'attachment-read', actor, objects: { threadId: found.attachment.threadId }, outcome: { status: 'success' } });
    return found;
  }

  /** Filings (other than `exceptDraftId`) that already carry any of these messages: filing them again needs a reason. */
  filedElsewhere(messageIds: readonly string[], exceptDraftId: string | null): FiledMark[] {
    const filed = new FiledAdvice(this.#session.vault().db);
    try {
      return filed.filedElsewhere(messageIds, exceptDraftId);
    } finally {
      filed.close();
    }
  }

  #marked(messages: readonly StoredMessage[]): ReadMessage[] {
    const filed = new FiledAdvice(this.#session.vault().db);
    try {
      const marks = filed.marks(messages);
      return messages.map((message) => ({ ...message, filed: marks.get(message.id) ?? [] }));
    } finally {
      filed.close();
    }
  }

  #requireComplete(threadId: string): StoredThread {
    const thread = getCompleteThread(this.#session.vault().db, threadId);
    if (!thread) throw new WardscribeError('not-found', 'That thread is not in the vault.');
    return thread;
  }
}
