/**
 * An attested transcription: the advice a clinician selected from a chat, attributed to who gave it
 * and when, summarised and attested, ready to file in the EPR. Everything the filed document says
 * comes from here, so the record describes itself even where an EPR ignores Provenance.
 */
import { z } from 'zod';
import { describeConsent, FiledImageSchema, MAX_IMAGES, type FiledImage } from './clinical-image';
import { isDocumentTypeChoice, isSnomedConceptId } from './document-types';
import { formatNhsNumber, parseNhsNumber, type NhsNumber } from './nhs-number';
import { SensitivitySchema, sensitivityLine } from './sensitivity';

const UUID_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A UTC instant as JSON writes it: 2024-03-05T14:32:00Z or with milliseconds. */
const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** A wall-clock time without zone, as the chat showed it: 2024-03-05T14:32 or with seconds. */
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(:\d{2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const text = (max: number) => z.string().trim().min(1).max(max);

export const NhsNumberSchema = z.string().transform((value, context): NhsNumber => {
  const parsed = parseNhsNumber(value);
  if (!parsed.ok) {
    context.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  }
  return parsed.value;
});

/** Bodies that register UK clinicians, and the number formats they issue. */
export const REGISTRATION_BODIES = {
  // Seven digits; the GMC also issues an L and six digits.
  GMC: { name: 'General Medical Council', pattern: /^(\d{7}|L\d{6})$/, format: 'seven digits, or L and six digits' },
  NMC: { name: 'Nursing and Midwifery Council', pattern: /^\d{2}[A-Z]\d{4}[A-Z]$/, format: 'two digits, a letter, four digits and a letter (for example 12A3456B)' },
  HCPC: { name: 'Health and Care Professions Council', pattern: /^[A-Z]{2}\d{5,6}$/, format: 'two letters and five or six digits (for example PA12345)' },
  // Pharmacists and pharmacy technicians: seven digits.
  GPhC: { name: 'General Pharmaceutical Council', pattern: /^\d{7}$/, format: 'seven digits' },
} as const;
export type RegistrationBody = keyof typeof REGISTRATION_BODIES;
export const REGISTRATION_BODY_CODES = ['GMC', 'NMC', 'HCPC', 'GPhC'] as const satisfies readonly RegistrationBody[];

export const RegistrationSchema = z
  .object({ body: z.enum(REGISTRATION_BODY_CODES), number: z.string().trim().toUpperCase() })
  .superRefine((registration, context) => {
    // Said with the format the body issues (a cold trial met only "does not have the format").
    const body = REGISTRATION_BODIES[registration.body];
    if (!body.pattern.test(registration.number)) context.addIssue({ code: 'custom', path: ['number'], message: `${registration.body} numbers are ${body.format}.` });
  });

/** The clinician who gave advice in the chat, as the transcriber identified them. */
export const ClinicianIdentitySchema = z.object({
  /** The name the chat showed (a nickname or phone contact). */
  displayNameInChat: text(200),
  /** Full name, as it should appear in the record. */
  name: text(200),
  /** Role and grade, e.g. "Consultant cardiologist", "Specialty registrar ST5". */
  role: text(200),
  registration: RegistrationSchema.optional(),
});
export type ClinicianIdentity = z.infer<typeof ClinicianIdentitySchema>;

/**
 * An adviser as a draft holds them: as far as the transcriber got. A clerk may save (or the idle
 * lock may save for them) before knowing a sender's role or registration number; what is missing
 * or malformed is one of the draft's problems, and attesting still needs ClinicianIdentitySchema.
 */
export const DraftAdviserSchema = z.object({
  displayNameInChat: z.string().max(200),
  name: z.string().trim().max(200),
  role: z.string().trim().max(200),
  registration: z.object({ body: z.enum(REGISTRATION_BODY_CODES), number: z.string().trim().max(50) }).optional(),
});
export type DraftAdviser = z.infer<typeof DraftAdviserSchema>;

/**
 * What an adviser's details still need before the note can be attested, each in words naming the
 * field (a ward trial: "incomplete or the registration number has the wrong format" sent a clerk
 * looking for a number she had never typed). Empty when ClinicianIdentitySchema accepts them.
 */
export function adviserGaps(sender: string, adviser: DraftAdviser): string[] {
  const gaps: string[] = [];
  if (adviser.name.trim() === '') gaps.push(`Enter the full name of "${sender}".`);
  if (adviser.role.trim() === '') gaps.push(`Enter the role and grade of "${sender}": if nobody at hand knows it, leave it for the clinician who attests to confirm with them.`);
  if (adviser.registration) {
    const body = REGISTRATION_BODIES[adviser.registration.body];
    if (!body.pattern.test(adviser.registration.number.trim().toUpperCase())) {
      gaps.push(
        adviser.registration.number.trim() === ''
          ? `Enter the ${adviser.registration.body} registration number of "${sender}", or choose no registration.`
          : `The ${adviser.registration.body} registration number of "${sender}" is not in the format the ${body.name} issues.`,
      );
    }
  }
  if (gaps.length === 0 && !ClinicianIdentitySchema.safeParse(adviser).success) gaps.push(`The details of "${sender}" are too long to file.`);
  return gaps;
}

/** A Wardscribe user who transcribed or attested. */
export const StaffIdentitySchema = z.object({
  userId: text(100),
  name: text(200),
  /** Their job title and grade as an administrator set it, else their Wardscribe role ("Clinician"). */
  role: text(200),
  /** Their professional registration, where an administrator has set one. Absent on notes attested before staff had one. */
  registration: RegistrationSchema.optional(),
  /** Their NHS smartcard's SDS user ID, where set. */
  sdsUserId: z.string().regex(/^\d{12}$/).optional(),
  /** For a user with neither: the Trust's own identifier for them (its system, configured by an administrator, and their username). */
  localIdentifier: z.object({ system: z.string().url(), value: text(100) }).optional(),
});
export type StaffIdentity = z.infer<typeof StaffIdentitySchema>;

export const TranscribedExcerptSchema = z.object({
  /** The vault's id for the message (never its content). */
  messageId: text(200),
  adviser: ClinicianIdentitySchema,
  /** Wall-clock time the chat showed, without zone: 2024-03-05T14:32. */
  originalLocalTime: z.string().regex(LOCAL_TIME, 'Use YYYY-MM-DDTHH:MM.'),
  /** IANA zone the export was made in, e.g. Europe/London. */
  zone: text(64).refine(isKnownZone, 'Use an IANA time zone such as Europe/London.'),
  /** The same moment in UTC. */
  utcInstant: z.string().regex(UTC_INSTANT, 'Use a UTC instant ending in Z.'),
  text: text(20_000),
  /**
   * `context`: the question it answers, a reply or a thank-you, carried so the advice reads in
   * its place but never filed as advice (its sender is not an author of the advice). Absent on
   * notes attested before messages could be marked so: advice.
   */
  kind: z.enum(['advice', 'context']).optional(),
});
export type TranscribedExcerpt = z.infer<typeof TranscribedExcerptSchema>;

/** Whether an excerpt is advice (the default) rather than context. */
export function isAdvice(excerpt: Pick<TranscribedExcerpt, 'kind'>): boolean {
  return excerpt.kind !== 'context';
}

export const ConfirmedPatientSchema = z.object({
  nhsNumber: NhsNumberSchema,
  name: text(200),
  birthDate: z.string().regex(DATE, 'Use YYYY-MM-DD.'),
  /** The EPR's Patient id, found by NHS number and confirmed by the clinician: `subject` names `Patient/{id}`. */
  eprPatientId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'A FHIR id.').optional(),
});
export type ConfirmedPatient = z.infer<typeof ConfirmedPatientSchema>;

/**
 * A document type: a SNOMED CT concept id the picker offers (document-types.ts), or the key of a
 * note attested before there was a picker.
 */
export const DocumentTypeSchema = z.string().max(40).refine(isDocumentTypeChoice, 'Choose a document type from the list.');

/** The EPR encounter a note belongs to, as the clinician chose it: its id there and how it was described. */
export const EncounterLinkSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'A FHIR id.'),
  display: text(300),
});
export type EncounterLink = z.infer<typeof EncounterLinkSchema>;

