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
const inScript = (zero: number) => (n: number, width = 1) => [...String(n).padStart(width, '0')].map((digit) => String.fromCharCode(zero + Number(digit))).join('');
const arabic = inScript(0x0660);
const persian = inScript(0x06f0);
/** Android's English day periods (ICU): morning 06–12, afternoon 12–18, evening 18–21, night 21–06. */
const dayPeriod = (hour: number) => (hour >= 6 && hour < 12 ? 'in the morning' : hour >= 12 && hour < 18 ? 'in the afternoon' : hour >= 18 && hour < 21 ? 'in the evening' : 'at night');

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
  // Layouts real phones write beyond the common ones (tests/fixtures/real/ has the exports they come from).
  { name: 'old iOS, colon end', order: 'ymd', ios: false, seconds: true, head: (m) => `${m.year}-${p2(m.month)}-${p2(m.day)}, ${h12(m.hour)}:${p2(m.minute)}:${p2(m.second)} ${ampm(m.hour, 'AM', 'PM')}: ` },
  { name: 'French à', order: 'dmy', ios: false, seconds: false, head: (m) => `${p2(m.day)}/${p2(m.month)}/${m.year} à ${p2(m.hour)}:${p2(m.minute)} - ` },
  {
    name: 'Arabic-Indic digits, RLM, Arabic comma',
    order: 'dmy',
    ios: false,
    seconds: false,
    head: (m) => `${arabic(m.day)}\u200F/${arabic(m.month)}\u200F/${arabic(m.year)}، ${arabic(Number(h12(m.hour)))}:${arabic(m.minute, 2)} ${ampm(m.hour, 'ص', 'م')} - `,
  },
  { name: 'Persian digits, year first', order: 'ymd', ios: false, seconds: false, head: (m) => `${persian(m.year)}/${persian(m.month)}/${persian(m.day)}، ${persian(m.hour)}:${persian(m.minute, 2)} - ` },
  { name: 'Korean, period first', order: 'ymd', ios: false, seconds: false, head: (m) => `${m.year}. ${m.month}. ${m.day}. ${ampm(m.hour, '오전', '오후')} ${h12(m.hour)}:${p2(m.minute)} - ` },
  { name: 'Chinese iOS, period after', order: 'ymd', ios: true, seconds: true, head: (m) => `[${m.year}/${m.month}/${m.day} ${h12(m.hour)}:${p2(m.minute)}:${p2(m.second)} ${ampm(m.hour, '上午', '下午')}] ` },
  { name: 'Chinese Android, period joined', order: 'ymd', ios: false, seconds: false, head: (m) => `${m.year}/${m.month}/${m.day} ${ampm(m.hour, '上午', '下午')}${h12(m.hour)}:${p2(m.minute)} - ` },
  { name: 'year first, one-digit fields', order: 'ymd', ios: true, seconds: true, head: (m) => `[${m.year}/${m.month}/${m.day} ${p2(m.hour)}:${p2(m.minute)}:${p2(m.second)}] ` },
  { name: 'time first', order: 'mdy', ios: true, seconds: true, head: (m) => `[${p2(m.hour)}:${p2(m.minute)}:${p2(m.second)}, ${m.month}/${m.day}/${p2(m.year % 100)}] ` },
  { name: 'Android day periods', order: 'dmy', ios: false, seconds: false, head: (m) => `${p2(m.day)}/${p2(m.month)}/${m.year}, ${h12(m.hour)}:${p2(m.minute)} ${dayPeriod(m.hour)} - ` },
  { name: 'dotted time, colon end', order: 'dmy', ios: false, seconds: true, head: (m) => `${p2(m.day)}.${p2(m.month)}.${p2(m.year % 100)} ${p2(m.hour)}.${p2(m.minute)}.${p2(m.second)}: ` },
  { name: 'time with a dot before the dash', order: 'ymd', ios: false, seconds: false, head: (m) => `${m.year}/${p2(m.month)}/${p2(m.day)}, ${p2(m.hour)}:${p2(m.minute)}. - ` },
  { name: 'spaced dots, bare space', order: 'dmy', ios: false, seconds: true, head: (m) => `${m.day}. ${m.month}. ${m.year}. ${p2(m.hour)}:${p2(m.minute)}:${p2(m.second)} ` },
  { name: '12 h with hour 0', order: 'mdy', ios: false, seconds: false, head: (m) => `${m.month}/${m.day}/${p2(m.year % 100)}, ${m.hour % 12}:${p2(m.minute)} ${ampm(m.hour, 'AM', 'PM')} - ` },
  { name: 'Buddhist Era', order: 'dmy', ios: true, seconds: true, head: (m) => `[${p2(m.day)}/${p2(m.month)}/${m.year + 543} ${p2(m.hour)}:${p2(m.minute)}:${p2(m.second)}] ` },
  { name: 'two spaces before the dash', order: 'dmy', ios: false, seconds: false, head: (m) => `${p2(m.day)}/${p2(m.month)}/${m.year}, ${p2(m.hour)}:${p2(m.minute)}  - ` },
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
