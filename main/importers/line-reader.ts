import { isAscii, isUtf8 } from 'node:buffer';
import { WardscribeError } from '../errors';

/** A byte stream and its size, openable more than once (a file, or an entry in a zip). */
export interface ByteSource {
  /** Total bytes, for progress; null when unknown. */
  readonly size: number | null;
  open(): Promise<AsyncIterable<Uint8Array>>;
}

export interface LineReadOptions {
  readonly signal?: AbortSignal;
  /** Called after each chunk with bytes read so far and the total. */
  readonly onProgress?: (done: number, total: number | null) => void;
  /** Longest line accepted, in bytes. */
  readonly maxLineBytes?: number;
}

/** One chunk's worth of whole lines. */
export interface LineBatch {
  /** 1-based number of the first line. */
  readonly firstLine: number;
  /** The lines, "\r\n" or "\n" removed. */
  readonly lines: readonly string[];
  /**
   * The bytes the lines were decoded from, valid only until the next batch is requested: "\n"
   * between lines, no final newline, a line's "\r" still in place.
   */
  readonly bytes: Buffer;
}

/**
 * A WhatsApp message may be 65,536 characters (up to 256 KiB in UTF-8); anything far longer is
 * not a chat export and would otherwise be held in memory whole.
 */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Throws `cancelled` when the caller aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new WardscribeError('cancelled', 'The import was cancelled. Nothing of this export was stored.');
}

/**
 * Reads a UTF-8 text stream one line at a time, without ever holding the whole text: lines are
 * yielded with "\r\n" or "\n" removed and a leading byte-order mark dropped. Invalid UTF-8 and
 * over-long lines end the read with an error naming the line.
 *
 * Yields batches of lines (one per chunk) with the 1-based number of the first, so a caller's
 * loop stays tight, and the UTF-8 bytes the lines were decoded from (BOM removed, "\n" between
 * lines, no final newline), so a caller can hash them without encoding the text again.
 */
export async function* readLineBatches(
  source: ByteSource,
  options: LineReadOptions = {},
): AsyncGenerator<LineBatch> {
  yield* readWholeLineRuns(
    source,
    options,
    (bytes, firstLine, maxLineBytes): LineBatch => ({ firstLine, lines: decodeLines(bytes, firstLine, maxLineBytes), bytes }),
    (batch) => batch.lines.length,
  );
}

/**
 * The reading both batch readers share: the stream cut after its last "\n" in each chunk (the
 * rest carried on), a leading byte-order mark dropped, over-long lines refused where they are
 * found, cancellation and progress. `decode` turns each run of whole lines into a batch; after
 * the consumer has taken it, `lineCount` says how many lines it held.
 */
async function* readWholeLineRuns<Batch>(
  source: ByteSource,
  options: LineReadOptions,
  decode: (bytes: Buffer, firstLine: number, maxLineBytes: number) => Batch,
  lineCount: (batch: Batch, bytes: Buffer) => number,
): AsyncGenerator<Batch> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let carry: Buffer | null = null;
  let nextLine = 1;
  let bytesDone = 0;
  let first = true;
  throwIfAborted(options.signal);
  const stream = await source.open();
  for await (const chunk of stream) {
    throwIfAborted(options.signal);
    bytesDone += chunk.byteLength;
    let bytes: Buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (carry) bytes = Buffer.concat([carry, bytes]);
    if (first && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    if (bytes.length > 0) first = false;
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      if (bytes.length > maxLineBytes) throw lineTooLong(nextLine, maxLineBytes);
      carry = bytes;
      options.onProgress?.(bytesDone, source.size);
      continue;
    }
    const whole = bytes.subarray(0, lastNewline);
    carry = lastNewline + 1 < bytes.length ? bytes.subarray(lastNewline + 1) : null;
    if (carry && carry.length > maxLineBytes) throw lineTooLong(nextLine + countNewlines(whole) + 1, maxLineBytes);
    const batch = decode(whole, nextLine, maxLineBytes);
    yield batch;
    nextLine += lineCount(batch, whole);
    options.onProgress?.(bytesDone, source.size);
  }
  if (carry && carry.length > 0) yield decode(carry, nextLine, maxLineBytes);
}

/** One chunk's worth of whole lines, as a few decoded texts rather than one string per line. */
export interface TextBatch {
  /** 1-based number of the first line. */
  readonly firstLine: number;
  /**
   * The lines in order, in texts holding one or more whole lines separated by "\n". In a chunk
   * with a "\r", or one longer than the line limit, every line is a text of its own, cut and
   * checked exactly as readLineBatches() gives it (its final "\r" removed).
   */
  readonly texts: readonly string[];
  /** True when the chunk held a "\r" (then `texts` are its lines, one each). */
  readonly carriageReturn: boolean;
  /** True when every byte is ASCII (so no bidi control or other multi-byte character is in it). */
  readonly ascii: boolean;
  /** As LineBatch.bytes. */
  readonly bytes: Buffer;
  /**
   * How many lines the texts hold. The consumer, which walks every line anyway, sets it before
   * asking for the next batch; when left at -1 the reader counts them itself.
   */
  lineCount: number;
}

/**
 * readLineBatches() for a caller that walks each text with indexOf("\n") instead of taking one
 * string per line: the same lines, the same checks and errors at the same points, the same
 * bytes. Texts are cut as decodeInto() cuts them, so ASCII text stays one byte per character.
 */