/** A note already verified in the record, as the correction that replaces it names it. */
export const ReplacedNoteSchema = z.object({
  identifier: z.string().regex(UUID_URN, 'Use a lower-case urn:uuid.'),
  /** Its id in the EPR. */
  documentReferenceId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'A FHIR id.'),
  /** When it was attested. */
  attestedAt: z.string().regex(UTC_INSTANT),
});
export type ReplacedNote = z.infer<typeof ReplacedNoteSchema>;

/** The care setting the note is filed from (`context.practiceSetting`): a SNOMED CT service an administrator set. */
export const PracticeSettingSchema = z.object({
  code: z.string().refine(isSnomedConceptId, 'A SNOMED CT concept id, with its check digit.'),
  display: text(200),
});
export type PracticeSetting = z.infer<typeof PracticeSettingSchema>;

/** The chat the advice came from, described without copying any message. */
export const SourceThreadSchema = z.object({
  /** The export format, e.g. "WhatsApp (iOS export)". */
  kind: text(100),
  title: text(200),
  messageCount: z.number().int().nonnegative(),
  firstMessageAt: z.string().regex(UTC_INSTANT),
  lastMessageAt: z.string().regex(UTC_INSTANT),
});
export type SourceThread = z.infer<typeof SourceThreadSchema>;

