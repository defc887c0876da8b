import type { ChatMessage, ChatSource, ChatThread, DateOrder, MessageFlag, ParseWarning } from '../../shared/domain/chat';
import type { ErrorCode } from '../../shared/ipc/result';
import { detach } from '../importers/detach';

/**
 * What the import's main side and its worker say to each other. The worker reads the export
 * (hash, parse, media); the main side owns the vault and writes. Everything crossing is
 * structured-cloneable data: no functions, no class instances.
 */

/** What to read. Sent once, at start. */
export interface ImportTask {
  readonly path: string;
  readonly zone: string;
  readonly dateOrder?: DateOrder;
  readonly password?: string;
  /** Largest attachment sent back; a bigger one is reported as skipped. */
  readonly maxAttachmentBytes: number;
  /** Parsed-but-unacknowledged message reports the worker may have outstanding (back-pressure). */
  readonly messagesInFlight: number;
  /**
   * The vault's chat identity key: the worker fingerprints each message (chat-identity.ts) while
   * the main thread writes the one before. It is a copy; the worker never stores it.
   */
  readonly identityKey: Uint8Array;
}

export type ToImportWorker =
  | { readonly type: 'start'; readonly task: ImportTask }
  /** The source hash was checked and the export is new: parse it. */
  | { readonly type: 'parse' }
  /** One `messages` report has been written: the worker may send another. */
  | { readonly type: 'ack' }
  /** Send the bytes of one attachment named in the thread. */
  | { readonly type: 'media'; readonly name: string }
  /**
   * The main side no longer needs the messages' fingerprints (a first import into a vault that
   * has wiped nothing): the worker sends occurrences only, sparing the HMAC. Never switched back.
   */
  | { readonly type: 'unkeyed' };

export type FromImportWorker =
  | { readonly type: 'hashed'; readonly sha256: string }
  | { readonly type: 'opened'; readonly source: ChatSource | 'whatsapp' }
  | {
      readonly type: 'messages';
      readonly messages: PackedMessages;
      /** Per message, its chat identity fingerprint (16 bytes each, end to end; empty once `unkeyed`) and occurrence. */
      readonly identities: Uint8Array;
      readonly occurrences: Uint32Array;
      readonly bytesDone: number;
      readonly bytesTotal: number;
    }
  | { readonly type: 'thread'; readonly thread: ChatThread }
  /** `content` is null when the attachment is larger than the limit. */
  | { readonly type: 'media'; readonly name: string; readonly content: Uint8Array | null }
  /**
   * The worker failed. A WardscribeError crosses as its code and message (written for a ward
   * user, never message text); anything else crosses as `internal` with no message at all.
   */
  | { readonly type: 'failed'; readonly code: ErrorCode | 'internal'; readonly message: string };

/**
 * A chunk of messages as it crosses from the worker: every string field laid end to end in one
 * string, with the lengths and numbers in typed arrays. Structured clone then copies one string
 * and two buffers instead of walking a dozen properties of each of thousands of objects, work
 * that fell on the main thread (the writer, the import's bottleneck) at about 1.4 µs a message.
 */
export interface PackedMessages {
  readonly count: number;
  /** STRING_FIELDS of every message, in order, end to end. */
  readonly strings: string;
  /** The length of each of those fields. */
  readonly lengths: Uint32Array;
  /** Per message: index, line, and the NULL_* / SYSTEM bits. */
  readonly numbers: Float64Array;
}

const STRING_FIELDS = 9;
const NUMBERS = 3;
const SYSTEM = 1;
const NULL_SENDER = 2;
const NULL_INSTANT = 4;
const NULL_ATTACHMENT = 8;
const NO_FLAGS: readonly MessageFlag[] = Object.freeze([]);
const NO_WARNINGS: readonly ParseWarning[] = Object.freeze([]);

/** Packs messages for the crossing (flags joined by ",", which no flag name holds; warnings as JSON). */
export function packMessages(messages: readonly ChatMessage[]): PackedMessages {
  const parts: string[] = [];
  const lengths = new Uint32Array(messages.length * STRING_FIELDS);
  const numbers = new Float64Array(messages.length * NUMBERS);
  let field = 0;
  const add = (value: string) => {
    parts.push(value);
    lengths[field++] = value.length;
  };
  messages.forEach((message, at) => {
    add(message.sender ?? '');
    add(message.text);
    add(message.head);
    add(message.localTime);
    add(message.zone);
    add(message.instant ?? '');
    add(message.attachment ?? '');
    add(message.flags.length === 0 ? '' : message.flags.join(','));
    add(message.warnings.length === 0 ? '' : JSON.stringify(message.warnings));
    numbers[at * NUMBERS] = message.index;
    numbers[at * NUMBERS + 1] = message.line;
    numbers[at * NUMBERS + 2] =
      (message.kind === 'system' ? SYSTEM : 0) | (message.sender === null ? NULL_SENDER : 0) | (message.instant === null ? NULL_INSTANT : 0) | (message.attachment === null ? NULL_ATTACHMENT : 0);
  });
  return { count: messages.length, strings: parts.join(''), lengths, numbers };
}

/**
 * The messages packMessages() packed. Their strings are views of the report's one string, which
 * lives as long as any of them; attachment names, which the writer keeps to the end of the
 * import, are copies. Throws if the pack does not add up (never from our own worker).
 */
export function unpackMessages(packed: PackedMessages): ChatMessage[] {
  const { count, strings, lengths, numbers } = packed;
  if (lengths.length !== count * STRING_FIELDS || numbers.length !== count * NUMBERS) throw new Error('import worker: a malformed message report');
  const messages: ChatMessage[] = new Array<ChatMessage>(count);
  let at = 0;
  let field = 0;
  const next = () => {
    const end = at + lengths[field++]!;
    const value = strings.slice(at, end);
    at = end;
    return value;
  };
  for (let index = 0; index < count; index++) {
    const sender = next();
    const text = next();
    const head = next();
    const localTime = next();
    const zone = next();
    const instant = next();
    const attachment = next();
    const flags = next();
    const warnings = next();
    const bits = numbers[index * NUMBERS + 2]!;
    messages[index] = {
      index: numbers[index * NUMBERS]!,
      sender: bits & NULL_SENDER ? null : sender,
      text,
      kind: bits & SYSTEM ? 'system' : 'message',
      head,
      localTime,
      zone,
      instant: bits & NULL_INSTANT ? null : instant,
      flags: flags === '' ? NO_FLAGS : (flags.split(',') as MessageFlag[]),
      attachment: bits & NULL_ATTACHMENT ? null : detach(attachment),
      line: numbers[index * NUMBERS + 1]!,
      warnings: warnings === '' ? NO_WARNINGS : (JSON.parse(warnings) as ParseWarning[]),
    };
  }
  if (at !== strings.length) throw new Error('import worker: a malformed message report');
  return messages;
}
