/**
 * Read-back verification: does the document the EPR now holds say what we filed, about the
 * patient we filed it for? Pure comparison; the engine fetches what it needs (the document, its
 * Binary, the Patient a literal reference points to) and passes it in.
 *
 * Only a full match is "verified", and only verified unlocks the wipe. Each difference names
 * its field, never a value (values are patient data).
 */
import { createHash } from 'node:crypto';
import type { DocumentReference, Patient } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../../shared/domain/nhs-number';
import { primaryDocumentTypeCoding } from '../../shared/domain/document-types';
import { CONFIDENTIALITY_SYSTEM, securityLabels } from '../../shared/domain/sensitivity';
import type { AttestedTranscription } from '../../shared/domain/transcription';
import type { EprProfile } from './epr-profile';
import { imageAttachment, LEGACY_WARDSCRIBE_USER_SYSTEM, ODS_ORGANISATION_SYSTEM, staffIdentifier, URI_SYSTEM } from './mapping';

/** The fields read-back checks, in the order they are reported. */
export const CHECKED_FIELDS = ['id', 'identifier', 'identifier-not-kept', 'subject', 'status', 'docStatus', 'type', 'date', 'author', 'custodian', 'encounter', 'securityLabel', 'content', 'images'] as const;
export type CheckedField = (typeof CHECKED_FIELDS)[number];

export interface ReadBackEvidence {
  /** The id we read by (from the create or the search). */
  readonly documentReferenceId: string;
  readonly document: DocumentReference;
  /** The attachment's bytes: inline `data`, or fetched from its `url` (Binary); undefined if neither. */
  readonly contentBytes: Buffer | undefined;
  /** When `subject` is a literal reference, the Patient it points to (read from the EPR). */
  readonly subjectPatient?: Patient;
  /** The EPR's base URL: an absolute subject reference names a patient here only under it. */
  readonly baseUrl?: string;
  /**
   * Each image attachment's bytes fetched from its `url`, by position after the text, where the
   * EPR moved them to a Binary. Inline `data` is read from the document itself.
   */
  readonly imageBytes?: readonly (Buffer | undefined)[];
  /** The EPR's Practitioner id the attester was filed as author with, where filing found one. */
  readonly attesterPractitionerId?: string;
}

