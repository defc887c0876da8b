import { createHash, randomUUID } from 'node:crypto';
import { basename, extname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ChatMessage, ChatSource, ChatThread, DateOrder } from '../../shared/domain/chat';
import type { AuditActor, AuditOutcome } from '../../shared/domain/audit';
import type { AuditLog } from '../audit/audit-log';
import { WardscribeError } from '../errors';
import { openChatExport, titleFromFileName } from '../importers';
import { dateOrderUnknown } from '../importers/date-order';
import { readHead } from '../importers/whatsapp-head';
import { insertAttachment, listAttachments, readAttachmentContent, type StoredAttachment } from '../vault/queries/attachments';
import { insertMessages, listMessages, messageIdAt, searchMessages, type MessageSearchHit, type StoredMessage } from '../vault/queries/messages';
import { insertParticipants, listParticipants } from '../vault/queries/participants';
import {
  completeThread,
  deleteThread,
  findCompleteThreadByFingerprint,
  findCompleteThreadBySourceSha256,
  getCompleteThread,
  insertImportingThread,
  listCompleteThreads,
  listImportingThreadIds,
  type StoredThread,
} from '../vault/queries/threads';
import { checkpointTruncate, enterBulkWriteMode, type Db } from '../vault/sqlcipher';
import { findWipeOfExport } from '../vault/queries/wipes';
import type { OpenVault } from '../vault/vault';
import { threadWorkerLauncher, type ImportWorker, type ImportWorkerLauncher } from './import-worker-host';
import { unpackMessages, type FromImportWorker } from './import-worker-protocol';

/** What the import service needs from the session: the open vault and the audit trail. */
export interface ImportSession {
  vault(): OpenVault;
  audit(): { log: AuditLog; actor: AuditActor };
  /** Counts as activity for the idle lock (a long import is not idleness). Optional. */
  touch?(): void;
}

export interface ImportServiceOptions {
  readonly session: ImportSession;
  /** Messages written per transaction. Default 5,000. */
  readonly batchSize?: number;
  /** Largest attachment kept; bigger ones are skipped and counted. Default 256 MiB. */
  readonly maxAttachmentBytes?: number;
  readonly now?: () => Date;
  /**
   * Starts the worker that reads each export (hash, parse, media). Default: a worker_threads
   * Worker; the Electron app passes a utility-process launcher (main/app/).
   */
  readonly worker?: ImportWorkerLauncher;
}

export interface InspectOptions {
  readonly zone: string;
  readonly password?: string;
}

export interface InspectResult {
  /** The export's kind. `whatsapp` when the export ended before iOS/Android could be told apart. */
  readonly source: ChatSource | 'whatsapp';
  readonly title: string | null;
  /**
   * The date order the file proves (or its format fixes). Null when the file does not prove one
   * (`needsDateOrder`) or when the format has no day/month question (JSON exports).
   */
  readonly dateOrder: DateOrder | null;
  /** True when the user must choose dmy or mdy before importing: it is never guessed. */
  readonly needsDateOrder: boolean;
  /** Exact when the whole export was read during inspection, else extrapolated from bytes read. */
  readonly messageCountEstimate?: number;
}

export interface ImportRequest {
  readonly path: string;
  readonly zone: string;
  readonly dateOrder?: DateOrder;
  readonly password?: string;
}

export type ImportProgressUnit = 'bytes' | 'attachments';

export interface ImportJob {
  readonly signal: AbortSignal;
  progress(done: number, total: number, unit: ImportProgressUnit): void;
}

export interface ImportResult {
  readonly threadId: string;
  readonly title: string | null;
  readonly source: ChatSource;
  readonly messageCount: number;
  /** True when this export was already in the vault: the existing thread is returned, nothing was added. */
  readonly duplicate: boolean;
  /** Attachments the export carried but that were larger than the limit and not kept. */
  readonly attachmentsSkipped: number;
}

