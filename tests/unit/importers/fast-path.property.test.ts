/**
 * The parser reads decoded chunks in place (readTextBatches, readHeadIn, continuation lines
 * extended inside one text) and skips the marker reader when a body cannot hold a marker. These
 * tests hold each shortcut to the general path it replaces.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readLineBatches, readTextBatches, type ByteSource } from '../../../main/importers/line-reader';
import { mayHoldMarker, readMarkers } from '../../../main/importers/markers';
import { HeadReading, readFixedHeadInto, readHead, readHeadIn } from '../../../main/importers/whatsapp-head';
import { tempDir } from '../../support/temp';
import { HEAD_FORMS, headLike, type WrittenTime } from './head-forms';
import { parseAll, writeExport } from './helpers';

const dir = tempDir('wardscribe-fast-path-');
afterAll(() => dir.remove());
let counter = 0;

describe('readHeadIn reads a line in place exactly as readHead reads it cut out', () => {
  it('whatever surrounds the line (fast-check)', () => {
    fc.assert(
      fc.property(headLike, fc.constantFrom('', 'Ada: x\n', '[13/03/2023, 14:05:09] Ada: y\n'), headLike, fc.constantFrom('\n', '\r\n', ' \n', '\u202F'), (line, before, after, joint) => {
        const text = before + line + joint + after;
        expect(readHeadIn(text, before.length, before.length + line.length)).toEqual(readHead(line));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('readFixedHeadInto reads the fixed-width forms exactly as readHeadIn does', () => {
  // Mostly well-formed, so that the two forms come up often; now and then one piece is off.
  const digit = fc.oneof({ arbitrary: fc.constantFrom(...'0123456789'), weight: 40 }, { arbitrary: fc.constantFrom('x', ' '), weight: 1 });
  const pair = fc.tuple(digit, digit).map(([a, b]) => a + b);
  const separator = fc.oneof({ arbitrary: fc.constant('/'), weight: 10 }, { arbitrary: fc.constantFrom('.', '-', ':', ','), weight: 1 });
  // The two forms with random digits, separators, spaces and ends, sometimes cut short.
  const fixedLike = fc
    .tuple(fc.boolean(), pair, separator, pair, separator, pair, pair, fc.constantFrom(', ', ', ', ', ', ',', ' ,', ',\u00A0'), pair, fc.constantFrom(':', ':', '.'), pair, pair, fc.constantFrom(':', '', '.'), fc.constantFrom('] ', ' - ', '] ', ' - ', ']', '] x', ' – ', ' -', '\u00A0- ', ' PM - ', '] - '), fc.nat({ max: 100 }))
    .map(([bracket, day, sep1, month, sep2, century, year, comma, hour, colon, minute, seconds, secondsSep, tail, cut]) => {
      const line = `${bracket ? '[' : ''}${day}${sep1}${month}${sep2}${century}${year}${comma}${hour}${colon}${minute}${secondsSep ? secondsSep + seconds : ''}${tail}Ada: hi`;
      return cut < 22 ? line.slice(0, cut) : line;
    });
  it('whenever it reads a line at all (fast-check)', () => {
    const out = new HeadReading();
    let read = 0;
    fc.assert(
      fc.property(fc.oneof(fixedLike, headLike), fc.constantFrom('', 'Ada: x\n'), (line, before) => {
        const text = before + line + '\n';
        if (!readFixedHeadInto(text, before.length, before.length + line.length, out)) return;
        read++;
        expect({ ...out }).toEqual(readHeadIn(text, before.length, before.length + line.length));
      }),
      { numRuns: 20_000 },
    );
    // The generator reaches both forms often, so the comparison is not vacuous.
    expect(read).toBeGreaterThan(30);
  });

  it('reads the two forms, and leaves every other form to the general reader', () => {
    const out = new HeadReading();
    const read = (line: string) => (readFixedHeadInto(line, 0, line.length, out) ? { ...out } : null);
    expect(read('13/03/2023, 14:05 - Ada: x')).toEqual(readHead('13/03/2023, 14:05 - Ada: x'));
    expect(read('[13.03.2023, 14:05:09] Ada: x')).toEqual(readHead('[13.03.2023, 14:05:09] Ada: x'));
    for (const other of ['3/13/23, 2:05 PM - Ada: x', '\u200E[13/03/2023, 14:05:09] Ada: x', '2023-03-13, 14:05 - Ada: x', '13.3.2023 klo 14.05 - Ada: x', '13/03/2023, 14:05 – Ada: x']) {
      expect(read(other)).toBeNull();
      expect(readHead(other)).not.toBeNull();
    }
  });
});

/** A source that hands out `bytes` in the given chunk sizes. */
function chunked(bytes: Buffer, sizes: readonly number[]): ByteSource {
  return {
    size: bytes.length,
    open: async () =>
      (async function* () {
        let at = 0;
        let index = 0;
        while (at < bytes.length) {
          const size = Math.max(1, sizes[index++ % sizes.length]!);
          yield new Uint8Array(bytes.subarray(at, at + size));
          at += size;
        }
      })(),
  };
}

