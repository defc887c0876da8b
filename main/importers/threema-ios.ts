import type { MessageFlag, ParseWarning } from '../../shared/domain/chat';
import { WardscribeError } from '../errors';
import type { ImportOptions } from './head-line-parser';
import { readLineBatches, type ByteSource } from './line-reader';
import { isCalendarDate } from './local-time';
import type { ChatRecord, WallClockFields } from './records';

/**
 * Threema for iOS writes its chat export (messages.txt; before 2021 `Threema_<chat>_<date>.txt`)
 * one message per record, each ended by "\r\n", with "\n" inside a multi-line message:
 *
 *   >>> 1. Februar 2020 um 13:14:15 MEZ: text                  (the exporting user)
 *   <<< (Dr Ben Okoro) 1. Februar 2020 um 13:15:02 MEZ: text   (a group member)
 *   <<< February 1, 2020 at 1:16:40 PM GMT+1: text             (the other person in a 1:1 chat)
 *
 * The date is the phone's long date and time style in its language, with a zone abbreviation.
 * The wall-clock time is read in the import's zone, as every other text export's is (the
 * abbreviation is not an offset: "CET", "MEZ", "GMT+1" are names, and names repeat across the
 * world). A one-to-one chat never names the other person: the caller supplies a name for them.
 */

/** How the reader names the people Threema leaves unnamed. */
export interface ThreemaIosNames {
  /** Who `>>>` messages are from. */
  readonly self: string;
  /** Who unnamed `<<<` messages in a one-to-one chat are from, and where that name came from. */
  readonly partner: string;
  readonly partnerFrom: 'archive name' | 'placeholder';
}

/**
 * The thread warning for a one-to-one export: who the unnamed messages were given to, and why.
 * App notices in such a chat are written the same way, so they carry that name too.
 */
export function unnamedPartnerWarning(names: ThreemaIosNames): ParseWarning {
  const where = names.partnerFrom === 'archive name' ? `"${names.partner}", taken from the archive's file name. Check it` : `"${names.partner}". Check who it is`;
  return {
    line: 0,
    code: 'sender-not-named',
    message: `Threema for iOS does not write the other person's name in a one-to-one chat export: their messages (and the app's own notices in that chat) are shown under ${where} before attributing advice.`,
  };
}

/** True when a text starts as Threema for iOS writes its export. */
export function looksLikeThreemaIos(firstBytes: string): boolean {
  return /^(?:\uFEFF)?(?:>>>|<<<) /.test(firstBytes);
}

const MONTH_NAMES: Readonly<Record<string, readonly string[]>> = {
  en: ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'],
  de: ['januar', 'februar', 'märz', 'april', 'mai', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'dezember'],
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
  it: ['gennaio', 'febbraio', 'marzo', 'aprile', 'maggio', 'giugno', 'luglio', 'agosto', 'settembre', 'ottobre', 'novembre', 'dicembre'],
  es: ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'],
  nl: ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'],
  pt: ['janeiro', 'fevereiro', 'março', 'abril', 'maio', 'junho', 'julho', 'agosto', 'setembro', 'outubro', 'novembro', 'dezembro'],
};

/** Month number by lower-case name, in every language above (a name shared by two languages means the same month). */
export const MONTH_BY_NAME: ReadonlyMap<string, number> = new Map([
  ...Object.values(MONTH_NAMES).flatMap((names) => names.map((name, index) => [name, index + 1] as const)),
  ['jänner', 1],
  ['setiembre', 9],
]);

/** The clock of the long time style: always with seconds. */
const CLOCK = /(\d{1,2}):(\d{2}):(\d{2})/g;
const MERIDIEM = /^[\s\u00A0\u202F]*([ap])\.?\s?m\.?(?=[\s:]|$)/i;
/** The longest zone name the long style writes ("GMT+05:30" is 9). */
const MAX_ZONE_LENGTH = 12;

/** A record's head, read. */
interface ThreemaIosHead {
  readonly outgoing: boolean;
  /** The name in `<<< (Name)`, or null. */
  readonly name: string | null;
  readonly wall: WallClockFields;
  /** The head as written, up to and including the colon after the zone. */
  readonly head: string;
  readonly body: string;
}

/** Why a line that starts like a head could not be read as one (null: it could). */
type HeadProblem = 'no-date' | 'month' | 'invalid';

/**
 * Reads `>>> ` / `<<< (Name) ` + long date + time + zone + `: ` + body. Every clock in the line
 * is tried in turn, so a name holding one does not confuse it; the date before the clock must
 * hold exactly a day, a month name and a four-digit year, with nothing but words between them.
 */
