/**
 * NHS numbers: ten digits, the last a Modulus 11 check digit (NHS Data Dictionary). Ward users type
 * them with spaces or dashes ("943 476 5919", "943-476-5919"); we store and send the bare digits
 * and display them 3-3-4.
 */

/** The FHIR identifier system for an NHS number. */
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

/** A ten-digit string whose check digit is right. Only `parseNhsNumber` makes one. */
export type NhsNumber = string & { readonly __brand: 'NhsNumber' };

/** Why an input is not an NHS number. */
export type NhsNumberProblem =
  /** Not ten digits once spaces and dashes are removed. */
  | 'wrong-length'
  /** Something other than digits, spaces and dashes. */
  | 'non-digits'
  /** The tenth digit is not the one the first nine give. */
  | 'check-digit-mismatch'
  /** The first nine give a check digit of 10, which no NHS number can have. */
  | 'check-digit-ten';

export type NhsNumberResult =
  | { readonly ok: true; readonly value: NhsNumber }
  | { readonly ok: false; readonly problem: NhsNumberProblem; readonly message: string };

const PROBLEM_MESSAGES: Readonly<Record<NhsNumberProblem, string>> = {
  'wrong-length': 'An NHS number has 10 digits.',
  'non-digits': 'An NHS number contains only digits (spaces and dashes are allowed between them).',
  'check-digit-mismatch': 'This NHS number has a typing error: its last digit does not match the others.',
  'check-digit-ten': 'This is not a valid NHS number: no NHS number can start with these nine digits.',
};

/** Separators people type between the groups of digits. */
const SEPARATORS = /[\s\u00a0-]+/g;

/**
 * The Modulus 11 check digit of nine digits: weights 10 down to 2, check = 11 − (sum mod 11),
 * 11 becomes 0, and 10 means the nine digits are not the start of any NHS number (`undefined`).
 */
export function nhsCheckDigit(firstNine: string): number | undefined {
  if (!/^\d{9}$/.test(firstNine)) throw new RangeError('nhsCheckDigit takes exactly nine digits');
  let sum = 0;
  for (let index = 0; index < 9; index++) sum += Number(firstNine[index]) * (10 - index);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return undefined;
  return check;
}

/** Parses what a user typed: strips spaces and dashes, then checks length, digits and check digit. */
export function parseNhsNumber(input: string): NhsNumberResult {
  const compact = input.replace(SEPARATORS, '');
  if (!/^\d*$/.test(compact)) return problem('non-digits');
  if (compact.length !== 10) return problem('wrong-length');
  const expected = nhsCheckDigit(compact.slice(0, 9));
  if (expected === undefined) return problem('check-digit-ten');
  if (expected !== Number(compact[9])) return problem('check-digit-mismatch');
  return { ok: true, value: compact as NhsNumber };
}

/** Whether `input` (with or without separators) is a valid NHS number. */
export function isValidNhsNumber(input: string): boolean {
  return parseNhsNumber(input).ok;
}

/** Displays an NHS number 3-3-4 with spaces, as NHS services print it: "943 476 5919". */
export function formatNhsNumber(value: NhsNumber): string {
  return `${value.slice(0, 3)} ${value.slice(3, 6)} ${value.slice(6)}`;
}

function problem(kind: NhsNumberProblem): NhsNumberResult {
  return { ok: false, problem: kind, message: PROBLEM_MESSAGES[kind] };
}
