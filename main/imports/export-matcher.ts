/**
 * Decides what each message of an export is, against the vault: already in the thread this
 * export is another export of, wiped before (never to come back), or new (issue #18).
 */
import type { ChatMessage, ChatSource } from '../../shared/domain/chat';
import { readChatIdentityKey } from '../vault/queries/chat-identity-key';
import { identityRows, type IdentityRow } from '../vault/queries/messages';
import { listCompleteThreads, type StoredThread } from '../vault/queries/threads';
import { anyWipedFingerprints, findWipedFingerprints } from '../vault/queries/wiped-fingerprints';
import type { Db } from '../vault/sqlcipher';
import { ChatFingerprinter, FINGERPRINT_BYTES, fingerprintKey, identityTime, sourceFamily } from './chat-identity';

/** A message of the export with its fingerprint, as the worker computed it. */
export interface FingerprintedMessage {
  readonly message: ChatMessage;
  readonly identity: Buffer;
}

/** The thread an export was recognised as another export of, and how strongly. */
export interface ThreadMatch {
  readonly thread: StoredThread;
  /** Messages of the sample found in the thread. */
  readonly matched: number;
  /** Messages of the sample whose time lies within the thread's: what `matched` is out of. */
  readonly comparable: number;
}

export type Verdict = { readonly kind: 'new' } | { readonly kind: 'here' } | { readonly kind: 'wiped'; readonly wipeId: string };

const NEW: Verdict = { kind: 'new' };
const HERE: Verdict = { kind: 'here' };

/**
 * Share of the sample's comparable messages that must be in a thread for the export to count as
 * another export of it. Another export of the same chat shares all of them (bar edits and
 * deletions, and late arrivals); a different chat shares only coincidences or cross-posts (the
 * same person sending the same line to two groups in the same second), so two chats that
 * overlap even in half their messages are not merged.
 */
const MATCH_SHARE = 0.8;
/** The share the other direction needs (late arrivals lower the export's side, the cap the thread's). */
const MIN_SHARE = 0.5;

/** The widest difference between two zones' offsets (UTC-12 to UTC+14), with an hour to spare. */
const ZONE_MARGIN_MS = 27 * 3_600_000;

/**
 * The fingerprint of one message of a stored thread. Threads compared are of the export's
 * source family, whose fields and time rule are the same, so the export's fingerprinter serves.
 */
function storedIdentity(fingerprinter: ChatFingerprinter, row: IdentityRow): Buffer {
  return fingerprinter.identity(row, row.occurrence);
}

/**
 * How much of the overlap of a thread and a sample the two share, or null when too little. The
 * overlap is the span both cover; its first and last second (or minute) are left out when
 * anything lies between them, because the app's cap may have cut the export inside the first and
 * new messages may have come inside the last. Within it, another export of the same chat shares
 * nearly everything in both directions (late arrivals and edits aside); another chat does not.
 */
function shareInOverlap(
  rows: readonly { time: string; key: string }[],
  sample: readonly { time: string; key: string }[],
  threadFirst: string,
  threadLast: string,
  earliest: string,
  latest: string,
): { matched: number; comparable: number } | null {
  const low = threadFirst > earliest ? threadFirst : earliest;
  const high = threadLast < latest ? threadLast : latest;
  if (low > high) return null;
  const within = (time: string) => time >= low && time <= high;
  const inside = (time: string) => time > low && time < high;
  const interior = rows.some((row) => inside(row.time)) || sample.some((entry) => inside(entry.time));
  const counted = interior ? inside : within;
  const threadKeys = new Set(rows.filter((row) => counted(row.time)).map((row) => row.key));
  const sampleKeys = new Set(sample.filter((entry) => counted(entry.time)).map((entry) => entry.key));
  if (threadKeys.size === 0 || sampleKeys.size === 0) return null;
  const shared = [...sampleKeys].filter((key) => threadKeys.has(key)).length;
  const shares = [shared / threadKeys.size, shared / sampleKeys.size];
  // Overlapping only at its edges (within a second or two, or a minute or two on Android): new
  // messages in the last one or the cap in the first may outnumber the rest, so one side is enough.
  if (shared === 0 || Math.max(...shares) < MATCH_SHARE || (interior && Math.min(...shares) < MIN_SHARE)) return null;
  return { matched: shared, comparable: Math.max(threadKeys.size, sampleKeys.size) };
}

export class ExportMatcher {
  readonly fingerprinter: ChatFingerprinter;
  readonly #db: Db;
  readonly #source: ChatSource | 'whatsapp';
  readonly #anyWiped: boolean;
  #target: StoredThread | null = null;
  readonly #targetIdentities = new Set<string>();
  readonly #targetSlots = new Set<string>();
  /** Time keys of the target's messages in the order shown, with each one's sort key (for placing merged messages). */
  #targetTimeline: { time: string; sortKey: number }[] = [];

  constructor(db: Db, source: ChatSource | 'whatsapp') {
    const key = readChatIdentityKey(db);
    try {
      this.fingerprinter = new ChatFingerprinter(key, source);
    } finally {
      key.fill(0);
    }
    this.#db = db;
    this.#source = source;
    this.#anyWiped = anyWipedFingerprints(db);
  }

