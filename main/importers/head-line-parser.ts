import { createHash } from 'node:crypto';
import { BIDI_CONTROL_PATTERN, type ChatMessage, type ChatSource, type ChatThread, type DateOrder, type MessageFlag, type ParseWarning } from '../../shared/domain/chat';
import { WardscribeError } from '../errors';
import { DateOrderEvidence, dateOrderUnknown } from './date-order';
import { detach } from './detach';
import { readLineBatches, readTextBatches, type ByteSource, type LineReadOptions } from './line-reader';
import { formatInstant, isCalendarDate, TimeFormatter, ZoneClock } from './local-time';
import { isEncryptionNotice, mayHoldMarker, readMarkers, startsWithMarker, type MarkerReading } from './markers';
import { HeadReading, readFixedHeadInto, readHead, readHeadInto, type HeadFields } from './whatsapp-head';

/** What every import is told by its caller. */
export interface ImportOptions extends LineReadOptions {
  /** IANA zone the export's wall-clock times are read in. Never guessed by the importer. */
  readonly zone: string;
  /** Day/month order, when the user has said; otherwise it must be proven by the file. */
  readonly dateOrder?: DateOrder;
  /** Password for encrypted exports (Threema). */
  readonly password?: string;
}

/** How a line-based export differs from WhatsApp's own. */
export interface HeadLineFormat {
  /** Fixed source kind; when absent, iOS or Android is read from the first head. */
  readonly source?: ChatSource;
  /** Group or chat name when known from outside the text (e.g. the export's file name). */
  readonly title?: string | null;
  /** Sender names that mean the exporting user (e.g. Threema's "Ich"). */
  readonly selfNames?: ReadonlySet<string>;
  /** Reads the source's own markers from a body; WhatsApp's by default. */
  readonly readMarkers?: (body: string) => MarkerReading;
}

const LRM_CODE = 0x200e;
const MAX_SENDER_LENGTH = 80;
/** Senders remembered for matching in place; names beyond these are cut from the line each time. */
const MAX_KNOWN_SENDERS = 256;

/** Checked wall-clock fields of a head, written by wallClockInto(). */
class WallClock {
  year = 0;
  month = 0;
  day = 0;
  hour = 0;
  minute = 0;
  second = 0;

  copyFrom(other: WallClock): void {
    this.year = other.year;
    this.month = other.month;
    this.day = other.day;
    this.hour = other.hour;
    this.minute = other.minute;
    this.second = other.second;
  }
}

/**
 * The message being read, until the next head (or the end) completes it. One instance serves
 * the whole parse, filled afresh for each message, so reading allocates no object per message
 * beyond the ChatMessage itself (and its strings).
 */
class Pending {
  /** False until the first message starts. */
  active = false;
  headText = '';
  line = 0;
  /** The head's wall-clock fields, copied from the reader's scratch WallClock. */
  readonly clock = new WallClock();
  rawSender: string | null = null;
  /** True when rawSender is the parser's own copy of the name (shares no memory with the text). */
  senderDetached = false;
  /**
   * The first body line and any continuation lines that directly follow it in the same decoded
   * text: `bodyText.slice(bodyStart, bodyEnd)`, lines joined by "\n" as the file has them.
   */
  bodyText = '';
  bodyTextId = 0;
  bodyStart = 0;
  bodyEnd = 0;
  /** Continuation lines in later texts, when there are any (most messages are one line). */
  moreLines: string[] | null = null;
  embedded = false;
  /** False when no line of the message came from a chunk holding a bidi control byte sequence. */
  mayHaveBidi = false;
  warnings: ParseWarning[] | null = null;
}

/** The local day of the last message built, its UTC midnight and its steady offset (or null). */
class CurrentDay {
  key = -1;
  utcMidnight = 0;
  offset: number | null = null;
}


/** The flags and warnings of the many messages that have none: shared, and frozen so nobody adds to them. */
const NO_FLAGS: readonly MessageFlag[] = Object.freeze([]);
const NO_WARNINGS: readonly ParseWarning[] = Object.freeze([]);
/** Participants compared one by one before the Set is consulted: a chat has few senders. */
const PARTICIPANT_SCAN = 8;

