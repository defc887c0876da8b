/**
 * The chat model every importer produces, whatever the source. Times are never guessed: each
 * message keeps the wall-clock time written in the export, the zone the caller chose to read it
 * in, and the UTC instant only when that wall-clock time maps to exactly one instant.
 */

/** Where a thread came from. */
export const CHAT_SOURCES = [
  'whatsapp-ios',
  'whatsapp-android',
  'signal-sigtop-text',
  'signal-sigtop-json',
  'signal-export-markdown',
  'threema',
  'telegram',
  'teams',
] as const;
export type ChatSource = (typeof CHAT_SOURCES)[number];

/** How the day, month and year are ordered in an export's dates. */
export const DATE_ORDERS = ['dmy', 'mdy', 'ymd'] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

/** Something a reviewer must know about one message. */
export const MESSAGE_FLAGS = [
  /** Written by the app, not a person (joins, leaves, encryption notice, subject changes). */
  'system',
  /** iOS wrote a group event as if the group itself had sent it. */
  'group-name-author',
  /** The sender edited the message; the export shows only the last version. */
  'edited',
  /** The message was deleted; its text is gone. */
  'deleted',
  /** The export was made without media: the attachment is not in it. */
  'media-omitted',
  /** The message carries an attachment (see `attachment`). */
  'attachment',
  /**
   * Evidence of a pasted conversation (a head nested after the sender's colon, or a head-like
   * line written in another layout than the file's, kept in this body): review attribution.
   */
  'embedded-header',
  /** The text holds bidirectional control characters that can reorder what a reader sees. */
  'bidi-controls',
  /** The local time does not exist in the zone (clocks went forward): no instant recorded. */
  'dst-gap',
  /** The local time happened twice in the zone (clocks went back): no instant recorded. */
  'dst-ambiguous',
  /** The message's time is earlier than the one before it in the file (real exports do this). */
  'out-of-order',
  /** Text before the export's first message (not a byte-order mark): kept, for review. */
  'preamble',
  /** The body starts like an app marker (U+200E, an angle-bracket form) that no table knows: the sender is kept. */
  'unrecognised-marker',
  /** A field of this message in the export could not be read (e.g. a malformed time): shown for review. */
  'malformed-field',
  /** The exporting user (for example Threema's "Ich", Signal's "You"). */
  'self',
  /**
   * Added from a later export of a chat already in the vault, and its time falls between messages
   * that were already here: shown in its place by time, though it arrived later.
   */
  'merged-between',
] as const;
export type MessageFlag = (typeof MESSAGE_FLAGS)[number];

/** A problem the parser noticed and worked around; never contains message text. */
export interface ParseWarning {
  /** 1-based line in the exported text (0 when the source has no lines, e.g. JSON). */
  readonly line: number;
  readonly code: string;
  readonly message: string;
}

export interface ChatMessage {
  /** 0-based position in the thread. */
  readonly index: number;
  /** Display name as written in the export; null for system messages. */
  readonly sender: string | null;
  /** The body, continuation lines joined with "\n", markers removed. May hold bidi controls. */
  readonly text: string;
  readonly kind: 'message' | 'system';
  /** The head as written in the export (the date/time and sender prefix), for audit. */
  readonly head: string;
  /** Local wall-clock date-time, ISO 8601 without offset, to the second. */
  readonly localTime: string;
  /** The IANA zone the local time was read in (or converted to). */
  readonly zone: string;
  /** The UTC instant (ISO 8601 with Z), or null when the local time is in a DST gap or repeat. */
  readonly instant: string | null;
  readonly flags: readonly MessageFlag[];
  /** The attachment's file name as the export names it, or null. */
  readonly attachment: string | null;
  /** 1-based line number of the head (0 for sources without lines). */
  readonly line: number;
  readonly warnings: readonly ParseWarning[];
}

/** One attachment named in the chat, and whether the export carries its bytes. */
export interface AttachmentPresence {
  readonly name: string;
  readonly present: boolean;
}

