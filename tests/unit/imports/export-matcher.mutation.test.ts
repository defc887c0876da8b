import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatFingerprinter, fingerprintMessages, OccurrenceCounter } from '../../../main/imports/chat-identity';
import { ExportMatcher, type FingerprintedMessage } from '../../../main/imports/export-matcher';
import { migrate } from '../../../main/vault/migrate';
import { MIGRATIONS } from '../../../main/vault/migrations';
import type * as KeyQueries from '../../../main/vault/queries/chat-identity-key';
import { insertMessages } from '../../../main/vault/queries/messages';
import { completeThread, getCompleteThread, insertImportingThread, type StoredThread } from '../../../main/vault/queries/threads';
import { insertUser } from '../../../main/vault/queries/users';
import { insertWipe } from '../../../main/vault/queries/wipes';
import { insertWipedFingerprints } from '../../../main/vault/queries/wiped-fingerprints';
import { openEncryptedDatabase, type Db } from '../../../main/vault/sqlcipher';
import type { ChatMessage, ChatSource } from '../../../shared/domain/chat';
import { tempDir } from '../../support/temp';

/**
 * H-012 and H-024 (advice filed twice; a wiped chat comes back): which thread a later export of a
 * chat is merged into, and what each of its messages is — already here, wiped, or new. Every
 * threshold of the overlap rule is stated at its boundary, with the other direction too.
 */

// The key the matcher reads is a copy it must zero once its fingerprinter holds the pads.
const handed = vi.hoisted(() => [] as Buffer[]);
vi.mock('../../../main/vault/queries/chat-identity-key', async (importOriginal) => {
  const actual = await importOriginal<typeof KeyQueries>();
  return {
    ...actual,
    readChatIdentityKey: (db: Db) => {
      const key = actual.readChatIdentityKey(db);
      handed.push(key);
      return key;
    },
  };
});

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const ADMIN = '00000000-0000-4000-8000-000000000001';
const DAY = '2023-03-13';
const HOUR_MS = 3_600_000;

function vault(): Db {
  const dir = tempDir('wardscribe-export-matcher-');
  const db = openEncryptedDatabase(join(dir.path, 'vault.db'), randomBytes(32), { create: true });
  cleanups.push(dir.remove, () => db.close());
  migrate(db, MIGRATIONS);
  insertUser(db, { id: ADMIN, username: 'admin', displayName: 'Ada Admin', role: 'admin', disabled: false, mustChangePassphrase: false }, new Date('2026-11-24T09:00:00Z'));
  return db;
}

/** A message at 09:MM:00 on the day (wall clock), sent by Ada unless said otherwise. */
function at(minute: number, fields: Partial<ChatMessage> = {}): ChatMessage {
  const localTime = `${DAY}T09:${String(minute).padStart(2, '0')}:00`;
  return {
    index: minute,
    sender: 'Dr Ada Shah',
    text: `bed ${minute} obs stable`,
    kind: 'message',
    head: '',
    localTime,
    zone: 'Europe/London',
    instant: null,
    flags: [],
    attachment: null,
    line: minute + 1,
    warnings: [],
    ...fields,
  };
}

const minutes = (from: number, to: number, fields: Partial<ChatMessage> = {}) => Array.from({ length: to - from + 1 }, (_, offset) => at(from + offset, fields));

let threads = 0;

/** A complete thread holding `messages`, numbered as an import numbers repeats. */
function thread(
  db: Db,
  messages: readonly ChatMessage[],
  options: { source?: ChatSource; importedAt?: string; firstInstant?: string | null; lastInstant?: string | null; key?: ChatFingerprinter } = {},
): StoredThread {
  const id = randomUUID();
  const n = ++threads;
  insertImportingThread(db, {
    id,
    zone: 'Europe/London',
    importedBy: ADMIN,
    importedAt: new Date(options.importedAt ?? `2026-11-24T10:${String(n % 60).padStart(2, '0')}:00Z`),
    sourceFileName: 'chat.txt',
    sourceSha256: n.toString(16).padStart(64, '0'),
  });
  const numbered = messages.map((message, index) => ({ ...message, index }));
  const occurrences = options.key ? fingerprintMessages(options.key, new OccurrenceCounter(), numbered, false).occurrences : undefined;
  insertMessages(db, id, numbered, occurrences);
  completeThread(db, id, {
    source: options.source ?? 'whatsapp-ios',
    title: 'Ward 7',
    fingerprint: (n + 1_000_000).toString(16).padStart(64, '0'),
    dateOrder: null,
    messageCount: messages.length,
    firstInstant: options.firstInstant ?? null,
    lastInstant: options.lastInstant ?? null,
  });
  return getCompleteThread(db, id)!;
}