/** Messages read by inspect() before it extrapolates. */
const INSPECT_MESSAGES = 2_000;
/**
 * Messages per write transaction. A transaction runs on the main thread, so this bounds the
 * main thread's longest stall (about 20-40 ms for 2,500 messages with their index entries); the
 * commit's fsync is what makes smaller batches slower overall.
 */
const DEFAULT_BATCH = 2_500;
/** Chunk-sized message reports the worker may send ahead of the writer: enough to keep both busy, little memory. */
const MESSAGE_REPORTS_IN_FLIGHT = 8;
const DEFAULT_MAX_ATTACHMENT_BYTES = 256 * 1024 * 1024;
const MAX_PAGE = 1_000;
const MAX_SEARCH_RESULTS = 200;

/** The message of the importer's "date order not proven" error, to tell it from other rejections. */
const DATE_ORDER_UNKNOWN_MESSAGE = dateOrderUnknown().message;

function isDateOrderUnknown(error: unknown): boolean {
  return error instanceof WardscribeError && error.code === 'rejected' && error.message === DATE_ORDER_UNKNOWN_MESSAGE;
}

/**
 * A chat whose originals were wiped after filing is not brought back by importing its export
 * again: that would undo the wipe the guidance asks for.
 */
function refuseWipedExport(db: Db, match: { sourceSha256?: string; fingerprint?: string }): void {
  const wipe = findWipeOfExport(db, match);
  if (!wipe) return;
  throw new WardscribeError(
    'conflict',
    `This chat was imported before and its originals were securely wiped on ${wipe.startedAt.slice(0, 10)} after its advice was filed. It has not been imported again.`,
  );
}

function cancelled(): WardscribeError {
  return new WardscribeError('cancelled', 'The import was cancelled.');
}

function unexpectedReport(type: string): Error {
  return new Error(`import worker: unexpected ${type} report`);
}

/**
 * The worker's reports as something to await in order. Rejects when the worker fails (with its
 * WardscribeError, rebuilt), dies (killed, crashed) or the job is cancelled.
 */
class WorkerReports {
  readonly #queued: FromImportWorker[] = [];
  #waiting: { resolve: (report: FromImportWorker) => void; reject: (error: unknown) => void } | null = null;
  #failure: unknown = null;

