/**
 * What kind of document a transcription is filed as, in the codes NHS EPRs accept. Pure: no I/O.
 *
 * UK Core binds `DocumentReference.type` (extensibly) to UKCore-DocumentType: the members of the
 * SNOMED CT UK "Record composition type" simple reference set, 1127551000000109. That refset has
 * about 1,800 members, most of them about other kinds of record (pay forms, care plans, pathology
 * reports); Wardscribe ships the ones a clinician could mean for advice received by instant
 * message, each checked against the refset's 2026-06-03 UK Clinical Extension release, with the
 * SNOMED CT preferred term as its display. A SNOMED code is always sent; a LOINC translation is
 * added where the EPR asks for one (`documentTypeLoinc` in its profile).
 *
 * The category is England's National Record Locator record category "Clinical note": the
 * top-level "Record artifact" says nothing about the document, and NRL refuses it.
 */
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
export const LOINC_SYSTEM = 'http://loinc.org';
/** The value set UK Core binds `DocumentReference.type` to. */
export const UK_CORE_DOCUMENT_TYPE_VALUE_SET = 'https://fhir.hl7.org.uk/ValueSet/UKCore-DocumentType';
/** SNOMED CT UK "Record composition type simple reference set" (UKCore-DocumentType's members). */
export const RECORD_COMPOSITION_TYPE_REFSET = '1127551000000109';

export interface Coding {
  readonly system: string;
  readonly code: string;
  readonly display: string;
}

export interface DocumentTypeOption {
  /** SNOMED CT concept id: a member of refset 1127551000000109. */
  readonly code: string;
  /** Its SNOMED CT UK preferred term. */
  readonly display: string;
  /** When a clinician would choose it, in words for the picker. */
  readonly hint: string;
  /** The LOINC document code (FHIR's c80-doc-typecodes) an EPR that asks for LOINC receives as well. */
  readonly loinc?: Coding;
}

const CONSULT_NOTE: Coding = { system: LOINC_SYSTEM, code: '11488-4', display: 'Consult note' };
const NOTE: Coding = { system: LOINC_SYSTEM, code: '34109-9', display: 'Note' };

/** The document types offered, the default first. */
export const DOCUMENT_TYPE_OPTIONS: readonly DocumentTypeOption[] = [
  { code: '371530004', display: 'Clinical consultation report', hint: 'Advice about this patient from another team or a specialist (the usual choice).', loinc: CONSULT_NOTE },
  { code: '325911000000101', display: 'Consultation via multimedia', hint: 'The patient (or their carer) was consulted over a messaging app, with photos or files.', loinc: CONSULT_NOTE },
  { code: '325901000000103', display: 'Remote non-verbal consultation', hint: 'The patient (or their carer) was consulted in written messages only.', loinc: CONSULT_NOTE },
  { code: '149701000000109', display: 'Remote health correspondence', hint: 'Messages between staff about the patient that are not advice from a specialist.' },
  { code: '1052951000000105', display: 'Information and advice given', hint: 'Information or advice given to the patient or their carer.' },
  { code: '820241000000102', display: 'Medical photograph', hint: 'The note is mainly a clinical photograph, such as a wound.' },
  { code: '827711000000108', display: 'Electrocardiograph', hint: 'The note is mainly an ECG shared in the chat.' },
  { code: '909031000000105', display: 'Adult safeguarding report', hint: 'A safeguarding concern about an adult.' },
  { code: '909041000000101', display: 'Child safeguarding report', hint: 'A safeguarding concern about a child.' },
  { code: '823651000000106', display: 'Clinical note', hint: 'A clinical note that none of the types above describes.', loinc: NOTE },
  { code: '38651000000103', display: 'Other note', hint: 'Only if the note is not clinical and nothing above fits.', loinc: NOTE },
];

export const DEFAULT_DOCUMENT_TYPE = DOCUMENT_TYPE_OPTIONS[0]!.code;

/**
 * The document types of notes attested before the picker (issue #15), still accepted so that a
 * note queued then files and reads back as it was attested: the first is the default's code; the
 * second was LOINC alone, which breaks UK Core's binding and is no longer offered.
 */
export const LEGACY_DOCUMENT_TYPES = {
  'clinical-consultation-report': { system: SNOMED_SYSTEM, code: '371530004', display: 'Clinical consultation report' },
  'consult-note': CONSULT_NOTE,
} as const satisfies Record<string, Coding>;
export type LegacyDocumentType = keyof typeof LEGACY_DOCUMENT_TYPES;

/** The NRL record category every transcription is filed under (England-NRLRecordCategory). */
export const DOCUMENT_CATEGORY: Coding = { system: SNOMED_SYSTEM, code: '823651000000106', display: 'Clinical note' };

/** A type as the picker offers it: a type set before the picker (a legacy key) reads as the default's code, which it was or translates. */
export function currentDocumentType(value: string): string {
  return documentTypeOption(value) ? value : DEFAULT_DOCUMENT_TYPE;
}

export function documentTypeOption(code: string): DocumentTypeOption | undefined {
  return DOCUMENT_TYPE_OPTIONS.find((option) => option.code === code);
}

export function isDocumentTypeChoice(value: string): boolean {
  return documentTypeOption(value) !== undefined || Object.hasOwn(LEGACY_DOCUMENT_TYPES, value);
}

/**
 * The coding read-back looks for: the SNOMED member chosen (or a legacy note's one code). An EPR
 * that adds translations keeps this one; one that replaces it has changed the document's type.
 */
export function primaryDocumentTypeCoding(documentType: string): Coding {
  if (Object.hasOwn(LEGACY_DOCUMENT_TYPES, documentType)) return LEGACY_DOCUMENT_TYPES[documentType as LegacyDocumentType];
  const option = documentTypeOption(documentType);
  if (!option) throw new Error('Not a document type Wardscribe files.');
  return { system: SNOMED_SYSTEM, code: option.code, display: option.display };
}

/** Every coding sent in `type`: the SNOMED code, then its LOINC translation where the EPR asks for one and one exists. */
export function documentTypeCodings(documentType: string, withLoinc: boolean): Coding[] {
  const primary = primaryDocumentTypeCoding(documentType);
  // By the SNOMED code, so a note queued before the picker under its old key is translated the same.
  const loinc = withLoinc && primary.system === SNOMED_SYSTEM ? documentTypeOption(primary.code)?.loinc : undefined;
  return loinc ? [primary, loinc] : [primary];
}

/** Verhoeff's dihedral-group tables, as SNOMED CT uses them for the check digit of every identifier. */
const MULTIPLY = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
] as const;
const PERMUTE = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
] as const;

/**
 * Whether a string is a well-formed SNOMED CT concept id: 6 to 18 digits, no leading zero, a
 * concept partition ("00" in the core, "10" in an extension) and a valid Verhoeff check digit. A
 * mistyped code (a digit dropped or swapped) fails; a well-formed one may still not be a concept.
 */
export function isSnomedConceptId(value: string): boolean {
  if (!/^[1-9]\d{5,17}$/.test(value)) return false;
  const partition = value.slice(-3, -1);
  if (partition !== '00' && partition !== '10') return false;
  let check = 0;
  [...value].reverse().forEach((digit, position) => {
    check = MULTIPLY[check]![PERMUTE[position % 8]![Number(digit)]!]!;
  });
  return check === 0;
}
