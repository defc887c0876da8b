import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { WardscribeError } from '../errors';
import { invalidUtf8OnLine, throwIfAborted, type ByteSource } from './line-reader';

/**
 * Object member names leading from the root of a JSON document to an array: `['messages']` is
 * the array under the root object's "messages" member, `[]` a root array.
 */
export type JsonPath = readonly string[];

export type JsonScalar = string | number | boolean | null;

export interface JsonStreamOptions {
  readonly signal?: AbortSignal;
  /** Called as each chunk is read, with bytes read so far and the total. */
  readonly onProgress?: (done: number, total: number | null) => void;
  /**
   * Called for each member of a root object as it is read: with its value when that is a
   * scalar, with undefined when it is an object or array (which is never held for this). A
   * member named twice is reported twice, so the last report wins as with JSON.parse.
   */
  readonly onMember?: (name: string, value: JsonScalar | undefined) => void;
  /** Most characters of JSON text one array element (or one root member) may span. */
  readonly maxElementChars?: number;
  /** Deepest nesting of objects and arrays accepted. */
  readonly maxDepth?: number;
}

/** No chat message comes near this; a larger element means the file is not a chat export. */
export const MAX_JSON_ELEMENT_CHARS = 16 * 1024 * 1024;
/** Chat exports nest a handful of levels; far deeper nesting is a hostile or foreign file. */
export const MAX_JSON_DEPTH = 64;

/** A JSON document being read, positioned inside the array that was looked for. */
export interface JsonArrayReading {
  /**
   * The entry of the wanted paths (the same object) that holds an array, or null when the
   * document holds none: it has then been read and checked to its end.
   */
  readonly path: JsonPath | null;
  /**
   * The array's elements, one at a time, each a plain value as JSON.parse would give it; when
   * they are done, the rest of the document is read and checked. Iterate once.
   */
  readonly elements: AsyncGenerator<unknown, void, undefined>;
  /** Ends the reading early (or after it ended), closing the source. */
  close(): Promise<void>;
}

/**
 * Reads a JSON document from `source` as a stream until the first of `paths` found to hold an
 * array, which its elements then come from one at a time. Nothing but the element being read,
 * the chunk it is read from and the names on the way to it is held: the document is never one
 * string. Invalid UTF-8, invalid JSON, elements above the size limit and over-deep nesting end
 * the reading with a `rejected` error naming the line.
 */
export async function findJsonArray(source: ByteSource, paths: readonly JsonPath[], options: JsonStreamOptions = {}): Promise<JsonArrayReading> {
  throwIfAborted(options.signal);
  const parser = new JsonArrayParser(paths, options);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const chunks = (await source.open())[Symbol.asyncIterator]();
  let bytesRead = 0;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await chunks.return?.();
  };

  /** Gives the parser the next chunk; false at the end of the input, which is then checked. */
  const feed = async (): Promise<boolean> => {
    throwIfAborted(options.signal);
    const next = await chunks.next();
    if (next.done) {
      // A fatal decoder's final call gives no text: it only refuses a character left unfinished.
      decodeChecked(decoder, null, parser.line);
      parser.end();
      return false;
    }
    bytesRead += next.value.byteLength;
    options.onProgress?.(bytesRead, source.size);
    // Decoded at once: a file source may reuse the chunk's buffer for a later read.
    parser.push(decodeChecked(decoder, next.value, parser.line));
    return true;
  };

  try {
    for (;;) {
      const step = parser.advance();
      if (step === FOUND) break;
      if (step === NEED_INPUT && !(await feed())) break;
    }
  } catch (error) {
    await close();
    throw error;
  }

  async function* elements(): AsyncGenerator<unknown, void, undefined> {
    try {
      if (parser.found === null) return;
      for (;;) {
        const step = parser.advance();
        if (step === ELEMENT) yield parser.takeElement();
        else if (step === NEED_INPUT && !(await feed())) return;
      }
    } finally {
      await close();
    }
  }

  return { path: parser.found, elements: elements(), close };
}

