import type { ParseWarning } from '../../shared/domain/chat';
import { WardscribeError } from '../errors';
import type { ImportOptions } from './head-line-parser';
import { readLineBatches, type ByteSource } from './line-reader';
import type { JsonPath } from './json-stream';
import { instantTime, readLocalDateTime, type ChatRecord, type RecordTime } from './records';
import { secondsInWords, teamsEventText, type TeamsChatTitle } from './teams-events';
import { namedCharacter } from './html-entities';

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
export async function* telegramRecords(messages: AsyncIterable<unknown>, sharedNames: ReadonlySet<string> = new Set()): AsyncGenerator<ChatRecord> {
  for await (const message of messages) {
    if (!isRecord(message)) continue;
    const system = message.type === 'service';
    const text = telegramText(message.text);
    const actor = str(message.actor);
    const media = telegramMedia(message);
    const head = `id ${String(message.id)}`;
    const forwardedFrom = str(message.forwarded_from);
    const content = system ? '' : telegramContent(message);
    const detail = system ? telegramServiceDetail(message) : '';
    yield {
      sender: system ? null : telegramSender(message, sharedNames),
      text: system ? [actor, str(message.action)].filter(Boolean).join(' ') + withDetail([detail, text]) : [content, text].filter((part) => part !== '').join('\n'),
      system,
      time: telegramTime(message),
      edited: telegramEdited(message),
      attachment: media.attachment,
      flags: media.omitted ? ['media-omitted'] : [],
      // A forward's words are another person's: the reviewer must know before attributing them.
      warnings: forwardedFrom !== null ? [forwardedWarning(head, forwardedFrom)] : [],
      head,
    };
  }
}

/** The warning that a message's words were written by someone other than its sender. */
function forwardedWarning(head: string, from: string): ParseWarning {
  return { line: 0, code: 'forwarded', message: `Message ${head} was forwarded from "${from}": its text was written there, not by the person who forwarded it.` };
}

/** ": a, b" for the parts that are not empty, or nothing. */
function withDetail(parts: readonly string[]): string {
  const present = parts.filter((part) => part !== '');
  return present.length > 0 ? `: ${present.join(', ')}` : '';
}

const telegramId = (value: unknown): string | null => (typeof value === 'string' || typeof value === 'number' ? String(value) : null);

/**
 * Who wrote a Telegram message. A signed channel post is "from" the channel and names its
 * writer in `author`: the writer is the sender, the channel is the chat. A display name that two
 * accounts share (`sharedNames`, from a first reading of the file) carries the account's id, so
 * two people never become one sender.
 */
function telegramSender(message: Record<string, unknown>, sharedNames: ReadonlySet<string>): string {
  const author = str(message.author);
  if (author !== null && author !== '') return author;
  const from = str(message.from);
  if (from === null) return str(message.actor) ?? unnamedTelegramSender(message.from_id);
  const id = telegramId(message.from_id);
  return sharedNames.has(from) && id !== null ? `${from} (${id})` : from;
}

/**
 * The display names that more than one account uses in a Telegram export, read from its
 * messages (one id is held per name, nothing else): the first of two readings of the file, so
 * that the first message of either person is already named apart.
 */
export async function telegramSharedNames(messages: AsyncIterable<unknown>): Promise<Set<string>> {
  const idByName = new Map<string, string | null>();
  const shared = new Set<string>();
  for await (const message of messages) {
    if (!isRecord(message) || message.type === 'service' || str(message.author)) continue;
    const from = str(message.from);
    if (from === null) continue;
    const id = telegramId(message.from_id);
    if (!idByName.has(from)) idByName.set(from, id);
    else if (idByName.get(from) !== id) shared.add(from);
  }
  return shared;
}

/**
 * Telegram writes `"from": null` for a message from an account since deleted. A message always
 * has a sender (null means a system event), so it is named as Telegram Desktop shows it, with
 * the account's id so two deleted accounts stay apart.
 */
function unnamedTelegramSender(fromId: unknown): string {
  const id = telegramId(fromId);
  return id ? `Deleted Account (${id})` : 'Deleted Account';
}