/** The running totals of one parse, turned into a ChatThread at the end. */
class ThreadBuilder {
  readonly participants: string[] = [];
  private readonly participantSet = new Set<string>();
  readonly attachmentNames: string[] = [];
  private readonly attachmentSet = new Set<string>();
  readonly warnings: ParseWarning[] = [];
  readonly hash = createHash('sha256');
  /** Names iOS wrote group events "from", with the first line each did so. */
  readonly eventAuthors = new Map<string, number>();
  /**
   * The chat's name: from outside the text (a file name), else from the first iOS group event.
   * Never used to decide who sent what: a 1:1 export is named after the partner.
   */
  title: string | null;
  count = 0;

  constructor(title: string | null) {
    this.title = title;
  }

  /** `detached`: the name shares no memory with the text, so it is kept as it is (and later compared by identity). */
  addParticipant(name: string, detached = false): void {
    // Comparing a few short strings is cheaper than hashing a fresh one for the Set.
    const scan = Math.min(this.participants.length, PARTICIPANT_SCAN);
    for (let index = 0; index < scan; index++) if (this.participants[index] === name) return;
    if (!this.participantSet.has(name)) {
      const kept = detached ? name : detach(name);
      this.participantSet.add(kept);
      this.participants.push(kept);
    }
  }

  addAttachment(name: string): void {
    if (!this.attachmentSet.has(name)) {
      const kept = detach(name);
      this.attachmentSet.add(kept);
      this.attachmentNames.push(kept);
    }
  }
}

/**
 * Parses a WhatsApp-style text export (also Threema's messages.txt and signal-export Markdown,
 * which share the grammar) into messages, streaming. Yields messages in file order and returns
 * the thread once the whole text has been read.
 *
 * A line that looks like a head starts a new message only when it is written in the same form
 * as the file's first head and is not earlier than the message before it. Any other head-like
 * line (a pasted conversation) stays in the current message's body, which is flagged
 * `embedded-header` for review: a pasted line is never attributed to a new sender.
 */
export async function* parseHeadLineChat(
  source: ByteSource,
  options: ImportOptions,
  format: HeadLineFormat = {},
  isPresent: (attachment: string) => boolean = () => false,
): AsyncGenerator<ChatMessage, ChatThread> {
  return yield* flattenBatches(parseHeadLineBatches(source, options, format, isPresent));
}

/** One message at a time from a generator of batches. */
export async function* flattenBatches<T, R>(batches: AsyncGenerator<readonly T[], R>): AsyncGenerator<T, R> {
  let finished = false;
  try {
    for (;;) {
      const next = await batches.next();
      if (next.done) {
        finished = true;
        return next.value;
      }
      for (const item of next.value) yield item;
    }
  } finally {
    // Stopped early (return() or an error): let the batches close the file they are reading.
    if (!finished) await batches.return(undefined as never).catch(() => undefined);
  }
}

/**
 * parseHeadLineChat() in batches: one array of messages per chunk of the file, so a consumer
 * moving hundreds of thousands of messages pays one await per chunk, not per message. When the
 * text turns out to be unreadable partway, the messages before the bad line are yielded first,
 * then the error is thrown, exactly as the one-at-a-time form does.
 */
