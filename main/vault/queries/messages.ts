import type { ChatMessage, MessageFlag, ParseWarning } from '../../../shared/domain/chat';
import type Database from 'better-sqlite3-multiple-ciphers';
import type { SearchOrder } from '../../../shared/ipc/work-queue';
import { matchExpression, parseSearch, type SearchTerm } from '../search-query';
import { rankWithin, snippet, termOccursIn } from '../search-rank';
import type { Db } from '../sqlcipher';

/** A row of `messages` as SQLite returns it. */
interface MessageRow {
  id: number;
  thread_id: string;
  ordinal: number;
  sender: string | null;
  kind: 'message' | 'system';
  text: string;
  head: string;
  local_time: string;
  zone: string;
  instant: string | null;
  flags_json: string;
  warnings_json: string;
  attachment_name: string | null;
  line: number;
  occurrence: number;
  position: number | null;
}

/** A message as stored: the parsed message plus its vault id and thread. */
export interface StoredMessage {
  readonly id: number;
  readonly threadId: string;
  /** 0-based position in the thread (the importer's `index`). */
  readonly ordinal: number;
  readonly sender: string | null;
  readonly kind: 'message' | 'system';
  readonly text: string;
  readonly head: string;
  readonly localTime: string;
  readonly zone: string;
  readonly instant: string | null;
  readonly flags: readonly MessageFlag[];
  readonly warnings: readonly ParseWarning[];
  readonly attachment: string | null;
  readonly line: number;
  /** Identical messages (sender, time, text) before this one in its export: part of its chat identity. */
  readonly occurrence: number;
  /** Where a message merged in from a later export is shown, when its time falls between others; null: at its ordinal. */
  readonly position: number | null;
}

/** One search result. `snippet` is the matching passage cut into plain and matched runs (no markup to render). */
export interface MessageSearchHit {
  readonly threadId: string;
  readonly messageId: number;
  readonly ordinal: number;
  readonly sender: string | null;
  readonly localTime: string;
  readonly instant: string | null;
  readonly snippet: readonly { readonly text: string; readonly match: boolean }[];
}

// A message names its thread by `threads.seq` (migration 0006); readers get the thread's id.
const COLUMNS =
  't.id AS thread_id, m.id, m.ordinal, m.sender, m.kind, m.text, m.head, m.local_time, m.zone, m.instant, m.flags_json, m.warnings_json, m.attachment_name, m.line, m.occurrence, m.position';
const FROM_MESSAGES = 'messages AS m JOIN threads AS t ON t.seq = m.thread_seq';

function toMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    threadId: row.thread_id,
    ordinal: row.ordinal,
    sender: row.sender,
    kind: row.kind,
    text: row.text,
    head: row.head,
    localTime: row.local_time,
    zone: row.zone,
    instant: row.instant,
    flags: JSON.parse(row.flags_json) as MessageFlag[],
    warnings: JSON.parse(row.warnings_json) as ParseWarning[],
    attachment: row.attachment_name,
    line: row.line,
    occurrence: row.occurrence,
    position: row.position,
  };
}

/** Columns written by insertMessages(), in the order their values are bound. */
const INSERT_COLUMNS = 'thread_seq, ordinal, sender, kind, text, head, local_time, zone, instant, flags_json, warnings_json, attachment_name, line, occurrence';
const VALUES_PER_ROW = 14;
/**
 * Rows per INSERT statement. The FTS5 index follows `messages` by trigger, and a statement whose
 * trigger writes a virtual table opens a statement savepoint, at which FTS5 flushes its pending
 * index data to disk. Inserting row by row therefore flushes the index once per message (about
 * 14 µs each, five times the cost of the row itself); many rows per statement flush once per
 * statement. 256 rows is 3,584 bound values, well under SQLite's limit of 32,766.
 */
const ROWS_PER_STATEMENT = 256;

const insertStatements = new WeakMap<Db, Map<number, Database.Statement>>();