/** The fields that differ from what was filed; empty means verified. */
export function readBackMismatches(
  transcription: AttestedTranscription,
  attachmentSha256: string,
  profile: Pick<EprProfile, 'identifier'>,
  evidence: ReadBackEvidence,
): CheckedField[] {
  const { document } = evidence;
  const mismatched = new Set<CheckedField>();
  if (document.resourceType !== 'DocumentReference' || document.id !== evidence.documentReferenceId) mismatched.add('id');

  const ours = (identifier: { system?: string; value?: string } | undefined) => identifier?.system === URI_SYSTEM && identifier.value === transcription.identifier;
  const inIdentifier = document.identifier?.some(ours) ?? false;
  const inMaster = ours(document.masterIdentifier);
  // Any identifier of ours the server kept must be ours exactly; what the profile says it keeps must be there.
  const foreign = (document.identifier ?? []).some((identifier) => identifier.system === URI_SYSTEM && !ours(identifier)) || (document.masterIdentifier?.system === URI_SYSTEM && !inMaster);
  const expected = profile.identifier === 'kept' ? inIdentifier && inMaster : profile.identifier === 'master-only' ? inMaster : profile.identifier === 'identifier-only' ? inIdentifier : true;
  if (foreign) mismatched.add('identifier');
  // Ours missing from where the profile expects it, nothing foreign in its place: the server did not keep it.
  else if (!expected) mismatched.add('identifier-not-kept');

  if (!samePatient(transcription.patient.nhsNumber, document, evidence.subjectPatient)) mismatched.add('subject');
  // Filed against the Patient the clinician confirmed: a reference to any other Patient is another record, whatever its NHS number.
  const referenced = subjectPatientId(document, evidence.baseUrl);
  if (transcription.patient.eprPatientId && referenced !== undefined && referenced !== transcription.patient.eprPatientId) mismatched.add('subject');
  if (document.status !== 'current') mismatched.add('status');
  if (document.docStatus !== 'final') mismatched.add('docStatus');

  const type = primaryDocumentTypeCoding(transcription.documentType);
  const codings = document.type?.coding ?? [];
  const sameType = codings.some((coding) => coding.system === type.system && coding.code === type.code);
  // Another code from the same system alongside ours is a changed type, not a translation.
  const otherCodeSameSystem = codings.some((coding) => coding.system === type.system && coding.code !== type.code);
  if (!sameType || otherCodeSameSystem) mismatched.add('type');

  // The same instant, however the server writes it (offset, fraction of a second).
  if (typeof document.date !== 'string' || Date.parse(document.date) !== Date.parse(transcription.attestedAt)) mismatched.add('date');
  // The attester as author: none at all, or someone else in the system the attester was identified
  // by (their SDS user ID, registration or the Trust's own), is not what was filed; nor, on a note
  // filed before staff had those, another user in the old Wardscribe system. A server that resolved
  // the author to its own Practitioner reference is not checked further (the document text names
  // who gave and who transcribed the advice).
  const authors = document.author ?? [];
  const attester = staffIdentifier(transcription.attester);
  const anotherUser = authors.some(
    (author) =>
      (attester !== undefined && author.identifier?.system === attester.system && author.identifier?.value !== attester.value) ||
      (author.identifier?.system === LEGACY_WARDSCRIBE_USER_SYSTEM && author.identifier.value !== transcription.attester.userId),
  );
  // Filed as the EPR's own Practitioner: an author that is another Practitioner of that EPR is someone else.
  const ourPractitioner = evidence.attesterPractitionerId;
  const anotherPractitioner =
    ourPractitioner !== undefined &&
    authors.some((author) => {
      const id = practitionerId(author.reference, evidence.baseUrl);
      return id !== undefined && id !== ourPractitioner;
    });
  if (authors.length === 0 || anotherUser || anotherPractitioner) mismatched.add('author');
  // Kept by another organisation: the note is in someone else's record. (A custodian the server dropped, or resolved to a reference, is not.)
  const custodian = document.custodian?.identifier;
  if (custodian?.system === ODS_ORGANISATION_SYSTEM && custodian.value !== transcription.organisationOdsCode) mismatched.add('custodian');

  // Linked to the encounter chosen: another encounter there is another visit's, maybe another patient's. (One the EPR dropped is not.)
  if (transcription.encounter) {
    const linked = (document.context?.encounter ?? []).map((reference) => localId(reference.reference, 'Encounter', evidence.baseUrl));
    if (linked.some((id) => id !== undefined && id !== transcription.encounter!.id)) mismatched.add('encounter');
  }

  // A note filed as restricted must come back at least as restricted, with the reason it was
  // restricted: an EPR that dropped or lowered the label would show sensitive advice to anyone.
  if (transcription.sensitivity !== undefined) {
    const kept = (document.securityLabel ?? []).flatMap((label) => label.coding ?? []);
    const restricted = kept.some((coding) => coding.system === CONFIDENTIALITY_SYSTEM && (coding.code === 'R' || coding.code === 'V'));
    const lowered = kept.some((coding) => coding.system === CONFIDENTIALITY_SYSTEM && coding.code !== 'R' && coding.code !== 'V');
    const reasons = securityLabels(transcription.sensitivity)
      .flatMap((label) => label.coding)
      .filter((coding) => coding.system !== CONFIDENTIALITY_SYSTEM);
    const reasonsKept = reasons.every((reason) => kept.some((coding) => coding.system === reason.system && coding.code === reason.code));
    if (!restricted || lowered || !reasonsKept) mismatched.add('securityLabel');
  }

  const images = transcription.images ?? [];
  const sha256 = evidence.contentBytes ? createHash('sha256').update(evidence.contentBytes).digest('hex') : undefined;
  const content = document.content ?? [];
  if (sha256 !== attachmentSha256 || content.length < 1 || (images.length === 0 && content.length !== 1)) mismatched.add('content');
  // Every image filed must come back, in its place, with the bytes filed: a missing one, a
  // different one, or an extra one leaves the note unverified (and its originals unwiped).
  if (images.length > 0) {
    if (content.length !== 1 + images.length) mismatched.add('images');
    images.forEach((image, index) => {
      const attachment = content[index + 1]?.attachment;
      const bytes = typeof attachment?.data === 'string' ? Buffer.from(attachment.data, 'base64') : evidence.imageBytes?.[index];
      const same =
        !!attachment &&
        !!bytes &&
        bytes.length === image.size &&
        createHash('sha256').update(bytes).digest('hex') === image.sha256Hex &&
        createHash('sha1').update(bytes).digest('base64') === image.sha1Base64 &&
        (attachment.hash === undefined || attachment.hash === image.sha1Base64) &&
        (attachment.size === undefined || attachment.size === image.size) &&
        attachment.contentType === image.contentType &&
        // The title says the consent recorded for it and the creation when it was sent: an EPR may
        // drop either (the text says both too), but one changed is not the image as filed.
        (attachment.title === undefined || attachment.title === imageAttachment(image, index, images.length).title) &&
        (attachment.creation === undefined || Date.parse(attachment.creation) === Date.parse(image.creation));
      if (!same) mismatched.add('images');
    });
  }

  return CHECKED_FIELDS.filter((field) => mismatched.has(field));
}