/** The export's messages with their fingerprints, as the import worker computes them. */
function sample(matcher: ExportMatcher, messages: readonly ChatMessage[]): FingerprintedMessage[] {
  const { identities } = fingerprintMessages(matcher.fingerprinter, new OccurrenceCounter(), messages);
  return messages.map((message, index) => ({ message, identity: Buffer.from(identities.subarray(index * 16, index * 16 + 16)) }));
}

function identities(matcher: ExportMatcher, messages: readonly ChatMessage[]): Uint8Array {
  return fingerprintMessages(matcher.fingerprinter, new OccurrenceCounter(), messages).identities;
}

function wipe(db: Db, kind: 'message' | 'slot', fingerprints: readonly Buffer[]): string {
  const id = randomUUID();
  insertWipe(db, {
    id,
    threadId: randomUUID(),
    sourceSha256: 'e'.repeat(64),
    fingerprint: null,
    trigger: 'user',
    requestedBy: ADMIN,
    canaryBase64: 'A'.repeat(24),
    sourceFileState: 'not-requested',
    sourcePath: null,
    certificate: {},
    startedAt: '2026-11-24T11:00:00.000Z',
  });
  insertWipedFingerprints(db, id, kind, fingerprints);
  return id;
}

/** A matcher over `db` whose fingerprints threads are written with (the same vault key). */
function matcherFor(db: Db, source: ChatSource | 'whatsapp' = 'whatsapp'): ExportMatcher {
  return new ExportMatcher(db, source);
}