/** The prepared multi-row INSERT for `rows` rows on this connection (kept for its lifetime). */
function insertStatement(db: Db, rows: number): Database.Statement {
  let byRows = insertStatements.get(db);
  if (!byRows) insertStatements.set(db, (byRows = new Map()));
  let statement = byRows.get(rows);
  if (!statement) {
    const rowPlaceholders = `(${Array<string>(VALUES_PER_ROW).fill('?').join(', ')})`;
    // Only the column list and '?' placeholders are spliced in: every value is bound.
    const sql = `INSERT INTO messages (${INSERT_COLUMNS}) VALUES ${Array<string>(rows).fill(rowPlaceholders).join(', ')}`;
    statement = db.prepare(sql);
    byRows.set(rows, statement);
  }
  return statement;
}

/** JSON for a message's flags or warnings; the empty list (nearly every message) without a stringify call. */
function jsonList(list: readonly unknown[]): string {
  return list.length === 0 ? '[]' : JSON.stringify(list);
}

/**
 * Inserts messages (the FTS index follows by trigger), many rows per statement. Call inside a
 * transaction: a batch is meant to be committed whole or not at all.
 */
export function insertMessages(db: Db, threadId: string, messages: readonly ChatMessage[], occurrences?: ArrayLike<number>): void {
  const seq = threadSeq(db, threadId);
  const values: unknown[] = [];
  for (let start = 0; start < messages.length; start += ROWS_PER_STATEMENT) {
    const end = Math.min(messages.length, start + ROWS_PER_STATEMENT);
    values.length = 0;
    for (let index = start; index < end; index++) {
      const message = messages[index]!;
      values.push(
        seq,
        message.index,
        message.sender,
        message.kind,
        message.text,
        message.head,
        message.localTime,
        message.zone,
        message.instant,
        jsonList(message.flags),
        jsonList(message.warnings),
        message.attachment,
        message.line,
        occurrences?.[index] ?? 0,
      );
    }
    insertStatement(db, end - start).run(values);
  }
}

/** The number a thread's messages carry in place of its id; throws if there is no such thread. */
function threadSeq(db: Db, threadId: string): number {
  const row = db.prepare('SELECT seq FROM threads WHERE id = ?').get(threadId) as { seq: number } | undefined;
  if (!row) throw new Error('messages were written for a thread that does not exist');
  return row.seq;
}

/**
 * A page of a thread's messages in the order they are shown. Does not check the thread is
 * complete: callers do. `placed`: the thread has had later exports merged into it, so some
 * messages may be shown between others (by `position`); otherwise a message's place is its
 * ordinal and the page is read through the (thread, ordinal) index.
 */
export function listMessages(db: Db, threadId: string, offset: number, limit: number, placed = false): StoredMessage[] {
  if (placed) {
    return (
      db
        .prepare(`SELECT ${COLUMNS} FROM ${FROM_MESSAGES} WHERE t.id = ? ORDER BY coalesce(m.position, m.ordinal), m.ordinal LIMIT ? OFFSET ?`)
        .all(threadId, limit, offset) as MessageRow[]
    ).map(toMessage);
  }
  return (
    db.prepare(`SELECT ${COLUMNS} FROM ${FROM_MESSAGES} WHERE t.id = ? AND m.ordinal >= ? ORDER BY m.ordinal LIMIT ?`).all(threadId, offset, limit) as MessageRow[]
  ).map(toMessage);
}

/**
 * The first message of a thread sent on or after `day` (YYYY-MM-DD, the thread's own wall clock):
 * its place in the order listMessages() shows (`index`) and its ordinal; null when every message
 * is earlier. Local times are ISO text, so comparing them as text compares them as times.
 */
export function firstMessageFrom(db: Db, threadId: string, day: string, placed = false): { index: number; ordinal: number } | null {
  const row = placed
    ? (db
        .prepare(
          `SELECT place AS idx, ordinal FROM (SELECT row_number() OVER (ORDER BY coalesce(m.position, m.ordinal), m.ordinal) - 1 AS place, m.ordinal, m.local_time
             FROM ${FROM_MESSAGES} WHERE t.id = ?) WHERE local_time >= ? ORDER BY place LIMIT 1`,
        )
        .get(threadId, day) as { idx: number; ordinal: number } | undefined)
    : (db.prepare(`SELECT m.ordinal AS idx, m.ordinal FROM ${FROM_MESSAGES} WHERE t.id = ? AND m.local_time >= ? ORDER BY m.ordinal LIMIT 1`).get(threadId, day) as
        | { idx: number; ordinal: number }
        | undefined);
  return row ? { index: row.idx, ordinal: row.ordinal } : null;
}