async function settle<T>(run: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('readTextBatches gives the lines, bytes and errors readLineBatches gives', () => {
  const pieces = ['a', 'bc', ' ', '\n', '\n', '\r\n', '\r', 'é', '\u200E', '🙂', '\uFEFF', 'x'.repeat(40), 'ü'.repeat(300), 'y'.repeat(700)];
  const content = fc.oneof(
    fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((parts) => Buffer.from(parts.join(''), 'utf8')),
    // Invalid UTF-8 somewhere.
    fc.array(fc.constantFrom(...pieces), { maxLength: 20 }).map((parts) => Buffer.concat([Buffer.from(parts.join(''), 'utf8'), Buffer.from([0xc3]), Buffer.from('\nz\n')])),
  );
  it('for any content, chunking and line limit (fast-check)', async () => {
    let read = 0;
    await fc.assert(
      fc.asyncProperty(
        content,
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(undefined, 50, 600, 2000),
        async (body, bom, sizes, maxLineBytes) => {
          const bytes = bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
          const options = maxLineBytes === undefined ? {} : { maxLineBytes };
          const general = await settle(async () => {
            const batches: { firstLine: number; lines: string[]; bytes: string }[] = [];
            for await (const batch of readLineBatches(chunked(bytes, sizes), options)) batches.push({ firstLine: batch.firstLine, lines: [...batch.lines], bytes: batch.bytes.toString('hex') });
            return batches;
          });
          const fast = await settle(async () => {
            const batches: { firstLine: number; lines: string[]; bytes: string }[] = [];
            for await (const batch of readTextBatches(chunked(bytes, sizes), options)) {
              const lines = batch.texts.flatMap((text) => text.split('\n'));
              if (!batch.carriageReturn) expect(batch.bytes.includes(0x0d)).toBe(false);
              batches.push({ firstLine: batch.firstLine, lines, bytes: batch.bytes.toString('hex') });
              // Every other batch leaves the count to the reader, which must count the same.
              if (batches.length % 2 === 0) batch.lineCount = lines.length;
            }
            return batches;
          });
          expect(fast).toEqual(general);
          if (general.value) read++;
        },
      ),
      { numRuns: 400 },
    );
    expect(read).toBeGreaterThan(100);
  });
});

describe('mayHoldMarker is false only where readMarkers changes nothing', () => {
  const phrases = ['<Media omitted>', 'image omitted', 'This message was deleted', 'Se eliminó este mensaje.', 'GIF weggelassen', 'áudio ocultado', 'Você apagou esta mensagem', '<attached: 00000012-PHOTO-2023-03-13.jpg>', 'IMG-20230313-WA0001.jpg (file attached)', 'ok <This message was edited>'];
  const bodyPiece = fc.oneof(
    fc.constantFrom(...phrases),
    fc.constantFrom(...phrases).map((phrase) => phrase.toUpperCase()),
    fc.constantFrom(...phrases).map((phrase) => phrase.toLowerCase()),
    fc.constantFrom('\u200E', '.', ' (', '(', '<', '>', 'ſ', 'K', 'ß', 'Á', 'x', ' ', '\n'),
    fc.string({ maxLength: 12 }),
  );
  it('for bodies near and far from markers (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(bodyPiece, { maxLength: 4 }), (parts) => {
        const body = parts.join('');
        if (!mayHoldMarker(body)) expect(readMarkers(body)).toEqual({ text: body, mediaOmitted: false, attachment: null, deleted: false, edited: false });
      }),
      { numRuns: 20_000 },
    );
  });

  it('for every first character a bare marker could be written with', () => {
    // Case-insensitive matching folds some characters outside ASCII (and not others): try them all.
    const bare = ['image omitted', 'video omitted', 'This message was deleted', 'áudio ocultado', 'GIF omitido', 'Questo messaggio è stato eliminato', 'Se eliminó este mensaje.'];
    for (let code = 0; code < 0x10000; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const first = String.fromCharCode(code);
      for (const phrase of bare) {
        for (const body of [first + phrase.slice(1), '\u200E' + first + phrase.slice(1)]) {
          if (!mayHoldMarker(body)) expect(readMarkers(body).text).toBe(body);
        }
      }
    }
  });

  it('still reads markers whatever their case', () => {
    expect(readMarkers('IMAGE OMITTED')).toMatchObject({ mediaOmitted: true, text: '' });
    expect(readMarkers('\u200Eimage Omitted')).toMatchObject({ mediaOmitted: true, text: '' });
    expect(readMarkers('THIS MESSAGE WAS DELETED.')).toMatchObject({ deleted: true, text: '' });
    expect(readMarkers('<media OMITTED>')).toMatchObject({ mediaOmitted: true, text: '' });
    expect(readMarkers('ÁUDIO OCULTADO')).toMatchObject({ mediaOmitted: true, text: '' });
  });
});