describe('the thread a later export is another export of', () => {
  it('the overlap leaves out its first and last minute when anything lies between them', () => {
    const db = vault();
    const matcher = matcherFor(db);
    const ward = thread(db, minutes(0, 9), { key: matcher.fingerprinter });
    const match = matcher.identify(sample(matcher, minutes(0, 9)));
    expect(match?.thread.id).toBe(ward.id);
    expect(match?.matched).toBe(8);
    expect(match?.comparable).toBe(8);
  });

  it('an empty sample matches nothing', () => {
    const db = vault();
    const matcher = matcherFor(db);
    thread(db, minutes(0, 9), { key: matcher.fingerprinter });
    expect(matcher.identify([])).toBeNull();
  });

  it('an export that meets the thread only at the thread\'s last minute matches on one side alone (new messages came in that minute)', () => {
    const db = vault();
    const matcher = matcherFor(db);
    const ward = thread(db, minutes(0, 5), { key: matcher.fingerprinter });
    const later = [at(5), at(5, { sender: 'Ben Okafor', text: 'ok' }), at(5, { text: 'and another' }), ...minutes(6, 10)];
    const match = matcher.identify(sample(matcher, later));
    expect(match).toEqual({ thread: ward, matched: 1, comparable: 3 });
  });

  it('likewise an export that ends at the thread\'s first minute', () => {
    const db = vault();
    const matcher = matcherFor(db);
    const ward = thread(db, [at(5), at(5, { text: 'more' }), ...minutes(6, 10)], { key: matcher.fingerprinter });
    const earlier = [...minutes(0, 4), at(5)];
    expect(matcher.identify(sample(matcher, earlier))).toEqual({ thread: ward, matched: 1, comparable: 2 });
  });

  it('an export wholly after the thread is not it', () => {
    const db = vault();
    const matcher = matcherFor(db);
    thread(db, minutes(0, 4), { key: matcher.fingerprinter });
    expect(matcher.identify(sample(matcher, minutes(5, 9)))).toBeNull();
  });

  it('the overlap starts at the later of the two starts', () => {
    const db = vault();
    const matcher = matcherFor(db);
    const ward = thread(db, minutes(3, 12), { key: matcher.fingerprinter });
    // 09:04 to 09:08 lie strictly inside 09:03–09:09, in both.
    expect(matcher.identify(sample(matcher, minutes(0, 9)))).toEqual({ thread: ward, matched: 5, comparable: 5 });
  });

  it('and ends at the earlier of the two ends', () => {
    const db = vault();
    const matcher = matcherFor(db);
    const ward = thread(db, minutes(0, 9), { key: matcher.fingerprinter });
    expect(matcher.identify(sample(matcher, minutes(3, 12)))).toEqual({ thread: ward, matched: 5, comparable: 5 });
  });

  it('the span of the sample is its earliest and latest time, in whatever order its messages come', () => {
    const db = vault();
    const matcher = matcherFor(db);
    const ward = thread(db, minutes(0, 9), { key: matcher.fingerprinter });
    expect(matcher.identify(sample(matcher, minutes(3, 12).reverse()))).toEqual({ thread: ward, matched: 5, comparable: 5 });
  });

  it('a thread holding only the edges of the export, not what lies between, is not it', () => {
    const db = vault();
    const matcher = matcherFor(db);
    thread(db, [at(0), at(5)], { key: matcher.fingerprinter });
    expect(matcher.identify(sample(matcher, minutes(0, 5)))).toBeNull();
  });

  it('a thread\'s span is its earliest and latest time, in whatever order its messages are shown', () => {
    const db = vault();
    const matcher = matcherFor(db);
    // Shown latest first and earliest last (merged or out-of-order messages).
    const ward = thread(db, [at(9), ...minutes(1, 8), at(0)], { key: matcher.fingerprinter });
    expect(matcher.identify(sample(matcher, minutes(0, 9)))).toEqual({ thread: ward, matched: 8, comparable: 8 });
  });

  it('an export holding only the edges of the thread\'s span, not what lies between, is not it', () => {
    const db = vault();
    const matcher = matcherFor(db);
    thread(db, minutes(0, 5), { key: matcher.fingerprinter });
    expect(matcher.identify(sample(matcher, [at(0), at(5)]))).toBeNull();
  });

  it('four in five of the overlap shared is enough; three in four is not', () => {
    const db = vault();
    const matcher = matcherFor(db);
    // Inside 09:00–09:06: 09:01..09:05 in both, one of them edited in the export.
    const ward = thread(db, minutes(0, 6), { key: matcher.fingerprinter });
    const edited = minutes(0, 6).map((message) => (message.localTime.endsWith('09:03:00') ? { ...message, text: 'edited' } : message));
    expect(matcher.identify(sample(matcher, edited))).toEqual({ thread: ward, matched: 4, comparable: 5 });

    const other = vault();
    const second = matcherFor(other);
    thread(other, minutes(0, 5), { key: second.fingerprinter });
    const fewer = minutes(0, 5).map((message) => (message.localTime.endsWith('09:03:00') ? { ...message, text: 'edited' } : message));
    expect(second.identify(sample(second, fewer))).toBeNull();
  });

  it('all of the export in the thread is enough when it holds half of the thread\'s overlap; less than half is not', () => {
    const db = vault();
    const matcher = matcherFor(db);
    // Thread inside 09:00–09:05: 09:01..09:04 (4); the export inside: 09:01, 09:02 (half of it).
    const ward = thread(db, minutes(0, 5), { key: matcher.fingerprinter });
    expect(matcher.identify(sample(matcher, [at(0), at(1), at(2), at(5)]))).toEqual({ thread: ward, matched: 2, comparable: 4 });

    const other = vault();
    const second = matcherFor(other);
    // Inside 09:00–09:06: 5 in the thread, 2 of them in the export (two in five).
    thread(other, minutes(0, 6), { key: second.fingerprinter });
    expect(second.identify(sample(second, [at(0), at(1), at(2), at(6)]))).toBeNull();
  });

  it('likewise from the other side: the thread all in the export, the export with new messages as well', () => {
    const db = vault();
    const matcher = matcherFor(db);
    // Inside 09:00–09:09: the thread has 09:02..09:05 (its span is 09:00–09:09 by its edges), the export 09:01..09:08.
    const ward = thread(db, [at(0), ...minutes(2, 5), at(9)], { key: matcher.fingerprinter });
    expect(matcher.identify(sample(matcher, minutes(0, 9)))).toEqual({ thread: ward, matched: 4, comparable: 8 });
  });

  it('nothing shared is no match, even where the keys of both sides are few', () => {
    const db = vault();
    const matcher = matcherFor(db);
    thread(db, minutes(0, 9, { sender: 'Ben Okafor' }), { key: matcher.fingerprinter });
    expect(matcher.identify(sample(matcher, minutes(0, 9)))).toBeNull();
  });

  it('repeated messages are told apart by their occurrence', () => {
    const db = vault();
    const matcher = matcherFor(db);
    const ok = at(2, { text: 'ok' });
    const ward = thread(db, [at(0), ok, ok, ok, at(3)], { key: matcher.fingerprinter });
    expect(matcher.identify(sample(matcher, [at(0), ok, ok, ok, at(3)]))).toEqual({ thread: ward, matched: 3, comparable: 3 });
  });

  it('only threads of the export\'s source family are compared', () => {
    const db = vault();
    const matcher = matcherFor(db, 'whatsapp');
    // A Telegram thread keyed by instants that read like the export's wall-clock times.
    thread(db, minutes(0, 9).map((message) => ({ ...message, instant: message.localTime })), { source: 'telegram', key: matcher.fingerprinter });
    expect(matcher.identify(sample(matcher, minutes(0, 9)))).toBeNull();
    const android = thread(db, minutes(0, 9), { source: 'whatsapp-android', key: matcher.fingerprinter });
    expect(matcher.identify(sample(matcher, minutes(0, 9)))?.thread.id).toBe(android.id);
  });

  it('a thread with no messages is passed over', () => {
    const db = vault();
    const matcher = matcherFor(db);
    thread(db, [], { importedAt: '2026-11-24T12:00:00Z' });
    const ward = thread(db, minutes(0, 9), { key: matcher.fingerprinter, importedAt: '2026-11-24T11:00:00Z' });
    expect(matcher.identify(sample(matcher, minutes(0, 9)))?.thread.id).toBe(ward.id);
  });

  it('the thread holding most of the sample wins, whichever is listed first; on a tie the most recently imported', () => {
    const db = vault();
    const matcher = matcherFor(db);
    const partial = minutes(0, 9).map((message) => (message.localTime.endsWith('09:04:00') ? { ...message, text: 'edited' } : message));
    const whole = thread(db, minutes(0, 9), { key: matcher.fingerprinter, importedAt: '2026-11-24T12:00:00Z' });
    thread(db, partial, { key: matcher.fingerprinter, importedAt: '2026-11-24T11:00:00Z' });
    expect(matcher.identify(sample(matcher, minutes(0, 9)))).toEqual({ thread: whole, matched: 8, comparable: 8 });

    const other = vault();
    const second = matcherFor(other);
    thread(other, partial, { key: second.fingerprinter, importedAt: '2026-11-24T12:00:00Z' });
    const best = thread(other, minutes(0, 9), { key: second.fingerprinter, importedAt: '2026-11-24T11:00:00Z' });
    expect(second.identify(sample(second, minutes(0, 9)))).toEqual({ thread: best, matched: 8, comparable: 8 });

    const third = vault();
    const tied = matcherFor(third);
    const newer = thread(third, minutes(0, 9), { key: tied.fingerprinter, importedAt: '2026-11-24T12:00:00Z' });
    thread(third, minutes(0, 9), { key: tied.fingerprinter, importedAt: '2026-11-24T11:00:00Z' });
    expect(tied.identify(sample(tied, minutes(0, 9)))?.thread.id).toBe(newer.id);
  });
});

