import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Readable } from 'node:stream';
import type { ChatMessage, ChatSource, ChatThread, ParseWarning } from '../../shared/domain/chat';
import { WardscribeError } from '../errors';
import { flattenBatches, parseHeadLineBatches, type ImportOptions } from './head-line-parser';
import {
  notTeamsChat,
  notTelegramChat,
  sigtopJsonRecords,
  sigtopTextRecords,
  TEAMS_LIST,
  TEAMS_PAGE,
  teamsRecords,
  TELEGRAM_ACCOUNT_CHATS,
  TELEGRAM_ACCOUNT_LEFT_CHATS,
  TELEGRAM_ACCOUNT_MEMBERS,
  TELEGRAM_MESSAGES,
  telegramAccountExport,
  telegramRecords,
  telegramSharedNames,
  unknownJson,
} from './json-sources';
import { findJsonArray } from './json-stream';
import type { ByteSource } from './line-reader';
import { recordsToMessages, type ChatRecord } from './records';
import { readSignalExportMarkers } from './signal-export';
import { openThreemaExport, readThreemaMarkers } from './threema';
import { chatNameFromThreemaArchive, looksLikeThreemaIos, threemaIosRecords, unnamedPartnerWarning, type ThreemaIosNames } from './threema-ios';
import { exporterIdFromContext, TeamsChatTitle } from './teams-events';
import { chooseChatText, fileSource, openSafeZip, type ChatTextCandidate } from './zip';

export type { ImportOptions } from './head-line-parser';

/** An export being read: messages stream out, then the generator returns the thread. */
export interface ChatImport {
  /** Which kind of export this is, decided before any message is read. */
  readonly source: ChatSource | 'whatsapp';
  /** The messages one at a time. */
  readonly messages: AsyncGenerator<ChatMessage, ChatThread>;
  /**
   * The same messages in batches (for text exports, one per chunk read): the fast path for a
   * consumer moving many messages. `messages` and `batches` share one reading of the export:
   * iterate one of them, never both.
   */
  readonly batches: AsyncGenerator<readonly ChatMessage[], ChatThread>;
  /** The bytes of an attachment held in the export (zip exports only), for the vault. Never written to disk. */
  openMedia(name: string): Promise<Readable>;
  close(): Promise<void>;
}

/** Self-names Threema writes for the exporting user, by language. */
const THREEMA_SELF = new Set(['Ich', 'Me', 'Moi', 'Yo', 'Io', 'Ik', 'Eu', 'Jag']);

const noMedia = async (): Promise<Readable> => {
  throw new WardscribeError('not-found', 'This export carries no media files.');
};

/** Reads the first bytes of a file, to tell formats apart. */
async function peek(path: string, bytes = 4096): Promise<string> {
  const handle = await open(path, 'r').catch(() => {
    throw new WardscribeError('not-found', 'The export file cannot be opened.');
  });
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
}

/** A title from WhatsApp's export names: "WhatsApp Chat with Ward 7.txt", "WhatsApp Chat - Ward 7.zip". */
export function titleFromFileName(path: string): string | null {
  const match = /^WhatsApp Chat (?:with |mit |avec |con |met |com |- )(.+)$/i.exec(basename(path, extname(path)));
  return match ? match[1]!.trim() : null;
}

/**
 * Opens a chat export of any supported kind. The kind is decided from the file's name and first
 * bytes; nothing is parsed until `messages` is iterated.
 */
