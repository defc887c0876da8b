import fc from 'fast-check';
import type { DateOrder } from '../../../shared/domain/chat';

/** A message's wall-clock time, as a test writes it into a head. */
export interface WrittenTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const p2 = (n: number) => String(n).padStart(2, '0');
const h12 = (hour: number) => String(hour % 12 === 0 ? 12 : hour % 12);
const ampm = (hour: number, am: string, pm: string) => (hour < 12 ? am : pm);

/**
 * Every WhatsApp head form domain.md lists, as a writer of the head up to the sender (the test
 * adds `Sender: `), with the date order a reader must be told, whether it is the iOS layout and
 * whether it carries seconds.
 */
export const HEAD_FORMS: readonly { name: string; order: DateOrder; ios: boolean; seconds: boolean; head: (time: WrittenTime) => string }[] = [
  { name: 'iOS 24 h', order: 'dmy', ios: true, seconds: true, head: (m) => `[${p2(m.day)}/${p2(m.month)}/${m.year}, ${p2(m.hour)}:${p2(m.minute)}:${p2(m.second)}] ` },
  { name: 'Android 24 h', order: 'dmy', ios: false, seconds: false, head: (m) => `${p2(m.day)}/${p2(m.month)}/${m.year}, ${p2(m.hour)}:${p2(m.minute)} - ` },
  { name: 'iOS 12 h U+202F', order: 'mdy', ios: true, seconds: true, head: (m) => `\u200E[${m.month}/${m.day}/${p2(m.year % 100)}, ${h12(m.hour)}:${p2(m.minute)}:${p2(m.second)}\u202F${ampm(m.hour, 'AM', 'PM')}] ` },
  { name: 'Android 12 h', order: 'mdy', ios: false, seconds: false, head: (m) => `${m.month}/${m.day}/${p2(m.year % 100)}, ${h12(m.hour)}:${p2(m.minute)} ${ampm(m.hour, 'AM', 'PM')} - ` },
  { name: 'Spanish p. m.', order: 'dmy', ios: false, seconds: false, head: (m) => `${m.day}/${m.month}/${p2(m.year % 100)}, ${h12(m.hour)}:${p2(m.minute)}\u00A0${ampm(m.hour, 'a. m.', 'p. m.')} - ` },
  { name: 'p.m.', order: 'dmy', ios: false, seconds: false, head: (m) => `${m.day}/${m.month}/${m.year}, ${h12(m.hour)}:${p2(m.minute)} ${ampm(m.hour, 'a.m.', 'p.m.')} - ` },
  { name: 'German dots', order: 'dmy', ios: false, seconds: false, head: (m) => `${p2(m.day)}.${p2(m.month)}.${p2(m.year % 100)}, ${p2(m.hour)}:${p2(m.minute)} - ` },
  { name: 'year-first dashes', order: 'ymd', ios: true, seconds: true, head: (m) => `[${m.year}-${p2(m.month)}-${p2(m.day)}, ${p2(m.hour)}:${p2(m.minute)}:${p2(m.second)}] ` },
  { name: 'Finnish klo', order: 'dmy', ios: false, seconds: false, head: (m) => `${m.day}.${m.month}.${m.year} klo ${m.hour}.${p2(m.minute)} - ` },
];

const HEAD_PIECES = ['1', '2', '3', '12', '31', '2023', '05', '/', '.', '-', '–', ',', ' ', '\u202F', '\u00A0', ':', '[', ']', '\u200E', 'AM', 'PM', 'p. m.', 'a.m.', 'klo ', 'Ada', ': ', 'x', '\r', '\t'];
/**
 * Lines that look like heads, and many that nearly do: random runs of head pieces, and heads with
 * random fields, separators, meridiems and ends (the separator twice, as in a real date).
 */
export const headLike: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.constantFrom(...HEAD_PIECES), { maxLength: 14 }).map((parts) => parts.join('')),
  fc
    .tuple(
      fc.constantFrom('', '\u200E', '['),
      fc.integer({ min: 0, max: 2030 }),
      fc.constantFrom('/', '.', '-'),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 9999 }),
      fc.constantFrom(', ', ' ', '., ', ' klo ', ',', ' klo'),
      fc.integer({ min: 0, max: 99 }),
      fc.constantFrom(':', '.'),
      fc.constantFrom('00', '5', '59', '05:09', '05.09', '05:9'),
      fc.constantFrom('', ' PM', '\u202FAM', ' p. m.', 'a.m.', ' pm', ' Pa', ' p', ' a.'),
      fc.constantFrom('] ', ' - ', ' – ', ']', ' -', ': ', ' '),
      fc.constantFrom('Ada: hi', '', 'x'),
    )
    .map(([open, first, separator, second, third, ...rest]) => `${open}${first}${separator}${second}${separator}${third}${rest.join('')}`),
);