/** What advance() stopped for. */
const NEED_INPUT = 0;
const ELEMENT = 1;
const FOUND = 2;
type Step = typeof NEED_INPUT | typeof ELEMENT | typeof FOUND;

/** What the grammar allows next, outside a token. */
const EXPECT_VALUE = 0;
const EXPECT_VALUE_OR_ARRAY_END = 1;
const EXPECT_KEY_OR_OBJECT_END = 2;
const EXPECT_KEY = 3;
const EXPECT_COLON = 4;
const EXPECT_COMMA_OR_END = 5;
const EXPECT_NOTHING = 6;

/** The token being read, which may continue into the next chunk. */
const NO_TOKEN = 0;
const STRING_TOKEN = 1;
const NUMBER_TOKEN = 2;
const LITERAL_TOKEN = 3;

/** Where a number is in its grammar: nothing read, after the sign, a leading 0, integer digits, and so on. */
const NUMBER_START = 0;
const NUMBER_SIGN = 1;
const NUMBER_ZERO = 2;
const NUMBER_INTEGER = 3;
const NUMBER_POINT = 4;
const NUMBER_FRACTION = 5;
const NUMBER_E = 6;
const NUMBER_EXPONENT_SIGN = 7;
const NUMBER_EXPONENT = 8;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LINE_FEED = 0x0a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** First letters of true, false and null. */
const LETTER_T = 0x74;
const LETTER_F = 0x66;
const LETTER_N = 0x6e;
const LETTER_U = 0x75;

/** The one-character escapes after "\", by the character's code. */
const SIMPLE_ESCAPES: Readonly<Record<number, string>> = {
  0x22: '"',
  0x5c: '\\',
  0x2f: '/',
  0x62: '\b',
  0x66: '\f',
  0x6e: '\n',
  0x72: '\r',
  0x74: '\t',
};

/** An open object or array. */
interface Frame {
  readonly array: boolean;
  /** The container being built, or null when its content is only checked and let go. */
  readonly value: unknown[] | Record<string, unknown> | null;
  /** The member name read last (objects). */
  key: string;
  /** Its path from the root while that may still lead to a wanted array; null otherwise. */
  readonly path: JsonPath | null;
  /** True for the wanted array: each element is built and handed out. */
  readonly target: boolean;
}

/**
 * A push parser over decoded text: push() a chunk, then call advance() until it asks for more.
 * Every token may be cut anywhere by a chunk boundary; its state is kept in fields, never by
 * holding text back, so a long string or number costs no copying per chunk.
 */
class JsonArrayParser {
  /** 1-based line of the text read so far, for messages. */
  line = 1;
  found: JsonPath | null = null;

  private readonly maxElementChars: number;
  private readonly maxDepth: number;
  private text = '';
  private at = 0;
  /** Characters in chunks before the current one. */
  private consumed = 0;
  private expect = EXPECT_VALUE;
  private readonly stack: Frame[] = [];
  private stopFor: Step = NEED_INPUT;
  private element: unknown = undefined;
  /**
   * Position (in characters from the start) where the value being built outside any container
   * being built began, or -1: an element, or a root member's name or scalar. Checked against
   * the size limit at every chunk's end.
   */
  private buildStart = -1;

  private token = NO_TOKEN;
  /** Whether the token's text is kept (else only checked). */
  private tokenBuilt = false;
  /** Whether the token itself set buildStart (a root member's name or scalar). */
  private tokenOwnsStart = false;
  private stringIsKey = false;
  private tokenText = '';
  /** 0 outside an escape, 1 after "\", 2 to 5 after "\u" and that many minus 2 hex digits. */
  private escape = 0;
  private escapeCode = 0;
  private numberState = NUMBER_START;
  private literal = '';
  private literalAt = 0;