describe('threads wholly before or after the sample in time', () => {
  // The sample's instants: 09:00Z to 09:09Z on the day; the thread's messages match by wall clock.
  const instants = (from: number, to: number) => minutes(from, to).map((message) => ({ ...message, instant: `${message.localTime}Z` }));
  const first = Date.parse(`${DAY}T09:00:00Z`);
  const last = Date.parse(`${DAY}T09:09:00Z`);
  const iso = (ms: number) => new Date(ms).toISOString();

  it('a thread ending up to 27 hours before the sample begins is still compared (zones differ by up to 26); one ending longer before is not', () => {
    for (const [gap, compared] of [
      [26 * HOUR_MS, true],
      [27 * HOUR_MS, true],
      [27 * HOUR_MS + 1, false],
    ] as const) {
      const db = vault();
      const matcher = matcherFor(db);
      thread(db, minutes(0, 9), { key: matcher.fingerprinter, firstInstant: iso(first - gap - HOUR_MS), lastInstant: iso(first - gap) });
      expect(matcher.identify(sample(matcher, instants(0, 9))) !== null, `${gap} ms`).toBe(compared);
    }
  });

  it('a thread beginning up to 27 hours after the sample ends is still compared; one beginning later is not', () => {
    for (const [gap, compared] of [
      [26 * HOUR_MS, true],
      [27 * HOUR_MS, true],
      [27 * HOUR_MS + 1, false],
    ] as const) {
      const db = vault();
      const matcher = matcherFor(db);
      thread(db, minutes(0, 9), { key: matcher.fingerprinter, firstInstant: iso(last + gap), lastInstant: iso(last + gap + HOUR_MS) });
      expect(matcher.identify(sample(matcher, instants(0, 9))) !== null, `${gap} ms`).toBe(compared);
    }
  });

  it('the bounds are the sample\'s earliest and latest instants, in whatever order they come', () => {
    const db = vault();
    const matcher = matcherFor(db);
    // Ends 27 h before the earliest instant (09:00Z), which comes last in the sample.
    thread(db, minutes(0, 9), { key: matcher.fingerprinter, firstInstant: iso(first - 28 * HOUR_MS), lastInstant: iso(first - 27 * HOUR_MS) });
    const reversed = instants(0, 9).reverse();
    expect(matcher.identify(sample(matcher, reversed))).not.toBeNull();
    const ahead = vault();
    const second = matcherFor(ahead);
    // Begins 27 h after the latest instant (09:09Z), which comes first.
    thread(ahead, minutes(0, 9), { key: second.fingerprinter, firstInstant: iso(last + 27 * HOUR_MS), lastInstant: iso(last + 28 * HOUR_MS) });
    expect(second.identify(sample(second, reversed))).not.toBeNull();
  });

  it('a sample without instants, or a thread without them, is compared whatever the times', () => {
    const db = vault();
    const matcher = matcherFor(db);
    thread(db, minutes(0, 9), { key: matcher.fingerprinter, firstInstant: iso(first - 100 * HOUR_MS), lastInstant: iso(first - 99 * HOUR_MS) });
    expect(matcher.identify(sample(matcher, minutes(0, 9)))).not.toBeNull();
    const other = vault();
    const second = matcherFor(other);
    thread(other, minutes(0, 9), { key: second.fingerprinter, firstInstant: null, lastInstant: iso(first - 99 * HOUR_MS) });
    expect(second.identify(sample(second, instants(0, 9)))).not.toBeNull();
    const third = vault();
    const last3 = matcherFor(third);
    thread(third, minutes(0, 9), { key: last3.fingerprinter, firstInstant: iso(first - 100 * HOUR_MS), lastInstant: null });
    expect(last3.identify(sample(last3, instants(0, 9)))).not.toBeNull();
  });
});