export async function* parseHeadLineBatches(
  source: ByteSource,
  options: ImportOptions,
  format: HeadLineFormat = {},
  isPresent: (attachment: string) => boolean = () => false,
): AsyncGenerator<ChatMessage[], ChatThread> {
  const clock = new ZoneClock(options.zone);
  const decision = options.dateOrder
    ? { order: options.dateOrder, decidedBy: 'caller' as const }
    : await decideDateOrder(source, options);
  const order = decision.order;
  const thread = new ThreadBuilder(format.title ?? null);
  const times = new TimeFormatter();
  let detectedSource: ChatSource | null = format.source ?? null;
  let signature = -1;
  const pending = new Pending();
  const head = new HeadReading();
  const wall = new WallClock();
  const today = new CurrentDay();
  let lastKey = -1;
  // Senders seen so far, by length (a chat has few): each head's name is looked for among them before anything is cut.
  const knownSenders: (string[] | undefined)[] = [];
  let knownSenderCount = 0;

  let textId = 0;
  for await (const chunk of readTextBatches(source, options)) {
    const { texts, bytes } = chunk;
    // The fingerprint covers the text as lines (BOM and CR removed) joined by "\n", each batch
    // followed by "\n", so .txt and .zip, CRLF and LF copies of one export match. Without a CR
    // those are exactly the bytes read; with one, the text is hashed as before.
    if (!chunk.carriageReturn) thread.hash.update(bytes);
    else thread.hash.update(texts.join('\n'));
    thread.hash.update('\n');
    const chunkHasBidi = !chunk.ascii && hasBidiBytes(bytes);
    const batch: ChatMessage[] = [];
    let lineNumber = chunk.firstLine - 1;
    try {
      for (let textIndex = 0; textIndex < texts.length; textIndex++) {
        const text = texts[textIndex]!;
        textId++;
        let start = 0;
        for (;;) {
          const newline = text.indexOf('\n', start);
          const end = newline < 0 ? text.length : newline;
          lineNumber++;
          // A head starts with a digit, "[" or U+200E: other lines are never read as one.
          const firstCode = text.charCodeAt(start);
          const isHead =
            ((firstCode >= 0x30 && firstCode <= 0x39) || firstCode === 0x5b || firstCode === LRM_CODE) &&
            (readFixedHeadInto(text, start, end, head) || readHeadInto(text, start, end, head));
          let continuation = true;
          if (isHead) {
            if (signature === -1) {
              signature = head.signature;
              detectedSource ??= head.bracketed ? 'whatsapp-ios' : 'whatsapp-android';
            }
            const key = head.signature === signature ? localKeyOf(wallClockInto(head, order, lineNumber, wall)) : -1;
            if (key >= 0 && key >= lastKey) {
              if (pending.active) {
                batch.push(buildMessage(pending, thread, clock, times, format, isPresent, today));
                thread.count++;
              }
              lastKey = key;
              const headEnd = start + head.length;
              // ": " cannot straddle the line's end (the next character there is "\n").
              let colon = text.indexOf(': ', headEnd);
              if (colon >= end) colon = -1;
              const candidateLength = colon - headEnd;
              let candidate: string | null = null;
              let candidateKept = false;
              if (colon > headEnd && candidateLength <= MAX_SENDER_LENGTH) {
                // A sender seen before is matched in place: the same string, nothing cut or allocated.
                const sameLength = knownSenders[candidateLength];
                if (sameLength !== undefined) {
                  for (let known = 0; known < sameLength.length; known++) {
                    if (text.startsWith(sameLength[known]!, headEnd)) {
                      candidate = sameLength[known]!;
                      candidateKept = true;
                      break;
                    }
                  }
                }
                if (candidate === null) {
                  candidate = text.slice(headEnd, colon);
                  if (knownSenderCount < MAX_KNOWN_SENDERS && !candidate.includes('"')) {
                    candidate = detach(candidate);
                    candidateKept = true;
                    (knownSenders[candidateLength] ??= []).push(candidate);
                    knownSenderCount++;
                  }
                }
              }
              const isSender = candidate !== null && !candidate.includes('"');
              pending.active = true;
              pending.headText = isSender ? text.slice(start, colon + 1) : text.slice(start, headEnd);
              pending.line = lineNumber;
              pending.clock.copyFrom(wall);
              pending.rawSender = isSender ? candidate : null;
              pending.senderDetached = isSender && candidateKept;
              pending.bodyText = text;
              pending.bodyTextId = textId;
              pending.bodyStart = isSender ? colon + 2 : headEnd;
              pending.bodyEnd = end;
              pending.moreLines = null;
              pending.embedded = false;
              pending.mayHaveBidi = chunkHasBidi;
              pending.warnings = null;
              continuation = false;
            } else if (pending.active) {
              pending.embedded = true;
              (pending.warnings ??= []).push({
                line: lineNumber,
                code: key < 0 ? 'embedded-header-other-form' : 'embedded-header-earlier-time',
                message:
                  key < 0
                    ? `Line ${lineNumber} looks like a message head written in another form; kept in the message above for review.`
                    : `Line ${lineNumber} looks like a message head earlier than the message above; kept in it for review.`,
              });
            }
          }
          if (continuation) {
            if (pending.active) {
              // A line right after the body in the same text extends it in place.
              if (pending.moreLines === null && pending.bodyTextId === textId && pending.bodyEnd + 1 === start) pending.bodyEnd = end;
              else (pending.moreLines ??= []).push(text.slice(start, end));
              pending.mayHaveBidi ||= chunkHasBidi;
            } else if (end > start) {
              thread.warnings.push({ line: lineNumber, code: 'text-before-first-message', message: `Line ${lineNumber} comes before the first message and was skipped.` });
            }
          }
          if (newline < 0) break;
          start = newline + 1;
        }
      }
    } catch (error) {
      // The messages before the unreadable line come out first, as they would one at a time.
      if (batch.length > 0) yield batch;
      throw error;
    }
    chunk.lineCount = lineNumber - chunk.firstLine + 1;
    if (batch.length > 0) yield batch;
  }
  if (pending.active) {
    const last = buildMessage(pending, thread, clock, times, format, isPresent, today);
    thread.count++;
    yield [last];
  }
  if (thread.count === 0) {
    throw new WardscribeError('rejected', 'No messages were found: this file is not a chat export in a format Wardscribe reads.');
  }
  const title = thread.title;
  // A person who starts a message with U+200E would look like an iOS group event. If a name
  // both "sent" events and ordinary messages, say so: those events need a reviewer's eye.
  for (const [name, line] of thread.eventAuthors) {
    if (thread.participants.includes(name)) {
      thread.warnings.push({
        line,
        code: 'event-author-also-sender',
        message: `Line ${line} was read as a group event, but its author also sent ordinary messages: check it was not a message.`,
      });
    }
  }
  return {
    source: detectedSource ?? 'whatsapp-android',
    title,
    participants: thread.participants,
    messageCount: thread.count,
    zone: clock.zone,
    dateOrder: decision,
    fingerprint: thread.hash.digest('hex'),
    attachments: thread.attachmentNames.map((name) => ({ name, present: isPresent(name) })),
    warnings: thread.warnings,
  };
}