  constructor(
    private readonly paths: readonly JsonPath[],
    private readonly options: JsonStreamOptions,
  ) {
    this.maxElementChars = options.maxElementChars ?? MAX_JSON_ELEMENT_CHARS;
    this.maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  }

  push(text: string): void {
    this.consumed += this.text.length;
    this.text = text;
    this.at = 0;
  }

  /** The element advance() stopped for, let go of here so only one is ever held. */
  takeElement(): unknown {
    const element = this.element;
    this.element = undefined;
    return element;
  }

  /** Reads on until an element is complete, the wanted array is found, or the text runs out. */
  advance(): Step {
    const text = this.text;
    const length = text.length;
    let at = this.at;
    while (at < length) {
      if (this.token !== NO_TOKEN) {
        at = this.continueToken(text, at);
      } else {
        const code = text.charCodeAt(at);
        if (code === 0x20 || code === 0x09 || code === 0x0d) {
          at++;
          continue;
        }
        if (code === LINE_FEED) {
          this.line++;
          at++;
          continue;
        }
        this.structural(code, at);
        // A string's opening quote is not part of it; a number's or literal's first character is.
        at = this.token === NO_TOKEN ? at + 1 : this.continueToken(text, code === QUOTE ? at + 1 : at);
      }
      if (this.stopFor !== NEED_INPUT) {
        const step = this.stopFor;
        this.stopFor = NEED_INPUT;
        this.at = at;
        return step;
      }
    }
    this.at = length;
    if (this.buildStart >= 0 && this.consumed + length - this.buildStart > this.maxElementChars) throw this.tooLarge();
    return NEED_INPUT;
  }

  /** At the end of the input: anything unfinished means the file was cut short. */
  end(): void {
    if (this.token === NUMBER_TOKEN) this.endNumber(this.text.length);
    if (this.token !== NO_TOKEN || this.expect !== EXPECT_NOTHING) throw this.invalid();
  }

  /** A character outside any token: structure, or the first character of a token. */
  private structural(code: number, at: number): void {
    const expect = this.expect;
    const valueAllowed = expect === EXPECT_VALUE || expect === EXPECT_VALUE_OR_ARRAY_END;
    switch (code) {
      case OPEN_BRACE:
      case OPEN_BRACKET:
        if (!valueAllowed) throw this.invalid();
        this.open(code === OPEN_BRACKET, at);
        return;
      case CLOSE_BRACE:
      case CLOSE_BRACKET: {
        const top = this.stack[this.stack.length - 1];
        const array = code === CLOSE_BRACKET;
        const emptyClose = array ? expect === EXPECT_VALUE_OR_ARRAY_END : expect === EXPECT_KEY_OR_OBJECT_END;
        if (!top || top.array !== array || !(emptyClose || expect === EXPECT_COMMA_OR_END)) throw this.invalid();
        this.stack.pop();
        this.complete(top.value ?? undefined, at + 1, false);
        return;
      }
      case COMMA: {
        const top = this.stack[this.stack.length - 1];
        if (!top || expect !== EXPECT_COMMA_OR_END) throw this.invalid();
        this.expect = top.array ? EXPECT_VALUE : EXPECT_KEY;
        return;
      }
      case COLON:
        if (expect !== EXPECT_COLON) throw this.invalid();
        this.expect = EXPECT_VALUE;
        return;
      case QUOTE:
        if (expect === EXPECT_KEY || expect === EXPECT_KEY_OR_OBJECT_END) this.startKey(at);
        else if (valueAllowed) this.startScalar(STRING_TOKEN, at);
        else throw this.invalid();
        return;
      case LETTER_T:
      case LETTER_F:
      case LETTER_N:
        if (!valueAllowed) throw this.invalid();
        this.startScalar(LITERAL_TOKEN, at);
        this.literal = code === LETTER_T ? 'true' : code === LETTER_F ? 'false' : 'null';
        this.literalAt = 0;
        return;
      default:
        if (!valueAllowed || !(code === MINUS || (code >= DIGIT_0 && code <= DIGIT_9))) throw this.invalid();
        this.startScalar(NUMBER_TOKEN, at);
        this.numberState = NUMBER_START;
    }
  }

