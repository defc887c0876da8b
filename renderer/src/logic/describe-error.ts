import type { ErrorCode, IpcError } from '../../../shared/ipc/result';

/**
 * The one place where an error from the host becomes words on a screen. Main writes its own
 * refusals as sentences for the ward, but a request refused by its schema carries zod's text
 * ("Too small: expected string to have >=1 characters") and a dotted path ("filter.nhsNumber"):
 * neither may reach a clerk. Each screen says which request field is which of its inputs, so
 * every problem can be shown beside (and linked to) the input that caused it.
 */

/** How a screen names a request field: its label in words and the id of the input that holds it. */
export interface FieldLabel {
  readonly label: string;
  /** The `id` of the input, so the error summary can link to it and the field can show the error. */
  readonly inputId?: string;
}

/** Request paths ("filter.from", "patient.nhsNumber") to the screen's inputs. */
export type FieldLabels = Readonly<Record<string, FieldLabel>>;

export interface FieldProblem {
  readonly text: string;
  readonly inputId?: string;
}

export interface DescribedError {
  /** One sentence for the whole error, for a screen that shows only one. */
  readonly message: string;
  /** Each problem on its own, linked to its input where the screen named it. */
  readonly problems: readonly FieldProblem[];
}

/** What to say when main's own sentence is missing or not fit to show. */
const CODE_SENTENCES: Readonly<Record<ErrorCode, string>> = {
  'invalid-request': 'Something entered is not in a form Wardscribe can use. Check the answers and try again.',
  'request-too-large': 'That is more than Wardscribe accepts in one go. Choose fewer items or shorten the text.',
  'unknown-channel': 'This version of Wardscribe cannot do that. Restart Wardscribe; if it happens again, tell the IT service desk.',
  'untrusted-sender': 'Wardscribe refused a request that did not come from its own window. Restart Wardscribe.',
  'not-signed-in': 'You are not signed in. Sign in and try again.',
  locked: 'Wardscribe is locked. Sign in again to carry on.',
  forbidden: 'Your role cannot do this. Ask someone with the right role.',
  cancelled: 'Stopped. Nothing was changed.',
  'not-found': 'It is no longer there. It may have been removed or wiped.',
  conflict: 'That clashes with what is already stored. Reload the screen and check.',
  rejected: 'Wardscribe could not accept that.',
  'sign-in-failed': 'The username or passphrase was not right.',
  unavailable: 'The EPR could not be reached or would not answer. Try again in a few minutes; tell the IT service desk if it keeps happening.',
  'vault-damaged': 'The vault failed its integrity check and has not been changed. Tell the IT service desk before doing anything else.',
  internal: 'Wardscribe could not complete that. The problem has been logged; try again, and tell the IT service desk if it keeps happening.',
};

/** Common request fields, for screens that do not name them: what a ward user would call them. */
const COMMON_FIELDS: Readonly<Record<string, string>> = {
  path: 'the export file',
  zone: 'the time zone',
  password: 'the export password',
  username: 'the username',
  displayName: 'the full name',
  passphrase: 'the passphrase',
  currentPassphrase: 'the current passphrase',
  newPassphrase: 'the new passphrase',
  nhsNumber: 'the NHS number',
  birthDate: 'the date of birth',
  name: 'the name',
  summary: 'the summary',
  query: 'the search words',
  messageIds: 'the selected messages',
  idleLockMinutes: 'the idle lock time',
  hours: 'the number of hours',
  baseUrl: 'the FHIR base URL',
  odsCode: 'the organisation ODS code',
  folder: 'the folder',
  refileReason: 'the reason for filing again',
  overrideReason: 'the reason',
  from: 'the start date',
  to: 'the end date',
  role: 'the role',
  expectedKeyFingerprint: 'the key fingerprint',
  fileName: 'the file name',
};

/**
 * Zod's own messages and other machine text: a message that matches is replaced by a sentence
 * made from the field's name. Main's schemas that carry a written sentence ("Enter a passphrase.")
 * start with a capital and end with a full stop, and are kept.
 */
const MACHINE_TEXT = /^(too small|too big|invalid|expected|unrecognized|required|string|number|array|object|must\b)|>=|<=|received |\bregex\b|\bundefined\b|\bnull\b|\bNaN\b/i;

