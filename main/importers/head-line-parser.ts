import { createHash } from 'node:crypto';
import { BIDI_CONTROL_PATTERN, type ChatMessage, type ChatSource, type ChatThread, type DateOrder, type MessageFlag, type ParseWarning } from '../../shared/domain/chat';
import { WardscribeError } from '../errors';
import { DateOrderEvidence, dateOrderUnknown } from './date-order';
import { detach } from './detach';
import { readLineBatches, readTextBatches, type ByteSource, type LineReadOptions } from './line-reader';
import { formatInstant, isCalendarDate, TimeFormatter, ZoneClock } from './local-time';
import { isChatNotice, isEncryptionNotice, isGroupEvent, isStructuredLrmBody, mayHoldMarker, readMarkers, type MarkerReading } from './markers';
import { HeadReading, hourOfDay, isDirectionalMark, mayStartHead, readFixedHeadInto, readHeadInto, type HeadFields } from './whatsapp-head';

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
const RLM_CODE = 0x200f;
/** The app's name in the scripts its notices are written in. */
const NAMES_THE_APP = /WhatsApp|واتساب|وات?س ?اپ|ווטסאפ|वॉट्सऐप/;
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
  /** True when the head's word after the time may be its day period or the sender's name, undecided. */
  periodOrName = false;
  /** True when the message's time is earlier than the message's before it. */
  outOfOrder = false;
  /** The head's local time as one comparable number. */
  key = 0;
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
  readonly pastes = new PasteWatch();

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

  hasParticipant(name: string): boolean {
    return this.participantSet.has(name);
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
 * Every line that is a head in the file's own layout (the layout most of its first heads are
 * written in) starts a message, whatever its time: real exports are often out of time order, so
 * a message earlier than the one above keeps its place and sender and is flagged `out-of-order`.
 * Evidence of a pasted conversation that real exports do not produce — a head-like line in
 * another layout, or a second head straight after a sender's colon — is flagged
 * `embedded-header` for review; text is never moved to another sender.
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
 * Watches for a pasted conversation that time order and senders give away together: a run of
 * messages dated before what came above them (out of order) whose senders write nowhere else in
 * the chat. Real exports reorder messages by seconds between people who are in the chat; a
 * paste brings in people who are not. The run's messages keep their senders (they are heads in
 * the file's layout); the warning asks a reviewer to check them.
 */
class PasteWatch {
  /** The latest time of the messages outside runs. */
  private latest = -1;
  private run: { from: number; to: number; count: number; senders: Set<string> } | null = null;
  private readonly runs: { from: number; to: number; count: number; senders: Set<string> }[] = [];
  /** Senders seen in a run, and whether they have written outside one. */
  private readonly elsewhere = new Map<string, boolean>();

  see(sender: string, key: number, line: number, thread: ThreadBuilder): void {
    if (key < this.latest) {
      if (this.run === null) {
        this.run = { from: line, to: line, count: 0, senders: new Set() };
        this.runs.push(this.run);
      }
      this.run.to = line;
      this.run.count++;
      this.run.senders.add(sender);
      if (!this.elsewhere.has(sender)) this.elsewhere.set(sender, thread.hasParticipant(sender));
      return;
    }
    this.run = null;
    this.latest = key;
    if (this.elsewhere.size > 0 && this.elsewhere.get(sender) === false) this.elsewhere.set(sender, true);
  }

  warnings(): ParseWarning[] {
    return this.runs
      .filter((run) => run.count >= 2 && [...run.senders].every((sender) => this.elsewhere.get(sender) === false))
      .map((run) => ({
        line: run.from,
        code: 'pasted-conversation-suspected',
        message: `Lines ${run.from} to ${run.to}: ${run.count} messages dated before the messages above them, from people who write nowhere else in this chat. They may be a pasted conversation: check who really sent them.`,
      }));
  }
}

