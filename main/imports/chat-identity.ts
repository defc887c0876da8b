/**
 * Chat identity across exports (issue #18). Every export of a chat holds its whole history, so
 * a later export is recognised message by message: each message has a keyed fingerprint of its
 * sender, time and text, and the number of identical messages before it in the export.
 *
 * Fingerprints are HMAC-SHA256 (truncated to 128 bits) under the vault's chat identity key
 * (migration 0008): without the vault key none can be computed or checked. The fields:
 *
 * - the source family: WhatsApp (iOS or Android: the same chat exported from two phones gives
 *   different times, seconds on iOS, minutes on Android, so identity is promised only between
 *   exports from the same phone and app), or the exact source otherwise;
 * - the kind (message or system), and the sender; a group event iOS writes "from" the group is
 *   keyed without it, so a renamed group still matches;
 * - the time as the export writes it: the wall-clock time for exports that write wall clocks (so
 *   the zone chosen at import does not matter), the UTC instant for those that record instants;
 * - the text; for media only that it is media (present in one export, omitted in the next, and
 *   the caption lost with it); for a deleted message only that it is deleted.
 *
 * The line, the index in the export and the zone are not part of it: they change between exports.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ChatMessage, ChatSource } from '../../shared/domain/chat';

export const IDENTITY_KEY_BYTES = 32;
export const FINGERPRINT_BYTES = 16;

/** Sources whose files record real instants: their time is keyed by the instant, not the wall clock. */
const INSTANT_SOURCES: ReadonlySet<string> = new Set<ChatSource>(['telegram', 'teams', 'signal-sigtop-json', 'signal-sigtop-text']);

/** What a fingerprint is computed from: a message as parsed, or as stored. */
export type IdentityFields = Pick<ChatMessage, 'kind' | 'sender' | 'text' | 'localTime' | 'instant' | 'flags'>;

/** The family exports of one chat share: iOS and Android WhatsApp exports are one family (told apart late in a file). */
export function sourceFamily(source: ChatSource | 'whatsapp'): string {
  return source === 'whatsapp' || source.startsWith('whatsapp-') ? 'whatsapp' : source;
}

/** The time a message's identity is keyed by, as the export writes it (see the module comment). */
export function identityTime(source: ChatSource | 'whatsapp', message: Pick<ChatMessage, 'localTime' | 'instant'>): string {
  return INSTANT_SOURCES.has(source) ? (message.instant ?? `local:${message.localTime}`) : message.localTime;
}

const SEPARATOR = '\u001f';

function senderPart(message: IdentityFields): string {
  if (message.flags.includes('group-name-author')) return '\u0000group';
  return message.sender ?? '\u0000none';
}

function contentPart(message: IdentityFields): string {
  if (message.flags.includes('attachment') || message.flags.includes('media-omitted')) return '\u0000media';
  if (message.flags.includes('deleted')) return '\u0000deleted';
  return message.text;
}

/**
 * Keyed fingerprints for one source family. Built once per import (or wipe): the key's HMAC pads
 * are hashed once, and each fingerprint copies their state instead of rehashing the key.
 */
export class ChatFingerprinter {
  readonly #inner: Hash;
  readonly #outer: Hash;
  readonly #family: string;
  readonly #source: ChatSource | 'whatsapp';

  constructor(key: Uint8Array, source: ChatSource | 'whatsapp') {
    if (key.length !== IDENTITY_KEY_BYTES) throw new RangeError('the chat identity key must be 32 bytes');
    const innerPad = Buffer.alloc(64, 0x36);
    const outerPad = Buffer.alloc(64, 0x5c);
    for (let index = 0; index < key.length; index++) {
      innerPad[index]! ^= key[index]!;
      outerPad[index]! ^= key[index]!;
    }
    this.#inner = createHash('sha256').update(innerPad);
    this.#outer = createHash('sha256').update(outerPad);
    innerPad.fill(0);
    outerPad.fill(0);
    this.#family = sourceFamily(source);
    this.#source = source;
  }

