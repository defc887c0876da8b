import { createHash } from 'node:crypto';
import { BIDI_CONTROL_PATTERN, type ChatMessage, type ChatSource, type ChatThread, type MessageFlag } from '../../shared/domain/chat';
import { WardscribeError } from '../errors';
import type { ImportOptions } from './head-line-parser';
import { readLineBatches, throwIfAborted, type ByteSource } from './line-reader';
import type { JsonPath } from './json-stream';
import { ZoneClock } from './local-time';

/** One message from a source that records real instants (Telegram, Teams, Signal). */
export interface InstantRecord {
  readonly sender: string | null;
  readonly text: string;
  readonly system: boolean;
  readonly epochMs: number;
  readonly edited?: boolean;
  readonly deleted?: boolean;
  readonly attachment?: string | null;
  readonly self?: boolean;
  /** What identifies the record in the source (e.g. "id 42"), shown as the head. */
  readonly head: string;
  readonly line?: number;
}

/**
 * Turns records with real instants into messages: the instant is kept and the local time is
 * derived in the chosen zone, so no DST question arises.
 */
export async function* recordsToMessages(
  records: Iterable<InstantRecord> | AsyncIterable<InstantRecord>,
  source: ChatSource,
  title: string | null,
  options: ImportOptions,
): AsyncGenerator<ChatMessage, ChatThread> {
  const clock = new ZoneClock(options.zone);
  const hash = createHash('sha256');
  const participants: string[] = [];
  const seen = new Set<string>();
  const attachments: string[] = [];
  let index = 0;
  for await (const record of records) {
    throwIfAborted(options.signal);
    if (!Number.isFinite(record.epochMs)) throw new WardscribeError('rejected', `A message (${record.head}) has no readable time.`);
    const flags: MessageFlag[] = [];
    if (record.system) flags.push('system');
    if (record.edited) flags.push('edited');
    if (record.deleted) flags.push('deleted');
    if (record.attachment) {
      flags.push('attachment');
      attachments.push(record.attachment);
    }
    if (record.self) flags.push('self');
    const sender = record.system ? null : record.sender;
    if (BIDI_CONTROL_PATTERN.test(record.text) || (sender !== null && BIDI_CONTROL_PATTERN.test(sender))) flags.push('bidi-controls');
    if (sender !== null && !seen.has(sender)) {
      seen.add(sender);
      participants.push(sender);
    }
    hash.update(`${record.epochMs}\u0001${sender ?? ''}\u0001${record.text}\u0002`);
    yield {
      index: index++,
      sender,
      text: record.text,
      kind: record.system ? 'system' : 'message',
      head: record.head,
      localTime: clock.localOf(record.epochMs),
      zone: clock.zone,
      instant: new Date(record.epochMs).toISOString().replace('.000Z', 'Z'),
      flags,
      attachment: record.attachment ?? null,
      line: record.line ?? 0,
      warnings: [],
    };
  }
  if (index === 0) throw new WardscribeError('rejected', 'No messages were found in this export.');
  return {
    source,
    title,
    participants,
    messageCount: index,
    zone: clock.zone,
    dateOrder: null,
    fingerprint: hash.digest('hex'),
    attachments: [...new Set(attachments)].map((name) => ({ name, present: false })),
    warnings: [],
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Where Telegram Desktop's `result.json` for one chat keeps its messages. */
export const TELEGRAM_MESSAGES: JsonPath = ['messages'];
/** Where Microsoft Graph keeps chatMessages: a page's `value`, or a root array. */
export const TEAMS_PAGE: JsonPath = ['value'];
export const TEAMS_LIST: JsonPath = [];

export const notTelegramChat = (): WardscribeError => new WardscribeError('rejected', 'This is not a Telegram Desktop result.json for one chat.');
export const notTeamsChat = (): WardscribeError =>
  new WardscribeError('rejected', 'This is not a Microsoft Teams chat message export (Graph chatMessage JSON).');

/**
 * Telegram Desktop `result.json`: one chat, times from `date_unixtime` (never `date`). Reads the
 * elements of its `messages` list as they stream in; the title is its top-level `name`, which the
 * caller takes from the same reading.
 */
export async function* telegramRecords(messages: AsyncIterable<unknown>): AsyncGenerator<InstantRecord> {
  for await (const message of messages) {
    if (!isRecord(message)) continue;
    const unix = Number(str(message.date_unixtime) ?? message.date_unixtime);
    const system = message.type === 'service';
    const text = telegramText(message.text);
    const actor = str(message.actor);
    const attachment = str(message.file_name) ?? (str(message.photo) ? str(message.photo)!.split('/').pop()! : null);
    yield {
      sender: system ? null : (str(message.from) ?? actor),
      text: system ? [actor, str(message.action)].filter(Boolean).join(' ') + (text ? `: ${text}` : '') : text,
      system,
      epochMs: unix * 1000,
      edited: message.edited_unixtime !== undefined,
      attachment,
      head: `id ${String(message.id)}`,
    };
  }
}

/** Telegram text: a string, or an array of strings and `{ type, text }` entities. */
function telegramText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  return value.map((part) => (typeof part === 'string' ? part : isRecord(part) ? (str(part.text) ?? '') : '')).join('');
}

/**
 * Microsoft Graph chatMessage list (the elements of a root array, or of a page's `value`), in
 * createdDateTime order. Graph often lists newest first, so every message is read before the
 * first is given: the mapped records (small) are held and sorted, never the document.
 */
export async function* teamsRecords(messages: AsyncIterable<unknown>): AsyncGenerator<InstantRecord> {
  const records: InstantRecord[] = [];
  for await (const message of messages) {
    if (!isRecord(message)) continue;
    const from = isRecord(message.from) ? message.from : null;
    const user = from && isRecord(from.user) ? from.user : from && isRecord(from.application) ? from.application : null;
    const body = isRecord(message.body) ? message.body : {};
    const content = str(body.content) ?? '';
    const deleted = typeof message.deletedDateTime === 'string';
    const system = message.messageType === 'systemEventMessage';
    const attachments = Array.isArray(message.attachments) ? message.attachments.filter(isRecord) : [];
    records.push({
      sender: user ? (str(user.displayName) ?? 'Unknown') : null,
      text: deleted ? '' : body.contentType === 'html' ? htmlToText(content) : content,
      system: system || !user,
      epochMs: Date.parse(str(message.createdDateTime) ?? ''),
      edited: typeof message.lastEditedDateTime === 'string',
      deleted,
      attachment: attachments.length > 0 ? (str(attachments[0]!.name) ?? null) : null,
      head: `id ${String(message.id)}`,
    });
  }
  yield* records.sort((a, b) => a.epochMs - b.epochMs);
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0' };

/**
 * Plain text from a Teams HTML body, without ever interpreting it as markup: scripts and styles
 * are dropped with their content, block tags become line breaks, every other tag is removed and
 * entities are decoded last (so `&lt;script&gt;` stays text).
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[^]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** sigtop JSON: `[`, one Signal Desktop message object per line, `]`. Streamed line by line. */
export async function* sigtopJsonRecords(source: ByteSource, options: ImportOptions): AsyncGenerator<InstantRecord> {
  for await (const { firstLine, lines } of readLineBatches(source, options)) {
    for (let offset = 0; offset < lines.length; offset++) {
      let line = lines[offset]!.trim();
      if (line === '[' || line === ']' || line === '') continue;
      if (line.endsWith(',')) line = line.slice(0, -1);
      const lineNumber = firstLine + offset;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        throw new WardscribeError('rejected', `Line ${lineNumber} of the sigtop JSON export is not valid JSON.`);
      }
      if (!isRecord(message)) continue;
      const type = str(message.type) ?? 'unknown';
      const outgoing = type === 'outgoing';
      const system = type !== 'incoming' && type !== 'outgoing';
      const attachments = Array.isArray(message.attachments) ? message.attachments.filter(isRecord) : [];
      const editHistory = Array.isArray(message.editHistory) ? message.editHistory : [];
      yield {
        sender: outgoing ? 'You' : (str(message.sourceName) ?? str(message.source) ?? str(message.sourceServiceId) ?? 'Unknown'),
        text: str(message.body) ?? (system ? type : ''),
        system,
        epochMs: Number(message.sent_at ?? message.timestamp),
        edited: editHistory.length > 1,
        deleted: message.deletedForEveryone === true,
        attachment: attachments.length > 0 ? (str(attachments[0]!.fileName) ?? null) : null,
        self: outgoing,
        head: `sent_at ${String(message.sent_at)}`,
        line: lineNumber,
      };
    }
  }
}

const SIGTOP_DATE = /^(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** sigtop's "Mon, 2 Jan 2006 15:04:05 -0700", which carries its offset: a real instant. */
export function parseSigtopDate(value: string): number {
  const match = SIGTOP_DATE.exec(value);
  if (!match) return Number.NaN;
  const month = MONTHS.indexOf(match[2]!);
  const offsetMinutes = (match[7] === '-' ? -1 : 1) * (Number(match[8]) * 60 + Number(match[9]));
  return Date.UTC(Number(match[3]), month, Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6])) - offsetMinutes * 60_000;
}