  private open(array: boolean, at: number): void {
    if (this.stack.length >= this.maxDepth) {
      throw new WardscribeError('rejected', `This file nests its data more than ${this.maxDepth} levels deep (line ${this.line}), which no chat export does: it is not a chat export.`);
    }
    const parent = this.stack[this.stack.length - 1];
    let value: Frame['value'] = null;
    let path: JsonPath | null = null;
    let target = false;
    if (parent === undefined) path = [];
    else if (parent.target) {
      this.buildStart = this.consumed + at;
      value = array ? [] : {};
    } else if (parent.value !== null) value = array ? [] : {};
    else if (parent.path !== null && !parent.array) path = [...parent.path, parent.key];
    if (parent !== undefined && this.stack.length === 1 && !parent.array) this.options.onMember?.(parent.key, undefined);
    if (path !== null) {
      const here = path;
      const wanted = array ? this.paths.find((candidate) => samePath(candidate, here)) : undefined;
      if (wanted !== undefined) {
        if (this.found !== null) throw new WardscribeError('rejected', `This file holds a second list of messages (line ${this.line}); export one chat at a time.`);
        this.found = wanted;
        this.stopFor = FOUND;
        target = true;
      } else if (array || !this.paths.some((candidate) => candidate.length > here.length && samePath(candidate.slice(0, here.length), here))) path = null;
    }
    this.stack.push({ array, value, key: '', path, target });
    this.expect = array ? EXPECT_VALUE_OR_ARRAY_END : EXPECT_KEY_OR_OBJECT_END;
  }

  /** Member names are kept where they are needed: in a built object, on a path, in the root object. */
  private startKey(at: number): void {
    const frame = this.stack[this.stack.length - 1]!;
    this.token = STRING_TOKEN;
    this.stringIsKey = true;
    this.tokenBuilt = frame.value !== null || frame.path !== null || this.stack.length === 1;
    this.beginTokenText(at);
  }

  /** Scalars are kept in a built container, as an element, or as a root member's value. */
  private startScalar(token: number, at: number): void {
    const parent = this.stack[this.stack.length - 1];
    this.token = token;
    this.stringIsKey = false;
    if (parent?.target) {
      this.buildStart = this.consumed + at;
      this.tokenBuilt = true;
      this.tokenOwnsStart = false;
      this.tokenText = '';
      this.escape = 0;
      return;
    }
    // A root scalar is only checked: nothing is read from it.
    this.tokenBuilt = parent !== undefined && (parent.value !== null || (this.stack.length === 1 && !parent.array));
    this.beginTokenText(at);
  }

  private beginTokenText(at: number): void {
    this.tokenText = '';
    this.escape = 0;
    this.tokenOwnsStart = this.tokenBuilt && this.buildStart < 0;
    if (this.tokenOwnsStart) this.buildStart = this.consumed + at;
  }

  private continueToken(text: string, at: number): number {
    if (this.token === STRING_TOKEN) return this.readString(text, at);
    if (this.token === NUMBER_TOKEN) return this.readNumber(text, at);
    return this.readLiteral(text, at);
  }

  /** String content from `at`: runs between escapes are sliced whole, never built a character at a time. */
  private readString(text: string, at: number): number {
    const length = text.length;
    const built = this.tokenBuilt;
    let position = at;
    for (;;) {
      if (this.escape !== 0) {
        position = this.readEscape(text, position);
        if (this.escape !== 0) return length;
      }
      const runStart = position;
      let code = 0;
      while (position < length) {
        code = text.charCodeAt(position);
        if (code === QUOTE || code === BACKSLASH || code < 0x20) break;
        position++;
      }
      if (built && position > runStart) this.tokenText += text.slice(runStart, position);
      if (position === length) return length;
      if (code === QUOTE) {
        this.endString(position + 1);
        return position + 1;
      }
      // A raw control character (a line break among them) is not allowed inside a JSON string.
      if (code !== BACKSLASH) throw this.invalid();
      this.escape = 1;
      position++;
    }
  }