/**
 * Where the message numbered `ordinal` is shown in its thread (0-based), or null: in a merged
 * thread (`placed`) by time, as listMessages shows it; otherwise its number is its place.
 */
export function messagePlace(db: Db, threadId: string, ordinal: number, placed = false): number | null {
  const target = db.prepare(`SELECT coalesce(m.position, m.ordinal) AS at, t.seq FROM ${FROM_MESSAGES} WHERE t.id = ? AND m.ordinal = ?`).get(threadId, ordinal) as { at: number; seq: number } | undefined;
  if (!target) return null;
  if (!placed) return ordinal;
  const before = db
    .prepare('SELECT count(*) AS n FROM messages WHERE thread_seq = ? AND (coalesce(position, ordinal) < ? OR (coalesce(position, ordinal) = ? AND ordinal < ?))')
    .get(target.seq, target.at, target.at, ordinal) as { n: number };
  return before.n;
}

/** What a stored message's chat identity is computed from, in the order the thread shows them. */
export interface IdentityRow {
  readonly id: number;
  readonly ordinal: number;
  readonly kind: 'message' | 'system';
  readonly sender: string | null;
  readonly text: string;
  readonly localTime: string;
  readonly instant: string | null;
  readonly flags: readonly MessageFlag[];
  readonly occurrence: number;
  readonly position: number | null;
  readonly attachment: string | null;
}

/** Every message of a thread with the fields its identity needs, in the order shown. */
export function* identityRows(db: Db, threadId: string): Generator<IdentityRow> {
  const statement = db.prepare(
    `SELECT m.id, m.ordinal, m.kind, m.sender, m.text, m.local_time, m.instant, m.flags_json, m.occurrence, m.position, m.attachment_name
     FROM ${FROM_MESSAGES} WHERE t.id = ? ORDER BY coalesce(m.position, m.ordinal), m.ordinal`,
  );
  for (const row of statement.iterate(threadId) as Iterable<{
    id: number;
    ordinal: number;
    kind: 'message' | 'system';
    sender: string | null;
    text: string;
    local_time: string;
    instant: string | null;
    flags_json: string;
    occurrence: number;
    position: number | null;
    attachment_name: string | null;
  }>) {
    yield {
      id: row.id,
      ordinal: row.ordinal,
      kind: row.kind,
      sender: row.sender,
      text: row.text,
      localTime: row.local_time,
      instant: row.instant,
      flags: JSON.parse(row.flags_json) as MessageFlag[],
      occurrence: row.occurrence,
      position: row.position,
      attachment: row.attachment_name,
    };
  }
}

/** Every message of a thread by id and kind, in the order shown: what the wipe gate counts. */
export function threadMessageKinds(db: Db, threadId: string): { id: number; kind: 'message' | 'system' }[] {
  return db.prepare(`SELECT m.id, m.kind FROM ${FROM_MESSAGES} WHERE t.id = ? ORDER BY coalesce(m.position, m.ordinal), m.ordinal`).all(threadId) as {
    id: number;
    kind: 'message' | 'system';
  }[];
}

/** Stored messages by vault id (any thread), for marking and identity. Does not check threads are complete. */
export function getMessagesByIds(db: Db, ids: readonly number[]): StoredMessage[] {
  const found: StoredMessage[] = [];
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    // Only constants and '?' placeholders are spliced in: every id is bound.
    const sql = `SELECT ${COLUMNS} FROM ${FROM_MESSAGES} WHERE m.id IN (${chunk.map(() => '?').join(', ')})`;
    found.push(...(db.prepare(sql).all(...chunk) as MessageRow[]).map(toMessage));
  }
  return found;
}