/**
 * True when the bytes may hold a bidi control (U+202A-U+202E: E2 80 AA-AE; U+2066-U+2069:
 * E2 81 A6-A9). Checked once per chunk, so the per-message regex runs only where one may be.
 */
function hasBidiBytes(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(0xe2); at >= 0 && at + 2 < bytes.length; at = bytes.indexOf(0xe2, at + 1)) {
    const second = bytes[at + 1]!;
    const third = bytes[at + 2]!;
    if ((second === 0x80 && third >= 0xaa && third <= 0xae) || (second === 0x81 && third >= 0xa6 && third <= 0xa9)) return true;
  }
  return false;
}

/** Reads heads until the file proves its day/month order; year-first files need no proof. */
async function decideDateOrder(source: ByteSource, options: ImportOptions): Promise<{ order: DateOrder; decidedBy: 'file' | 'format' }> {
  const evidence = new DateOrderEvidence();
  let signature = -1;
  // The first pass reports no progress: the main pass does, over the same bytes.
  for await (const { firstLine, lines } of readLineBatches(source, { signal: options.signal, maxLineBytes: options.maxLineBytes })) {
    for (let offset = 0; offset < lines.length; offset++) {
      const head = readHead(lines[offset]!);
      if (!head) continue;
      if (signature === -1) {
        signature = head.signature;
        if (head.yearFirst) return { order: 'ymd', decidedBy: 'format' };
      }
      if (head.signature !== signature) continue;
      evidence.add(head.first, head.second, firstLine + offset);
      if (evidence.proven) return { order: evidence.decide(), decidedBy: 'file' };
    }
  }
  if (signature === -1) throw new WardscribeError('rejected', 'No messages were found: this file is not a chat export in a format Wardscribe reads.');
  throw dateOrderUnknown();
}

/** Wall-clock fields of a head under a date order, checked, written into `wall`. */
function wallClockInto(head: HeadFields, order: DateOrder, line: number, wall: WallClock): WallClock {
  let year: number;
  let month: number;
  let day: number;
  if (head.yearFirst || order === 'ymd') {
    year = head.first;
    month = head.second;
    day = head.third;
  } else if (order === 'dmy') {
    day = head.first;
    month = head.second;
    year = head.third;
  } else {
    month = head.first;
    day = head.second;
    year = head.third;
  }
  if (year < 100) year += 2000;
  let hour = head.hour;
  if (head.meridiem) {
    if (hour < 1 || hour > 12) throw badHead(line, 'its 12-hour time is not valid');
    hour = (hour % 12) + (head.meridiem === 'p' ? 12 : 0);
  }
  if (hour > 23 || head.minute > 59 || head.second_ > 59) throw badHead(line, 'its time is not valid');
  if (!isCalendarDate(year, month, day)) {
    throw badHead(line, `its date is not a real date when read ${order === 'dmy' ? 'day-first' : order === 'mdy' ? 'month-first' : 'year-first'} (is the date order right?)`);
  }
  wall.year = year;
  wall.month = month;
  wall.day = day;
  wall.hour = hour;
  wall.minute = head.minute;
  wall.second = head.second_;
  return wall;
}