  /** True when each message must be compared (a thread to merge into, or wipes to skip): else none needs its fingerprint. */
  get comparesMessages(): boolean {
    return this.#target !== null || this.#anyWiped;
  }

  /** The export's source as the worker first told it ('whatsapp' until iOS and Android are told apart). */
  get source(): ChatSource | 'whatsapp' {
    return this.#source;
  }

  get target(): StoredThread | null {
    return this.#target;
  }

  /**
   * The complete thread this export is another export of, from a sample of its first messages
   * (the oldest: a later export of a long chat loses its oldest to the app's cap, but what it
   * keeps of them is still in the thread). Only threads of the same source family whose time
   * range meets the sample's are compared; the one holding most of the sample wins.
   */
  identify(sample: readonly FingerprintedMessage[]): ThreadMatch | null {
    if (sample.length === 0) return null;
    const family = sourceFamily(this.#source);
    const times = sample.map((entry) => identityTime(this.#source, entry.message)).sort();
    const [earliest, latest] = [times[0]!, times.at(-1)!];
    const instants = sample.flatMap((entry) => (entry.message.instant ? [Date.parse(entry.message.instant)] : [])).sort((a, b) => a - b);
    let best: ThreadMatch | null = null;
    for (const thread of listCompleteThreads(this.#db)) {
      if (sourceFamily(thread.source) !== family) continue;
      // A thread wholly before or after the sample cannot hold it. The margin covers an export
      // read in another zone than the thread was (wall-clock exports match by wall clock).
      if (
        instants.length > 0 &&
        thread.firstInstant &&
        thread.lastInstant &&
        (Date.parse(thread.lastInstant) < instants[0]! - ZONE_MARGIN_MS || Date.parse(thread.firstInstant) > instants.at(-1)! + ZONE_MARGIN_MS)
      ) {
        continue;
      }
      // The thread's messages within the sample's span (with their fingerprint keys), and its own span.
      const rows: { time: string; key: string }[] = [];
      let first: string | null = null;
      let last: string | null = null;
      for (const row of identityRows(this.#db, thread.id)) {
        const time = identityTime(thread.source, row);
        if (first === null || time < first) first = time;
        if (last === null || time > last) last = time;
        if (time >= earliest && time <= latest) rows.push({ time, key: fingerprintKey(storedIdentity(this.fingerprinter, row)) });
      }
      if (first === null || last === null) continue;
      const share = shareInOverlap(rows, sample.map((entry) => ({ time: identityTime(this.#source, entry.message), key: fingerprintKey(entry.identity) })), first, last, earliest, latest);
      if (share === null) continue;
      const { matched, comparable } = share;
      if (!best || matched > best.matched) best = { thread, matched, comparable };
    }
    return best;
  }

  /** Merges into `thread`: its messages' fingerprints are loaded to compare every message against. */
  useTarget(thread: StoredThread): void {
    this.#target = thread;
    const timeline: { time: string; sortKey: number }[] = [];
    for (const row of identityRows(this.#db, thread.id)) {
      this.#targetIdentities.add(fingerprintKey(storedIdentity(this.fingerprinter, row)));
      this.#targetSlots.add(fingerprintKey(this.fingerprinter.slot(row)));
      timeline.push({ time: identityTime(thread.source, row), sortKey: row.position ?? row.ordinal });
    }
    this.#targetTimeline = timeline;
  }

  /** The target's messages in the order shown (time key and sort key), for placing merged messages. */
  get targetTimeline(): readonly { time: string; sortKey: number }[] {
    return this.#targetTimeline;
  }

  /** A verdict for each message of a chunk (`identities`: 16 bytes each, in order). */
  classify(messages: readonly ChatMessage[], identities: Uint8Array): Verdict[] {
    // The fast path of a first import into a vault that has wiped nothing: every message is new.
    if (this.#target === null && !this.#anyWiped) return messages.map(() => NEW);
    const keys = messages.map((_, at) => Buffer.from(identities.buffer, identities.byteOffset + at * FINGERPRINT_BYTES, FINGERPRINT_BYTES));
    const wiped = this.#anyWiped ? findWipedFingerprints(this.#db, 'message', keys) : new Map<string, string>();
    const deleted = messages.flatMap((message, at) => (message.flags.includes('deleted') ? [at] : []));
    const slots = new Map<number, string>(deleted.map((at) => [at, fingerprintKey(this.fingerprinter.slot(messages[at]!))]));
    const wipedSlots =
      this.#anyWiped && slots.size > 0 ? findWipedFingerprints(this.#db, 'slot', [...slots.values()].map((key) => Buffer.from(key, 'latin1'))) : new Map<string, string>();
    return messages.map((_, at) => {
      const key = fingerprintKey(keys[at]!);
      if (this.#targetIdentities.has(key)) return HERE;
      const wipe = wiped.get(key);
      if (wipe) return { kind: 'wiped', wipeId: wipe };
      // Shown as deleted now: the version already here (or wiped) is the same message.
      const slot = slots.get(at);
      if (slot !== undefined) {
        if (this.#targetSlots.has(slot)) return HERE;
        const wipedSlot = wipedSlots.get(slot);
        if (wipedSlot) return { kind: 'wiped', wipeId: wipedSlot };
      }
      return NEW;
    });
  }
}