/**
 * Moves every message of a staging thread into `targetThreadId`, their ordinals continued after
 * `ordinalBase` - 1. Call inside the merge's transaction. The index is keyed by message id, so it
 * stays valid.
 */
export function moveMessagesToThread(db: Db, fromThreadId: string, targetThreadId: string, ordinalBase: number): number {
  return db
    .prepare('UPDATE messages SET thread_seq = (SELECT seq FROM threads WHERE id = @target), ordinal = ordinal + @base WHERE thread_seq = (SELECT seq FROM threads WHERE id = @from)')
    .run({ target: targetThreadId, from: fromThreadId, base: ordinalBase }).changes;
}

/** Shows a merged message between two others (see listMessages) and records its flags. */
export function placeMessage(db: Db, id: number, position: number, flags: readonly MessageFlag[]): void {
  db.prepare('UPDATE messages SET position = ?, flags_json = ? WHERE id = ?').run(position, JSON.stringify(flags), id);
}

/** One past the highest ordinal of a thread (0 when it has none). */
export function nextOrdinal(db: Db, threadId: string): number {
  return (db.prepare(`SELECT coalesce(max(m.ordinal) + 1, 0) AS n FROM ${FROM_MESSAGES} WHERE t.id = ?`).get(threadId) as { n: number }).n;
}

export function countMessages(db: Db, threadId: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${FROM_MESSAGES} WHERE t.id = ?`).get(threadId) as { n: number }).n;
}

/** One message by its vault id, or null. Does not check the thread is complete: callers do. */
export function getMessageById(db: Db, id: number): StoredMessage | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM ${FROM_MESSAGES} WHERE m.id = ?`).get(id) as MessageRow | undefined;
  return row ? toMessage(row) : null;
}

/** The id of the message at this position of a thread, or null. */
export function messageIdAt(db: Db, threadId: string, ordinal: number): number | null {
  const row = db.prepare(`SELECT m.id FROM ${FROM_MESSAGES} WHERE t.id = ? AND m.ordinal = ?`).get(threadId, ordinal) as { id: number } | undefined;
  return row?.id ?? null;
}

const ELLIPSIS = '…';
/** Tokens around the match in a snippet. */
const SNIPPET_TOKENS = 12;
/**
 * How many of the newest matches relevance ranks. FTS5 ranked every match before returning the
 * best few (a common word in 1.5 million messages took 430 ms); the newest thousand hold what a
 * ward looks for (a shift's advice), and reading and ranking them takes milliseconds whatever the
 * vault's size (reading and ranking 2,000 took about twice as long).
 */
export const RANK_WINDOW = 1_000;

type SearchRow = { thread_id: string; id: number; ordinal: number; sender: string | null; local_time: string; instant: string | null; text: string };

const SEARCH_COLUMNS = 't.id AS thread_id, m.id, m.ordinal, m.sender, m.local_time, m.instant, m.text';
const SEARCH_FROM = 'messages_fts JOIN messages AS m ON m.id = messages_fts.rowid JOIN threads AS t ON t.seq = m.thread_seq';

/**
 * Messages of complete threads matching `query` (search-query.ts says what it means; it reaches
 * FTS5 only as the quoted expression parseSearch() builds, bound, never spliced).
 * - `relevance`: the newest RANK_WINDOW matches, read newest first, ranked by BM25 over the
 *   window's own statistics (search-rank.ts);
 * - `newest`: newest first (most recently imported), stopping at `limit`.
 * Either way FTS5 evaluates the query once and walks its doclists from the newest end, so the
 * work is bounded by the window, not by how many messages match. Snippets are cut here from the
 * rows read (search-rank.ts snippet()): FTS5's snippet() needs the query evaluated again for
 * each row, which for a prefix meant merging every matching word's doclist fifty times.
 */
