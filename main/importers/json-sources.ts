import { WardscribeError } from '../errors';
import type { ImportOptions } from './head-line-parser';
import { readLineBatches, type ByteSource } from './line-reader';
import type { JsonPath } from './json-stream';
import { instantTime, readLocalDateTime, type ChatRecord, type RecordTime } from './records';
import { teamsEventText } from './teams-events';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Where Telegram Desktop's `result.json` for one chat keeps its messages. */
export const TELEGRAM_MESSAGES: JsonPath = ['messages'];
/**
 * Where a Telegram Desktop export of a whole account ("Export Telegram data") lists its chats:
 * found only to refuse the file, as soon as the list starts.
 */
export const TELEGRAM_ACCOUNT_CHATS: JsonPath = ['chats', 'list'];
export const TELEGRAM_ACCOUNT_LEFT_CHATS: JsonPath = ['left_chats', 'list'];
/** Where Microsoft Graph keeps chatMessages: a page's `value`, or a root array. */
export const TEAMS_PAGE: JsonPath = ['value'];
export const TEAMS_LIST: JsonPath = [];

/** Root members only a whole-account Telegram export has. */
export const TELEGRAM_ACCOUNT_MEMBERS: ReadonlySet<string> = new Set(['personal_information', 'chats', 'left_chats', 'contacts', 'frequent_contacts', 'profile_pictures']);

export const notTelegramChat = (): WardscribeError =>
  new WardscribeError('rejected', 'This Telegram file has no list of messages: import the result.json that Telegram Desktop writes when you export one chat.');

/**
 * A whole-account export holds every private chat, the contacts and the personal details of the
 * person who made it: far more than the one conversation a clinician files, so it is refused
 * rather than read, and the refusal says how to export the one chat.
 */
export const telegramAccountExport = (): WardscribeError =>
  new WardscribeError(
    'rejected',
    'This is a Telegram export of a whole account (every chat, contact and personal detail of the person who made it), which Wardscribe does not import. ' +
      'In Telegram Desktop, open the one chat you need, choose "Export chat history" from its menu, pick the JSON format, and import the result.json it writes.',
  );

export const notTeamsChat = (): WardscribeError =>
  new WardscribeError('rejected', 'This Microsoft Teams file has no list of chat messages: export the chat\'s messages (Graph chatMessage JSON) and import that file.');

export const unknownJson = (): WardscribeError =>
  new WardscribeError(
    'rejected',
    'This JSON file is not a chat export Wardscribe reads. It reads a Telegram Desktop result.json for one chat, Microsoft Teams chat messages (Graph JSON) and Signal messages written by sigtop.',
  );

/**
 * Telegram Desktop `result.json` for one chat, read element by element as its `messages` list
 * streams in; the title is its top-level `name`, which the caller takes from the same reading.
 * Times come from `date_unixtime` (a real instant). Exports from Telegram Desktop before it wrote
 * that field carry only `date`, the exporting computer's wall clock with no offset: it is read
 * in the import's zone, as WhatsApp times are. An unreadable time never ends the import.
 */
export async function* telegramRecords(messages: AsyncIterable<unknown>): AsyncGenerator<ChatRecord> {
  for await (const message of messages) {
    if (!isRecord(message)) continue;
    const system = message.type === 'service';
    const text = telegramText(message.text);
    const actor = str(message.actor);
    const media = telegramMedia(message);
    const head = `id ${String(message.id)}`;
    const forwardedFrom = str(message.forwarded_from);
    yield {
      sender: system ? null : (str(message.from) ?? actor ?? unnamedTelegramSender(message.from_id)),
      text: system ? [actor, str(message.action)].filter(Boolean).join(' ') + (text ? `: ${text}` : '') : text,
      system,
      time: telegramTime(message),
      edited: telegramEdited(message),
      attachment: media.attachment,
      flags: media.omitted ? ['media-omitted'] : [],
      // A forward's words are another person's: the reviewer must know before attributing them.
      warnings: forwardedFrom !== null ? [{ line: 0, code: 'forwarded', message: `Message ${head} was forwarded from "${forwardedFrom}": its text was written there, not by the person who forwarded it.` }] : [],
      head,
    };
  }
}