const letters = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZäöüéñçøåßłžΩжд中文🙂 '];
const word = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: max }).map((a) => a.join(''));
const sender = fc.oneof(word(letters, 24).map((s) => s.trim() || 'x'), fc.constant('Dr "Ada" Shah'), fc.constant('\u202AAda\u202C'));
/** A body line: text, a marker, or a line that looks like a head in some form. */
const bodyLine = (format: (typeof HEAD_FORMS)[number]) =>
  fc.oneof(
    { weight: 6, arbitrary: word([...letters, ...'0123456789.,;!?()[]/-:'.split('')], 50) },
    { weight: 1, arbitrary: fc.constant('') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '<Media omitted>',
        'image omitted',
        '\u200E<attached: 00000012-PHOTO-2023-03-13.jpg>',
        'IMG-20230313-WA0001.jpg (file attached)',
        'This message was deleted',
        'ok <This message was edited>',
        '\u200EAda added Ben',
        'Messages and calls are end-to-end encrypted.',
        'x \u202Eevil\u202C',
      ),
    },
    // Head-like lines in another form or earlier: kept in the body and flagged.
    { weight: 1, arbitrary: fc.constantFrom(...HEAD_FORMS).map((other) => other.head({ year: 2001, month: 2, day: 3, hour: 4, minute: 5, second: 6 }) + 'Pasted: hi') },
    { weight: 1, arbitrary: fc.constant(format.head({ year: 2001, month: 2, day: 3, hour: 4, minute: 5, second: 6 }) + 'Pasted: earlier') },
  );

const chatFor = (format: (typeof HEAD_FORMS)[number]) =>
  fc
    .record({
      start: fc.date({ min: new Date('2002-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true }),
      messages: fc.array(
        fc.record({ gapSeconds: fc.nat({ max: 2 * 86400 }), sender, system: fc.boolean(), lines: fc.array(bodyLine(format), { minLength: 1, maxLength: 4 }) }),
        { minLength: 1, maxLength: 30 },
      ),
    })
    .map(({ start, messages }) => {
      let time = Math.floor(start.getTime() / 1000) * 1000;
      return messages
        .map((message) => {
          time += message.gapSeconds * 1000;
          const at = new Date(time);
          const written: WrittenTime = { year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate(), hour: at.getUTCHours(), minute: at.getUTCMinutes(), second: at.getUTCSeconds() };
          const head = format.head(written);
          const body = message.lines.join('\n');
          return message.system && format.ios === false ? head + 'Ada added Ben\n' : `${head}${message.sender}: ${body}\n`;
        })
        .join('');
    });

describe('a chat read in place (LF) gives exactly what the line-by-line path (CRLF) gives', () => {
  for (const format of HEAD_FORMS) {
    it(format.name, async () => {
      let read = 0;
      await fc.assert(
        fc.asyncProperty(chatFor(format), fc.constantFrom('Europe/London', 'America/New_York', 'UTC'), async (text, zone) => {
          const options = { zone, dateOrder: format.order };
          const lf = await settle(() => parseAll(writeExport(dir.path, `lf-${++counter}.txt`, text), options));
          const crlf = await settle(() => parseAll(writeExport(dir.path, `crlf-${++counter}.txt`, text.replace(/\n/g, '\r\n')), options));
          expect(lf).toEqual(crlf);
          if (lf.value) read++;
        }),
        { numRuns: 25 },
      );
      // The comparison means something only if most chats are read rather than refused.
      expect(read).toBeGreaterThan(20);
    });
  }

  it('across many chunks, with messages spanning chunk ends and non-ASCII text splitting chunks', async () => {
    const lines: string[] = [];
    let time = Date.UTC(2023, 2, 20, 8, 0, 0);
    for (let index = 0; index < 6000; index++) {
      time += (index % 7) * 37_000;
      const at = new Date(time);
      const head = HEAD_FORMS[0]!.head({ year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate(), hour: at.getUTCHours(), minute: at.getUTCMinutes(), second: at.getUTCSeconds() });
      const body = index % 5 === 0 ? `line one ${index}\nline two é ${'x'.repeat(index % 300)}\nline three` : index % 11 === 0 ? '\u200E<attached: 00000012-PHOTO.jpg>' : `obs stable ${index} ${'word '.repeat(index % 40)}`;
      lines.push(`${head}${index % 3 === 0 ? 'Dr Ada Shah' : 'Ben Okoro'}: ${body}`);
    }
    const text = lines.join('\n') + '\n';
    const options = { zone: 'Europe/London' };
    const lf = await parseAll(writeExport(dir.path, `lf-big-${++counter}.txt`, text), options);
    const crlf = await parseAll(writeExport(dir.path, `crlf-big-${++counter}.txt`, text.replace(/\n/g, '\r\n')), options);
    expect(Buffer.byteLength(text)).toBeGreaterThan(8 * 64 * 1024);
    expect(lf.messages).toHaveLength(6000);
    expect(lf).toEqual(crlf);
  });
});
