import { z } from 'zod';

/**
 * The patient as a record holds them (the EPR's Patient, or NHS England's PDS), shown to the
 * clinician to confirm before attesting, and the rule that compares it with the name and date of
 * birth the clinician typed (hazard H-014: a valid NHS number can still be the wrong one; the
 * check digit only catches typing errors). Pure: no I/O.
 */

/** A FHIR logical id: what `Patient/{id}` carries. */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** One of the patient's names as the record holds it. */
export const RecordNameSchema = z.object({ family: z.string(), given: z.array(z.string()) });
export type RecordName = z.infer<typeof RecordNameSchema>;

export const PatientRecordSchema = z.object({
  /** Where it was read: the EPR filing goes to, or PDS. */
  source: z.enum(['epr', 'pds']),
  /** The record's logical id (on PDS, the NHS number). */
  id: z.string().regex(FHIR_ID),
  /** `meta.versionId` and `meta.lastUpdated` when the record gave them: what attestation re-checks. */
  versionId: z.string().nullable(),
  lastUpdated: z.string().nullable(),
  nhsNumber: z.string(),
  /** The names in use (official and usual, not old or ended), the first as the record shows it. */
  names: z.array(RecordNameSchema),
  birthDate: z.string().nullable(),
  gender: z.string().nullable(),
  /** One line; null when the record has none or the patient is restricted (never shown then). */
  address: z.string().nullable(),
  /** The registered GP practice, as the record names it; null when none or restricted. */
  gp: z.string().nullable(),
  /** PDS `meta.security` R/V: a restricted (S-flagged) patient, whose location is never shown. */
  restricted: z.boolean(),
});
export type PatientRecord = z.infer<typeof PatientRecordSchema>;

/** How a look-up ended; only `found` can be confirmed (and `cannot-search` only by the clinician's own statement). */
export const PATIENT_LOOKUP_STATUSES = ['found', 'mismatch', 'not-found', 'several', 'superseded', 'invalidated', 'merged', 'cannot-search', 'unavailable'] as const;
export type PatientLookupStatus = (typeof PATIENT_LOOKUP_STATUSES)[number];

export const PatientLookupSchema = z.object({
  status: z.enum(PATIENT_LOOKUP_STATUSES),
  /** The record may be confirmed as the patient and attested against. */
  confirmable: z.boolean(),
  /** What was found and what to do, in words for the ward. */
  message: z.string(),
  /** Each reason it cannot be confirmed (empty when confirmable). */
  problems: z.array(z.string()),
  /** The record the note would be filed against. */
  record: PatientRecordSchema.nullable(),
  /** The national record (PDS) as well, where it is checked in addition to the EPR. */
  national: PatientRecordSchema.nullable(),
});
export type PatientLookup = z.infer<typeof PatientLookupSchema>;

/**
 * What the clinician confirmed, sent with the attestation, which main checks again against the
 * record: the record's id and version, or, only where the EPR cannot search patients, their
 * statement that they checked the patient's identity another way (audited).
 */
export const PatientConfirmationSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('record'),
      source: z.enum(['epr', 'pds']),
      id: z.string().regex(FHIR_ID),
      versionId: z.string().max(64).nullable(),
      lastUpdated: z.string().max(40).nullable(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('checked-outside-epr'),
      statement: z.literal(true, { message: 'Confirm that you checked the NHS number, name and date of birth against the patient (wristband or notes).' }),
    })
    .strict(),
]);
export type PatientConfirmation = z.infer<typeof PatientConfirmationSchema>;

/** A name as shown: given names, then the family name in capitals, as NHS services print it. */
export function displayName(name: RecordName): string {
  return [...name.given, name.family.toUpperCase()].filter((part) => part.trim() !== '').join(' ');
}

const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'dame', 'master', 'rev']);

/** The words of a name, compared without case, accents, punctuation or titles ("O'Brien-Smith" → obrien, smith). */
export function nameWords(value: string): string[] {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['\u2019`]/g, '')
    .split(/[^a-z]+/)
    .filter((word) => word !== '' && !TITLES.has(word));
}

/**
 * Whether what the clinician typed names this person: every word of the family name and of the
 * first given name appears in it (any order: "SMITH, Jane" and "Jane Smith" both match). An
 * initial alone does not: "J Smith" could be another Smith in the same household.
 */
export function typedNameMatches(typed: string, names: readonly RecordName[]): boolean {
  const words = new Set(nameWords(typed));
  return names.some((name) => {
    const family = nameWords(name.family);
    const given = nameWords(name.given[0] ?? '');
    return family.length > 0 && given.length > 0 && [...family, ...given].every((word) => words.has(word));
  });
}

/** What the clinician typed beside the NHS number. */
export interface TypedPatient {
  readonly name: string;
  readonly birthDate: string;
}

/**
 * Why the record found is not the patient the clinician means, in words they can act on (empty:
 * it matches). Both the date of birth and the name must match; a record without a date of birth
 * cannot be confirmed by it.
 */
export function recordMismatches(typed: TypedPatient, record: Pick<PatientRecord, 'names' | 'birthDate' | 'source'>): string[] {
  const where = record.source === 'pds' ? 'the national record (PDS)' : 'the EPR';
  const problems: string[] = [];
  if (record.birthDate === null) problems.push(`${capitalise(where)} holds no date of birth for this NHS number, so it cannot be confirmed as this patient.`);
  else if (typed.birthDate.trim() !== record.birthDate) {
    problems.push(`The date of birth you entered is not the one ${where} holds for this NHS number. Check the NHS number and the date of birth.`);
  }
  if (!typedNameMatches(typed.name, record.names)) {
    problems.push(`The name you entered is not the name ${where} holds for this NHS number. Check the NHS number and the name.`);
  }
  return problems;
}

/** Whether two reads are the same version of the record: by versionId where both have one, else by lastUpdated. */
export function sameVersion(a: Pick<PatientRecord, 'versionId' | 'lastUpdated'>, b: Pick<PatientRecord, 'versionId' | 'lastUpdated'>): boolean {
  if (a.versionId !== null && b.versionId !== null) return a.versionId === b.versionId;
  if (a.versionId !== null || b.versionId !== null) return false;
  return a.lastUpdated === b.lastUpdated;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