/**
 * Telegram writes `"from": null` for a message from an account since deleted. A message always
 * has a sender (null means a system event), so it is named as Telegram Desktop shows it, with
 * the account's id so two deleted accounts stay apart.
 */
function unnamedTelegramSender(fromId: unknown): string {
  const id = typeof fromId === 'string' || typeof fromId === 'number' ? String(fromId) : null;
  return id ? `Deleted Account (${id})` : 'Deleted Account';
}

/** What Telegram writes in place of a file the export was set not to include. */
const TELEGRAM_FILE_NOT_INCLUDED = /^\(File not included\b/;

/**
 * The file a message carries: `file_name`, else the last part of `photo` or `file` (stickers,
 * voice messages, videos: "chats/chat_01/voice_messages/audio_1.ogg"). When the export was made
 * without media, Telegram writes "(File not included. …)" there: no attachment, flagged.
 */
function telegramMedia(message: Record<string, unknown>): { attachment: string | null; omitted: boolean } {
  const path = str(message.photo) ?? str(message.file);
  if (path !== null && TELEGRAM_FILE_NOT_INCLUDED.test(path)) return { attachment: null, omitted: true };
  const name = str(message.file_name) ?? (path !== null ? path.slice(path.lastIndexOf('/') + 1) : null);
  return { attachment: name === '' ? null : name, omitted: false };
}

/**
 * Older exports write `"edited": "1970-01-01T05:00:00"` (the Unix epoch on the exporting
 * computer's clock) on every message that was never edited: only a later time is an edit.
 */
function telegramEdited(message: Record<string, unknown>): boolean {
  const unix = message.edited_unixtime;
  if (unix !== undefined) return unix !== '0' && unix !== 0;
  const edited = readLocalDateTime(message.edited);
  return edited !== null && edited.year > 1970;
}

function telegramTime(message: Record<string, unknown>): RecordTime {
  const unix = message.date_unixtime;
  if (unix !== undefined) {
    const seconds = typeof unix === 'string' && /^\d+$/.test(unix) ? Number(unix) : typeof unix === 'number' ? unix : Number.NaN;
    return instantTime(seconds * 1000, 'date_unixtime');
  }
  const wall = readLocalDateTime(message.date);
  return wall ? { kind: 'wall-clock', ...wall } : { kind: 'unreadable', field: 'date' };
}

/** Telegram text: a string, or an array of strings and `{ type, text }` entities. */
function telegramText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  return value.map((part) => (typeof part === 'string' ? part : isRecord(part) ? (str(part.text) ?? '') : '')).join('');
}

/** Graph's `createdDateTime`: ISO 8601 with Z or an offset, nothing looser (Date.parse guesses at other strings). */
const GRAPH_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?(?:Z|[+-]\d{2}:\d{2})$/;

/** A Teams record and where it goes among the others. */
interface PlacedRecord {
  readonly record: ChatRecord;
  /** Its own instant, or NaN until an unreadable one is placed beside a neighbour. */
  sortKey: number;
  /** Breaks ties: a placed record goes right after (1) or before (-1) the neighbour it borrowed from. */
  tie: number;
}

/**
 * Microsoft Graph chatMessage list (the elements of a root array, or of a page's `value`), in
 * createdDateTime order. Graph often lists newest first, so every message is read before the
 * first is given: the mapped records (small) are held and sorted, never the document. A message
 * whose createdDateTime cannot be read stays beside its neighbours in the file: it is placed just
 * after the one that is earlier in time (or, if it is the earliest, just before the next).
 * System events (calls, people added or leaving) are given readable text from their eventDetail.
 */