function localKeyOf({ year, month, day, hour, minute, second }: WallClock): number {
  return ((((year * 100 + month) * 100 + day) * 100 + hour) * 100 + minute) * 100 + second;
}

function badHead(line: number, why: string): WardscribeError {
  return new WardscribeError('rejected', `Line ${line} has a message date that cannot be read: ${why}.`);
}

function buildMessage(
  pending: Pending,
  thread: ThreadBuilder,
  clock: ZoneClock,
  times: TimeFormatter,
  format: HeadLineFormat,
  isPresent: (attachment: string) => boolean,
  today: CurrentDay,
): ChatMessage {
  const firstBody = pending.bodyText.slice(pending.bodyStart, pending.bodyEnd);
  const rawBody = pending.moreLines === null ? firstBody : firstBody + '\n' + pending.moreLines.join('\n');

  let flags: MessageFlag[] | null = null;
  let sender = pending.rawSender;
  let kind: 'message' | 'system' = 'message';
  let text = rawBody;
  let attachment: string | null = null;

  if (sender === null) {
    kind = 'system';
  } else if (rawBody.charCodeAt(0) === LRM_CODE && !startsWithMarker(rawBody)) {
    // iOS writes group events "from" the group, the body starting with U+200E: the name is the chat's.
    kind = 'system';
    if (!isEncryptionNotice(rawBody)) {
      (flags ??= []).push('group-name-author');
      thread.title ??= detach(sender);
      if (!thread.eventAuthors.has(sender)) thread.eventAuthors.set(detach(sender), pending.line);
    }
    sender = null;
  } else if (thread.count === 0 && isEncryptionNotice(rawBody)) {
    kind = 'system';
    sender = null;
  }
  if (kind === 'system') {
    (flags ??= []).push('system');
    text = rawBody.charCodeAt(0) === LRM_CODE ? rawBody.slice(1) : rawBody;
  } else {
    // Most bodies carry no marker: the default reader is skipped when it would return the body as is.
    const markers = format.readMarkers ? format.readMarkers(rawBody) : mayHoldMarker(rawBody) ? readMarkers(rawBody) : null;
    if (markers !== null) {
      text = markers.text;
      if (markers.edited) (flags ??= []).push('edited');
      if (markers.deleted) (flags ??= []).push('deleted');
      if (markers.mediaOmitted) (flags ??= []).push('media-omitted');
      if (markers.attachment) {
        attachment = markers.attachment;
        (flags ??= []).push('attachment');
        thread.addAttachment(attachment);
        if (!isPresent(attachment)) {
          (pending.warnings ??= []).push({ line: pending.line, code: 'attachment-missing', message: `The attachment named on line ${pending.line} is not in the export.` });
        }
      }
    }
    thread.addParticipant(sender!, pending.senderDetached);
    if (format.selfNames?.has(sender!)) (flags ??= []).push('self');
  }
  if (pending.embedded) (flags ??= []).push('embedded-header');
  if (pending.mayHaveBidi && (BIDI_CONTROL_PATTERN.test(text) || (sender !== null && BIDI_CONTROL_PATTERN.test(sender)))) (flags ??= []).push('bidi-controls');

  const { year, month, day, hour, minute, second } = pending.clock;
  // Most days hold no clock change: their offset is cached and no Temporal work is done.
  const dayKey = (year * 100 + month) * 100 + day;
  if (dayKey !== today.key) {
    today.key = dayKey;
    today.utcMidnight = Date.UTC(year, month - 1, day);
    today.offset = clock.steadyOffsetOn(year, month, day);
  }
  const offset = today.offset;
  let instant: string | null;
  if (offset !== null) {
    // Date.UTC(year, month - 1, day, hour, minute, second), exactly: whole milliseconds well below 2^53.
    instant = times.instant(today.utcMidnight + ((hour * 60 + minute) * 60 + second) * 1000 - offset);
  } else {
    const resolved = clock.resolve(year, month, day, hour, minute, second);
    if (resolved.problem) (flags ??= []).push(resolved.problem);
    instant = resolved.epochMs === null ? null : formatInstant(resolved.epochMs);
  }
  return {
    index: thread.count,
    sender,
    text,
    kind,
    head: pending.headText,
    localTime: times.local(year, month, day, hour, minute, second),
    zone: clock.zone,
    instant,
    flags: flags ?? NO_FLAGS,
    attachment,
    line: pending.line,
    warnings: pending.warnings ?? NO_WARNINGS,
  };
}
