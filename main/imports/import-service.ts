import { createHash, randomUUID } from 'node:crypto';
import { basename, extname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ChatMessage, ChatSource, ChatThread, DateOrder, MessageFlag } from '../../shared/domain/chat';
import type { AuditActor, AuditOutcome } from '../../shared/domain/audit';
import type { AuditLog } from '../audit/audit-log';
import { WardscribeError } from '../errors';
import { openChatExport, titleFromFileName } from '../importers';
import { dateOrderUnknown } from '../importers/date-order';
import { readHead } from '../importers/whatsapp-head';
import { insertAttachment, listAttachments, moveAttachmentsToThread, type StoredAttachment } from '../vault/queries/attachments';
import { readChatIdentityKey } from '../vault/queries/chat-identity-key';
import { insertMessages, messageIdAt, moveMessagesToThread, nextOrdinal, placeMessage } from '../vault/queries/messages';
import { appendParticipants, insertParticipants } from '../vault/queries/participants';
import { findThreadByMergedSha256, insertThreadExport, listThreadExports } from '../vault/queries/thread-exports';
import {
  completeThread,
  deleteThread,
  findCompleteThreadByFingerprint,
  findCompleteThreadBySourceSha256,
  getCompleteThread,
  insertImportingThread,
  listCompleteThreads,
  listImportingThreadIds,
  recordThreadMerge,
  type StoredThread,
} from '../vault/queries/threads';
import { checkpointTruncate, enterBulkWriteMode, type Db } from '../vault/sqlcipher';
import { getWipe } from '../vault/queries/wipes';
import type { OpenVault } from '../vault/vault';
import { FINGERPRINT_BYTES, identityTime } from './chat-identity';
import { ExportMatcher, type FingerprintedMessage } from './export-matcher';
import { threadWorkerLauncher, type ImportWorker, type ImportWorkerLauncher } from './import-worker-host';
import { unpackMessages, type FromImportWorker } from './import-worker-protocol';

/** What the import service needs from the session: the open vault and the audit trail. */
export interface ImportSession {
  vault(): OpenVault;
  audit(): { log: AuditLog; actor: AuditActor };
  /** Counts as activity for the idle lock (a long import is not idleness). Optional. */
  touch?(): void;
  /** The vault lease (main/session/vault-lease.ts): an import holds it shared from start to end, so no wipe or key rotation can run under it. */
  withVault<T>(mode: 'shared', purpose: string, work: () => Promise<T>): Promise<T>;
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
  /**
   * With `needsDateOrder`: the order a chat of the same name was imported with, when the vault has
   * one (tomorrow's export of the same group). Pointed out, never assumed: the user still chooses,
   * and the comparison that follows shows whether the messages line up with that chat's.
   */
  readonly rememberedOrder?: { readonly order: DateOrder; readonly threadTitle: string };
  /** Exact when the whole export was read during inspection, else extrapolated from bytes read. */
  readonly messageCountEstimate?: number;
}

/** Where an export of a chat already in the vault goes: its new messages into that thread (the default), or a thread of its own. */
export type ImportPlacement = 'merge' | 'separate';

export interface ImportRequest {
  readonly path: string;
  readonly zone: string;
  readonly dateOrder?: DateOrder;
  readonly password?: string;
  /** Default `merge`. Wiped messages are skipped either way. */
  readonly placement?: ImportPlacement;
}

/** What an export holds against the vault: which thread it is another export of, and how many of its messages are new. */
export interface ExportComparison {
  /** The thread this export was recognised as another export of (see export-matcher.ts), or null. */
  readonly knownThread: { readonly id: string; readonly title: string | null; readonly importedAt: string; readonly mergedAt: readonly string[] } | null;
  /** The title the export itself gives (differs from the thread's when the group was renamed). */
  readonly exportTitle: string | null;
  /** Messages the export holds; null when it was not read (the same file as before). */
  readonly exportMessages: number | null;
  /** Messages that are added (to the known thread when merging, else to a new one). */
  readonly newMessages: number;
  /** Messages already in the known thread (merge) and not written again. */
  readonly alreadyHere: number;
  /** Messages securely wiped before: never written again. */
  readonly wiped: number;
  /** When those were wiped (ISO instants, oldest first). */
  readonly wipedOn: readonly string[];
  /** New messages whose time falls between messages already in the thread: placed by time and flagged. */
  readonly placedBetween: number;
  /** The very same file was imported before. */
  readonly identicalFile: boolean;
  /** Of the new messages: who sent them, their first and last instants, and how many carry each flag (shown before anything is written). */
  readonly newSenders?: string[];
  readonly newFirstInstant?: string | null;
  readonly newLastInstant?: string | null;
  readonly newFlagCounts?: Record<string, number>;
}