export async function* readTextBatches(
  source: ByteSource,
  options: LineReadOptions = {},
): AsyncGenerator<TextBatch> {
  yield* readWholeLineRuns(source, options, decodeTexts, (batch, bytes) => (batch.lineCount >= 0 ? batch.lineCount : countNewlines(bytes) + 1));
}

function decodeTexts(bytes: Buffer, firstLine: number, maxLineBytes: number): TextBatch {
  // With a "\r", or a chunk long enough to hold an over-long line, the lines are cut and checked
  // one by one as readLineBatches() does; otherwise no line can be too long, and none has a "\r".
  const carriageReturn = bytes.indexOf(CARRIAGE_RETURN) >= 0;
  const ascii = isAscii(bytes);
  if (carriageReturn || bytes.length > maxLineBytes) {
    const lines = decodeLines(bytes, firstLine, maxLineBytes);
    return { firstLine, texts: lines, carriageReturn, ascii, bytes, lineCount: lines.length };
  }
  // ASCII is valid UTF-8, and one byte per character: one pass over the chunk, one copy.
  if (ascii) return { firstLine, texts: [bytes.toString('latin1')], carriageReturn: false, ascii, bytes, lineCount: -1 };
  if (!isUtf8(bytes)) throw invalidUtf8(bytes, firstLine);
  const texts: string[] = [];
  decodeTextsInto(bytes, texts);
  return { firstLine, texts, carriageReturn: false, ascii, bytes, lineCount: -1 };
}

/** decodeInto() without the final split: each text is one or more whole lines. */
function decodeTextsInto(bytes: Buffer, texts: string[]): void {
  if (isAscii(bytes)) {
    texts.push(bytes.toString('latin1'));
    return;
  }
  const middle = bytes.length < SMALLEST_SPLIT ? -1 : bytes.indexOf(NEWLINE, bytes.length >> 1);
  if (middle < 0) {
    texts.push(bytes.toString('utf8'));
    return;
  }
  decodeTextsInto(bytes.subarray(0, middle), texts);
  decodeTextsInto(bytes.subarray(middle + 1), texts);
}

/** Below this many bytes a non-ASCII run is decoded whole rather than split further. */
const SMALLEST_SPLIT = 512;

/**
 * Decodes valid UTF-8 into lines. V8 keeps a string of only Latin-1 characters at one byte per
 * character and any other string at two, and a line cut from a two-byte chunk stays two-byte:
 * one U+200E in a chunk would double the size of every line in it and slow everything done with
 * them after. So ASCII runs are decoded on their own (as Latin-1, which is a copy), and only
 * the runs around non-ASCII text go through the UTF-8 decoder, halving at line ends to find them.
 */
function decodeInto(bytes: Buffer, lines: string[]): void {
  if (isAscii(bytes)) return pushSplit(bytes.toString('latin1'), lines);
  const middle = bytes.length < SMALLEST_SPLIT ? -1 : bytes.indexOf(NEWLINE, bytes.length >> 1);
  if (middle < 0) return pushSplit(bytes.toString('utf8'), lines);
  decodeInto(bytes.subarray(0, middle), lines);
  decodeInto(bytes.subarray(middle + 1), lines);
}

function pushSplit(text: string, lines: string[]): void {
  for (const line of text.split('\n')) lines.push(line);
}

function decodeLines(bytes: Buffer, firstLine: number, maxLineBytes: number): string[] {
  if (!isUtf8(bytes)) throw invalidUtf8(bytes, firstLine);
  const lines: string[] = [];
  decodeInto(bytes, lines);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    // A line's UTF-8 length is at most 3 bytes per UTF-16 unit, so only long ones need counting.
    if (line.length * 3 > maxLineBytes && Buffer.byteLength(line) > maxLineBytes) throw lineTooLong(firstLine + index, maxLineBytes);
    if (line.length > 0 && line.charCodeAt(line.length - 1) === CARRIAGE_RETURN) lines[index] = line.slice(0, -1);
  }
  return lines;
}

function countNewlines(bytes: Buffer): number {
  let count = 0;
  for (let index = bytes.indexOf(NEWLINE); index >= 0; index = bytes.indexOf(NEWLINE, index + 1)) count++;
  return count;
}

function invalidUtf8(bytes: Buffer, firstLine: number): WardscribeError {
  let line = firstLine;
  let start = 0;
  while (start <= bytes.length) {
    const end = bytes.indexOf(NEWLINE, start);
    const stop = end < 0 ? bytes.length : end;
    if (!isUtf8(bytes.subarray(start, stop))) break;
    if (end < 0) break;
    start = end + 1;
    line++;
  }
  return invalidUtf8OnLine(line);
}

/** The refusal of text that is not UTF-8, naming the line it is on. */
export function invalidUtf8OnLine(line: number): WardscribeError {
  return new WardscribeError('rejected', `The export is not valid UTF-8 text (line ${line}). Export the chat again, or choose the original file.`);
}

function lineTooLong(line: number, maxLineBytes: number): WardscribeError {
  return new WardscribeError(
    'rejected',
    `Line ${line} of the export is longer than ${Math.round(maxLineBytes / 1024)} KiB, which no chat message can be: this is not a chat export.`,
  );
}