export function readThreemaIosHead(line: string): ThreemaIosHead | HeadProblem | null {
  const outgoing = line.startsWith('>>> ');
  if (!outgoing && !line.startsWith('<<< ')) return null;
  const rest = line.slice(4);
  let problem: HeadProblem = 'no-date';
  for (const clock of rest.matchAll(CLOCK)) {
    let before = rest.slice(0, clock.index);
    let name: string | null = null;
    if (!outgoing && before.startsWith('(')) {
      const close = before.lastIndexOf(') ');
      if (close < 1) continue;
      name = before.slice(1, close);
      before = before.slice(close + 2);
    }
    const date = readLongDate(before);
    if (date === 'month') problem = 'month';
    if (typeof date === 'string') continue;
    const after = rest.slice(clock.index + clock[0].length);
    const meridiem = MERIDIEM.exec(after);
    const zoneStart = meridiem ? meridiem[0].length : 0;
    const colon = after.indexOf(': ', zoneStart);
    const end = colon >= 0 ? colon : after.endsWith(':') ? after.length - 1 : -1;
    if (end < 0) continue;
    // The zone is one short name ("MEZ", "GMT+1", "UTC−05:00"): anything longer is not a head.
    const zone = after.slice(zoneStart, end).trim();
    if (zone.length > MAX_ZONE_LENGTH || zone.includes(' ')) continue;
    let hour = Number(clock[1]);
    const minute = Number(clock[2]);
    const second = Number(clock[3]);
    if (meridiem) {
      if (hour > 12) return 'invalid';
      hour = (hour % 12) + (meridiem[1]!.toLowerCase() === 'p' ? 12 : 0);
    }
    if (hour > 23 || minute > 59 || second > 59 || !isCalendarDate(date.year, date.month, date.day)) return 'invalid';
    const headLength = 4 + clock.index + clock[0].length + end + 1;
    return {
      outgoing,
      name,
      wall: { ...date, hour, minute, second },
      head: line.slice(0, headLength),
      body: colon >= 0 ? after.slice(colon + 2) : '',
    };
  }
  return problem;
}

/** "1. Februar 2020 um ", "February 1, 2020 at ", "1 de febrero de 2020, ": the date, or why not. */
function readLongDate(text: string): { year: number; month: number; day: number } | 'no-date' | 'month' {
  const tokens = text.split(/[\s,.\u00A0\u202F]+/).filter((token) => token !== '');
  let year = 0;
  let day = 0;
  let month = 0;
  let unknownWord = false;
  for (const token of tokens) {
    if (/^\d{4}$/.test(token) && year === 0) year = Number(token);
    else if (/^\d{1,2}$/.test(token) && day === 0) day = Number(token);
    else if (/^\p{L}+$/u.test(token)) {
      const number = MONTH_BY_NAME.get(token.toLowerCase());
      if (number !== undefined && month === 0) month = number;
      else if (number === undefined && token.length > 3 && !CONNECTORS.has(token.toLowerCase())) unknownWord = true;
    } else return 'no-date';
  }
  if (year === 0 || day === 0) return 'no-date';
  if (month === 0) return unknownWord ? 'month' : 'no-date';
  return { year, month, day };
}

/** Words the long styles put between the date and the time ("um", "at", "à", "alle ore", "de", "om", "às"). */
const CONNECTORS: ReadonlySet<string> = new Set(['alle', 'ore']);

/** Threema's own export names: `20200201-131415-448-image.jpg` (iOS since 2021), a hex id before. */
const EXPORT_FILE_NAME = /^(?:\d{8}-\d{6}-\d{3}-(?:image|video|audio|file-.+)|[0-9a-f]{16,})\.[A-Za-z0-9]{1,5}$/i;
/** `Bild (NAME)`, `Video (1:03,NAME)`, `Sprachnachricht (0:5,NAME)`: a media label and the file in brackets. */
const MEDIA = /^(\p{L}+(?: \p{L}+)?) \((?:\d{1,3}:\d{1,2}, ?)?([^()\n]*[^\s()]\.[A-Za-z0-9]{1,5})\)/u;
/** What follows the brackets: `, Untertitel: caption` (since 2021) or ` Untertitel caption` (before). */
const CAPTION = /^(?:, ?[\p{L} ]{1,20}: ?| (?:Caption|Untertitel|Légende|Didascalia|Leyenda|Legenda|Bijschrift) )/u;

/** An iOS media line: its file (when it is one of Threema's or in the archive) and its caption. */
export function readThreemaIosMedia(body: string, isPresent: (name: string) => boolean): { attachment: string | null; text: string } {
  const media = MEDIA.exec(body);
  if (!media || !(isPresent(media[2]!) || EXPORT_FILE_NAME.test(media[2]!))) return { attachment: null, text: body };
  const rest = body.slice(media[0].length);
  const caption = CAPTION.exec(rest);
  return { attachment: media[2]!, text: (caption ? rest.slice(caption[0].length) : rest).trim() };
}

/** A record being read, until the next head (or the end). */
interface PendingRecord {
  readonly head: ThreemaIosHead;
  readonly line: number;
  readonly lines: string[];
  embedded: boolean;
  readonly warnings: ParseWarning[];
}

/**
 * The messages of a Threema for iOS export as records. A line is a new message only when it is
 * a readable head and the line before it ended a record ("\r\n"): a head-like line inside a
 * multi-line message (the line before ended with "\n" alone) stays in that message, flagged
 * `embedded-header` for review. A first reading finds whether records end in "\r\n" at all (a
 * file whose line ends were rewritten is read by its heads alone) and whether any head names a
 * sender, which decides whether an unnamed `<<<` line is the other person of a one-to-one chat
 * or a group event.
 */