export async function openChatExport(path: string, options: ImportOptions): Promise<ChatImport> {
  const head = await peek(path);
  const extension = extname(path).toLowerCase();
  if (head.startsWith('PK\u0003\u0004') || head.startsWith('PK\u0005\u0006')) return openZipExport(path, options);
  if (extension === '.json' || /^(?:\xEF\xBB\xBF)?\s*(?:\{|\[\s*(?:\{|\]))/.test(head)) {
    return openJsonExport(path, head, options);
  }
  const source = await fileSource(path);
  if (/^(?:\uFEFF|\xEF\xBB\xBF)?Conversation: /.test(head)) {
    let title: string | null = null;
    const records = sigtopTextRecords(source, options, (name) => (title = name));
    return simple('signal-sigtop-text', byMessage(recordsToMessages(records, 'signal-sigtop-text', options, { title: () => title })));
  }
  if (extension === '.md') {
    const format = { source: 'signal-export-markdown' as const, selfNames: new Set(['Me']), readMarkers: readSignalExportMarkers };
    return simple('signal-export-markdown', byBatch(signalExportSystemLines(parseHeadLineBatches(source, { ...options, dateOrder: 'ymd' }, format))));
  }
  return simple('whatsapp', byBatch(parseHeadLineBatches(source, options, { title: titleFromFileName(path) })));
}

/** Both views of one reading of an export. */
type MessageStreams = Pick<ChatImport, 'messages' | 'batches'>;

/** Messages in groups for sources read message by message (the JSON formats). */
const GROUP_SIZE = 1_000;

function byBatch(batches: AsyncGenerator<readonly ChatMessage[], ChatThread>): MessageStreams {
  return { batches, messages: flattenBatches(batches) };
}

function byMessage(messages: AsyncGenerator<ChatMessage, ChatThread>): MessageStreams {
  return { messages, batches: groupMessages(messages) };
}

async function* groupMessages(messages: AsyncGenerator<ChatMessage, ChatThread>): AsyncGenerator<ChatMessage[], ChatThread> {
  let group: ChatMessage[] = [];
  try {
    for (;;) {
      const next = await messages.next();
      if (next.done) {
        if (group.length > 0) yield group;
        return next.value;
      }
      group.push(next.value);
      if (group.length >= GROUP_SIZE) {
        yield group;
        group = [];
      }
    }
  } catch (error) {
    // The messages read before the failure come out first, as they would one at a time.
    if (group.length > 0) yield group;
    throw error;
  }
}

function simple(source: ChatImport['source'], streams: MessageStreams): ChatImport {
  return { source, ...streams, openMedia: noMedia, close: async () => undefined };
}

/**
 * signal-export writes "No-Sender" for a message that has none (a group change, a call): the
 * app's words, not a person, so such a message is a system line and the name no participant.
 */
const SIGNAL_EXPORT_NO_SENDER = 'No-Sender';

async function* signalExportSystemLines(batches: AsyncGenerator<readonly ChatMessage[], ChatThread>): AsyncGenerator<readonly ChatMessage[], ChatThread> {
  let finished = false;
  try {
    for (;;) {
      const next = await batches.next();
      if (next.done) {
        finished = true;
        return { ...next.value, participants: next.value.participants.filter((name) => name !== SIGNAL_EXPORT_NO_SENDER) };
      }
      yield next.value.map((message) =>
        message.sender === SIGNAL_EXPORT_NO_SENDER
          ? { ...message, sender: null, kind: 'system' as const, flags: [...message.flags.filter((flag) => flag !== 'self'), 'system' as const] }
          : message,
      );
    }
  } finally {
    if (!finished) await batches.return(undefined as never).catch(() => undefined);
  }
}

async function openJsonExport(path: string, head: string, options: ImportOptions): Promise<ChatImport> {
  const source = await fileSource(path);
  if (head.replace(/^\xEF\xBB\xBF/, '').trimStart().startsWith('[') && (await firstElementIsSignal(source, options))) {
    return simple('signal-sigtop-json', byMessage(recordsToMessages(sigtopJsonRecords(source, options), 'signal-sigtop-json', options)));
  }
  return openJsonDocument(source, options);
}

/**
 * A root array is sigtop's Signal messages or a Teams list: told apart by the first element's
 * own members (Signal's conversationId or sent_at), read by the streaming reader however long
 * that element is, never by searching the first bytes (a long first body pushes those members
 * past any fixed window, and a Teams message may quote the words).
 */
async function firstElementIsSignal(source: ByteSource, options: ImportOptions): Promise<boolean> {
  const reading = await findJsonArray(source, [TEAMS_LIST], { signal: options.signal });
  try {
    const first = await reading.elements.next();
    const element: unknown = first.done ? null : first.value;
    return typeof element === 'object' && element !== null && ('conversationId' in element || 'sent_at' in element);
  } finally {
    await reading.close();
  }
}

/**
 * Progress that never goes back: the readings that find a document's message list and then read
 * it again start from its first byte, and a progress bar must not jump back when they do.
 */
function neverBack(report: ImportOptions['onProgress']): ImportOptions['onProgress'] {
  if (!report) return undefined;
  let highest = -1;
  return (done, total) => {
    if (done <= highest) return;
    highest = done;
    report(done, total);
  };
}

/** Progress of one of two readings of the same bytes, as a share of the whole. */
function halfProgress(options: ImportOptions, pass: 0 | 1): ImportOptions['onProgress'] {
  const report = options.onProgress;
  if (!report) return undefined;
  return (done, total) => report(total === null ? done : Math.floor((pass * total + done) / 2), total);
}

/**
 * A Telegram chat read twice: first for the display names two accounts share (nothing else is
 * held), then for the messages, so each sender is named apart from the first message on.
 */
async function* telegramTwoReadings(source: ByteSource, options: ImportOptions, onTitle: (title: string | null) => void): AsyncGenerator<ChatRecord> {
  const survey = await findJsonArray(source, [TELEGRAM_MESSAGES], {
    signal: options.signal,
    onProgress: halfProgress(options, 0),
    // Telegram writes `name` before `messages`; wherever it is, the last one read wins.
    onMember: (name, value) => {
      if (name === 'name') onTitle(typeof value === 'string' ? value : null);
    },
  });
  const shared = await telegramSharedNames(survey.elements);
  const reading = await findJsonArray(source, [TELEGRAM_MESSAGES], { signal: options.signal, onProgress: halfProgress(options, 1) });
  yield* telegramRecords(reading.elements, shared);
}

/**
 * A Telegram or Teams JSON document, streamed up to the first message list: where that list is
 * tells the two apart (and a whole-account Telegram export from one chat's), and the messages
 * are read from there on as they are asked for.
 */
async function openJsonDocument(source: ByteSource, given: ImportOptions, isPresent?: (name: string) => boolean): Promise<ChatImport> {
  const options = { ...given, onProgress: neverBack(given.onProgress) };
  let title: string | null = null;
  let telegramShaped = false;
  let teamsShaped = false;
  let morePages = false;
  let graphContext: unknown = null;
  const reading = await findJsonArray(source, [TELEGRAM_MESSAGES, TELEGRAM_ACCOUNT_CHATS, TELEGRAM_ACCOUNT_LEFT_CHATS, TEAMS_PAGE, TEAMS_LIST], {
    signal: options.signal,
    onProgress: options.onProgress,
    onMember: (name, value) => {
      // Telegram writes `name` before `messages`; wherever it is, the last one read wins.
      if (name === 'name') title = typeof value === 'string' ? value : null;
      if (name === 'messages' || TELEGRAM_ACCOUNT_MEMBERS.has(name)) telegramShaped = true;
      if (name === '@odata.context' || name === '@odata.nextLink') teamsShaped = true;
      if (name === '@odata.context') graphContext = value;
      // Graph writes a nextLink when the server holds more messages than this page.
      if (name === '@odata.nextLink' && typeof value === 'string' && value !== '') morePages = true;
    },
  });
  const close = () => reading.close();
  if (reading.path === TELEGRAM_ACCOUNT_CHATS || reading.path === TELEGRAM_ACCOUNT_LEFT_CHATS) {
    await close();
    throw telegramAccountExport();
  }
  if (reading.path === TELEGRAM_MESSAGES) {
    // Found: the messages are read again from the start, in two readings.
    await close();
    const records = telegramTwoReadings(source, options, (name) => (title = name));
    const messages = recordsToMessages(records, 'telegram', options, { title: () => title, isPresent });
    return simple('telegram', byMessage(messages));
  }
  if (reading.path !== null) {
    const warnings = (): ParseWarning[] => (morePages ? [TEAMS_MORE_PAGES] : []);
    // Named as Teams names it, from its topic or members other than the exporting user (teams-events.ts).
    const chatTitle = new TeamsChatTitle(exporterIdFromContext(graphContext));
    const messages = recordsToMessages(teamsRecords(reading.elements, chatTitle), 'teams', options, { warnings, title: () => chatTitle.title() });
    return { ...simple('teams', byMessage(messages)), close };
  }
  // Read to its end without a message list: say what is missing in the terms of the app it is from.
  await close();
  throw telegramShaped ? notTelegramChat() : teamsShaped ? notTeamsChat() : unknownJson();
}

const TEAMS_MORE_PAGES: ParseWarning = {
  line: 0,
  code: 'teams-more-pages',
  message:
    'This file is one page of the chat\'s messages: Microsoft Graph says more are on the server (@odata.nextLink). Messages on the other pages are not in this import; export every page to have the whole chat.',
};

async function openZipExport(path: string, options: ImportOptions): Promise<ChatImport> {
  const zip = await openSafeZip(path);
  const encrypted = zip.entries.some((entry) => entry.encrypted);
  let chat: ChatTextCandidate;
  try {
    chat = chooseChatText(zip.entries.map((entry) => entry.name));
  } catch (error) {
    zip.close();
    throw error;
  }
  // Only Threema writes password-protected exports; its archive is opened with zip.js (AES).
  if (encrypted || chat.kind === 'threema') {
    zip.close();
    return openThreema(path, options);
  }
  if (chat.kind === 'telegram') {
    // A zipped Telegram export folder: its photos and files sit beside result.json.
    const reading = await openJsonDocument(zip.source(chat.name), options, (name) => zip.has(name)).catch((error: unknown) => {
      zip.close();
      throw error;
    });
    return {
      ...reading,
      openMedia: async (name) => (await zip.source(name).open()) as Readable,
      close: async () => {
        await reading.close();
        zip.close();
      },
    };
  }
  const title = titleFromFileName(path) ?? (chat.kind === 'whatsapp-ios' ? null : titleFromFileName(chat.name));
  const streams = byBatch(parseHeadLineBatches(zip.source(chat.name), options, { title }, (name) => zip.has(name)));
  return {
    source: 'whatsapp',
    ...streams,
    openMedia: async (name) => (await zip.source(name).open()) as Readable,
    close: async () => zip.close(),
  };
}

/** Who Threema for iOS leaves unnamed: the exporting user, and the other person of a one-to-one chat. */
const THREEMA_IOS_SELF = 'Me';
const THREEMA_IOS_PARTNER_PLACEHOLDER = 'Chat partner';

/**
 * A Threema export: Android's layout (`[date, time] Name: text`, read like WhatsApp's) or iOS's
 * (`>>>` / `<<<` records), told apart by the text's first bytes.
 */
async function openThreema(path: string, options: ImportOptions): Promise<ChatImport> {
  const archive = await openThreemaExport(path, options.password);
  if (!looksLikeThreemaIos(archive.start)) {
    const streams = byBatch(parseHeadLineBatches(archive.messages, options, { source: 'threema', selfNames: THREEMA_SELF, readMarkers: readThreemaMarkers }, archive.has));
    return { source: 'threema', ...streams, openMedia: archive.openMedia, close: archive.close };
  }
  const chatName = chatNameFromThreemaArchive(basename(path));
  const names: ThreemaIosNames = {
    self: THREEMA_IOS_SELF,
    partner: chatName ?? THREEMA_IOS_PARTNER_PLACEHOLDER,
    partnerFrom: chatName ? 'archive name' : 'placeholder',
  };
  let unnamedPartner = false;
  const records = threemaIosRecords(archive.messages, options, names, archive.has, () => (unnamedPartner = true));
  const messages = recordsToMessages(records, 'threema', options, {
    title: () => chatName,
    isPresent: archive.has,
    warnings: () => (unnamedPartner ? [unnamedPartnerWarning(names)] : []),
  });
  return { source: 'threema', ...byMessage(messages), openMedia: archive.openMedia, close: archive.close };
}

/** Re-exported for callers that hold bytes rather than a path (tests, the vault). */
export type { ByteSource };
