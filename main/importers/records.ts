import { createHash } from 'node:crypto';
import { BIDI_CONTROL_PATTERN, type ChatMessage, type ChatSource, type ChatThread, type MessageFlag, type ParseWarning } from '../../shared/domain/chat';
import { WardscribeError } from '../errors';
import type { ImportOptions } from './head-line-parser';
import { throwIfAborted } from './line-reader';
import { formatInstant, formatLocal, isCalendarDate, ZoneClock } from './local-time';

/** Wall-clock fields as an export writes them, with no offset. */
export interface WallClockFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * When a record says it was sent: a real instant (Telegram's `date_unixtime`, Teams, Signal), a
 * wall-clock time with no offset (older Telegram's `date`, Threema on iOS), or nothing readable.
 */
export type RecordTime =
  | { readonly kind: 'instant'; readonly epochMs: number }
  | ({ readonly kind: 'wall-clock' } & WallClockFields)
  | {
      readonly kind: 'unreadable';
      /** The field that could not be read, for the warning (never message text). */
      readonly field: string;
    };

/** One message from a source read record by record (Telegram, Teams, Signal, Threema on iOS). */
export interface ChatRecord {
  readonly sender: string | null;
  readonly text: string;
  readonly system: boolean;
  readonly time: RecordTime;
  readonly edited?: boolean;
  readonly deleted?: boolean;
  readonly attachment?: string | null;
  /** Every attachment the record names, in order, when it may name several (the first is `attachment`). */
  readonly attachments?: readonly string[];
  readonly self?: boolean;
  /** Further flags the source reader found (e.g. `embedded-header`). */
  readonly flags?: readonly MessageFlag[];
  readonly warnings?: readonly ParseWarning[];
  /** What identifies the record in the source (e.g. "id 42"), shown as the head. */
  readonly head: string;
  readonly line?: number;
}

/** What a source knows besides its records, asked for once every record has been read. */
export interface RecordContext {
  readonly title?: () => string | null;
  /** True when the export carries the named attachment (zip exports). */
  readonly isPresent?: (attachment: string) => boolean;
  /** Warnings about the whole thread found while reading. */
  readonly warnings?: () => readonly ParseWarning[];
}

/** `2019-03-10T14:00:00` (Telegram's `date`), read as wall-clock fields; null when it is not one. */
export function readLocalDateTime(value: unknown): WallClockFields | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  return { year, month, day, hour, minute, second };
}

/** An instant, or `unreadable` when it is not a finite number. */
export function instantTime(epochMs: number, field: string): RecordTime {
  return Number.isFinite(epochMs) ? { kind: 'instant', epochMs } : { kind: 'unreadable', field };
}

/** A message still waiting for a time: its record was unreadable and no timed message has come yet. */
interface Untimed {
  readonly record: ChatRecord;
  readonly flags: MessageFlag[];
}

/**
 * Turns records into messages. An instant is kept and its local time derived in the chosen zone
 * (no DST question arises); a wall-clock time is read in that zone as WhatsApp times are, a DST
 * gap or repeated hour flagged with no instant. A record whose time cannot be read is kept, never
 * dropped and never fatal: it is flagged `malformed-field`, has no instant, and takes the local
 * time of the message before it (or, for the first messages, of the first message that has one),
 * which its warning says.
 */
export async function* recordsToMessages(
  records: Iterable<ChatRecord> | AsyncIterable<ChatRecord>,
  source: ChatSource,
  options: ImportOptions,
  context: RecordContext = {},
): AsyncGenerator<ChatMessage, ChatThread> {
  const clock = new ZoneClock(options.zone);
  const hash = createHash('sha256');
  const participants: string[] = [];
  const seen = new Set<string>();
  const attachments: string[] = [];
  const isPresent = context.isPresent ?? (() => false);
  let index = 0;
  let lastLocalTime: string | null = null;
  /** The instant of the last message that had one, to see time going backwards across a clock change. */
  let lastEpochMs: number | null = null;
  const untimed: Untimed[] = [];

  const build = (record: ChatRecord, flags: MessageFlag[], localTime: string, instant: string | null, warnings: readonly ParseWarning[]): ChatMessage => {
    const sender = record.system ? null : record.sender;
    if (sender !== null && !seen.has(sender)) {
      seen.add(sender);
      participants.push(sender);
    }
    // Instants hash as their epoch milliseconds (as before wall-clock records existed), so an
    // export imported earlier keeps its fingerprint.
    const timeKey = record.time.kind === 'instant' ? String(record.time.epochMs) : record.time.kind === 'wall-clock' ? localTime : '';
    hash.update(`${timeKey}\u0001${sender ?? ''}\u0001${record.text}\u0002`);
    return {
      index: index++,
      sender,
      text: record.text,
      kind: record.system ? 'system' : 'message',
      head: record.head,
      localTime,
      zone: clock.zone,
      instant,
      flags,
      attachment: record.attachment ?? null,
      line: record.line ?? 0,
      warnings,
    };
  };

  const unreadableWarning = (record: ChatRecord, borrowed: 'before' | 'after'): ParseWarning => ({
    line: record.line ?? 0,
    code: 'malformed-time',
    message: `The ${record.time.kind === 'unreadable' ? record.time.field : 'time'} of message ${record.head} cannot be read: the message is kept, flagged for review, and shown with the time of the message ${borrowed} it (its exact time is not known).`,
  });

  for await (const record of records) {
    throwIfAborted(options.signal);
    const flags: MessageFlag[] = [];
    if (record.system) flags.push('system');
    if (record.edited) flags.push('edited');
    if (record.deleted) flags.push('deleted');
    const warnings: ParseWarning[] = [...(record.warnings ?? [])];
    const named = record.attachments ?? (record.attachment ? [record.attachment] : []);
    if (record.attachment) flags.push('attachment');
    for (const name of named) {
      attachments.push(name);
      if (context.isPresent && !isPresent(name)) {
        warnings.push({ line: record.line ?? 0, code: 'attachment-missing', message: `The attachment "${name}" of message ${record.head} is not in the export.` });
      }
    }
    if (named.length > 1) {
      // A message holds one attachment link: the others are named here and in the thread's list, never dropped.
      warnings.push({
        line: record.line ?? 0,
        code: 'several-attachments',
        message: `Message ${record.head} carries ${named.length} attachments: ${named.map((name) => `"${name}"`).join(', ')}. The first is shown as its attachment; all are in the chat's list of attachments.`,
      });
    }
    if (record.self) flags.push('self');
    for (const flag of record.flags ?? []) if (!flags.includes(flag)) flags.push(flag);
    const sender = record.system ? null : record.sender;
    if (BIDI_CONTROL_PATTERN.test(record.text) || (sender !== null && BIDI_CONTROL_PATTERN.test(sender))) flags.push('bidi-controls');

    const { time } = record;
    if (time.kind === 'unreadable') {
      flags.push('malformed-field');
      if (lastLocalTime === null) {
        untimed.push({ record, flags });
        continue;
      }
      warnings.push(unreadableWarning(record, 'before'));
      yield build(record, flags, lastLocalTime, null, warnings);
      continue;
    }
    let localTime: string;
    let epochMs: number | null;
    if (time.kind === 'instant') {
      localTime = clock.localOf(time.epochMs);
      epochMs = time.epochMs;
    } else {
      const resolved = clock.resolve(time.year, time.month, time.day, time.hour, time.minute, time.second);
      if (resolved.problem) flags.push(resolved.problem);
      localTime = formatLocal(time.year, time.month, time.day, time.hour, time.minute, time.second);
      epochMs = resolved.epochMs;
    }
    const instant = epochMs === null ? null : formatInstant(epochMs);
    // As in text exports: a message earlier than the one before it keeps its place, flagged.
    // Instants are compared where both have one (local times repeat when the clocks go back).
    const earlier = epochMs !== null && lastEpochMs !== null ? epochMs < lastEpochMs : lastLocalTime !== null && localTime < lastLocalTime;
    if (earlier) flags.push('out-of-order');
    if (epochMs !== null) lastEpochMs = epochMs;
    // Messages before the first readable time come out now, with this one's time.
    for (const waiting of untimed.splice(0)) {
      yield build(waiting.record, waiting.flags, localTime, null, [...(waiting.record.warnings ?? []), unreadableWarning(waiting.record, 'after')]);
    }
    lastLocalTime = localTime;
    yield build(record, flags, localTime, instant, warnings);
  }
  if (untimed.length > 0) throw new WardscribeError('rejected', 'No message in this export has a time that can be read, so it cannot be imported.');
  if (index === 0) throw new WardscribeError('rejected', 'No messages were found in this export.');
  return {
    source,
    title: context.title?.() ?? null,
    participants,
    messageCount: index,
    zone: clock.zone,
    dateOrder: null,
    fingerprint: hash.digest('hex'),
    attachments: [...new Set(attachments)].map((name) => ({ name, present: isPresent(name) })),
    warnings: [...(context.warnings?.() ?? [])],
  };
}