export async function* threemaIosRecords(
  source: ByteSource,
  options: ImportOptions,
  names: ThreemaIosNames,
  isPresent: (name: string) => boolean,
  onUnnamedPartner: () => void,
): AsyncGenerator<ChatRecord> {
  const { isGroup, recordsEndWithCr } = await readLayout(source, options);
  let pending: PendingRecord | null = null;
  let previousEndedWithCr = true;

  const finish = (record: PendingRecord): ChatRecord => {
    const body = record.lines.join('\n');
    const { head } = record;
    const flags: MessageFlag[] = record.embedded ? ['embedded-header'] : [];
    let sender: string | null;
    let system = false;
    if (head.outgoing) sender = names.self;
    else if (head.name !== null) sender = head.name;
    else if (isGroup) {
      sender = null;
      system = true;
    } else {
      sender = names.partner;
      onUnnamedPartner();
    }
    const media = system ? { attachment: null, text: body } : readThreemaIosMedia(body, isPresent);
    return {
      sender,
      text: media.text,
      system,
      time: { kind: 'wall-clock', ...head.wall },
      attachment: media.attachment,
      self: head.outgoing,
      flags,
      warnings: record.warnings,
      head: head.head,
      line: record.line,
    };
  };

  for await (const { firstLine, lines, bytes } of readLineBatches(source, options)) {
    let lineEnd = -1;
    for (let offset = 0; offset < lines.length; offset++) {
      const line = lines[offset]!;
      const lineNumber = firstLine + offset;
      // Where this line ends in the batch's bytes, to see whether it ended with "\r".
      lineEnd = offset + 1 < lines.length ? bytes.indexOf(0x0a, lineEnd + 1) : bytes.length;
      const endsWithCr = lineEnd > 0 && bytes[lineEnd - 1] === 0x0d;
      const reading = readThreemaIosHead(line);
      // Where a record may start: a head-like line anywhere else is text inside a message.
      const atRecordStart = pending === null || !recordsEndWithCr || previousEndedWithCr;
      if (atRecordStart && (reading === 'invalid' || (reading === 'month' && pending === null))) throw unreadableDate(lineNumber, reading);
      const head = typeof reading === 'object' ? reading : null;
      if (head && atRecordStart) {
        if (pending) yield finish(pending);
        pending = { head, line: lineNumber, lines: [head.body], embedded: false, warnings: [] };
      } else if (pending) {
        if (head) {
          pending.embedded = true;
          pending.warnings.push({
            line: lineNumber,
            code: 'embedded-header-inside-message',
            message: `Line ${lineNumber} looks like the start of a Threema message but is inside the message above (a pasted conversation?); kept there for review.`,
          });
        }
        pending.lines.push(line);
      } else if (line.trim() !== '') {
        throw new WardscribeError('rejected', `Line ${lineNumber} of this Threema export is not a message Wardscribe can read, and no message comes before it.`);
      }
      previousEndedWithCr = endsWithCr;
    }
  }
  if (pending) yield finish(pending);
}

function unreadableDate(line: number, problem: 'invalid' | 'month'): WardscribeError {
  return new WardscribeError(
    'rejected',
    problem === 'month'
      ? `Line ${line} of this Threema export names its month in a language Wardscribe does not read yet, so no message time can be trusted; nothing was imported.`
      : `Line ${line} of this Threema export has a date or time that does not exist, so no message time can be trusted; nothing was imported.`,
  );
}

/** What a first reading of the export finds. */
interface Layout {
  /** Some `<<< (Name)` head: a group chat. */
  readonly isGroup: boolean;
  /** Some line ends in "\r\n": records do, so a record starts only after such a line. */
  readonly recordsEndWithCr: boolean;
}

/** A first reading, stopped as soon as both questions are answered yes. */
async function readLayout(source: ByteSource, options: ImportOptions): Promise<Layout> {
  let isGroup = false;
  let recordsEndWithCr = false;
  for await (const { lines, bytes } of readLineBatches(source, { signal: options.signal, maxLineBytes: options.maxLineBytes })) {
    recordsEndWithCr ||= bytes.includes(0x0d);
    for (let index = 0; index < lines.length && !isGroup; index++) {
      const line = lines[index]!;
      if (!line.startsWith('<<< (')) continue;
      const head = readThreemaIosHead(line);
      isGroup = typeof head === 'object' && head !== null && head.name !== null;
    }
    if (isGroup && recordsEndWithCr) break;
  }
  return { isGroup, recordsEndWithCr };
}

/** "Threema_Dr_Ben_Okoro_202002011314.zip" gives "Dr Ben Okoro": Threema names the archive after the chat, "_" for what is not a letter or digit. */
export function chatNameFromThreemaArchive(fileName: string): string | null {
  const match = /^Threema_(.+)_\d{12}(?:\.zip)?$/i.exec(fileName);
  if (!match) return null;
  const name = match[1]!.replace(/_+/g, ' ').trim();
  return name === '' ? null : name;
}
