/** The three parts of an NHS.UK date input, as typed. */
export interface DateParts {
  readonly day: string;
  readonly month: string;
  readonly year: string;
}

export type JoinedDate = { kind: 'empty' } | { kind: 'date'; value: string } | { kind: 'invalid'; message: string; inputId: string };

/** "1950-03-31" into its parts; anything else (an old draft's free text) into the year field to be corrected. */
export function splitDate(value: string): DateParts {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (match) return { day: String(Number(match[3])), month: String(Number(match[2])), year: match[1]! };
  return { day: '', month: '', year: value.trim() };
}

/**
 * The parts as an ISO date, or what is wrong with them in words, naming the part to fix
 * (NHS.UK date input pattern: "Date of birth must include a month").
 */
export function joinDate(parts: DateParts, id = 'patient-dob', label = 'Date of birth', today = new Date()): JoinedDate {
  const day = parts.day.trim();
  const month = parts.month.trim();
  const year = parts.year.trim();
  if (!day && !month && !year) return { kind: 'empty' };
  const missing = !day ? 'day' : !month ? 'month' : !year ? 'year' : null;
  if (missing) return { kind: 'invalid', message: `${label} must include a ${missing}.`, inputId: `${id}-${missing}` };
  if (!/^\d{1,2}$/.test(day)) return { kind: 'invalid', message: `${label}: the day must be a number from 1 to 31.`, inputId: `${id}-day` };
  if (!/^\d{1,2}$/.test(month) || Number(month) < 1 || Number(month) > 12) return { kind: 'invalid', message: `${label}: the month must be a number from 1 to 12.`, inputId: `${id}-month` };
  if (!/^\d{4}$/.test(year)) return { kind: 'invalid', message: `${label}: the year must have 4 digits, for example 1950.`, inputId: `${id}-year` };
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (date.getUTCDate() !== Number(day) || Number(day) < 1) return { kind: 'invalid', message: `${label} must be a real date: that month has no day ${day}.`, inputId: `${id}-day` };
  if (date.getTime() > today.getTime()) return { kind: 'invalid', message: `${label} must be in the past.`, inputId: `${id}-year` };
  if (Number(year) < 1880) return { kind: 'invalid', message: `${label}: check the year.`, inputId: `${id}-year` };
  return { kind: 'date', value: `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}` };
}