  private readEscape(text: string, at: number): number {
    const length = text.length;
    let position = at;
    while (this.escape !== 0 && position < length) {
      const code = text.charCodeAt(position++);
      if (this.escape === 1) {
        if (code === LETTER_U) {
          // \u: four hex digits follow.
          this.escape = 2;
          this.escapeCode = 0;
          continue;
        }
        const decoded = SIMPLE_ESCAPES[code];
        if (decoded === undefined) throw this.invalid();
        if (this.tokenBuilt) this.tokenText += decoded;
        this.escape = 0;
        continue;
      }
      const digit = hexValue(code);
      if (digit < 0) throw this.invalid();
      this.escapeCode = this.escapeCode * 16 + digit;
      if (++this.escape === 6) {
        // Each \u escape is one UTF-16 unit: a pair joins by itself, and a lone surrogate stays
        // one, as JSON.parse leaves it.
        if (this.tokenBuilt) this.tokenText += String.fromCharCode(this.escapeCode);
        this.escape = 0;
      }
    }
    return position;
  }

  private endString(end: number): void {
    const value = this.tokenBuilt ? this.tokenText : '';
    this.tokenText = '';
    this.token = NO_TOKEN;
    if (this.stringIsKey) {
      this.releaseTokenStart(end);
      this.stack[this.stack.length - 1]!.key = value;
      this.expect = EXPECT_COLON;
      return;
    }
    this.complete(this.tokenBuilt ? value : undefined, end, true);
  }

  private readNumber(text: string, at: number): number {
    const length = text.length;
    let position = at;
    let state = this.numberState;
    for (; position < length; position++) {
      const code = text.charCodeAt(position);
      const digit = code >= 0x30 && code <= 0x39;
      if (state === NUMBER_START) {
        if (code === 0x2d) state = NUMBER_SIGN;
        else state = code === 0x30 ? NUMBER_ZERO : NUMBER_INTEGER;
      } else if (state === NUMBER_SIGN) {
        if (!digit) break;
        state = code === 0x30 ? NUMBER_ZERO : NUMBER_INTEGER;
      } else if (state === NUMBER_ZERO || state === NUMBER_INTEGER || state === NUMBER_FRACTION) {
        // A leading 0 takes no more digits: "01" ends the number at "0" (and then is refused).
        if (digit && state !== NUMBER_ZERO) continue;
        if (code === 0x2e && state !== NUMBER_FRACTION) state = NUMBER_POINT;
        else if (code === 0x65 || code === 0x45) state = NUMBER_E;
        else break;
      } else if (state === NUMBER_POINT) {
        if (!digit) break;
        state = NUMBER_FRACTION;
      } else if (state === NUMBER_E) {
        if (code === 0x2b || code === 0x2d) state = NUMBER_EXPONENT_SIGN;
        else if (digit) state = NUMBER_EXPONENT;
        else break;
      } else if (state === NUMBER_EXPONENT_SIGN) {
        if (!digit) break;
        state = NUMBER_EXPONENT;
      } else if (!digit) break;
    }
    this.numberState = state;
    if (this.tokenBuilt && position > at) this.tokenText += text.slice(at, position);
    if (position < length) this.endNumber(position);
    return position;
  }

  private endNumber(end: number): void {
    const state = this.numberState;
    if (state !== NUMBER_ZERO && state !== NUMBER_INTEGER && state !== NUMBER_FRACTION && state !== NUMBER_EXPONENT) throw this.invalid();
    const value = this.tokenBuilt ? Number(this.tokenText) : undefined;
    this.tokenText = '';
    this.token = NO_TOKEN;
    this.complete(value, end, true);
  }