export type ImportProgressUnit = 'bytes' | 'attachments';

export interface ImportJob {
  readonly signal: AbortSignal;
  progress(done: number, total: number, unit: ImportProgressUnit): void;
}

export interface ImportResult {
  /** The thread the messages went into (a new one, or the one merged into). */
  readonly threadId: string;
  readonly title: string | null;
  readonly source: ChatSource;
  /** Messages the thread holds now. */
  readonly messageCount: number;
  /** True when this export was already in the vault: the existing thread is returned, nothing was added. */
  readonly duplicate: boolean;
  readonly placement: ImportPlacement;
  readonly comparison: ExportComparison;
  /** Attachments the export carried but that were larger than the limit and not kept. */
  readonly attachmentsSkipped: number;
}

/**
 * Messages an import reads before deciding which thread, if any, it is another export of: the
 * oldest of the export, held back (not written) until then.
 */
const IDENTIFY_SAMPLE = 2_000;
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

/** The message of the importer's "date order not proven" error, to tell it from other rejections. */
const DATE_ORDER_UNKNOWN_MESSAGE = dateOrderUnknown().message;

function isDateOrderUnknown(error: unknown): boolean {
  return error instanceof WardscribeError && error.code === 'rejected' && error.message === DATE_ORDER_UNKNOWN_MESSAGE;
}

function cancelled(): WardscribeError {
  return new WardscribeError('cancelled', 'The import was cancelled. Nothing of this export was stored.');
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

/** Refusals already audited with their own outcome (the catch-all must not audit them again). */
const audited = new WeakSet<object>();

/** What an import that would add nothing, and has no thread to add to, tells the user. */
function nothingNewMessage(wiped: number, wipedOn: readonly string[]): string {
  if (wiped === 0) return 'This export holds no messages to import.';
  const dates = [...new Set(wipedOn.map((at) => at.slice(0, 10)))].join(', ');
  return `Nothing new to import: ${wiped === 1 ? 'the 1 message' : `all ${wiped} messages`} of this export ${wiped === 1 ? 'was' : 'were'} securely wiped on ${dates} after ${wiped === 1 ? 'its' : 'their'} advice was filed, and ${wiped === 1 ? 'is' : 'are'} not brought back.`;
}

/** When each of these wipes was done, oldest first. */
function wipedDates(db: Db, wipeIds: ReadonlySet<string>): string[] {
  return [...wipeIds].map((wipeId) => getWipe(db, wipeId)?.startedAt ?? '').filter((at) => at !== '').sort();
}

/**
 * Positions for merged messages whose time falls between messages already in the thread:
 * after the last message at or before their time, spread evenly before the next one, in the
 * order they came. (`timeline`: the thread's messages in the order shown.)
 */
export function placeBetween(
  between: readonly { staged: number; time: string; flags: readonly MessageFlag[] }[],
  timeline: readonly { time: string; sortKey: number }[],
): { staged: number; position: number; flags: readonly MessageFlag[] }[] {
  const byAnchor = new Map<number, { staged: number; flags: readonly MessageFlag[] }[]>();
  for (const entry of between) {
    // The last message at or before the time: a binary search, the thread being in time order but for the odd late line.
    let low = 0;
    let high = timeline.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (timeline[middle]!.time <= entry.time) low = middle + 1;
      else high = middle;
    }
    const anchor = low - 1;
    if (anchor >= timeline.length - 1) continue; // after everything: it simply comes last
    const group = byAnchor.get(anchor) ?? [];
    group.push(entry);
    byAnchor.set(anchor, group);
  }
  const placed: { staged: number; position: number; flags: readonly MessageFlag[] }[] = [];
  for (const [anchor, group] of byAnchor) {
    const after = timeline[anchor + 1]!.sortKey;
    const before = anchor >= 0 ? timeline[anchor]!.sortKey : after - 1;
    group.forEach((entry, at) => placed.push({ staged: entry.staged, position: before + ((after - before) * (at + 1)) / (group.length + 1), flags: entry.flags }));
  }
  return placed;
}