/**
 * The subject is our patient when its NHS number is ours: on the reference's identifier, or on
 * the Patient a literal reference points to (EPRs such as Cerner Millennium store `Patient/123`).
 */
function samePatient(nhsNumber: string, document: DocumentReference, subjectPatient: Patient | undefined): boolean {
  const subject = document.subject;
  if (!subject) return false;
  const nhs = (identifier: { system?: string; value?: string } | undefined) => identifier?.system === NHS_NUMBER_SYSTEM && identifier.value?.replace(/\s/g, '') === nhsNumber;
  if (subject.identifier && subject.identifier.system === NHS_NUMBER_SYSTEM) {
    if (!nhs(subject.identifier)) return false;
    if (!subject.reference) return true;
  }
  if (subject.reference) {
    if (!subjectPatient) return false;
    const numbers = (subjectPatient.identifier ?? []).filter((identifier) => identifier.system === NHS_NUMBER_SYSTEM);
    return numbers.length > 0 && numbers.every(nhs);
  }
  return false;
}

/**
 * The Patient id a literal subject reference names on this EPR, to read it: `Patient/{id}`, or
 * the EPR's own base URL followed by it. A reference to any other server names no patient here
 * (undefined), so the subject cannot be confirmed and the read-back is not verified.
 */
export function subjectPatientId(document: DocumentReference, baseUrl?: string): string | undefined {
  const reference = document.subject?.reference ?? '';
  const base = baseUrl?.replace(/\/+$/, '');
  const local = base !== undefined && reference.startsWith(`${base}/`) ? reference.slice(base.length + 1) : reference;
  const match = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(local);
  return match?.[1];
}

/**
 * The Practitioner id a reference names on this EPR (`Practitioner/{id}`, or under its base URL);
 * undefined for anything else (no reference, another type, another server's).
 */
function practitionerId(reference: string | undefined, baseUrl?: string): string | undefined {
  return localId(reference, 'Practitioner', baseUrl) ?? undefined;
}

/**
 * The id a reference names for a resource of this type on this EPR (`Type/{id}`, under its base
 * URL, at a version); undefined for no reference; null for anything else (another type, another
 * server's), which is never the one filed.
 */
function localId(reference: string | undefined, type: string, baseUrl?: string): string | null | undefined {
  if (reference === undefined) return undefined;
  const base = baseUrl?.replace(/\/+$/, '');
  const local = base !== undefined && reference.startsWith(`${base}/`) ? reference.slice(base.length + 1) : reference;
  return new RegExp(`^${type}\\/([A-Za-z0-9\\-.]{1,64})(\\/_history\\/[^/]+)?$`).exec(local)?.[1] ?? null;
}