  private readLiteral(text: string, at: number): number {
    const length = text.length;
    const literal = this.literal;
    let position = at;
    while (position < length && this.literalAt < literal.length) {
      if (text.charCodeAt(position) !== literal.charCodeAt(this.literalAt)) throw this.invalid();
      position++;
      this.literalAt++;
    }
    if (this.literalAt === literal.length) {
      this.token = NO_TOKEN;
      this.complete(literal === 'true' ? true : literal === 'false' ? false : null, position, true);
    }
    return position;
  }

  /**
   * A value is complete: it becomes the element handed out, goes into the container being
   * built, or is reported as a root member.
   */
  private complete(value: unknown, end: number, scalar: boolean): void {
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) {
      if (scalar) this.releaseTokenStart(end);
      this.expect = EXPECT_NOTHING;
      return;
    }
    this.expect = EXPECT_COMMA_OR_END;
    if (parent.target) {
      this.checkSize(end);
      this.buildStart = -1;
      this.element = value;
      this.stopFor = ELEMENT;
    } else if (parent.value === null) {
      if (scalar && this.stack.length === 1 && !parent.array) {
        this.releaseTokenStart(end);
        this.options.onMember?.(parent.key, value as JsonScalar);
      }
    } else if (Array.isArray(parent.value)) parent.value.push(value);
    else if (parent.key === '__proto__') {
      // Assigning would replace the object's prototype; JSON.parse makes it an own member.
      Object.defineProperty(parent.value, parent.key, { value, writable: true, enumerable: true, configurable: true });
    } else parent.value[parent.key] = value;
  }

  private releaseTokenStart(end: number): void {
    if (!this.tokenOwnsStart) return;
    this.checkSize(end);
    this.buildStart = -1;
    this.tokenOwnsStart = false;
  }

  private checkSize(end: number): void {
    if (this.buildStart >= 0 && this.consumed + end - this.buildStart > this.maxElementChars) throw this.tooLarge();
  }

  private tooLarge(): WardscribeError {
    const mebibytes = Math.round(this.maxElementChars / (1024 * 1024));
    return new WardscribeError(
      'rejected',
      `One entry in this file (near line ${this.line}) is larger than ${mebibytes > 0 ? `${mebibytes} MiB` : `${this.maxElementChars} characters`}, which no chat message is: this is not a chat export.`,
    );
  }

  private invalid(): WardscribeError {
    return new WardscribeError('rejected', `This file is not valid JSON (the problem is on line ${this.line}). Export the chat again, or choose the original file.`);
  }
}

function samePath(a: JsonPath, b: JsonPath): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
}

/**
 * Decodes the next chunk (null: the end of the input), keeping a character cut between chunks
 * for the next; the decoder drops a leading byte-order mark. Invalid UTF-8 is refused with the
 * line it is on, counted from `line` (where the text decoded so far ends).
 */
function decodeChecked(decoder: TextDecoder, chunk: Uint8Array | null, line: number): string {
  try {
    return chunk === null ? decoder.decode() : decoder.decode(chunk, { stream: true });
  } catch {
    const badLine = chunk === null ? line : line + linesBeforeInvalidUtf8(chunk);
    throw invalidUtf8OnLine(badLine);
  }
}

/** How many line breaks come before the line of `chunk` holding invalid UTF-8. */
function linesBeforeInvalidUtf8(chunk: Uint8Array): number {
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  // The chunk may begin with the rest of a character cut at the end of the previous one.
  let start = 0;
  while (start < 3 && start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  let breaks = 0;
  for (;;) {
    const end = bytes.indexOf(LINE_FEED, start);
    // The last line may end in a character cut by the chunk's end, so it is not checked here.
    if (end < 0 || !isUtf8(bytes.subarray(start, end))) return breaks;
    breaks++;
    start = end + 1;
  }
}