  constructor(worker: ImportWorker, signal: AbortSignal) {
    worker.onReport((report) => {
      if (report.type === 'failed') {
        this.#fail(report.code === 'internal' ? new Error('The import worker failed.') : new WardscribeError(report.code, report.message));
      } else if (this.#waiting) {
        const waiting = this.#waiting;
        this.#waiting = null;
        waiting.resolve(report);
      } else this.#queued.push(report);
    });
    worker.onExit(() => this.#fail(new Error('The import worker stopped before the import finished.')));
    signal.addEventListener('abort', () => this.#fail(cancelled()), { once: true });
    if (signal.aborted) this.#fail(cancelled());
  }

  next(): Promise<FromImportWorker> {
    const queued = this.#queued.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }

  async expect<T extends FromImportWorker['type']>(type: T): Promise<Extract<FromImportWorker, { type: T }>> {
    const report = await this.next();
    if (report.type !== type) throw unexpectedReport(report.type);
    return report as Extract<FromImportWorker, { type: T }>;
  }

  #fail(error: unknown): void {
    if (this.#failure !== null) return;
    this.#failure = error;
    // Reports already queued are still read first (messages before a parse error are kept in
    // order), but whoever is waiting now learns of the failure.
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.reject(error);
  }
}

/** The outcome an audit entry records for an import that threw: codes only, never the message. */
function failureOutcome(error: unknown): AuditOutcome {
  if (!(error instanceof WardscribeError)) return { status: 'failure', reason: 'internal-error' };
  if (isDateOrderUnknown(error)) return { status: 'refused', reason: 'date-order-unknown' };
  switch (error.code) {
    case 'cancelled':
      return { status: 'failure', reason: 'cancelled' };
    case 'rejected':
      return { status: 'refused', reason: 'export-rejected' };
    case 'not-found':
      return { status: 'failure', reason: 'file-not-found' };
    case 'locked':
      return { status: 'failure', reason: 'vault-locked' };
    default:
      return { status: 'failure', reason: error.code };
  }
}

/** A name of our own making for a stored attachment: a counter and a plain extension, nothing from the sender. */
function generatedName(position: number, original: string): string {
  const extension = extname(original).toLowerCase();
  return `attachment-${String(position + 1).padStart(4, '0')}${/^\.[a-z0-9]{1,8}$/.test(extension) ? extension : ''}`;
}

/** The order a message's head was read in, when its fields tell (null when day and month are equal). */
function orderShownBy(message: ChatMessage): DateOrder | null {
  const head = readHead(message.head);
  if (!head) return null;
  if (head.yearFirst) return 'ymd';
  if (head.first === head.second) return null;
  const day = Number(message.localTime.slice(8, 10));
  return head.first === day ? 'dmy' : 'mdy';
}

/**
 * Imports chat exports into the vault and reads them back for the screens.
 *
 * An import is a two-stage pipeline over the two cores: a worker (a worker_threads Worker, or an
 * Electron utility process) hashes and parses the export, streaming, and sends the messages over
 * chunk by chunk; the main thread writes them into the vault in batched transactions, yielding to
 * the event loop between batches. The vault's only connection and its key never leave the main
 * thread, and a main-thread stall is one batch's transaction, not the parse. The thread row is
 * `importing` until the last transaction flips it to `complete`; readers see only complete
 * threads, a cancelled or failed import (or a dead worker) deletes what it wrote, and
 * recoverIncomplete() (at unlock) deletes what a crash or a lock left behind.
 */
export class ImportService {
  readonly #session: ImportSession;
  readonly #batchSize: number;
  readonly #maxAttachmentBytes: number;
  readonly #now: () => Date;
  /** Threads being imported by this service right now: recoverIncomplete() leaves them alone. */
  readonly #active = new Set<string>();
  /** Imports under way, from the first byte read to the last row written. */
  #running = 0;
  readonly #launchWorker: ImportWorkerLauncher;
  #longestWriteMs = 0;

  constructor(options: ImportServiceOptions) {
    this.#session = options.session;
    this.#batchSize = options.batchSize ?? DEFAULT_BATCH;
    this.#maxAttachmentBytes = options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
    this.#now = options.now ?? (() => new Date());
    this.#launchWorker = options.worker ?? threadWorkerLauncher();
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1) throw new RangeError('batchSize must be a positive integer.');
  }

  /**
   * Reads enough of an export for the import screen: its kind, title, whether its date order is
   * proven (else the user must choose), and about how many messages it holds. Writes nothing.
   */
  async inspect(path: string, options: InspectOptions): Promise<InspectResult> {
    let done = 0;
    let total: number | null = null;
    const chat = await openChatExport(path, {
      zone: options.zone,
      ...(options.password === undefined ? {} : { password: options.password }),
      onProgress: (bytes, size) => {
        done = bytes;
        total = size;
      },
    });
    let count = 0;
    let order: DateOrder | null = null;
    let sawHead = false;
    try {
      for (;;) {
        const next = await chat.messages.next();
        if (next.done) {
          const thread = next.value;
          return {
            source: thread.source,
            title: thread.title,
            dateOrder: thread.dateOrder?.order ?? null,
            needsDateOrder: false,
            messageCountEstimate: thread.messageCount,
          };
        }
        count++;
        if (order === null) {
          order = orderShownBy(next.value);
          sawHead ||= readHead(next.value.head) !== null;
        }
        if (count >= INSPECT_MESSAGES && (order !== null || !sawHead)) break;
      }
    } catch (error) {
      if (!isDateOrderUnknown(error)) throw error;
      return { source: chat.source, title: titleFromFileName(path), dateOrder: null, needsDateOrder: true };
    } finally {
      await chat.messages.return(undefined as never).catch(() => undefined);
      await chat.close();
    }
    const bytesTotal = total as number | null;
    const estimate = bytesTotal !== null && done > 0 ? Math.max(count, Math.round((count * bytesTotal) / done)) : count;
    return { source: chat.source, title: titleFromFileName(path), dateOrder: order, needsDateOrder: false, messageCountEstimate: estimate };
  }

  /**
   * Imports one export. Resolves with the new thread, or with the existing one (`duplicate`)
   * when the same chat is already in the vault; rejects with `cancelled` when the signal fires,
   * with `rejected` for an unreadable export (including an unproven date order: ask the user
   * and call again with `dateOrder`). Every attempt is audited without any message text.
   */
  async import(request: ImportRequest, job: ImportJob): Promise<ImportResult> {
    const importId = randomUUID();
    const vault = this.#session.vault();
    const { log, actor } = this.#session.audit();
    const db = vault.db;
    let threadId: string | null = null;
    let sourceSha256: string | undefined;
    const audit = (outcome: AuditOutcome, recordedThreadId: string | null) => {
      log.record({
        action: 'import',
        actor,
        objects: { importId, ...(recordedThreadId ? { threadId: recordedThreadId } : {}) },
        outcome,
        ...(sourceSha256 ? { hashes: { importSha256: sourceSha256 } } : {}),
      });
    };
    const live = () => {
      if (vault.closed) throw new WardscribeError('locked', 'The workstation locked during the import; the partial import will be discarded. Sign in and import again.');
      if (job.signal.aborted) throw cancelled();
    };

    let worker: ImportWorker | null = null;
    let leaveBulkWriteMode: (() => void) | null = null;
    this.#running++;
    try {
      live();
      worker = await this.#launchWorker();
      const reports = new WorkerReports(worker, job.signal);
      worker.post({
        type: 'start',
        task: {
          path: request.path,
          zone: request.zone,
          ...(request.dateOrder === undefined ? {} : { dateOrder: request.dateOrder }),
          ...(request.password === undefined ? {} : { password: request.password }),
          maxAttachmentBytes: this.#maxAttachmentBytes,
          messagesInFlight: MESSAGE_REPORTS_IN_FLIGHT,
        },
      });
      sourceSha256 = (await reports.expect('hashed')).sha256;
      live();
      refuseWipedExport(db, { sourceSha256 });
      const sameFile = findCompleteThreadBySourceSha256(db, sourceSha256);
      if (sameFile) {
        audit({ status: 'success', reason: 'duplicate' }, sameFile.id);
        return { threadId: sameFile.id, title: sameFile.title, source: sameFile.source, messageCount: sameFile.messageCount, duplicate: true, attachmentsSkipped: 0 };
      }

      worker.post({ type: 'parse' });
      await reports.expect('opened');
      live();

      const id = randomUUID();
      insertImportingThread(db, {
        id,
        zone: request.zone,
        importedBy: actor.userId,
        importedAt: this.#now(),
        sourceFileName: basename(request.path),
        sourcePath: resolve(request.path),
        sourceSha256,
      });
      threadId = id;
      this.#active.add(id);
      leaveBulkWriteMode = enterBulkWriteMode(db);

      let bytesDone = 0;
      let bytesTotal = 0;
      const writeBatch = db.transaction((messages: readonly ChatMessage[]) => insertMessages(db, id, messages));
      // The thread's first and last instants, kept as the messages pass (a min/max query over a
      // 700k-message thread at the end took 0.6 s inside the final transaction). ISO UTC
      // strings of one shape order as text, as SQLite's min() and max() would.
      const range: { first: string | null; last: string | null } = { first: null, last: null };
      let batch: ChatMessage[] = [];
      const flush = async () => {
        live();
        const began = performance.now();
        writeBatch.immediate(batch);
        for (const message of batch) {
          if (message.instant === null) continue;
          if (range.first === null || message.instant < range.first) range.first = message.instant;
          if (range.last === null || message.instant > range.last) range.last = message.instant;
        }
        this.#longestWriteMs = Math.max(this.#longestWriteMs, performance.now() - began);
        batch = [];
        this.#session.touch?.();
        job.progress(bytesDone, Math.max(bytesTotal, bytesDone), 'bytes');
        await nextTurn();
        live();
      };
      // The first message naming each attachment, so its bytes can be tied to it without a scan.
      const firstNaming = new Map<string, number>();
      let thread: ChatThread;
      for (;;) {
        const report = await reports.next();
        if (report.type === 'thread') {
          thread = report.thread;
          break;
        }
        if (report.type !== 'messages') throw unexpectedReport(report.type);
        bytesDone = report.bytesDone;
        bytesTotal = report.bytesTotal;
        for (const message of unpackMessages(report.messages)) {
          const { attachment, index } = message;
          if (attachment !== null && !firstNaming.has(attachment)) firstNaming.set(attachment, index);
          batch.push(message);
          if (batch.length >= this.#batchSize) await flush();
        }
        worker.post({ type: 'ack' });
      }
      if (batch.length > 0) await flush();

      const present = thread.attachments.filter((attachment) => attachment.present);
      let skipped = 0;
      for (const [position, attachment] of present.entries()) {
        live();
        worker.post({ type: 'media', name: attachment.name });
        const media = await reports.expect('media');
        live();
        if (media.content === null) {
          skipped++;
        } else {
          const content = Buffer.from(media.content.buffer, media.content.byteOffset, media.content.byteLength);
          const stored: StoredAttachment = {
            id: randomUUID(),
            threadId: id,
            messageId: firstNaming.has(attachment.name) ? messageIdAt(db, id, firstNaming.get(attachment.name)!) : null,
            originalName: attachment.name,
            generatedName: generatedName(position, attachment.name),
            byteLength: content.length,
            sha256: createHash('sha256').update(content).digest('hex'),
          };
          db.transaction(() => insertAttachment(db, stored, content)).immediate();
        }
        this.#session.touch?.();
        job.progress(position + 1, present.length, 'attachments');
        await nextTurn();
      }
      live();
      worker.terminate();

      const finished = thread;
      const existing = db
        .transaction((): StoredThread | null => {
          refuseWipedExport(db, { fingerprint: finished.fingerprint });
          const same = findCompleteThreadByFingerprint(db, finished.fingerprint);
          if (same) {
            deleteThread(db, id);
            return same;
          }
          insertParticipants(db, id, finished.participants);
          completeThread(db, id, {
            source: finished.source,
            title: finished.title,
            fingerprint: finished.fingerprint,
            dateOrder: finished.dateOrder,
            messageCount: finished.messageCount,
            firstInstant: range.first,
            lastInstant: range.last,
          });
          return null;
        })
        .immediate();
      this.#active.delete(id);
      threadId = null;
      if (existing) {
        // The same chat from a different file (a .txt of an imported .zip): what was written is gone.
        checkpointTruncate(db);
        audit({ status: 'success', reason: 'duplicate' }, existing.id);
        return { threadId: existing.id, title: existing.title, source: existing.source, messageCount: existing.messageCount, duplicate: true, attachmentsSkipped: 0 };
      }
      audit({ status: 'success', ...(skipped > 0 ? { reason: 'attachments-skipped' } : {}) }, id);
      return { threadId: id, title: finished.title, source: finished.source, messageCount: finished.messageCount, duplicate: false, attachmentsSkipped: skipped };
    } catch (error) {
      // The worker stops reading at once: a cancelled or failed import must not go on using the disk.
      worker?.terminate();
      const failure = vault.closed
        ? new WardscribeError('locked', 'The workstation locked during the import; the partial import will be discarded. Sign in and import again.')
        : error;
      if (threadId !== null) {
        this.#active.delete(threadId);
        if (!vault.closed) {
          // A partial thread never stays behind; if this fails, recoverIncomplete() removes it at the next unlock.
          try {
            deleteThread(db, threadId);
            checkpointTruncate(db);
          } catch {
            // Left for recoverIncomplete().
          }
        }
      }
      if (!vault.closed) {
        try {
          audit(failureOutcome(failure), threadId);
        } catch {
          // The trail refused or the vault closed: the import's own error matters more.
        }
      }
      throw failure;
    } finally {
      this.#running--;
      worker?.terminate();
      try {
        leaveBulkWriteMode?.();
      } catch {
        // The connection stays in rollback-journal mode (as safe, slower for small writes) until the next unlock.
      }
    }
  }

  /**
   * The longest single write transaction any import by this service has held the main thread
   * for, in milliseconds: the main thread's longest stall, which the benchmark reports.
   */
  get longestWriteMs(): number {
    return this.#longestWriteMs;
  }

  /**
   * Deletes every thread whose import never finished (a crash, a power cut, a lock mid-import),
   * with its messages, index entries and attachments, and audits each. Call at unlock, before
   * any import starts. Returns the ids removed.
   */
  recoverIncomplete(): string[] {
    const db = this.#session.vault().db;
    const leftovers = listImportingThreadIds(db).filter((id) => !this.#active.has(id));
    if (leftovers.length === 0) return [];
    db.transaction(() => leftovers.forEach((id) => deleteThread(db, id))).immediate();
    checkpointTruncate(db);
    const { log } = this.#session.audit();
    for (const id of leftovers) {
      // The system acts here, not the user who happens to unlock.
      log.record({ action: 'import', actor: null, objects: { threadId: id }, outcome: { status: 'failure', reason: 'interrupted-import-removed' } });
    }
    return leftovers;
  }

  /** True while an import is writing to the vault (a wipe, which replaces the vault file, must wait). */
  get importing(): boolean {
    return this.#running > 0;
  }

  /** Every complete thread, newest import first, with its participants. */
  listThreads(): (StoredThread & { participants: string[] })[] {
    const db = this.#session.vault().db;
    return listCompleteThreads(db).map((thread) => ({ ...thread, participants: listParticipants(db, thread.id) }));
  }

  /** A page of a complete thread's messages, in order. Reading the first page counts as opening the thread, and is audited. */
  messages(threadId: string, offset: number, limit: number): StoredMessage[] {
    const db = this.#session.vault().db;
    this.#requireComplete(threadId);
    if (offset === 0) {
      const { log, actor } = this.#session.audit();
      log.record({ action: 'thread-opened', actor, objects: { threadId }, outcome: { status: 'success' } });
    }
    return listMessages(db, threadId, Math.max(0, Math.floor(offset)), Math.min(MAX_PAGE, Math.max(0, Math.floor(limit))));
  }

  /** Messages of complete threads holding every word of `query` (words are searched for literally). */
  search(query: string, limit: number): MessageSearchHit[] {
    return searchMessages(this.#session.vault().db, query, Math.min(MAX_SEARCH_RESULTS, Math.max(0, Math.floor(limit))));
  }

  /** A complete thread's attachments (without their bytes). */
  attachments(threadId: string): StoredAttachment[] {
    this.#requireComplete(threadId);
    return listAttachments(this.#session.vault().db, threadId);
  }

  /** One attachment's bytes, from the vault (never a file on disk). */
  attachmentContent(attachmentId: string): { attachment: StoredAttachment; content: Buffer } {
    const found = readAttachmentContent(this.#session.vault().db, attachmentId);
    if (!found) throw new WardscribeError('not-found', 'That attachment is not in the vault.');
    return found;
  }

  #requireComplete(threadId: string): StoredThread {
    const thread = getCompleteThread(this.#session.vault().db, threadId);
    if (!thread) throw new WardscribeError('not-found', 'That thread is not in the vault.');
    return thread;
  }
}
