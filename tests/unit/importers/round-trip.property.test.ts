import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp';
import { HEAD_FORMS, type WrittenTime } from './head-forms';
import { parseAll, writeExport } from './helpers';

const dir = tempDir('wardscribe-roundtrip-');
afterAll(() => dir.remove());
let counter = 0;

interface Written extends WrittenTime {
  readonly sender: string;
  readonly lines: readonly string[];
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** Every head form, writing the sender too. */
const FORMATS = HEAD_FORMS.map((form) => ({ ...form, head: (m: Written) => `${form.head(m)}${m.sender}: ` }));

const letters = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZäöüéñçøåßłžΩжд中文🙂 '];
const textChars = [...letters, ...'0123456789.,;!?()[]/-+*%&\'"@#'.split(''), ':'];
const word = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: max }).map((a) => a.join(''));
const sender = word(letters, 24).map((s) => s.trim()).filter((s) => s.length > 0);
// Body lines never start with a digit or "[" (a head could then be written by chance) and are never markers.
const bodyLine = fc.oneof(fc.constant(''), word(textChars, 60).filter((s) => !/^[\d[]/.test(s) && !/omitted|deleted|encrypted/i.test(s)));

const chatArbitrary = fc
  .record({
    start: fc.date({ min: new Date('2001-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true }),
    messages: fc.array(fc.record({ gapSeconds: fc.nat({ max: 3 * 86400 }), sender, lines: fc.array(bodyLine, { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 25 }),
  })
  .map(({ start, messages }) => {
    let time = Math.floor(start.getTime() / 1000) * 1000;
    return messages.map((message): Written => {
      time += message.gapSeconds * 1000;
      const at = new Date(time);
      return {
        year: at.getUTCFullYear(),
        month: at.getUTCMonth() + 1,
        day: at.getUTCDate(),
        hour: at.getUTCHours(),
        minute: at.getUTCMinutes(),
        second: at.getUTCSeconds(),
        sender: message.sender,
        lines: message.lines[0] === '' && message.lines.length === 1 ? ['x'] : message.lines,
      };
    });
  });

describe('every WhatsApp head form round-trips (fast-check)', () => {
  for (const format of FORMATS) {
    it(format.name, async () => {
      await fc.assert(
        fc.asyncProperty(chatArbitrary, async (chat) => {
          // Formats without seconds write :00, so the expected time drops them too.
          const expected = chat.map((m) => (format.seconds ? m : { ...m, second: 0 }));
          const text = expected.map((m) => format.head(m) + m.lines.join('\n')).join('\n') + '\n';
          const path = writeExport(dir.path, `rt-${++counter}.txt`, text);
          const { messages } = await parseAll(path, { zone: 'UTC', dateOrder: format.order });
          expect(messages.map((m) => ({ sender: m.sender, text: m.text, localTime: m.localTime }))).toEqual(
            expected.map((m) => ({
              sender: m.sender,
              text: m.lines.join('\n'),
              localTime: `${m.year}-${p2(m.month)}-${p2(m.day)}T${p2(m.hour)}:${p2(m.minute)}:${p2(m.second)}`,
            })),
          );
          expect(messages.every((m) => m.instant === `${m.localTime}Z`)).toBe(true);
        }),
        { numRuns: 40 },
      );
    });
  }
});

describe('senders are read exactly, however their names overlap', () => {
  // Prefixes of one another, colons at the end, and more names than the parser remembers.
  const names = ['Ann', 'Ann Smith', 'Anna', 'Ann:', 'Ann::', 'A', 'An', ...Array.from({ length: 20 }, (_, index) => `Nurse ${index + 1}`)];
  const bodies = ['hi', ': starts with a colon', ':', 'Ann: pasted', 'x: y', ''];
  for (const format of FORMATS.filter((candidate) => candidate.name === 'iOS 24 h' || candidate.name === 'Android 24 h')) {
    it(format.name, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...names), fc.constantFrom(...bodies)), { minLength: 1, maxLength: 60 }), async (written) => {
          const messages = written.map(([name, body], index): Written => ({ year: 2024, month: 3, day: 5, hour: 9, minute: Math.floor(index / 60), second: index % 60, sender: name, lines: [body] }));
          const text = messages.map((m) => format.head(m) + m.lines[0]).join('\n') + '\n';
          const path = writeExport(dir.path, `senders-${++counter}.txt`, text);
          const { messages: parsed } = await parseAll(path, { zone: 'UTC', dateOrder: format.order });
          // The rule: the sender is everything up to the first ": " after the head.
          const expected = written.map(([name, body]) => {
            const rest = `${name}: ${body}`;
            const colon = rest.indexOf(': ');
            return { sender: rest.slice(0, colon), text: rest.slice(colon + 2) };
          });
          expect(parsed.map((m) => ({ sender: m.sender, text: m.text }))).toEqual(expected);
        }),
        { numRuns: 60 },
      );
    });
  }
});