/**
 * What Telegram writes in place of a file it left out of the export: "(File not included. …)",
 * "(File exceeds maximum size. …)", "(File unavailable, please try again later)". A real file is
 * always a path inside the export folder ("files/…", "photos/…"), never a bracketed sentence.
 */
const TELEGRAM_FILE_LEFT_OUT = /^\([^/]*\)$/s;

/**
 * The file a message carries: `file_name`, else the last part of `photo` or `file` (stickers,
 * voice messages, videos: "chats/chat_01/voice_messages/audio_1.ogg"). A file Telegram left out
 * (not included, too large, unavailable) is no attachment, and the message is flagged.
 */
function telegramMedia(message: Record<string, unknown>): { attachment: string | null; omitted: boolean } {
  const path = str(message.photo) ?? str(message.file);
  if (path !== null && TELEGRAM_FILE_LEFT_OUT.test(path.trim())) return { attachment: null, omitted: true };
  const name = str(message.file_name) ?? (path !== null ? path.slice(path.lastIndexOf('/') + 1) : null);
  return { attachment: name === '' ? null : name, omitted: false };
}

/**
 * What a message holds outside `text`: a poll, a shared contact, a place or location, a
 * sticker's emoji. Without this they would read as empty messages.
 */
function telegramContent(message: Record<string, unknown>): string {
  const poll = isRecord(message.poll) ? message.poll : null;
  if (poll) {
    const answers = Array.isArray(poll.answers) ? poll.answers.filter(isRecord) : [];
    const lines = answers.map((answer) => {
      const votes = typeof answer.voters === 'number' ? ` (${answer.voters} ${answer.voters === 1 ? 'vote' : 'votes'})` : '';
      return `- ${str(answer.text) ?? ''}${votes}`;
    });
    return [`Poll${poll.closed === true ? ' (closed)' : ''}: ${str(poll.question) ?? ''}`, ...lines].join('\n');
  }
  const contact = isRecord(message.contact_information) ? message.contact_information : null;
  if (contact) {
    const name = [str(contact.first_name), str(contact.last_name)].filter((part) => part !== null && part !== '').join(' ');
    return `Contact: ${[name, str(contact.phone_number)].filter((part) => part !== null && part !== '').join(', ')}`;
  }
  const place = [str(message.place_name), str(message.address)].filter((part) => part !== null && part !== '').join(', ');
  const location = isRecord(message.location_information) ? message.location_information : null;
  if (place !== '' || location) {
    const at = location && typeof location.latitude === 'number' && typeof location.longitude === 'number' ? `(${location.latitude}, ${location.longitude})` : '';
    return `Location: ${[place, at].filter((part) => part !== '').join(' ')}`;
  }
  if (message.media_type === 'sticker') return str(message.sticker_emoji) ?? '';
  return '';
}

/**
 * The detail Telegram writes beside a service action: who was invited or removed, a new title,
 * how long a call lasted and how it ended, which message was pinned.
 */
function telegramServiceDetail(message: Record<string, unknown>): string {
  const parts: string[] = [];
  if (Array.isArray(message.members)) {
    const names = message.members.map((member) => str(member) ?? 'Deleted Account');
    if (names.length > 0) parts.push(names.join(', '));
  }
  if (message.action === 'edit_group_title' && str(message.title)) parts.push(`"${str(message.title)!}"`);
  const inviter = str(message.inviter);
  if (inviter) parts.push(`invited by ${inviter}`);
  const seconds = typeof message.duration_seconds === 'number' ? message.duration_seconds : typeof message.duration === 'number' ? message.duration : null;
  if (seconds !== null) parts.push(secondsInWords(seconds));
  const reason = str(message.discard_reason);
  if (reason) parts.push(reason);
  if (message.action === 'pin_message' && telegramId(message.message_id)) parts.push(`message ${telegramId(message.message_id)!}`);
  return parts.join(', ');
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
  return value.map(telegramTextPart).join('');
}