/** The audit trail's head when the transcription was attested, so the EPR witnesses the chain. */
export const AuditChainHeadSchema = z.object({
  sequence: z.number().int().nonnegative(),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'A SHA-256 hash in lower-case hex.'),
});
export type AuditChainHead = z.infer<typeof AuditChainHeadSchema>;

export const AttestedTranscriptionSchema = z
  .object({
    /** Made once when the transcription is queued; the EPR uses it to refuse duplicates. */
    identifier: z.string().regex(UUID_URN, 'Use a lower-case urn:uuid.'),
    patient: ConfirmedPatientSchema,
    excerpts: z.array(TranscribedExcerptSchema).min(1, 'Select at least one message.').max(500),
    /** The transcriber's summary of the advice and what was done. */
    summary: text(20_000),
    transcriber: StaffIdentitySchema,
    attester: StaffIdentitySchema,
    attestedAt: z.string().regex(UTC_INSTANT),
    /** The organisation's ODS code, e.g. RX1 or RX1AB. */
    organisationOdsCode: z.string().regex(/^[A-Z0-9]{3,10}$/, 'An ODS code is 3 to 10 capital letters or digits.'),
    documentType: DocumentTypeSchema,
    /** Marked sensitive by the clinician: filed restricted (sensitivity.ts). Absent: not sensitive. */
    sensitivity: SensitivitySchema.optional(),
    practiceSetting: PracticeSettingSchema.optional(),
    /** The patient's current encounter in the EPR, where the clinician linked one (only with a patient found there). */
    encounter: EncounterLinkSchema.optional(),
    source: SourceThreadSchema,
    auditChainHead: AuditChainHeadSchema.optional(),
    /** Images filed with the note (clinical-image.ts); absent on notes attested before images could be filed. */
    images: z.array(FiledImageSchema).max(MAX_IMAGES, `A note can carry at most ${MAX_IMAGES} images.`).optional(),
    /** The filed note this one corrects (issue #15): it is filed with `relatesTo` replaces, and that note is then marked entered in error. */
    replaces: ReplacedNoteSchema.optional(),
  })
  .superRefine((transcription, context) => {
    if (transcription.encounter && !transcription.patient.eprPatientId) context.addIssue({ code: 'custom', path: ['encounter'], message: 'An encounter is linked only for a patient found in the EPR.' });
    if (transcription.replaces?.identifier === transcription.identifier) context.addIssue({ code: 'custom', path: ['replaces'], message: 'A note cannot correct itself.' });
    if (!transcription.excerpts.some(isAdvice)) context.addIssue({ code: 'custom', path: ['excerpts'], message: 'Mark at least one message as advice: a note of questions and replies only has nothing to file.' });
    transcription.excerpts.forEach((excerpt, index) => {
      if (Date.parse(excerpt.utcInstant) > Date.parse(transcription.attestedAt)) {
        context.addIssue({ code: 'custom', path: ['excerpts', index, 'utcInstant'], message: 'Advice cannot be later than its attestation.' });
      }
    });
    // An image belongs to this note only through a message transcribed in it (about this patient).
    const messages = new Set(transcription.excerpts.map((excerpt) => excerpt.messageId));
    const attachments = new Set<string>();
    (transcription.images ?? []).forEach((image, index) => {
      if (!messages.has(image.messageId)) context.addIssue({ code: 'custom', path: ['images', index, 'messageId'], message: 'An image must be attached to one of the transcribed messages.' });
      if (attachments.has(image.attachmentId)) context.addIssue({ code: 'custom', path: ['images', index, 'attachmentId'], message: 'The same image is chosen twice.' });
      attachments.add(image.attachmentId);
      if (base64Length(image.data) !== image.size) context.addIssue({ code: 'custom', path: ['images', index, 'size'], message: 'The size does not match the bytes.' });
    });
  });