/** Heads read before the file's layout is chosen: the most common form among them wins. */
const SURVEY_HEADS = 200;
/** Lines kept before the first message, and their size: past either the file is no chat export. */
const MAX_PREAMBLE_LINES = 5_000;
const MAX_PREAMBLE_CHARS = 1024 * 1024;

/** The layout a file's messages are written in, and the date order it is read in. */
interface Layout {
  readonly signature: number;
  readonly decision: { readonly order: DateOrder; readonly decidedBy: 'file' | 'caller' | 'format' };
  /**
   * False when the surveyed heads leave open whether a word after the time is the day period
   * or the start of the sender's name (every such head could be read either way, or the file
   * holds heads of both readings): each message read so is then flagged for review.
   */
  readonly clockDecided: boolean;
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
  const layout = await surveyLayout(source, options);
  const { signature, decision, clockDecided } = layout;
  const order = decision.order;
  const thread = new ThreadBuilder(format.title ?? null);
  const times = new TimeFormatter();
  let detectedSource: ChatSource | null = format.source ?? null;
  const pending = new Pending();
  const head = new HeadReading();
  const nested = new HeadReading();
  const wall = new WallClock();
  const today = new CurrentDay();
  const calendar = new CalendarNote();
  let lastKey = -1;
  // Senders seen so far, by length (a chat has few): each head's name is looked for among them before anything is cut.
  const knownSenders: (string[] | undefined)[] = [];
  let knownSenderCount = 0;
  // Text before the first message, kept for review.
  let preamble: string[] | null = null;
  let preambleChars = 0;
  let preambleLine = 0;

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
          // A byte-order mark inside the text (two exports joined, or a phone's own) is dropped.
          if (text.charCodeAt(start) === 0xfeff && start < end) start++;
          // A head starts with a digit, "[" or a directional mark: other lines are never read as one.
          const firstCode = text.charCodeAt(start);
          const isHead =
            (firstCode <= 0x39 ? firstCode >= 0x30 : firstCode === 0x5b || (firstCode > 0x7f && mayStartHead(firstCode))) &&
            (readFixedHeadInto(text, start, end, head) || readHeadInto(text, start, end, head));
          // A word after the time read as a day period in a layout without one: it is the first
          // word (or the whole) of the sender's name (`09:07:00 PM Patel: …`).
          if (isHead && head.signature !== signature && head.meridiem !== null) readHeadInto(text, start, end, head, false);
          let continuation = true;
          if (isHead && head.signature === signature) {
            const key = localKeyOf(wallClockInto(head, order, lineNumber, wall, calendar));
            detectedSource ??= head.bracketed ? 'whatsapp-ios' : 'whatsapp-android';
            if (pending.active) {
              batch.push(buildMessage(pending, thread, clock, times, format, isPresent, today));
              thread.count++;
            } else if (preamble !== null) {
              batch.push(buildPreamble(preamble, preambleLine, wall, thread, clock, times));
              thread.count++;
              preamble = null;
            }
            pending.outOfOrder = key < lastKey;
            pending.key = key;
            lastKey = key;
            const headEnd = start + head.length;
            // ": " cannot straddle the line's end (the next character there is "\n").
            let colon = text.indexOf(': ', headEnd);
            if (colon >= end) colon = -1;
            let bodyStart = colon + 2;
            if (colon < 0) {
              // "Name:" closing the line (an empty message), or "Name:text" without the space —
              // not a clock ("at 10:30") or a link ("https://"), which system lines may hold.
              const bare = text.indexOf(':', headEnd);
              if (bare > headEnd && bare < end && bare - headEnd <= MAX_SENDER_LENGTH && isBareColonSender(text, headEnd, bare, end)) {
                colon = bare;
                bodyStart = bare + 1;
              }
            }
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
                if (needsTrimming(candidate)) {
                  // Right-to-left layouts put marks around the name, and phones wrap numbers in an
                  // embedding (U+202A … U+202C): neither is part of the name.
                  // A name that is only marks stays an (empty) name: the text after ": " is still its message.
                  candidate = trimName(candidate);
                } else if (!isSenderName(candidate)) {
                  candidate = null;
                } else if (knownSenderCount < MAX_KNOWN_SENDERS) {
                  candidate = detach(candidate);
                  candidateKept = true;
                  (knownSenders[candidateLength] ??= []).push(candidate);
                  knownSenderCount++;
                }
              }
            }
            // Known senders were checked when first seen; a name cut afresh is checked here.
            const isSender = candidate !== null && (candidateKept || isSenderName(candidate));
            pending.active = true;
            pending.headText = isSender ? text.slice(start, colon + 1) : text.slice(start, headEnd);
            pending.line = lineNumber;
            pending.clock.copyFrom(wall);
            pending.rawSender = isSender ? candidate : null;
            pending.senderDetached = isSender && candidateKept;
            pending.bodyText = text;
            pending.bodyTextId = textId;
            pending.bodyStart = isSender ? Math.min(bodyStart, end) : headEnd;
            pending.bodyEnd = end;
            pending.moreLines = null;
            pending.embedded = false;
            pending.mayHaveBidi = chunkHasBidi;
            pending.warnings = null;
            // The word after the time could have been read the other way (day period or name):
            // undecided by the file's heads, or the other reading's sender (up to the same colon)
            // is someone who has already written in this chat.
            const otherSender = start + head.alternativeLength;
            pending.periodOrName = head.alternativeLength > 0 && (!clockDecided || (colon > otherSender && thread.hasParticipant(text.slice(otherSender, colon))));
            if (pending.periodOrName) {
              pending.warnings = [
                {
                  line: lineNumber,
                  code: 'day-period-or-name',
                  message: `Line ${lineNumber} has a word after the time that could be its day period (AM/PM) or the start of the sender's name: check who sent it and when.`,
                },
              ];
            }
            // A second head straight after the sender's colon: a pasted message, never split off.
            if (isSender && pending.bodyStart < end && mayStartHead(text.charCodeAt(pending.bodyStart)) && readHeadInto(text, pending.bodyStart, end, nested)) {
              pending.embedded = true;
              (pending.warnings ??= []).push({
                line: lineNumber,
                code: 'embedded-header-after-sender',
                message: `Line ${lineNumber} holds a second message head after the sender's name (a pasted message?): check who wrote it.`,
              });
            }
            continuation = false;
          } else if (isHead && pending.active && looksLikeMessage(text, start + head.length, end)) {
            pending.embedded = true;
            (pending.warnings ??= []).push({
              line: lineNumber,
              code: 'embedded-header-other-form',
              message: `Line ${lineNumber} looks like a message head written in another form; kept in the message above for review.`,
            });
          }
          if (continuation) {
            if (pending.active) {
              // A line right after the body in the same text extends it in place.
              if (pending.moreLines === null && pending.bodyTextId === textId && pending.bodyEnd + 1 === start) pending.bodyEnd = end;
              else (pending.moreLines ??= []).push(text.slice(start, end));
              pending.mayHaveBidi ||= chunkHasBidi;
            } else if (end > start || preamble !== null) {
              if (preamble === null) {
                preamble = [];
                preambleLine = lineNumber;
              }
              preamble.push(text.slice(start, end));
              preambleChars += end - start;
              if (preamble.length > MAX_PREAMBLE_LINES || preambleChars > MAX_PREAMBLE_CHARS) {
                throw new WardscribeError(
                  'rejected',
                  `This file has more than ${MAX_PREAMBLE_LINES.toLocaleString('en-GB')} lines (or 1 MB of text) before its first message, so it does not look like a chat export. Export the chat again, or remove what was added to the start of the file.`,
                );
              }
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
  if (thread.count === 0) throw notAChatExport();
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
  thread.warnings.push(...thread.pastes.warnings());
  if (calendar.converted !== null) thread.warnings.unshift(calendar.converted);
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

function notAChatExport(): WardscribeError {
  return new WardscribeError('rejected', 'No messages were found: this file is not a chat export in a format Wardscribe reads.');
}

/**
 * True when a would-be sender leaves a quotation open at the ": " (`Ann changed the subject to
 * "Ward: 7"`): a system line, not a name. Quotes that close inside the name are part of it
 * (`Thandi "Ndazo's Sister" Tshabalala`, Hebrew `ד"ר`).
 */
function quotesLikeSystemLine(candidate: string): boolean {
  let straight = 0;
  let curly = 0;
  let guillemets = 0;
  for (let at = 0; at < candidate.length; at++) {
    const code = candidate.charCodeAt(at);
    if (code === 0x22) straight++;
    else if (code === 0x201c) curly++;
    else if (code === 0x201d) curly--;
    else if (code === 0xab) guillemets++;
    else if (code === 0xbb) guillemets--;
  }
  // A single quote mark inside a word (ד"ר) is an abbreviation, not a quotation.
  const abbreviation = straight === 1 && /\p{L}"\p{L}/u.test(candidate);
  return (straight % 2 === 1 && !abbreviation) || curly > 0 || guillemets > 0;
}

/** True when the ":" at `colon` (with no space after it) ends a sender's name rather than a clock or a link. */
function isBareColonSender(text: string, from: number, colon: number, end: number): boolean {
  const before = text.charCodeAt(colon - 1);
  const after = colon + 1 < end ? text.charCodeAt(colon + 1) : -1;
  if ((before >= 0x30 && before <= 0x39) || (after >= 0x30 && after <= 0x39) || after === 0x2f) return false;
  return !quotesLikeSystemLine(text.slice(from, colon));
}

/** U+202A–U+202E and U+2066–U+2069: the embedding, override and isolate controls. */
function isBidiControl(code: number): boolean {
  return (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/** True when a name starts or ends with a directional mark, or is wrapped in an embedding. */
function needsTrimming(name: string): boolean {
  const first = name.charCodeAt(0);
  const last = name.charCodeAt(name.length - 1);
  return isDirectionalMark(first) || isDirectionalMark(last) || ((first === 0x202a || first === 0x202b) && last === 0x202c);
}

/**
 * U+200E, U+200F and U+061C removed from both ends, and one embedding that wraps the whole name
 * (U+202A or U+202B … U+202C) when nothing else inside could reorder it.
 */
function trimName(name: string): string {
  let from = 0;
  let to = name.length;
  while (from < to && isDirectionalMark(name.charCodeAt(from))) from++;
  while (to > from && isDirectionalMark(name.charCodeAt(to - 1))) to--;
  const first = name.charCodeAt(from);
  if (to - from >= 2 && (first === 0x202a || first === 0x202b) && name.charCodeAt(to - 1) === 0x202c && !BIDI_CONTROL_PATTERN.test(name.slice(from + 1, to - 1))) {
    from++;
    to--;
  }
  return name.slice(from, to);
}

/** True when the text before ": " can be a sender's name, not a system line's words. */
function isSenderName(candidate: string): boolean {
  return !quotesLikeSystemLine(candidate) && !(candidate.length > 20 && SYSTEM_LINE_BEFORE_COLON.test(candidate));
}

/**
 * Android system lines whose text holds ": " (`Alice changed this group: description`): the part
 * before it is an event, not a name.
 */
const SYSTEM_LINE_BEFORE_COLON = /\b(?:changed (?:this group|the group|the subject|their phone number)|created group|hat die Gruppe|a modifié|ha cambiato|cambió (?:el|la)|mudou (?:o|a))\b/i;

/**
 * True when what follows a head-like line's head reads as a message — a name and ": " — so the
 * line is evidence of a pasted conversation rather than a date that starts a sentence.
 */
function looksLikeMessage(text: string, from: number, end: number): boolean {
  const colon = text.indexOf(': ', from);
  return colon > from && colon < end && colon - from <= MAX_SENDER_LENGTH;
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

/**
 * Japanese era years where a head's year stands: 令和5 anywhere near the start, or an era letter
 * and its year as a date field (`R5/3/18`, `3/18/R4,`).
 */
const JAPANESE_ERA = /^.{0,24}?(?:令和|平成|昭和)\s?\d|^[\u200E\u200F]?\[?(?:[RHS]\d{1,2}[/.-]|\d{1,2}[/.-]\d{1,2}[/.-][RHS]\d{1,2}[,\s\]])/;

/**
 * Chooses the file's layout from its first heads (the most common form wins, so a stray line
 * in another form before them cannot decide it) and the date order its dates are read in:
 * given by the caller, implied by a year-first layout, or proven by the file.
 *
 * A head such as `09:07:00 PM Patel: …` counts for both its readings (a 12-hour layout, or a
 * 24-hour one and the sender "PM Patel"); heads with one reading decide between them. Where
 * none do, or both are found, the layout leaves the word to the name (no 12-hour shift is taken
 * from what may be a name) and the clock is left undecided, so those messages are flagged.
 */
async function surveyLayout(source: ByteSource, options: ImportOptions): Promise<Layout> {
  const head = new HeadReading();
  const other = new HeadReading();
  /** Heads with one reading, by signature. */
  const counts = new Map<number, number>();
  /** Heads with two readings, by the signature with the day period and the one leaving it to the name. */
  const pairs: { period: number; name: number; count: number }[] = [];
  let clockDecided = true;
  /** The first two date fields and line of each surveyed head, by signature. */
  const surveyed = new Map<number, number[]>();
  let heads = 0;
  let signature = -1;
  let yearFirst = false;
  const evidence = new DateOrderEvidence();
  let sampled = 0;
  let japanese = false;
  const decided = (): Layout | null => {
    if (options.dateOrder) return { signature, clockDecided, decision: { order: options.dateOrder, decidedBy: 'caller' } };
    if (yearFirst) return { signature, clockDecided, decision: { order: 'ymd', decidedBy: 'format' } };
    return evidence.proven ? { signature, clockDecided, decision: { order: evidence.decide(), decidedBy: 'file' } } : null;
  };
  const choose = (): void => {
    const totals = new Map(counts);
    for (const { period, name, count } of pairs) {
      totals.set(period, (totals.get(period) ?? 0) + count);
      totals.set(name, (totals.get(name) ?? 0) + count);
    }
    let best = 0;
    for (const [form, count] of totals) {
      // A tie between the two readings of the same heads goes to the one that leaves the word to the name.
      if (count > best || (count === best && pairs.some((pair) => pair.period === signature && pair.name === form))) {
        best = count;
        signature = form;
      }
    }
    let twoReadings = 0;
    let rivalHeads = 0;
    for (const { period, name, count } of pairs) {
      if (period !== signature && name !== signature) continue;
      twoReadings += count;
      rivalHeads += counts.get(period === signature ? name : period) ?? 0;
    }
    // Decided when the layout's own heads with one reading exist and none of the other reading does.
    clockDecided = twoReadings === 0 || ((counts.get(signature) ?? 0) > 0 && rivalHeads === 0);
    const fields = surveyed.get(signature)!;
    yearFirst = (signature & 32) !== 0;
    for (let at = 0; at < fields.length; at += 3) evidence.add(fields[at]!, fields[at + 1]!, fields[at + 2]!);
  };
  // The survey reports no progress: the main pass does, over the same bytes.
  for await (const { firstLine, lines } of readLineBatches(source, { signal: options.signal, maxLineBytes: options.maxLineBytes })) {
    for (let offset = 0; offset < lines.length; offset++) {
      const raw = lines[offset]!;
      const line = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (sampled < 50 && line !== '') {
        sampled++;
        japanese ||= JAPANESE_ERA.test(line);
      }
      if (!mayStartHead(line.charCodeAt(0)) || !readHeadInto(line, 0, line.length, head)) continue;
      if (signature === -1) {
        if (head.alternativeLength > 0 && readHeadInto(line, 0, line.length, other, false)) {
          const known = pairs.find((pair) => pair.period === head.signature && pair.name === other.signature);
          if (known) known.count++;
          else pairs.push({ period: head.signature, name: other.signature, count: 1 });
          surveyFields(surveyed, other.signature, head, firstLine + offset);
        } else {
          counts.set(head.signature, (counts.get(head.signature) ?? 0) + 1);
        }
        surveyFields(surveyed, head.signature, head, firstLine + offset);
        if (++heads < SURVEY_HEADS) continue;
        choose();
      } else if (head.signature === signature || (head.meridiem !== null && readHeadInto(line, 0, line.length, other, false) && other.signature === signature)) {
        evidence.add(head.first, head.second, firstLine + offset);
      }
      const layout = decided();
      if (layout) return layout;
    }
  }
  if (signature === -1 && heads > 0) choose();
  if (signature === -1) {
    if (japanese) {
      throw new WardscribeError(
        'rejected',
        'This export is dated in the Japanese calendar (era years such as 令和5 or R5), which Wardscribe cannot convert safely. Set the phone to the Gregorian calendar and export the chat again.',
      );
    }
    throw notAChatExport();
  }
  const layout = decided();
  if (layout) return layout;
  throw dateOrderUnknown();
}

/** Keeps a surveyed head's first two date fields and line under a signature it may be read in. */
function surveyFields(surveyed: Map<number, number[]>, signature: number, head: HeadFields, line: number): void {
  let fields = surveyed.get(signature);
  if (fields === undefined) surveyed.set(signature, (fields = []));
  fields.push(head.first, head.second, line);
}

/** The thread's note that its dates were converted from another calendar, once. */
class CalendarNote {
  converted: ParseWarning | null = null;
}

/** The first year of each calendar a phone may date an export in, and how it maps to ours. */
const BUDDHIST_ERA_OFFSET = 543;

/** Wall-clock fields of a head under a date order, checked, written into `wall`. */
function wallClockInto(head: HeadFields, order: DateOrder, line: number, wall: WallClock, calendar: CalendarNote): WallClock {
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
  else if (year >= 2400 && year < 2700) {
    // Thai phones date in the Buddhist Era, whose months and days are the Gregorian ones.
    calendar.converted ??= {
      line,
      code: 'calendar-buddhist',
      message: `Dates in this export are in the Buddhist Era (line ${line} says ${year}, which is ${year - BUDDHIST_ERA_OFFSET}): they were converted to the Gregorian calendar.`,
    };
    year -= BUDDHIST_ERA_OFFSET;
  } else if (year >= 1300 && year < 1500) {
    const name = year < 1421 ? 'Persian (Solar Hijri)' : 'Islamic (Hijri)';
    throw new WardscribeError(
      'rejected',
      `Line ${line} is dated in the year ${year}, which is the ${name} calendar: Wardscribe reads Gregorian dates only. Set the phone to the Gregorian calendar and export the chat again.`,
    );
  }
  let hour = head.hour;
  if (head.meridiem) {
    hour = hourOfDay(hour, head.meridiem);
    if (hour < 0) throw badHead(line, 'its 12-hour time is not valid');
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

/** A wall-clock time as the message model keeps it: local, and the instant when there is exactly one. */
class MessageTime {
  localTime = '';
  instant: string | null = null;
  problem: 'dst-gap' | 'dst-ambiguous' | null = null;
}

/** One MessageTime filled per message: nothing is allocated for it on the hot path. */
const messageTime = new MessageTime();

function timeOf({ year, month, day, hour, minute, second }: WallClock, clock: ZoneClock, times: TimeFormatter, today: CurrentDay): MessageTime {
  // Most days hold no clock change: their offset is cached and no Temporal work is done.
  const dayKey = (year * 100 + month) * 100 + day;
  if (dayKey !== today.key) {
    today.key = dayKey;
    today.utcMidnight = Date.UTC(year, month - 1, day);
    today.offset = clock.steadyOffsetOn(year, month, day);
  }
  const out = messageTime;
  out.localTime = times.local(year, month, day, hour, minute, second);
  const offset = today.offset;
  if (offset !== null) {
    // Date.UTC(year, month - 1, day, hour, minute, second), exactly: whole milliseconds well below 2^53.
    out.instant = times.instant(today.utcMidnight + ((hour * 60 + minute) * 60 + second) * 1000 - offset);
    out.problem = null;
  } else {
    const resolved = clock.resolve(year, month, day, hour, minute, second);
    out.instant = resolved.epochMs === null ? null : formatInstant(resolved.epochMs);
    out.problem = resolved.problem;
  }
  return out;
}

/** The text before the first message, as a system message dated like that message, for review. */
function buildPreamble(lines: string[], line: number, wall: WallClock, thread: ThreadBuilder, clock: ZoneClock, times: TimeFormatter): ChatMessage {
  let last = lines.length;
  while (last > 0 && lines[last - 1]!.trim() === '') last--;
  const text = lines.slice(0, last).join('\n');
  const { localTime, instant, problem } = timeOf(wall, clock, times, new CurrentDay());
  thread.warnings.push({
    line,
    code: 'text-before-first-message',
    message: `Line ${line}${last > 1 ? ` to ${line + last - 1}` : ''} come${last > 1 ? '' : 's'} before the first message: kept as a preamble for review.`,
  });
  const flags: MessageFlag[] = ['system', 'preamble'];
  if (problem) flags.push(problem);
  if (BIDI_CONTROL_PATTERN.test(text)) flags.push('bidi-controls');
  return { index: thread.count, sender: null, text, kind: 'system', head: '', localTime, zone: clock.zone, instant, flags, attachment: null, line, warnings: NO_WARNINGS };
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
  let rawBody = pending.moreLines === null ? firstBody : firstBody + '\n' + pending.moreLines.join('\n');
  // Some right-to-left exports put two spaces after the sender's colon, the second before a mark.
  if (rawBody.charCodeAt(0) === 0x20 && isDirectionalMark(rawBody.charCodeAt(1))) rawBody = rawBody.slice(1);
  // Right-to-left layouts mark the app's own bodies with U+200F where others use U+200E.
  if (rawBody.charCodeAt(0) === RLM_CODE) rawBody = '\u200E' + rawBody.slice(1);

  let flags: MessageFlag[] | null = null;
  let sender = pending.rawSender;
  let kind: 'message' | 'system' = 'message';
  let text = rawBody;
  let attachment: string | null = null;
  let markers: MarkerReading | null = null;

  if (sender === null) {
    kind = 'system';
  } else if (rawBody.charCodeAt(0) === LRM_CODE) {
    // U+200E before a body: the phone wrote it. A marker (attachment, omitted media, deleted,
    // location, contact) keeps its sender in every language; only group events — written "from"
    // the group's name — are system lines; anything else keeps its sender and is flagged.
    markers = format.readMarkers ? format.readMarkers(rawBody) : readMarkers(rawBody);
    const bare = rawBody.slice(1);
    if (markers.attachment !== null || markers.mediaOmitted || markers.deleted) {
      // A marker of its sender: read below.
    } else if (isChatNotice(bare) || (thread.count === 0 && NAMES_THE_APP.test(bare))) {
      // The chat's own notices (encryption, security code changed) come "from" the partner of a
      // one-to-one chat too: system lines that say nothing about who the group is. The
      // encryption notice in a language we lack still names the app, and comes first.
      kind = 'system';
      sender = null;
    } else if (isStructuredLrmBody(bare)) {
      // A shared location or contact: its sender's, read as it is.
      markers = { ...markers, text: markers.text.charCodeAt(0) === LRM_CODE ? markers.text.slice(1) : markers.text };
    } else if (isGroupEvent(bare)) {
      // Only the event's words decide: never who "sent" earlier events or the file's name, which
      // would turn a real person's poll or call into a line with no sender.
      kind = 'system';
      (flags ??= []).push('group-name-author');
      thread.title ??= detach(sender);
      if (!thread.eventAuthors.has(sender)) thread.eventAuthors.set(detach(sender), pending.line);
      sender = null;
    } else {
      // Not a form we know (a poll, a call, a marker in another language): its sender's, flagged.
      (flags ??= []).push('unrecognised-marker');
      markers = { ...markers, text: markers.text.charCodeAt(0) === LRM_CODE ? markers.text.slice(1) : markers.text };
    }
  } else if (thread.count === 0 && isEncryptionNotice(rawBody)) {
    kind = 'system';
    sender = null;
  }
  if (kind === 'system') {
    (flags ??= []).push('system');
    // The U+200E before an event's body is the app's mark, dropped; one that opens a wrapped name
    // (U+200E U+202B name U+202C U+200E, as Android writes names in right-to-left text) is kept.
    let from = 0;
    while ((rawBody.charCodeAt(from) === LRM_CODE || rawBody.charCodeAt(from) === RLM_CODE) && !isBidiControl(rawBody.charCodeAt(from + 1))) from++;
    text = from === 0 ? rawBody : rawBody.slice(from);
  } else {
    // Most bodies carry no marker: the default reader is skipped when it would return the body as is.
    markers ??= format.readMarkers ? format.readMarkers(rawBody) : mayHoldMarker(rawBody) ? readMarkers(rawBody) : null;
    if (markers !== null) {
      text = markers.text;
      if (markers.edited) (flags ??= []).push('edited');
      if (markers.deleted) (flags ??= []).push('deleted');
      if (markers.mediaOmitted) (flags ??= []).push('media-omitted');
      if (markers.unrecognised && !flags?.includes('unrecognised-marker')) (flags ??= []).push('unrecognised-marker');
      if (markers.attachment) {
        attachment = markers.attachment;
        (flags ??= []).push('attachment');
        thread.addAttachment(attachment);
        if (!isPresent(attachment)) {
          (pending.warnings ??= []).push({ line: pending.line, code: 'attachment-missing', message: `The attachment named on line ${pending.line} is not in the export.` });
        }
      }
    }
    if (sender === '') {
      (pending.warnings ??= []).push({ line: pending.line, code: 'sender-name-empty', message: `The sender's name on line ${pending.line} is empty in the export (a contact saved without a name): check who sent it.` });
    }
    thread.pastes.see(sender!, pending.key, pending.line, thread);
    thread.addParticipant(sender!, pending.senderDetached);
    if (format.selfNames?.has(sender!)) (flags ??= []).push('self');
  }
  if (pending.embedded) (flags ??= []).push('embedded-header');
  // Who sent it and when hang on one word the export does not settle: shown for review.
  if (pending.periodOrName) (flags ??= []).push('malformed-field');
  if (pending.outOfOrder) (flags ??= []).push('out-of-order');
  if (pending.mayHaveBidi && (BIDI_CONTROL_PATTERN.test(text) || (sender !== null && BIDI_CONTROL_PATTERN.test(sender)))) (flags ??= []).push('bidi-controls');

  const { localTime, instant, problem } = timeOf(pending.clock, clock, times, today);
  if (problem) (flags ??= []).push(problem);
  return {
    index: thread.count,
    sender,
    text,
    kind,
    head: pending.headText,
    localTime,
    zone: clock.zone,
    instant,
    flags: flags ?? NO_FLAGS,
    attachment,
    line: pending.line,
    warnings: pending.warnings ?? NO_WARNINGS,
  };
}