function telegramTextPart(part: unknown): string {
  if (typeof part === 'string') return part;
  if (!isRecord(part)) return '';
  const text = str(part.text) ?? '';
  // Struck-out words are withdrawn (a dose replaced): marked as WhatsApp marks them, never read as current.
  if (part.type === 'strikethrough') return struckOut(text);
  // A link's words and where it leads: the address can be the point of the message.
  if (part.type === 'text_link') {
    const href = str(part.href);
    return href && href !== text ? `${text} (${href})` : text;
  }
  return text;
}

/** "~words~", with any spaces at the ends left outside the marks. */
export function struckOut(text: string): string {
  const match = /^(\s*)([^]*?)(\s*)$/.exec(text)!;
  return match[2] === '' ? text : `${match[1]!}~${match[2]!}~${match[3]!}`;
}

/** Graph's `createdDateTime`: ISO 8601 with Z or an offset, nothing looser (Date.parse guesses at other strings). */
const GRAPH_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?(?:Z|[+-]\d{2}:\d{2})$/;

/** A Teams record and where it goes among the others. */
interface PlacedRecord {
  readonly record: ChatRecord;
  /** The sender's display name and Graph id, named apart once every message is read. */
  readonly person: { readonly name: string; readonly id: string | null } | null;
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
 * Two users who share a display name are named with their ids.
 */
export async function* teamsRecords(messages: AsyncIterable<unknown>, title?: TeamsChatTitle): AsyncGenerator<ChatRecord> {
  const placed: PlacedRecord[] = [];
  for await (const message of messages) {
    if (!isRecord(message)) continue;
    const from = isRecord(message.from) ? message.from : null;
    const user = from && isRecord(from.user) ? from.user : from && isRecord(from.application) ? from.application : null;
    const deleted = typeof message.deletedDateTime === 'string';
    // Graph's beta also writes "chatEvent" for events; neither is a person's message.
    const system = message.messageType === 'systemEventMessage' || message.messageType === 'chatEvent';
    const created = str(message.createdDateTime);
    const epochMs = created !== null && GRAPH_DATE_TIME.test(created) ? Date.parse(created) : Number.NaN;
    // Who is in the chat and its topic, for its title (teams-events.ts): every message is read before the first is given.
    title?.observe(message, epochMs);
    const eventText = isRecord(message.eventDetail) ? teamsEventText(message.eventDetail) : null;
    const head = `id ${String(message.id)}`;
    const content = deleted ? { text: '', attachments: [], mediaOmitted: false, warnings: [] } : teamsContent(message, head);
    const name = user ? str(user.displayName) : null;
    placed.push({
      record: {
        sender: user ? (name ?? unnamedTeamsSender(user.id)) : null,
        text: eventText ?? content.text,
        system: system || !user,
        time: instantTime(epochMs, 'createdDateTime'),
        edited: typeof message.lastEditedDateTime === 'string',
        deleted,
        attachment: content.attachments[0] ?? null,
        attachments: content.attachments,
        flags: content.mediaOmitted ? ['media-omitted'] : [],
        warnings: content.warnings,
        head,
      },
      person: user && name !== null ? { name, id: str(user.id) } : null,
      sortKey: epochMs,
      tie: 0,
    });
  }
  placeUnreadable(placed);
  const shared = sharedDisplayNames(placed);
  yield* placed
    .sort((a, b) => a.sortKey - b.sortKey || a.tie - b.tie)
    .map(({ record, person }) => (person && person.id !== null && shared.has(person.name) ? { ...record, sender: `${person.name} (${person.id})` } : record));
}

/** Display names that two different Graph ids use: Graph identifies a person by id, a name is only a label. */
function sharedDisplayNames(placed: readonly PlacedRecord[]): Set<string> {
  const idByName = new Map<string, string | null>();
  const shared = new Set<string>();
  for (const { person } of placed) {
    if (!person) continue;
    if (!idByName.has(person.name)) idByName.set(person.name, person.id);
    else if (idByName.get(person.name) !== person.id) shared.add(person.name);
  }
  return shared;
}

/** What a Teams message says, from its body and the attachments that carry words. */
interface TeamsContent {
  readonly text: string;
  readonly attachments: readonly string[];
  readonly mediaOmitted: boolean;
  readonly warnings: readonly ParseWarning[];
}

/** An attachment's `content`, which Graph writes as a JSON string; null when it is not an object. */
function attachmentContent(value: unknown): Record<string, unknown> | null {
  if (isRecord(value)) return value;
  if (typeof value !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return isRecord(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** The display name in a Graph identitySet (user, application or device). */
function identityName(identity: unknown): string | null {
  if (!isRecord(identity)) return null;
  for (const key of ['user', 'application', 'device']) {
    const inner = identity[key];
    if (isRecord(inner) && str(inner.displayName)) return str(inner.displayName);
  }
  return null;
}

/**
 * A Teams message's words. The body often holds only `<attachment id=…>` placeholders: a reply's
 * quoted message (messageReference), a forwarded message (forwardedMessageReference: the original
 * words and who wrote them, warned as Telegram forwards are), an adaptive or hero card (its text
 * blocks), a file (its name). Images in the body are hosted on the server, never in the file.
 */
function teamsContent(message: Record<string, unknown>, head: string): TeamsContent {
  const body = isRecord(message.body) ? message.body : {};
  const html = body.contentType === 'html';
  const reading = html ? readTeamsHtml(str(body.content) ?? '') : { text: str(body.content) ?? '', images: 0 };
  const quotes: string[] = [];
  const parts: string[] = [reading.text];
  const names: string[] = [];
  const warnings: ParseWarning[] = [];
  let images = reading.images;
  for (const attachment of Array.isArray(message.attachments) ? message.attachments.filter(isRecord) : []) {
    const type = str(attachment.contentType) ?? '';
    const content = attachmentContent(attachment.content);
    if (type === 'messageReference' && content) {
      const who = identityName(content.messageSender);
      const preview = str(content.messagePreview) ?? '';
      quotes.push(`> Replying to ${who ?? 'a message'}${preview !== '' ? `: ${preview.split('\n').join('\n> ')}` : ''}`);
    } else if (type === 'forwardedMessageReference' && content) {
      const original = readTeamsHtml(str(content.originalMessageContent) ?? '');
      parts.push(original.text);
      images += original.images;
      warnings.push(forwardedWarning(head, identityName(content.originalMessageSender) ?? 'another chat'));
    } else if (type.startsWith('application/vnd.microsoft.card.') && content) {
      parts.push(cardText(content).join('\n'));
    } else if (str(attachment.name)) {
      names.push(str(attachment.name)!);
    }
  }
  const words = parts.filter((part) => part !== '').join('\n');
  return { text: [...quotes, words].filter((part) => part !== '').join('\n\n'), attachments: names, mediaOmitted: images > 0, warnings };
}

/** The text of a card: adaptive TextBlocks, TextRuns and FactSets (in order, nested containers too), or a hero card's title, subtitle and text. */
function cardText(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) cardText(item, out);
    return out;
  }
  if (!isRecord(node)) return out;
  if (node.type === 'TextBlock' || node.type === 'TextRun') {
    if (str(node.text)) out.push(str(node.text)!);
  } else if (node.type === 'RichTextBlock') {
    const runs = Array.isArray(node.inlines) ? node.inlines.map((inline) => (typeof inline === 'string' ? inline : isRecord(inline) ? (str(inline.text) ?? '') : '')) : [];
    if (runs.join('') !== '') out.push(runs.join(''));
  } else if (node.type === 'FactSet') {
    for (const fact of Array.isArray(node.facts) ? node.facts.filter(isRecord) : []) out.push(`${str(fact.title) ?? ''}: ${str(fact.value) ?? ''}`);
  } else if (node.type === undefined || node.type === 'AdaptiveCard') {
    // A hero or thumbnail card has no element types: its words are in title, subtitle and text.
    for (const key of ['title', 'subtitle', 'text']) if (node.type === undefined && str(node[key])) out.push(str(node[key])!);
  }
  for (const key of ['body', 'items', 'columns', 'cards']) if (node[key] !== undefined) cardText(node[key], out);
  return out;
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

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return namedCharacter(name) ?? whole;
  });
}