export async function* teamsRecords(messages: AsyncIterable<unknown>): AsyncGenerator<ChatRecord> {
  const placed: PlacedRecord[] = [];
  for await (const message of messages) {
    if (!isRecord(message)) continue;
    const from = isRecord(message.from) ? message.from : null;
    const user = from && isRecord(from.user) ? from.user : from && isRecord(from.application) ? from.application : null;
    const body = isRecord(message.body) ? message.body : {};
    const content = str(body.content) ?? '';
    const deleted = typeof message.deletedDateTime === 'string';
    // Graph's beta also writes "chatEvent" for events; neither is a person's message.
    const system = message.messageType === 'systemEventMessage' || message.messageType === 'chatEvent';
    const attachments = Array.isArray(message.attachments) ? message.attachments.filter(isRecord) : [];
    const created = str(message.createdDateTime);
    const epochMs = created !== null && GRAPH_DATE_TIME.test(created) ? Date.parse(created) : Number.NaN;
    const eventText = isRecord(message.eventDetail) ? teamsEventText(message.eventDetail) : null;
    const bodyText = deleted ? '' : body.contentType === 'html' ? htmlToText(content) : content;
    placed.push({
      record: {
        sender: user ? (str(user.displayName) ?? unnamedTeamsSender(user.id)) : null,
        text: eventText ?? bodyText,
        system: system || !user,
        time: instantTime(epochMs, 'createdDateTime'),
        edited: typeof message.lastEditedDateTime === 'string',
        deleted,
        attachment: attachments.length > 0 ? (str(attachments[0]!.name) ?? null) : null,
        head: `id ${String(message.id)}`,
      },
      sortKey: epochMs,
      tie: 0,
    });
  }
  placeUnreadable(placed);
  yield* placed.sort((a, b) => a.sortKey - b.sortKey || a.tie - b.tie).map((entry) => entry.record);
}

/** A person Graph gives no display name: named by their id, so two such people stay apart. */
function unnamedTeamsSender(id: unknown): string {
  return typeof id === 'string' && id !== '' ? `Unknown user (${id})` : 'Unknown user';
}

/**
 * Gives each record without a readable time the sort key of its neighbour in the file that is
 * earlier in time: the next one when the file lists newest first, the previous one otherwise.
 */
function placeUnreadable(placed: PlacedRecord[]): void {
  const timed = placed.filter((entry) => Number.isFinite(entry.sortKey));
  if (timed.length === placed.length || timed.length === 0) return;
  const newestFirst = timed[0]!.sortKey > timed[timed.length - 1]!.sortKey;
  const step = newestFirst ? 1 : -1;
  for (let index = 0; index < placed.length; index++) {
    const entry = placed[index]!;
    if (Number.isFinite(entry.sortKey)) continue;
    const earlier = nearestTimed(placed, index, step);
    if (earlier) {
      entry.sortKey = earlier.sortKey;
      entry.tie = 1;
    } else {
      entry.sortKey = nearestTimed(placed, index, -step)!.sortKey;
      entry.tie = -1;
    }
  }
}

