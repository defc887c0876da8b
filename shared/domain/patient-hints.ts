import { parseNhsNumber, type NhsNumber } from './nhs-number';

/**
 * Patient-identifiable details found in message text: offered to the clinician as the patient
 * of a transcription (never filled in silently), and counted per thread, because the guidance
 * asks staff to keep patient-identifiable data out of instant messages.
 *
 * Each detector wants evidence, not just a shape: an NHS number must pass Modulus 11 and stand
 * alone (not inside a phone number); a date counts as a date of birth only after "DOB", "born"
 * or "d.o.b."; a hospital number only after "MRN", "hosp no", "hospital number" or "unit no".
 */

export const PATIENT_HINT_KINDS = ['nhs-number', 'date-of-birth', 'age', 'hospital-number', 'bed', 'postcode'] as const;
export type PatientHintKind = (typeof PATIENT_HINT_KINDS)[number];

export interface PatientHint {
  readonly kind: PatientHintKind;
  /** Normalised: an NHS number as ten digits, a date of birth as YYYY-MM-DD, an age in years, a bed as written. */
  readonly value: string;
  /** Where it was found in the text, in UTF-16 units. */
  readonly start: number;
  readonly end: number;
}

/** Ten digits as 3-3-4 (spaces or dashes) or run together, not part of a longer number. */
const NHS_NUMBER = /(?<![\d+])(\d{3})[ \u00a0-]?(\d{3})[ \u00a0-]?(\d{4})(?![\d])/g;
/** "DOB 12/03/1950", "born 12.3.50", "d.o.b: 1950-03-12", "DoB 12-03-1950". */
const DATE_OF_BIRTH = /\b(?:d\.?\s?o\.?\s?b\.?|date of birth|born)\s*[:\-–]?\s*(\d{1,4})[/.-](\d{1,2})[/.-](\d{2,4})\b/gi;
/** "78yo", "78 y/o", "78 yrs", "aged 78", "78-year-old". */
const AGE = /\b(?:aged\s+(\d{1,3})|(\d{1,3})\s?(?:yo|y\/o|yrs?\b|years? old|-year-old))/gi;
/** "MRN 1234567", "hosp no: K123456", "hospital number RX1234567", "unit no 123456". */
const HOSPITAL_NUMBER = /\b(?:MRN|hosp(?:ital)?\.?\s?(?:no|num|number)|unit\s?(?:no|number)|H\/N)\.?\s*[:#-]?\s*([A-Z]{0,3}\d{5,10})\b/gi;
/** "bed 12", "bay 3 bed 4", "side room 2", "SR 2", "cubicle 5". */
const BED = /\b(?:bay\s?\d{1,2}\s?(?:bed|b)\s?\d{1,2}|bed\s?\d{1,3}[A-Z]?|side\s?room\s?\d{1,2}|SR\s?\d{1,2}|cubicle\s?\d{1,2})\b/gi;
/** A UK postcode: outward and inward codes ("SW1A 1AA", "m1 1ae"). */
const POSTCODE = /\b([A-Z]{1,2}\d[A-Z\d]?)\s?(\d[A-Z]{2})\b/gi;

/** Every patient detail in `text`, in the order found, without overlaps between NHS numbers and hospital numbers. */
export function findPatientHints(text: string, today: Date = new Date()): PatientHint[] {
  const hints: PatientHint[] = [];
  for (const match of text.matchAll(NHS_NUMBER)) {
    const parsed = parseNhsNumber(match[1]! + match[2]! + match[3]!);
    if (parsed.ok) hints.push({ kind: 'nhs-number', value: parsed.value, start: match.index, end: match.index + match[0].length });
  }
  for (const match of text.matchAll(DATE_OF_BIRTH)) {
    const value = dateOfBirth(match[1]!, match[2]!, match[3]!, today);
    if (value !== null) hints.push({ kind: 'date-of-birth', value, start: match.index, end: match.index + match[0].length });
  }
  for (const match of text.matchAll(AGE)) {
    const years = Number(match[1] ?? match[2]);
    if (years > 0 && years <= 120) hints.push({ kind: 'age', value: String(years), start: match.index, end: match.index + match[0].length });
  }
  for (const match of text.matchAll(HOSPITAL_NUMBER)) {
    const start = match.index;
    if (hints.some((hint) => hint.kind === 'nhs-number' && hint.start < start + match[0].length && hint.end > start)) continue;
    hints.push({ kind: 'hospital-number', value: match[1]!.toUpperCase(), start, end: start + match[0].length });
  }
  for (const match of text.matchAll(BED)) hints.push({ kind: 'bed', value: match[0].replace(/\s+/g, ' '), start: match.index, end: match.index + match[0].length });
  for (const match of text.matchAll(POSTCODE)) {
    hints.push({ kind: 'postcode', value: `${match[1]!.toUpperCase()} ${match[2]!.toUpperCase()}`, start: match.index, end: match.index + match[0].length });
  }
  return hints.sort((a, b) => a.start - b.start);
}

/** A date of birth as YYYY-MM-DD when the fields make a real date in the past (day first, as in the UK). */
function dateOfBirth(first: string, second: string, third: string, today: Date): string | null {
  let year: number;
  let month: number;
  let day: number;
  if (first.length === 4) {
    year = Number(first);
    month = Number(second);
    day = Number(third);
  } else {
    day = Number(first);
    month = Number(second);
    year = Number(third);
    // Two-digit years: the latest year not after this one (a date of birth is in the past).
    if (third.length === 2) {
      const century = Math.floor(today.getUTCFullYear() / 100) * 100;
      year += century;
      if (year > today.getUTCFullYear()) year -= 100;
    } else if (third.length !== 4) return null;
  }
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  if (date.getTime() > today.getTime() || year < 1880) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The NHS numbers among some hints, once each, in the order first found: the patients a transcription may be about. */
export function suggestedNhsNumbers(hints: readonly PatientHint[]): NhsNumber[] {
  const seen = new Set<string>();
  const numbers: NhsNumber[] = [];
  for (const hint of hints) {
    if (hint.kind !== 'nhs-number' || seen.has(hint.value)) continue;
    seen.add(hint.value);
    numbers.push(hint.value as NhsNumber);
  }
  return numbers;
}

/** How many details of each kind some texts hold: the patient-identifiable data a thread carries. */
export function countPatientHints(texts: Iterable<string>, today: Date = new Date()): Record<PatientHintKind, number> {
  const counts = Object.fromEntries(PATIENT_HINT_KINDS.map((kind) => [kind, 0])) as Record<PatientHintKind, number>;
  for (const text of texts) for (const hint of findPatientHints(text, today)) counts[hint.kind]++;
  return counts;
}