describe('each message of an export', () => {
  it('a first import into a vault that has wiped nothing compares nothing: every message is new', () => {
    const db = vault();
    const matcher = matcherFor(db, 'whatsapp-ios');
    expect(matcher.source).toBe('whatsapp-ios');
    expect(matcher.target).toBeNull();
    expect(matcher.comparesMessages).toBe(false);
    const messages = minutes(0, 2);
    expect(matcher.classify(messages, identities(matcher, messages))).toEqual([{ kind: 'new' }, { kind: 'new' }, { kind: 'new' }]);
  });

  it('merging into a thread: its messages are here, the rest new (read at their own place in the chunk\'s buffer)', () => {
    const db = vault();
    const matcher = matcherFor(db);
    const ward = thread(db, minutes(0, 4), { key: matcher.fingerprinter });
    matcher.useTarget(ward);
    expect(matcher.target).toBe(ward);
    expect(matcher.comparesMessages).toBe(true);
    const messages = [at(7), at(3), at(8), at(4)];
    // The chunk's fingerprints lie inside a larger buffer, as the worker's transfer gives them.
    const buffer = new Uint8Array(16 + messages.length * 16);
    buffer.set(identities(matcher, messages), 16);
    expect(matcher.classify(messages, buffer.subarray(16))).toEqual([{ kind: 'new' }, { kind: 'here' }, { kind: 'new' }, { kind: 'here' }]);
  });

  it('the target\'s timeline is its messages in the order shown, each with its place', () => {
    const db = vault();
    const matcher = matcherFor(db);
    const ward = thread(db, minutes(0, 2), { key: matcher.fingerprinter });
    // A message merged in from a later export is shown by its position.
    db.prepare('UPDATE messages SET position = 0.5 WHERE ordinal = 2').run();
    matcher.useTarget(ward);
    expect(matcher.targetTimeline).toEqual([
      { time: `${DAY}T09:00:00`, sortKey: 0 },
      { time: `${DAY}T09:02:00`, sortKey: 0.5 },
      { time: `${DAY}T09:01:00`, sortKey: 1 },
    ]);
  });

  it('a wiped message is wiped, with its wipe, even with no thread to merge into', () => {
    const db = vault();
    const setup = matcherFor(db);
    const wiped = [at(1), at(2)];
    const wipeId = wipe(db, 'message', sample(setup, wiped).map((entry) => entry.identity));
    const matcher = matcherFor(db);
    expect(matcher.comparesMessages).toBe(true);
    const messages = [at(0), ...wiped, at(3)];
    expect(matcher.classify(messages, identities(matcher, messages))).toEqual([{ kind: 'new' }, { kind: 'wiped', wipeId }, { kind: 'wiped', wipeId }, { kind: 'new' }]);
  });

  it('a message shown as deleted now is the one already here, or the one wiped, by its sender and time', () => {
    const db = vault();
    const matcher = matcherFor(db);
    const ward = thread(db, minutes(0, 2), { key: matcher.fingerprinter });
    matcher.useTarget(ward);
    const deleted = at(1, { text: '', flags: ['deleted'] });
    // Same sender and minute but not shown as deleted: a different message, new.
    const other = at(1, { text: 'a different message' });
    const messages = [deleted, other];
    expect(matcher.classify(messages, identities(matcher, messages))).toEqual([{ kind: 'here' }, { kind: 'new' }]);
  });

  it('a deleted message whose sender and time a wipe kept is wiped; one it did not keep is new', () => {
    const db = vault();
    const setup = matcherFor(db);
    const wipeId = wipe(db, 'slot', [setup.fingerprinter.slot(at(5))]);
    const matcher = matcherFor(db);
    const messages = [at(5, { text: '', flags: ['deleted'] }), at(6, { text: '', flags: ['deleted'] }), at(5, { text: 'other' })];
    expect(matcher.classify(messages, identities(matcher, messages))).toEqual([{ kind: 'wiped', wipeId }, { kind: 'new' }, { kind: 'new' }]);
  });

  it('the vault key it reads is zeroed once the fingerprinter holds it', () => {
    const db = vault();
    handed.length = 0;
    const matcher = matcherFor(db);
    expect(handed).toHaveLength(1);
    expect(handed[0]!.equals(Buffer.alloc(32))).toBe(true);
    // And the fingerprinter was made from the key before it was zeroed.
    const again = matcherFor(db);
    expect(matcher.fingerprinter.slot(at(0)).equals(again.fingerprinter.slot(at(0)))).toBe(true);
    expect(matcher.fingerprinter.slot(at(0)).equals(new ChatFingerprinter(new Uint8Array(32), 'whatsapp').slot(at(0)))).toBe(false);
  });
});