/**
 * A tag with its name and attributes, or any other `<…>` (a comment, a doctype), which is dropped.
 * A tag never spans another "<": so a body of many "<" without ">" is read in one pass, not one
 * scan to its end per "<".
 */
const HTML_TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^<>]*)>|<[^<>]*>/g;

function attribute(attributes: string, name: string): string | null {
  const match = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attributes);
  return match ? decodeEntities(match[1] ?? match[2] ?? match[3] ?? '') : null;
}

/** Plain text from a Teams HTML body, and how many images it showed (hosted on the server, not in the file). */
export interface TeamsHtmlReading {
  readonly text: string;
  readonly images: number;
}

/**
 * Reads a Teams HTML body as text, without ever interpreting it as markup: scripts and styles
 * are dropped with their content, every tag is removed, and entities are decoded in the text
 * between tags only (so `&lt;script&gt;` stays text). What the layout says is kept in words:
 * block tags end lines, table cells are separated by " | " and rows by line breaks (so "12" and
 * "5 mg" never read "125 mg"), list items keep their numbers or a "- " bullet, struck-out text
 * (`<s>`, `<strike>`, `<del>`) is marked "~…~" as WhatsApp marks it (a withdrawn dose never reads
 * as current), and an emoji is its `alt` text.
 */
export function readTeamsHtml(html: string): TeamsHtmlReading {
  const source = html.replace(/<(script|style)\b[^]*?<\/\1\s*>/gi, '');
  let out = '';
  let images = 0;
  const lists: { readonly ordered: boolean; next: number }[] = [];
  let tables = 0;
  let cells = 0;
  let cellsInRow = 0;
  /** Where each open struck-out span began in `out`. */
  const struck: number[] = [];
  // Spaces a cell's paragraphs leave at its end are layout, not text.
  const trimCell = () => (out = out.replace(/[ \t]+$/, ''));
  const startLine = () => {
    if (tables > 0) trimCell();
    if (out !== '' && !out.endsWith('\n')) out += '\n';
  };
  // Inside a cell a line break would split the row: a space keeps it one line.
  const breakLine = () => (out += cells > 0 ? ' ' : '\n');
  const addText = (raw: string) => {
    if (raw === '') return;
    // Layout whitespace between a table's tags is not text.
    if (tables > 0 && cells === 0 && raw.trim() === '') return;
    const text = decodeEntities(raw);
    out += cells > 0 ? text.replace(/\s*\n\s*/g, ' ') : text;
  };
  let last = 0;
  for (const match of source.matchAll(HTML_TAG)) {
    addText(source.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] === undefined) continue;
    const closing = match[1] === '/';
    const attributes = match[3] ?? '';
    switch (match[2].toLowerCase()) {
      case 'br':
        breakLine();
        break;
      case 'p':
      case 'div':
      case 'h1':
      case 'h2':
      case 'h3':
      case 'h4':
      case 'h5':
      case 'h6':
      case 'blockquote':
        if (closing) {
          if (lists.length > 0 && cells === 0) startLine();
          else breakLine();
        }
        break;
      case 'ol':
      case 'ul':
        startLine();
        if (!closing) lists.push({ ordered: match[2].toLowerCase() === 'ol', next: Number(attribute(attributes, 'start') ?? '1') || 1 });
        else lists.pop();
        break;
      case 'li':
        startLine();
        if (!closing) {
          const list = lists[lists.length - 1];
          out += '  '.repeat(Math.max(0, lists.length - 1)) + (list?.ordered ? `${list.next++}. ` : '- ');
        }
        break;
      case 'table':
        startLine();
        tables = Math.max(0, tables + (closing ? -1 : 1));
        break;
      case 'tr':
        startLine();
        cellsInRow = 0;
        break;
      case 'td':
      case 'th':
        trimCell();
        if (!closing) {
          if (cellsInRow++ > 0) out += ' | ';
          cells++;
        } else cells = Math.max(0, cells - 1);
        break;
      case 's':
      case 'strike':
      case 'del':
        if (!closing) struck.push(out.length);
        else if (struck.length > 0) {
          const from = struck.pop()!;
          out = out.slice(0, from) + struckOut(out.slice(from));
        }
        break;
      case 'emoji':
        if (!closing) out += attribute(attributes, 'alt') ?? '';
        break;
      case 'img':
        // Older Teams writes an emoji as an image with its character in alt; any other image is hosted content.
        if (/emoji/i.test(attribute(attributes, 'itemtype') ?? '') && attribute(attributes, 'alt')) out += attribute(attributes, 'alt')!;
        else images++;
        break;
      default:
        break;
    }
  }
  addText(source.slice(last));
  return { text: out.replace(/\n{3,}/g, '\n\n').trim(), images };
}