export type AttestedTranscription = z.infer<typeof AttestedTranscriptionSchema>;

/** The period the advice spans: the first and last excerpt's UTC instants. */
export function adviceSpan(transcription: AttestedTranscription): { readonly start: string; readonly end: string } {
  const instants = transcription.excerpts.map((excerpt) => excerpt.utcInstant).sort((a, b) => Date.parse(a) - Date.parse(b));
  return { start: instants[0]!, end: instants[instants.length - 1]! };
}

/**
 * The document's text: each piece of advice attributed (who, role, registration, when on the
 * 24-hour clock and in which zone, how long before it was recorded), then the summary and who
 * attested. Deterministic: the same transcription always gives the same text, so its hash can be
 * compared after filing.
 */
export function renderTranscriptText(transcription: AttestedTranscription): string {
  const { patient, source } = transcription;
  const zone = transcription.excerpts[0]!.zone;
  const lines: string[] = [
    'Clinical advice received by instant message, transcribed into the record',
    '',
    `Patient: ${clean(patient.name)}, NHS number ${formatNhsNumber(patient.nhsNumber)}, born ${patient.birthDate}`,
    `Source: ${clean(source.kind)} "${clean(source.title)}", ${source.messageCount} messages, ` +
      `${formatUtc(source.firstMessageAt)} to ${formatUtc(source.lastMessageAt)}`,
    `Identifier: ${transcription.identifier}`,
    // Only on notes marked sensitive: the text of every earlier note stays as it was attested.
    ...(transcription.sensitivity ? [sensitivityLine(transcription.sensitivity)] : []),
    // Only on a correction: every earlier note's text stays as it was attested.
    ...(transcription.replaces
      ? [`Corrects: the note attested ${formatUtc(transcription.replaces.attestedAt)} (identifier ${transcription.replaces.identifier}), which this note replaces. That note is withdrawn: Wardscribe asks the record to mark it entered in error.`]
      : []),
  ];
  const adviceCount = transcription.excerpts.filter(isAdvice).length;
  let adviceNumber = 0;
  transcription.excerpts.forEach((excerpt) => {
    const { adviser } = excerpt;
    const registration = adviser.registration ? `, ${adviser.registration.body} ${adviser.registration.number}` : '';
    lines.push(
      '',
      isAdvice(excerpt) ? `Advice ${++adviceNumber} of ${adviceCount}` : 'Context (a question or reply, not advice)',
      `From: ${clean(adviser.name)}, ${clean(adviser.role)}${registration} (shown in the chat as "${clean(adviser.displayNameInChat)}")`,
      `Sent: ${withUtc(formatLocal(excerpt.originalLocalTime), excerpt.zone, excerpt.utcInstant)}`,
      `Recorded: ${formatDelay(Date.parse(transcription.attestedAt) - Date.parse(excerpt.utcInstant))} after it was sent`,
      ...clean(excerpt.text)
        .split(/\r?\n/)
        .map((line) => `> ${line}`),
    );
  });
  const images = transcription.images ?? [];
  if (images.length > 0) lines.push('', `Images filed with this note: ${images.length}`);
  images.forEach((image, index) => lines.push(...imageLines(transcription, image, index, images.length)));
  lines.push(
    '',
    'Summary by the transcriber:',
    ...clean(transcription.summary).split(/\r?\n/),
    '',
    `Transcribed by: ${staffWords(transcription.transcriber)}`,
    `Attested by: ${staffWords(transcription.attester)}, ` +
      withUtc(formatInZone(transcription.attestedAt, zone), zone, transcription.attestedAt),
  );
  return lines.join('\n') + '\n';
}