  /** HMAC-SHA256(key, text), first 128 bits. */
  #mac(text: string): Buffer {
    const inner = this.#inner.copy().update(text, 'utf8').digest();
    return this.#outer.copy().update(inner).digest().subarray(0, FINGERPRINT_BYTES);
  }

  /** What the fingerprint is made of (in clear: it never leaves memory). Identical messages have the same base. */
  base(message: IdentityFields): string {
    return `m1${SEPARATOR}${this.#family}${SEPARATOR}${message.kind}${SEPARATOR}${senderPart(message)}${SEPARATOR}${identityTime(this.#source, message)}${SEPARATOR}${contentPart(message)}`;
  }

  /** The fingerprint of a message with this base, given how many identical messages came before it in its export. */
  identityOf(base: string, occurrence: number): Buffer {
    return this.#mac(occurrence === 0 ? base : `${base}${SEPARATOR}#${occurrence}`);
  }

  /** The message's fingerprint, given how many identical messages came before it in its export. */
  identity(message: IdentityFields, occurrence: number): Buffer {
    return this.identityOf(this.base(message), occurrence);
  }

  /** A fingerprint of the sender and time alone: recognises a message the app later shows as deleted. */
  slot(message: IdentityFields): Buffer {
    return this.#mac(`s1${SEPARATOR}${this.#family}${SEPARATOR}${message.kind}${SEPARATOR}${senderPart(message)}${SEPARATOR}${identityTime(this.#source, message)}`);
  }
}

/** How far back (in messages) identical messages are counted: repeats are at one time, so near each other. */
const OCCURRENCE_WINDOW = 4_096;

/**
 * Numbers identical messages in export order: the first "ok" of a sender at 09:00 is 0, the
 * second 1. Counts only within the last OCCURRENCE_WINDOW messages, so memory stays bounded on
 * a 700k-message export (and the bases themselves can be the keys); the same export always
 * numbers the same way.
 */
export class OccurrenceCounter {
  readonly #counts = new Map<string, number>();
  readonly #recent: string[] = new Array<string>(OCCURRENCE_WINDOW);
  #seen = 0;

  /** The occurrence of a message with this base (ChatFingerprinter.base), or this occurrence-0 fingerprint. */
  next(identifiedBy: string | Buffer): number {
    const key = typeof identifiedBy === 'string' ? identifiedBy : identifiedBy.toString('latin1');
    const slot = this.#seen % OCCURRENCE_WINDOW;
    if (this.#seen >= OCCURRENCE_WINDOW) {
      const leaving = this.#recent[slot]!;
      const left = this.#counts.get(leaving)! - 1;
      if (left === 0) this.#counts.delete(leaving);
      else this.#counts.set(leaving, left);
    }
    this.#recent[slot] = key;
    this.#seen++;
    const before = this.#counts.get(key) ?? 0;
    this.#counts.set(key, before + 1);
    return before;
  }
}

/**
 * Occurrences for a run of parsed messages, in export order, and (when `keyed`) their
 * fingerprints, each 16 bytes, laid end to end (empty when not keyed). Occurrences are always
 * needed: they are stored with every message. The HMAC is the costly part, and a first import
 * into a vault that has wiped nothing needs it only for the messages it identifies the chat by.
 */
export function fingerprintMessages(
  fingerprinter: ChatFingerprinter,
  counter: OccurrenceCounter,
  messages: readonly ChatMessage[],
  keyed = true,
): { identities: Uint8Array; occurrences: Uint32Array } {
  const identities = new Uint8Array(keyed ? messages.length * FINGERPRINT_BYTES : 0);
  const occurrences = new Uint32Array(messages.length);
  messages.forEach((message, at) => {
    const base = fingerprinter.base(message);
    const occurrence = counter.next(base);
    occurrences[at] = occurrence;
    if (keyed) identities.set(fingerprinter.identityOf(base, occurrence), at * FINGERPRINT_BYTES);
  });
  return { identities, occurrences };
}

/** A fingerprint as a Map/Set key. */
export function fingerprintKey(fingerprint: Uint8Array): string {
  return Buffer.from(fingerprint.buffer, fingerprint.byteOffset, fingerprint.byteLength).toString('latin1');
}