/** The text of a Teams HTML body (see readTeamsHtml). */
export function htmlToText(html: string): string {
  return readTeamsHtml(html).text;
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
      const names = attachments.map((attachment) => str(attachment.fileName)).filter((name): name is string => name !== null && name !== '');
      const editHistory = Array.isArray(message.editHistory) ? message.editHistory : [];
      // Signal Desktop named the sender's account sourceUuid before it wrote sourceServiceId: either tells people apart.
      const named = str(message.sourceName) ?? str(message.source) ?? str(message.sourceServiceId) ?? str(message.sourceUuid);
      const head = `sent_at ${String(message.sent_at)}`;
      yield {
        sender: outgoing ? 'You' : (named ?? 'Unknown'),
        text: str(message.body) ?? (system ? signalEventText(type, groupChanges(message.groupV2Change)) : ''),
        system,
        time: instantTime(Number(message.sent_at ?? message.timestamp), 'sent_at'),
        edited: editHistory.length > 1,
        deleted: message.deletedForEveryone === true,
        attachment: attachments.length > 0 ? (str(attachments[0]!.fileName) ?? null) : null,
        attachments: names,
        self: outgoing,
        // "Unknown" may stand for more than one person: the reviewer is told rather than left to assume one.
        warnings:
          !outgoing && !system && named === null
            ? [{ line: lineNumber, code: 'sender-unknown', message: `Message ${head} names no sender in the export; every such message is shown as "Unknown", which may be more than one person.` }]
            : [],
        head,
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
  // A first reading (of a small text export) finds the display names two contacts share, so the
  // first message of either is already named with its detail.
  const details = new Map<string, string | null>();
  const shared = new Set<string>();
  for await (const message of sigtopMessages(source, { ...options, onProgress: undefined }, () => undefined)) {
    const from = message.fields.get('From');
    if (from === undefined || message.fields.get('Type') === 'outgoing') continue;
    const { name, detail } = splitSigtopName(from);
    if (!details.has(name)) details.set(name, detail);
    else if (details.get(name) !== detail) shared.add(name);
  }
  for await (const message of sigtopMessages(source, options, onTitle)) yield sigtopRecord(message, shared);
}

/** The messages of a sigtop text export, as blocks of fields and body lines. */
async function* sigtopMessages(source: ByteSource, options: ImportOptions, onTitle: (title: string) => void): AsyncGenerator<SigtopMessage> {
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
          if (message) yield message;
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
        // A message with several attachments has an Attachment field for each.
        if (field[1] === 'Attachment') message.attachments.push(field[2]!);
        else message.fields.set(field[1]!, field[2]!);
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
  if (message) yield message;
}

/** A sigtop message being read: its fields, then its body once a blank line has ended them. */
interface SigtopMessage {
  readonly fields: Map<string, string>;
  readonly attachments: string[];
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
  return { fields: new Map([[name, value]]), attachments: [], body: [], inBody: false, line };
}

/** sigtop's "NAME (DETAIL)": the detail is a phone number, username or account id. */
function splitSigtopName(from: string): { name: string; detail: string | null } {
  const match = / \(([^()]*)\)$/.exec(from);
  return match ? { name: from.slice(0, match.index), detail: match[1]! } : { name: from, detail: null };
}

/**
 * A sigtop message as a record. A sender is named as Signal shows them, without sigtop's detail,
 * unless two contacts share that name (`shared`): then as written, "Dr Sam Patel (+447700900111)".
 */
function sigtopRecord({ fields, attachments: written, body: lines, line }: SigtopMessage, shared: ReadonlySet<string>): ChatRecord {
  const type = fields.get('Type') ?? 'unknown';
  const from = fields.get('From') ?? null;
  let body = [...lines];
  while (body.length > 0 && body[body.length - 1] === '') body.pop();
  if (fields.has('Edited')) body = latestVersion(body);
  const attachments = written.map((value) => value.replace(/ \([^()]*\)$/, '')).filter((name) => name !== 'no filename');
  const system = type !== 'incoming' && type !== 'outgoing';
  const text = body.join('\n');
  const sender = from === null ? null : shared.has(splitSigtopName(from).name) ? from : splitSigtopName(from).name;
  return {
    sender: type === 'outgoing' ? 'You' : sender,
    text: system && text === '' ? signalEventText(type) : text,
    system,
    time: instantTime(parseSigtopDate(fields.get('Sent') ?? fields.get('Received') ?? ''), 'Sent'),
    edited: fields.has('Edited'),
    attachment: attachments[0] ?? null,
    attachments,
    self: type === 'outgoing',
    head: `Sent: ${fields.get('Sent') ?? ''}`,
    line,
  };
}

/** Signal Desktop's message types for events, in words; sigtop writes no body for them. */
const SIGNAL_EVENTS: Readonly<Record<string, string>> = {
  'group-v2-change': 'The group was changed',
  group: 'The group was changed',
  'group-v1-migration': 'The group was upgraded to a new group',
  'timer-notification': 'The disappearing-messages timer was changed',
  keychange: 'A safety number changed',
  'verified-change': 'A safety number was marked verified or unverified',
  'profile-change': 'A contact changed their profile name',
  'change-number-notification': 'A contact changed their phone number',
  'call-history': 'A call',
  'chat-session-refreshed': 'The chat session was refreshed',
  'delivery-issue': 'A message could not be delivered',
  'joined-signal-notification': 'A contact joined Signal',
  'conversation-merge': 'Two conversations with the same person were merged',
  'phone-number-discovery': 'A contact\'s phone number was found',
  'universal-timer-notification': 'The default disappearing-messages timer applies',
  'message-request-response-event': 'A message request was answered',
  'title-transition-notification': 'The chat\'s name changed',
};

/**
 * An event's type in words, keeping the type itself (sigtop does not say what changed, so nothing
 * more is claimed): "A safety number changed (Signal event keychange)".
 */
export function signalEventText(type: string, changes: readonly string[] = []): string {
  const words = SIGNAL_EVENTS[type];
  const what = changes.length > 0 ? `: ${changes.join(', ')}` : '';
  return words ? `${words}${what} (Signal event ${type})` : `Signal event ${type}${what}`;
}

/** What Signal Desktop's groupV2Change.details say changed, in words (a detail type it does not know is kept as written). */
const GROUP_CHANGES: Readonly<Record<string, string>> = {
  create: 'the group was created',
  title: 'the name was changed',
  avatar: 'the picture was changed',
  description: 'the description was changed',
  'member-add': 'a member was added',
  'member-add-from-invite': 'an invited member joined',
  'member-add-from-link': 'a member joined by link',
  'member-add-from-admin-approval': 'a member was approved',
  'member-remove': 'a member was removed or left',
  'member-privilege': 'a member\'s admin rights changed',
  'pending-add-one': 'a member was invited',
  'pending-add-many': 'members were invited',
  'announcements-only': 'who may send messages changed',
  'access-attributes': 'who may edit the group changed',
  'access-members': 'who may add members changed',
};

function groupChanges(change: unknown): string[] {
  if (!isRecord(change) || !Array.isArray(change.details)) return [];
  return change.details.filter(isRecord).map((detail) => {
    const type = str(detail.type) ?? 'unknown';
    if (type === 'title' && str(detail.newTitle)) return `the name was changed to "${str(detail.newTitle)!}"`;
    return GROUP_CHANGES[type] ?? type;
  });
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