/** "Dr Ada Shah, Consultant physician, GMC 1234567": a member of staff as the note names them (the registration only where set). */
function staffWords(staff: StaffIdentity): string {
  return `${clean(staff.name)}, ${clean(staff.role)}${staff.registration ? `, ${staff.registration.body} ${staff.registration.number}` : ''}`;
}

/** What the record says about one image: where it came from, the consent, and what was removed. */
function imageLines(transcription: AttestedTranscription, image: FiledImage, index: number, count: number): string[] {
  const adviceIndex = transcription.excerpts.findIndex((excerpt) => excerpt.messageId === image.messageId);
  const excerpt = transcription.excerpts[adviceIndex];
  const from = excerpt ? `attached to advice ${adviceIndex + 1} (sent ${formatUtc(excerpt.utcInstant)})` : 'attached to a transcribed message';
  return [
    `Image ${index + 1} of ${count}: ${image.contentType}, ${image.size} bytes, SHA-1 ${image.sha1Base64}, ${from}`,
    clean(describeConsent(image.consent)),
    'Location, device and other hidden details were removed before filing.',
    ...(image.orientation !== 1 ? [`Stored turned (Exif orientation ${image.orientation}): a viewer that ignores the tag shows it turned.`] : []),
  ];
}

/** The number of bytes a base64 string decodes to. */
function base64Length(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return (data.length * 3) / 4 - padding;
}

/** A delay as hours and minutes, e.g. "3 h 07 min", or "12 min" under an hour. */
export function formatDelay(milliseconds: number): string {
  const totalMinutes = Math.floor(Math.max(0, milliseconds) / 60_000);
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  return hours === 0 ? `${minutes} min` : `${hours} h ${String(minutes).padStart(2, '0')} min`;
}

/**
 * Bidirectional control characters can make a reader see text in another order than it was
 * written (Trojan Source); the record shows them as visible code points instead.
 */
function clean(value: string): string {
  return value.replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (character) => `[U+${character.charCodeAt(0).toString(16).toUpperCase()}]`);
}

function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function formatLocal(localTime: string): string {
  const match = LOCAL_TIME.exec(localTime);
  if (!match) throw new RangeError('Not a local time');
  return `${match[1]} ${match[2]}:${match[3]}`;
}

/** Zones that are UTC itself: a time in one is its UTC time, said once ("10:04 UTC (10:04 UTC)" read as two times). */
const UTC_ZONE = /^(?:Etc\/)?(?:UTC|UCT|Zulu|Universal|GMT(?:[+-]?0)?|Greenwich)$/;

/** A wall-clock time in its zone with the UTC time after it, or the UTC time alone where the zone is UTC. */
function withUtc(local: string, zone: string, instant: string): string {
  return UTC_ZONE.test(zone) ? formatUtc(instant) : `${local} ${zone} (${formatUtc(instant)})`;
}

function formatUtc(instant: string): string {
  return `${instant.slice(0, 10)} ${instant.slice(11, 16)} UTC`;
}

function formatInZone(instant: string, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}