function nearestTimed(placed: readonly PlacedRecord[], from: number, step: number): PlacedRecord | undefined {
  for (let index = from + step; index >= 0 && index < placed.length; index += step) {
    const entry = placed[index]!;
    if (Number.isFinite(entry.sortKey) && entry.tie === 0) return entry;
  }
  return undefined;
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
export async function* sigtopJsonRecords(source: ByteSource, options: ImportOptions): AsyncGenerator<ChatRecord> {
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
        time: instantTime(Number(message.sent_at ?? message.timestamp), 'sent_at'),
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
 * What must follow a message's first field: sigtop writes `From:` then `Type:`, and a message
 * with no sender (a group change) `Type:` then `Sent:` or `Received:`.
 */
const SIGTOP_SECOND_FIELD: Readonly<Record<string, RegExp>> = { From: /^Type: /, Type: /^(?:Sent|Received): / };

/**
 * sigtop text: a `Conversation:` line, then per message a block of `Field: value` lines, a blank
 * line and the body, then a blank line. A message starts at a `From:` or `Type:` line that
 * follows a blank line and is itself followed by the field sigtop always writes next: a body
 * paragraph that merely begins "From: Dr Lee" stays in its message, never becomes a message
 * from someone else. Body lines are never read as fields once the body has begun.
 */
export async function* sigtopTextRecords(source: ByteSource, options: ImportOptions, onTitle: (title: string) => void): AsyncGenerator<ChatRecord> {
  let message: SigtopMessage | null = null;
  let previousBlank = true;
  /** A possible first field of the next message, held until the line after it says whether it is one. */
  let candidate: SigtopCandidate | null = null;
  for await (const { firstLine, lines } of readLineBatches(source, options)) {
    for (let offset = 0; offset < lines.length; offset++) {
      const line = lines[offset]!;
      const lineNumber = firstLine + offset;
      if (candidate !== null) {
        const held: SigtopCandidate = candidate;
        candidate = null;
        if (SIGTOP_SECOND_FIELD[held.name]!.test(line)) {
          if (message) yield sigtopRecord(message);
          message = newSigtopMessage(held.name, held.value, held.lineNumber);
        } else message?.body.push(held.line);
      }
      const field = SIGTOP_FIELD.exec(line);
      if (field && field[1] === 'Conversation' && !message) {
        onTitle(field[2]!.replace(/ \([^()]*\)$/, ''));
      } else if (field && previousBlank && (field[1] === 'From' || field[1] === 'Type')) {
        // The first message has nothing before it to be part of; any later one must prove itself.
        if (message === null) message = newSigtopMessage(field[1]!, field[2]!, lineNumber);
        else candidate = { line, name: field[1]!, value: field[2]!, lineNumber };
      } else if (message && !message.inBody && field) {
        // A message with several attachments names the first one.
        if (!(field[1] === 'Attachment' && message.fields.has('Attachment'))) message.fields.set(field[1]!, field[2]!);
      } else if (message && !message.inBody && line === '') {
        message.inBody = true;
      } else if (message?.inBody) {
        message.body.push(line);
      }
      previousBlank = line === '';
    }
  }
  // A first field on the last line, with nothing after it, is not a message.
  if (candidate !== null) message?.body.push(candidate.line);
  if (message) yield sigtopRecord(message);
}

/** A sigtop message being read: its fields, then its body once a blank line has ended them. */
interface SigtopMessage {
  readonly fields: Map<string, string>;
  readonly body: string[];
  inBody: boolean;
  readonly line: number;
}

interface SigtopCandidate {
  readonly line: string;
  readonly name: string;
  readonly value: string;
  readonly lineNumber: number;
}

function newSigtopMessage(name: string, value: string, line: number): SigtopMessage {
  return { fields: new Map([[name, value]]), body: [], inBody: false, line };
}

function sigtopRecord({ fields, body: lines, line }: SigtopMessage): ChatRecord {
  const type = fields.get('Type') ?? 'unknown';
  const from = fields.get('From') ?? null;
  let body = [...lines];
  while (body.length > 0 && body[body.length - 1] === '') body.pop();
  if (fields.has('Edited')) body = latestVersion(body);
  const attachment = fields.get('Attachment')?.replace(/ \([^()]*\)$/, '') ?? null;
  return {
    sender: type === 'outgoing' ? 'You' : from === null ? null : from.replace(/ \([^()]*\)$/, ''),
    text: body.join('\n'),
    system: type !== 'incoming' && type !== 'outgoing',
    time: instantTime(parseSigtopDate(fields.get('Sent') ?? fields.get('Received') ?? ''), 'Sent'),
    edited: fields.has('Edited'),
    attachment: attachment === 'no filename' ? null : attachment,
    self: type === 'outgoing',
    head: `Sent: ${fields.get('Sent') ?? ''}`,
    line,
  };
}

/** The field that starts each version of an edited message; the space after "|" is what sigtop writes. */
const EDIT_VERSION = /^\| ?Version: \d+$/;

/**
 * sigtop writes an edited message as its versions, newest first, every line prefixed with "|"
 * and, where the line has content, a space: `| Version: N`, `| Sent: …` (and `| Attachment: …`),
 * then a line `|`, then the version's quote and body as `| text` (a blank body line is `| `).
 * A bare `|` followed by the next `| Version:` line separates versions. The newest version's
 * quote and body are the message, exactly as sigtop writes an unedited one.
 */
function latestVersion(lines: readonly string[]): string[] {
  const body: string[] = [];
  let inBody = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (!line.startsWith('|')) continue;
    if (!inBody) {
      // The version's fields end at its first bare "|".
      if (line === '|') inBody = true;
      continue;
    }
    if (line === '|' && EDIT_VERSION.test(lines[index + 1] ?? '')) break;
    // Older sigtop builds wrote no space after the bar; a body line never starts "|" otherwise.
    body.push(line === '|' ? '' : line.startsWith('| ') ? line.slice(2) : line.slice(1));
  }
  while (body.length > 0 && body[body.length - 1] === '') body.pop();
  return body;
}