/**
 * Imports chat exports into the vault (main/threads/thread-reader.ts reads them back).
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
      const title = titleFromFileName(path);
      const remembered = this.#rememberedOrder(title, chat.source);
      return { source: chat.source, title, dateOrder: null, needsDateOrder: true, ...(remembered ? { rememberedOrder: remembered } : {}) };
    } finally {
      await chat.messages.return(undefined as never).catch(() => undefined);
      await chat.close();
    }
    const bytesTotal = total as number | null;
    const estimate = bytesTotal !== null && done > 0 ? Math.max(count, Math.round((count * bytesTotal) / done)) : count;
    return { source: chat.source, title: titleFromFileName(path), dateOrder: order, needsDateOrder: false, messageCountEstimate: estimate };
  }

  /**
   * Imports one export. An export of a chat already in the vault (recognised message by message,
   * see export-matcher.ts) adds only its new messages to that thread, unless `placement` is
   * `separate`; messages wiped before are never written, whatever the placement. Rejects with
   * `cancelled` when the signal fires, with `rejected` for an unreadable export (including an
   * unproven date order: ask the user and call again with `dateOrder`). Every attempt is audited
   * without any message text.
   */
  import(request: ImportRequest, job: ImportJob): Promise<ImportResult> {
    return this.#session.withVault('shared', 'an import is running', () => this.#read(request, job, true)) as Promise<ImportResult>;
  }

  /**
   * Reads an export as import() would and says what importing it would do (which thread it is
   * another export of, how many messages are new, already here, or wiped), writing nothing.
   */
  async compare(request: ImportRequest, job: ImportJob): Promise<ExportComparison> {
    return ((await this.#session.withVault('shared', 'an export is being compared', () => this.#read(request, job, false))) as ImportResult).comparison;
  }

  /** The one date order the vault's chats called `title` (of this kind) were read with, if they agree on one. */
  #rememberedOrder(title: string | null, source: ChatSource | 'whatsapp'): { order: DateOrder; threadTitle: string } | null {
    const wanted = title?.trim().toLowerCase();
    if (!wanted) return null;
    const sameKind = (other: ChatSource) => other === source || (source === 'whatsapp' && other.startsWith('whatsapp'));
    const matches = listCompleteThreads(this.#session.vault().db).filter((thread) => thread.title?.trim().toLowerCase() === wanted && sameKind(thread.source) && thread.dateOrder !== null);
    const orders = new Set(matches.map((thread) => thread.dateOrder!.order));
    return orders.size === 1 ? { order: [...orders][0]!, threadTitle: matches[0]!.title! } : null;
  }

  async #read(request: ImportRequest, job: ImportJob, write: boolean): Promise<ImportResult> {
    const importId = randomUUID();
    const vault = this.#session.vault();
    const { log, actor } = this.#session.audit();
    const db = vault.db;
    const placement: ImportPlacement = request.placement ?? 'merge';
    let threadId: string | null = null;
    let sourceSha256: string | undefined;
    const audit = (outcome: AuditOutcome, recordedThreadId: string | null) => {
      if (!write) return;
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
      const identityKey = readChatIdentityKey(db);
      try {
        worker.post({
          type: 'start',
          task: {
            path: request.path,
            zone: request.zone,
            ...(request.dateOrder === undefined ? {} : { dateOrder: request.dateOrder }),
            ...(request.password === undefined ? {} : { password: request.password }),
            maxAttachmentBytes: this.#maxAttachmentBytes,
            messagesInFlight: MESSAGE_REPORTS_IN_FLIGHT,
            identityKey: new Uint8Array(identityKey),
          },
        });
      } finally {
        // Posting copied it for the worker; this copy is not kept.
        identityKey.fill(0);
      }
      sourceSha256 = (await reports.expect('hashed')).sha256;
      live();
      const sameFileThreadId = findCompleteThreadBySourceSha256(db, sourceSha256)?.id ?? findThreadByMergedSha256(db, sourceSha256);
      const sameFile = sameFileThreadId ? getCompleteThread(db, sameFileThreadId) : null;
      if (sameFile && placement === 'merge') {
        audit({ status: 'success', reason: 'duplicate' }, sameFile.id);
        return {
          threadId: sameFile.id,
          title: sameFile.title,
          source: sameFile.source,
          messageCount: sameFile.messageCount,
          duplicate: true,
          attachmentsSkipped: 0,
          placement,
          comparison: { ...this.#knownThread(db, sameFile), exportTitle: sameFile.title, exportMessages: null, newMessages: 0, alreadyHere: sameFile.messageCount, wiped: 0, wipedOn: [], placedBetween: 0, identicalFile: true },
        };
      }

      worker.post({ type: 'parse' });
      const opened = await reports.expect('opened');
      live();
      const matcher = new ExportMatcher(db, opened.source);

      // The first messages, held back until the export has been recognised (or not).
      const held: { messages: ChatMessage[]; identities: Uint8Array; occurrences: Uint32Array }[] = [];
      let heldCount = 0;
      let bytesDone = 0;
      let bytesTotal = 0;
      let thread: ChatThread | null = null;
      /** The worker's next chunk of messages (its bytes counted), or the thread once every message has come. */
      const nextChunk = async (): Promise<{ readonly chunk: (typeof held)[number] } | { readonly thread: ChatThread }> => {
        const report = await reports.next();
        if (report.type === 'thread') return { thread: report.thread };
        if (report.type !== 'messages') throw unexpectedReport(report.type);
        bytesDone = report.bytesDone;
        bytesTotal = report.bytesTotal;
        return { chunk: { messages: unpackMessages(report.messages), identities: report.identities, occurrences: report.occurrences } };
      };
      while (heldCount < IDENTIFY_SAMPLE) {
        const next = await nextChunk();
        if ('thread' in next) {
          thread = next.thread;
          break;
        }
        held.push(next.chunk);
        heldCount += next.chunk.messages.length;
        worker.post({ type: 'ack' });
      }
      live();
      const sample: FingerprintedMessage[] = held
        .flatMap((chunk) => chunk.messages.map((message, at) => ({ message, identity: Buffer.from(chunk.identities.buffer, chunk.identities.byteOffset + at * FINGERPRINT_BYTES, FINGERPRINT_BYTES) })))
        .slice(0, IDENTIFY_SAMPLE);
      const match = matcher.identify(sample);
      if (match && placement === 'merge') matcher.useTarget(match.thread);
      // Nothing to compare the rest against: the worker may spare itself the HMAC from here on.
      if (!matcher.comparesMessages) worker.post({ type: 'unkeyed' });
      const target = matcher.target;
      const timeline = matcher.targetTimeline;
      const targetLastTime = timeline.reduce<string | null>((latest, entry) => (latest === null || entry.time > latest ? entry.time : latest), null);

      const id = randomUUID();
      if (write) {
        // A merge is written under a thread of its own, invisible until its last transaction moves the messages in.
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
      }

      const counts = { added: 0, alreadyHere: 0, wiped: 0 };
      const wipedBy = new Set<string>();
      const senders = new Set<string>();
      /** New messages whose time falls before the target's last: placed between, by time. */
      const between: { staged: number; time: string; flags: readonly MessageFlag[] }[] = [];
      const writeBatch = db.transaction((messages: readonly ChatMessage[], occurrences: readonly number[]) => insertMessages(db, id, messages, occurrences));
      // The first and last instants of what is added, kept as the messages pass (a min/max query over a
      // 700k-message thread at the end took 0.6 s inside the final transaction). ISO UTC
      // strings of one shape order as text, as SQLite's min() and max() would.
      const range: { first: string | null; last: string | null } = { first: target?.firstInstant ?? null, last: target?.lastInstant ?? null };
      // The new messages alone, for the confirm step (range above also spans the thread merged into).
      const newRange: { first: string | null; last: string | null } = { first: null, last: null };
      const newFlagCounts: Record<string, number> = {};
      let batch: ChatMessage[] = [];
      let batchOccurrences: number[] = [];
      const flush = async () => {
        live();
        const began = performance.now();
        if (write) writeBatch.immediate(batch, batchOccurrences);
        this.#longestWriteMs = Math.max(this.#longestWriteMs, performance.now() - began);
        batch = [];
        batchOccurrences = [];
        this.#session.touch?.();
        job.progress(bytesDone, Math.max(bytesTotal, bytesDone), 'bytes');
        await nextTurn();
        live();
      };
      // The first new message naming each attachment (by its ordinal as written), so its bytes can be tied to it without a scan.
      const firstNaming = new Map<string, number>();
      const take = async (chunk: { messages: ChatMessage[]; identities: Uint8Array; occurrences: Uint32Array }) => {
        const verdicts = matcher.classify(chunk.messages, chunk.identities);
        for (let at = 0; at < chunk.messages.length; at++) {
          const verdict = verdicts[at]!;
          if (verdict.kind === 'here') {
            counts.alreadyHere++;
            continue;
          }
          if (verdict.kind === 'wiped') {
            counts.wiped++;
            wipedBy.add(verdict.wipeId);
            continue;
          }
          const parsed = chunk.messages[at]!;
          const staged = counts.added++;
          // Ordinals are dense: a message after a skipped one takes the next number.
          const message = staged === parsed.index ? parsed : { ...parsed, index: staged };
          if (message.kind === 'message' && message.sender !== null) senders.add(message.sender);
          if (message.instant !== null) {
            if (range.first === null || message.instant < range.first) range.first = message.instant;
            if (range.last === null || message.instant > range.last) range.last = message.instant;
          }
          if (message.instant !== null) {
            if (newRange.first === null || message.instant < newRange.first) newRange.first = message.instant;
            if (newRange.last === null || message.instant > newRange.last) newRange.last = message.instant;
          }
          for (const flag of message.flags) newFlagCounts[flag] = (newFlagCounts[flag] ?? 0) + 1;
          if (targetLastTime !== null) {
            const time = identityTime(matcher.source, message);
            if (time < targetLastTime) between.push({ staged, time, flags: message.flags });
          }
          if (!write) continue;
          const { attachment } = message;
          if (attachment !== null && !firstNaming.has(attachment)) firstNaming.set(attachment, staged);
          batch.push(message);
          batchOccurrences.push(chunk.occurrences[at]!);
          if (batch.length >= this.#batchSize) await flush();
        }
      };
      for (const chunk of held.splice(0)) await take(chunk);
      while (thread === null) {
        const next = await nextChunk();
        if ('thread' in next) {
          thread = next.thread;
          break;
        }
        // Acknowledged once written, so the worker runs at most a few chunks ahead of the vault.
        await take(next.chunk);
        worker.post({ type: 'ack' });
      }
      if (batch.length > 0) await flush();
      const finished: ChatThread = thread;
      const wipedOn = wipedDates(db, wipedBy);
      const comparison: ExportComparison = {
        ...(match ? this.#knownThread(db, match.thread) : { knownThread: null }),
        exportTitle: finished.title,
        exportMessages: finished.messageCount,
        newMessages: counts.added,
        alreadyHere: counts.alreadyHere,
        wiped: counts.wiped,
        wipedOn,
        placedBetween: between.length,
        identicalFile: false,
        newSenders: [...senders].sort((a, b) => a.localeCompare(b)),
        newFirstInstant: newRange.first,
        newLastInstant: newRange.last,
        newFlagCounts,
      };
      if (!write) {
        worker.terminate();
        return { threadId: target?.id ?? '', title: target?.title ?? finished.title, source: finished.source, messageCount: finished.messageCount, duplicate: false, attachmentsSkipped: 0, placement, comparison };
      }

      // Media only of messages added: what is already here is kept, what was wiped stays wiped.
      const skippedAny = counts.alreadyHere > 0 || counts.wiped > 0;
      const present = finished.attachments.filter((attachment) => attachment.present && (!skippedAny || firstNaming.has(attachment.name)));
      const taken = target ? new Set(listAttachments(db, target.id).map((attachment) => attachment.originalName)) : new Set<string>();
      let skipped = 0;
      for (const [position, attachment] of present.entries()) {
        live();
        if (taken.has(attachment.name)) continue;
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

      const outcome = db
        .transaction((): { kind: 'new' | 'merged' | 'nothing-new' } | { kind: 'duplicate'; thread: StoredThread } => {
          if (target) {
            this.#mergeInto(db, { stagingId: id, target, finished, added: counts.added, between, timeline, range, senders: [...senders] });
            insertThreadExport(db, {
              threadId: target.id,
              importedAt: this.#now().toISOString(),
              importedBy: actor.userId,
              sourceFileName: basename(request.path),
              sourceSha256: sourceSha256!,
              added: counts.added,
              alreadyHere: counts.alreadyHere,
              wipedSkipped: counts.wiped,
            });
            return { kind: 'merged' };
          }
          const same = findCompleteThreadByFingerprint(db, finished.fingerprint);
          if (same) {
            deleteThread(db, id);
            if (placement === 'separate') {
              throw new WardscribeError(
                'conflict',
                `This export holds exactly the messages of “${same.title ?? 'Untitled chat'}”, already in the vault: a separate thread would only repeat them. Nothing was imported.`,
              );
            }
            return { kind: 'duplicate', thread: same };
          }
          if (counts.added === 0) {
            // Nothing new: every message is wiped (or, in a separate import, there were none).
            deleteThread(db, id);
            return { kind: 'nothing-new' };
          }
          insertParticipants(db, id, [...senders]);
          completeThread(db, id, {
            source: finished.source,
            title: finished.title,
            fingerprint: finished.fingerprint,
            dateOrder: finished.dateOrder,
            messageCount: counts.added,
            firstInstant: range.first,
            lastInstant: range.last,
          });
          return { kind: 'new' };
        })
        .immediate();
      this.#active.delete(id);
      threadId = null;
      if (outcome.kind !== 'new') checkpointTruncate(db);
      if (outcome.kind === 'duplicate') {
        // The same chat from a different file (a .txt of an imported .zip): what was written is gone.
        const existing = outcome.thread;
        audit({ status: 'success', reason: 'duplicate' }, existing.id);
        return { threadId: existing.id, title: existing.title, source: existing.source, messageCount: existing.messageCount, duplicate: true, attachmentsSkipped: 0, placement, comparison };
      }
      if (outcome.kind === 'nothing-new') {
        audit({ status: 'refused', reason: counts.wiped > 0 ? 'only-wiped-messages' : 'no-messages' }, null);
        const refusal = new WardscribeError('conflict', nothingNewMessage(counts.wiped, wipedOn));
        audited.add(refusal);
        throw refusal;
      }
      if (outcome.kind === 'merged') {
        const merged = getCompleteThread(db, target!.id)!;
        // Nothing new and nothing wiped: the same chat again (a .txt of an imported .zip, or an export with no new messages).
        const duplicate = counts.added === 0 && counts.wiped === 0;
        audit({ status: 'success', reason: duplicate ? 'duplicate' : counts.wiped > 0 ? 'merged-wiped-skipped' : 'merged' }, merged.id);
        return { threadId: merged.id, title: merged.title, source: merged.source, messageCount: merged.messageCount, duplicate, attachmentsSkipped: skipped, placement, comparison };
      }
      audit({ status: 'success', ...(counts.wiped > 0 ? { reason: 'wiped-skipped' } : skipped > 0 ? { reason: 'attachments-skipped' } : {}) }, id);
      return { threadId: id, title: finished.title, source: finished.source, messageCount: counts.added, duplicate: false, attachmentsSkipped: skipped, placement, comparison };
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
      if (!vault.closed && !audited.has(failure as object)) {
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

  /** Who the thread is, for the comparison: its title and when it and later exports of it were imported. */
  #knownThread(db: Db, thread: StoredThread): Pick<ExportComparison, 'knownThread'> {
    return {
      knownThread: { id: thread.id, title: thread.title, importedAt: thread.importedAt, mergedAt: listThreadExports(db, thread.id).map((merged) => merged.importedAt) },
    };
  }

  /**
   * The merge's last step, inside its transaction: the staging thread's messages move into the
   * target with their ordinals continued; those whose time falls between messages already here
   * are placed by time and flagged `merged-between`; attachments, participants, count and range
   * follow. A wipe or change of the target meanwhile stops it (nothing is added).
   */
  #mergeInto(
    db: Db,
    merge: {
      stagingId: string;
      target: StoredThread;
      finished: ChatThread;
      added: number;
      between: readonly { staged: number; time: string; flags: readonly MessageFlag[] }[];
      timeline: readonly { time: string; sortKey: number }[];
      range: { first: string | null; last: string | null };
      senders: readonly string[];
    },
  ): void {
    const { stagingId, target, finished } = merge;
    const current = getCompleteThread(db, target.id);
    if (!current) throw new WardscribeError('conflict', 'The chat this export belongs to was wiped or removed while it was being imported. Nothing was added; import it again.');
    if (current.source !== finished.source) {
      throw new WardscribeError(
        'conflict',
        `This export was made by a different app or phone (${finished.source}) than “${current.title ?? 'Untitled chat'}” (${current.source}): its messages cannot be matched reliably. Import it as a separate thread.`,
      );
    }
    const base = nextOrdinal(db, target.id);
    moveMessagesToThread(db, stagingId, target.id, base);
    for (const { staged, position, flags } of placeBetween(merge.between, merge.timeline)) {
      const messageId = messageIdAt(db, target.id, base + staged);
      if (messageId !== null) placeMessage(db, messageId, position, [...flags, 'merged-between']);
    }
    moveAttachmentsToThread(db, stagingId, target.id);
    appendParticipants(db, target.id, merge.senders);
    recordThreadMerge(db, target.id, { messageCount: current.messageCount + merge.added, firstInstant: merge.range.first, lastInstant: merge.range.last });
    deleteThread(db, stagingId);
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

  /** True while an import is under way (for status only: the vault lease is what keeps a wipe out). */
  get importing(): boolean {
    return this.#running > 0;
  }
}