/** What an import found, known once every message has been read. */
export interface ChatThread {
  readonly source: ChatSource;
  /** Group or conversation name when the export reveals it. */
  readonly title: string | null;
  /** Distinct senders of non-system messages, in order of first appearance. */
  readonly participants: readonly string[];
  readonly messageCount: number;
  readonly zone: string;
  /** The date order used, and whether it was proven from the file or given by the caller. */
  readonly dateOrder: { readonly order: DateOrder; readonly decidedBy: 'file' | 'caller' | 'format' } | null;
  /** Lowercase hex SHA-256 of the normalised chat content: the same export gives the same value. */
  readonly fingerprint: string;
  readonly attachments: readonly AttachmentPresence[];
  readonly warnings: readonly ParseWarning[];
}

const BIDI_CONTROLS: Readonly<Record<string, string>> = {
  '\u202A': 'LRE',
  '\u202B': 'RLE',
  '\u202C': 'PDF',
  '\u202D': 'LRO',
  '\u202E': 'RLO',
  '\u2066': 'LRI',
  '\u2067': 'RLI',
  '\u2068': 'FSI',
  '\u2069': 'PDI',
};

/** Matches the embedding, override and isolate controls (Trojan Source); not LRM/RLM marks. */
export const BIDI_CONTROL_PATTERN = /[\u202A-\u202E\u2066-\u2069]/;
const BIDI_CONTROL_GLOBAL = /[\u202A-\u202E\u2066-\u2069]/g;

/** True when the text holds a bidi embedding, override or isolate control. */
export function hasBidiControls(text: string): boolean {
  return BIDI_CONTROL_PATTERN.test(text);
}

/**
 * Replaces every bidi control with a visible token such as `⟦RLO⟧`, so that what a clinician
 * reads is the order the characters were written in, not the order a control reorders them to.
 */
export function revealBidiControls(text: string): string {
  return text.replace(BIDI_CONTROL_GLOBAL, (control) => `⟦${BIDI_CONTROLS[control] ?? 'BIDI'}⟧`);
}

/** How a flag is shown to the transcriber: a short label, whether it asks for review, and why. */
export const FLAG_NOTES: Readonly<Record<MessageFlag, { readonly label: string; readonly review: boolean; readonly why: string }>> = {
  system: { label: 'system', review: false, why: 'Written by the app, not a person.' },
  'group-name-author': { label: 'group event', review: false, why: 'The phone wrote this event as if the group had sent it.' },
  edited: { label: 'edited', review: false, why: 'The sender edited this message; the export holds only the last version.' },
  deleted: { label: 'deleted', review: false, why: 'The message was deleted; its text is gone.' },
  'media-omitted': { label: 'media omitted', review: false, why: 'The export was made without media.' },
  attachment: { label: 'attachment', review: false, why: 'The message carries an attachment.' },
  'embedded-header': { label: 'check sender', review: true, why: 'A message head appears inside this message (a pasted conversation?): check who wrote each part.' },
  'bidi-controls': { label: 'hidden reordering', review: true, why: 'The text holds characters that can reorder what you see; they are shown as ⟦…⟧.' },
  'dst-gap': { label: 'time does not exist', review: true, why: 'The clocks went forward at this time in the zone: no instant could be given.' },
  'dst-ambiguous': { label: 'time happened twice', review: true, why: 'The clocks went back at this time in the zone: no instant could be given.' },
  'out-of-order': { label: 'out of order', review: true, why: 'This message is dated earlier than the one above it in the export (phones do this): check its time.' },
  self: { label: 'exporting user', review: false, why: 'Sent by the person who exported the chat.' },
  preamble: { label: 'before first message', review: true, why: 'Text that came before the first message of the export.' },
  'unrecognised-marker': { label: 'unknown app text', review: true, why: 'The app wrote something here that Wardscribe does not know (a poll, a call, media in another language): the sender is kept.' },
  'malformed-field': { label: 'unreadable field', review: true, why: 'Part of this message in the export could not be read.' },
  'merged-between': { label: 'arrived later', review: true, why: 'Added from a later export of this chat; its time falls between messages that were already here, so it is shown in its place by time.' },
};