const SIGTOP_FIELD = /^(From|Type|Sent|Received|Attachment|Reaction|Edited|Conversation): (.*)$/;

/**
 * sigtop text: a `Conversation:` line, then per message a block of `Field: value` lines, a blank
 * line and the body, then a blank line. A message starts at a `From:` or `Type:` line that
 * follows a blank line; body lines are never read as fields once the body has begun.
 */
export async function* sigtopTextRecords(source: ByteSource, options: ImportOptions, onTitle: (title: string) => void): AsyncGenerator<InstantRecord> {
  let fields: Map<string, string> | null = null;
  let body: string[] = [];
  let inBody = false;
  let headLine = 0;
  let previousBlank = true;
  const flush = (): InstantRecord | null => {
    if (!fields) return null;
    const type = fields.get('Type') ?? 'unknown';
    const from = fields.get('From') ?? null;
    while (body.length > 0 && body[body.length - 1] === '') body.pop();
    if (fields.has('Edited')) body = latestVersion(body);
    const attachment = fields.get('Attachment')?.replace(/ \([^()]*\)$/, '') ?? null;
    return {
      sender: type === 'outgoing' ? 'You' : from === null ? null : from.replace(/ \([^()]*\)$/, ''),
      text: body.join('\n'),
      system: type !== 'incoming' && type !== 'outgoing',
      epochMs: parseSigtopDate(fields.get('Sent') ?? fields.get('Received') ?? ''),
      edited: fields.has('Edited'),
      attachment: attachment === 'no filename' ? null : attachment,
      self: type === 'outgoing',
      head: `Sent: ${fields.get('Sent') ?? ''}`,
      line: headLine,
    };
  };
  for await (const { firstLine, lines } of readLineBatches(source, options)) {
    for (let offset = 0; offset < lines.length; offset++) {
      const line = lines[offset]!;
      const field = SIGTOP_FIELD.exec(line);
      if (field && field[1] === 'Conversation' && !fields) {
        onTitle(field[2]!.replace(/ \([^()]*\)$/, ''));
      } else if (field && previousBlank && (field[1] === 'From' || field[1] === 'Type')) {
        const done = flush();
        if (done) yield done;
        fields = new Map([[field[1]!, field[2]!]]);
        body = [];
        inBody = false;
        headLine = firstLine + offset;
      } else if (fields && !inBody && field) {
        fields.set(field[1]!, field[2]!);
      } else if (fields && !inBody && line === '') {
        inBody = true;
      } else if (fields && inBody) {
        body.push(line);
      }
      previousBlank = line === '';
    }
  }
  const done = flush();
  if (done) yield done;
}

/**
 * sigtop writes an edited message as its versions, newest first, each line prefixed with "|":
 * `|Version: N`, `|Sent: …`, `|`, then the body. The newest version's body is the message.
 */
function latestVersion(lines: readonly string[]): string[] {
  const body: string[] = [];
  let inBody = false;
  for (const line of lines) {
    if (!line.startsWith('|')) continue;
    const content = line.slice(1);
    if (!inBody) {
      if (content === '') inBody = true;
      continue;
    }
    if (content.startsWith('Version: ')) break;
    body.push(content);
  }
  while (body.length > 0 && body[body.length - 1] === '') body.pop();
  return body;
}