export function searchMessages(db: Db, query: string, limit: number, order: SearchOrder = 'relevance'): MessageSearchHit[] {
  const parsed = parseSearch(query);
  if (!parsed.ok || limit <= 0) return [];
  const window = order === 'newest' ? limit : RANK_WINDOW;
  const newest = db.prepare(`SELECT ${SEARCH_COLUMNS} FROM ${SEARCH_FROM} WHERE messages_fts MATCH ? AND t.status = 'complete' ORDER BY messages_fts.rowid DESC LIMIT ?`);
  const found = newest.all(parsed.match, window) as SearchRow[];
  const fromSenders = senderRows(db, parsed.terms, window);
  const rows = fromSenders.length === 0 ? found : newestFirst([...found, ...fromSenders]).slice(0, window);
  const chosen = order === 'newest' ? rows.slice(0, limit) : rankWithin(rows, parsed.terms).slice(0, limit);
  return chosen.map((row) => ({
    threadId: row.thread_id,
    messageId: row.id,
    ordinal: row.ordinal,
    sender: row.sender,
    localTime: row.local_time,
    instant: row.instant,
    snippet: snippet(row.text, parsed.terms, SNIPPET_TOKENS, ELLIPSIS),
  }));
}

/** Rows by id, newest first, each once. */
function newestFirst(rows: readonly SearchRow[]): SearchRow[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

/**
 * The messages a search finds by who sent them (a ward trial: "Tom Reed" found nothing, as names
 * are not in the text the index holds). The terms that occur in some sender's name name the
 * sender; the senders whose names hold all of them are searched, each message of theirs holding
 * the other terms (all of their messages when there are none), newest first, at most `window`.
 * Read thread by thread along each thread's (thread_seq, ordinal) index, so a sender's messages
 * cost their own thread's size, never the vault's.
 */
function senderRows(db: Db, terms: readonly SearchTerm[], window: number): SearchRow[] {
  const participants = db
    .prepare("SELECT DISTINCT p.name, t.seq FROM participants AS p JOIN threads AS t ON t.id = p.thread_id WHERE t.status = 'complete'")
    .all() as { name: string; seq: number }[];
  const naming = terms.filter((term) => participants.some((participant) => termOccursIn(term, participant.name)));
  if (naming.length === 0) return [];
  const named = participants.filter((participant) => naming.every((term) => termOccursIn(term, participant.name)));
  if (named.length === 0) return [];
  const rest = terms.filter((term) => !naming.includes(term));
  const names = JSON.stringify([...new Set(named.map((participant) => participant.name))]);
  const inThread =
    rest.length === 0
      ? db.prepare(
          `SELECT ${SEARCH_COLUMNS} FROM messages AS m JOIN threads AS t ON t.seq = m.thread_seq
           WHERE m.thread_seq = ? AND m.sender IN (SELECT value FROM json_each(?)) ORDER BY m.ordinal DESC LIMIT ?`,
        )
      : db.prepare(
          `SELECT ${SEARCH_COLUMNS} FROM ${SEARCH_FROM}
           WHERE messages_fts MATCH ? AND m.thread_seq = ? AND m.sender IN (SELECT value FROM json_each(?)) ORDER BY messages_fts.rowid DESC LIMIT ?`,
        );
  const match = matchExpression(rest);
  const rows: SearchRow[] = [];
  for (const seq of new Set(named.map((participant) => participant.seq))) {
    rows.push(...((rest.length === 0 ? inThread.all(seq, names, window) : inThread.all(match, seq, names, window)) as SearchRow[]));
  }
  return rows;
}

/**
 * Empties the full-text index (for a secure wipe of every thread): the index's own pages are
 * cleared, whatever rows remain in `messages`. Rebuild with rebuildMessageIndex() if needed.
 */
export function clearMessageIndex(db: Db): void {
  db.prepare("INSERT INTO messages_fts (messages_fts) VALUES ('delete-all')").run();
}

/** FTS5's integrity check: the index holds exactly what `messages` does (no entry of a deleted message). */
export function messageIndexIntact(db: Db): boolean {
  try {
    db.prepare("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)").run();
    return true;
  } catch {
    return false;
  }
}

/** Rebuilds the full-text index from `messages`. */
export function rebuildMessageIndex(db: Db): void {
  db.prepare("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')").run();
}