function isSentence(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.length > 0 && /^[A-Z0-9“"‘']/.test(trimmed) && /[.!?]$/.test(trimmed) && !MACHINE_TEXT.test(trimmed);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The words for a request path: the screen's label, else a common field's name, else nothing. */
function fieldName(path: string, fields: FieldLabels): { label: string | null; inputId?: string } {
  const named = fields[path];
  if (named) return { label: named.label, ...(named.inputId ? { inputId: named.inputId } : {}) };
  const tail = path.split('.').filter((part) => !/^\d+$/.test(part)).pop() ?? '';
  return { label: COMMON_FIELDS[tail] ?? null };
}

/** Turns one schema issue into a sentence about the field, never showing zod's wording. */
function describeIssue(issue: { path: string; message: string }, fields: FieldLabels): FieldProblem {
  const { label, inputId } = fieldName(issue.path, fields);
  const withInput = (text: string): FieldProblem => (inputId ? { text, inputId } : { text });
  if (isSentence(issue.message)) return withInput(plainText(issue.message.trim(), fields));
  const what = label ?? 'one of the answers';
  const lower = issue.message.toLowerCase();
  if (/too small|>=\s*1\b|received undefined|required|expected string, received|nonempty/.test(lower) && !/>=\s*[2-9]/.test(lower))
    return withInput(`Enter ${what}.`);
  if (/too small/.test(lower)) return withInput(`${capitalise(what)} is too short.`);
  if (/too big/.test(lower)) return withInput(`${capitalise(what)} is too long.`);
  if (/^must /.test(lower) && label) {
    // Main's short rules ("must be 10 digits with no spaces") read well after the field's name;
    // those naming formats a ward user never sees (ISO, hex, regex) do not.
    if (!/\b(iso|hex|regex|base64|sha-256|identifier|reason code|iana)\b/.test(lower)) return withInput(`${capitalise(label)} ${issue.message.trim().replace(/\.$/, '')}.`);
  }
  return withInput(`Check ${what}: it is not in a form Wardscribe accepts.`);
}

/**
 * Describes any error the host returned (or a thrown one) in words for the ward.
 * `fields` names the request's fields as the screen shows them.
 */
export function describeError(error: IpcError | Error | unknown, fields: FieldLabels = {}): DescribedError {
  // `unwrap` throws the typed error inside a HostError.
  if (error instanceof Error && isIpcError((error as { error?: unknown }).error)) return describeError((error as unknown as { error: IpcError }).error, fields);
  if (!isIpcError(error)) {
    // A thrown error is the bridge itself failing (the host went away): its text is for developers.
    return { message: 'Wardscribe could not reach its background process. Restart Wardscribe; if it happens again, tell the IT service desk.', problems: [] };
  }
  if (error.code === 'invalid-request' && error.issues && error.issues.length > 0) {
    const problems = dedupe(error.issues.map((issue) => describeIssue(issue, fields)));
    return { message: problems.map((problem) => problem.text).join(' '), problems };
  }
  const message = isSentence(error.message) ? plainText(error.message.trim(), fields) : CODE_SENTENCES[error.code] ?? CODE_SENTENCES.internal;
  // A refusal main says is about one field is shown beside that input, where the screen names it.
  const inputId = error.field === undefined ? undefined : fields[error.field]?.inputId;
  return { message, problems: [{ text: message, ...(inputId ? { inputId } : {}) }] };
}

/** The request objects whose dotted field paths main may name inside a sentence. */
const PATH_HEADS = new Set(['patient', 'advisers', 'filter', 'profile', 'registration', 'transcriber', 'attester']);

/**
 * A sentence from main with request paths inside it ("Some details are missing or malformed
 * (patient.birthDate, summary)") says the fields in words instead ("the date of birth, the summary").
 */
export function plainText(text: string, fields: FieldLabels = {}): string {
  return text.replace(/\b[a-z][A-Za-z]*(?:\.[A-Za-z0-9_]+)+\b/g, (path) => {
    const head = path.split('.')[0]!;
    if (!PATH_HEADS.has(head) && !fields[path]) return path;
    return fieldName(path, fields).label ?? 'a detail';
  });
}

/** Just the sentence: for screens that show one line. */
export function errorSentence(error: IpcError | Error | unknown, fields: FieldLabels = {}): string {
  return describeError(error, fields).message;
}

function isIpcError(value: unknown): value is IpcError {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string' && typeof (value as { message?: unknown }).message === 'string' && !(value instanceof Error);
}

function dedupe(problems: FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.inputId ?? ''}|${problem.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
