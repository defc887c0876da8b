/**
 * Maps an attested transcription to the FHIR R4 resources Wardscribe files: a DocumentReference
 * aligned with UK Core (the document describes itself: many EPRs ignore Provenance) and a
 * Provenance that attributes the advice and witnesses the audit chain head. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import type { DocumentReference, Identifier, Practitioner, Provenance, ProvenanceAgent, Reference } from '@medplum/fhirtypes';
import { consentWord, describeConsent, type FiledImage } from '../../shared/domain/clinical-image';
import { formatNhsNumber, NHS_NUMBER_SYSTEM } from '../../shared/domain/nhs-number';
import { DOCUMENT_CATEGORY, documentTypeCodings, primaryDocumentTypeCoding, SNOMED_SYSTEM } from '../../shared/domain/document-types';
import { securityLabels } from '../../shared/domain/sensitivity';
import { adviceSpan, isAdvice, renderTranscriptText, type AttestedTranscription, type RegistrationBody, type StaffIdentity } from '../../shared/domain/transcription';

export const ODS_ORGANISATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
/** The identifier system for a `urn:uuid:` value (RFC 3986 URIs). */
export const URI_SYSTEM = 'urn:ietf:rfc:3986';
export const UK_CORE_DOCUMENT_REFERENCE = 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-DocumentReference';
/**
 * The system notes attested before staff had registrations named their authors in (a namespace
 * Wardscribe does not own, issue #15): never sent now, still recognised when such a note is read back.
 */
export const LEGACY_WARDSCRIBE_USER_SYSTEM = 'https://wardscribe.nhs.uk/Id/user';
/** NHS England's Spine Directory Service user ID: the number on an NHS smartcard. */
export const SDS_USER_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';
/** Extension that carries the audit trail's head on the Provenance; defined in resources/fhir/StructureDefinition-audit-chain-head.json, shipped with the app. */
export const AUDIT_CHAIN_HEAD_EXTENSION = 'https://wardscribe.nhs.uk/fhir/StructureDefinition/audit-chain-head';
/** Identifier systems for professional registration numbers. */
export const REGISTRATION_SYSTEMS = {
  GMC: 'https://fhir.hl7.org.uk/Id/gmc-number',
  NMC: 'https://fhir.hl7.org.uk/Id/nmc-number',
  HCPC: 'https://fhir.hl7.org.uk/Id/hcpc-number',
  GPhC: 'https://fhir.hl7.org.uk/Id/gphc-number',
} as const satisfies Record<RegistrationBody, string>;

/** ASTM E1762 signature types (FHIR's Signature.type value set): the attester's verification. */
const VERIFICATION_SIGNATURE = { system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.5', display: 'Verification Signature' };

/** XHTML-escapes text for a narrative. */
function xhtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!);
}

/** A generated narrative of plain paragraphs: what an EPR shows when it does not render the resource itself. */
function narrative(paragraphs: readonly string[]): { status: 'generated'; div: string } {
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${paragraphs.map((paragraph) => `<p>${xhtml(paragraph)}</p>`).join('')}</div>` };
}
const PROVENANCE_PARTICIPANT = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';

/** The attachment exactly as filed: the text's UTF-8 bytes and the hashes that identify them. */
export interface TranscriptAttachment {
  readonly text: string;
  readonly bytes: Buffer;
  /** Base64 SHA-1 of the bytes: what FHIR's `Attachment.hash` holds. */
  readonly sha1Base64: string;
  /** Hex SHA-256 of the bytes: what read-back compares. */
  readonly sha256Hex: string;
}

export function transcriptAttachment(transcription: AttestedTranscription): TranscriptAttachment {
  const text = renderTranscriptText(transcription);
  const bytes = Buffer.from(text, 'utf8');
  return {
    text,
    bytes,
    sha1Base64: createHash('sha1').update(bytes).digest('base64'),
    sha256Hex: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** The identifier the EPR keys duplicates on: the transcription's `urn:uuid`. */
export function transcriptionIdentifier(transcription: Pick<AttestedTranscription, 'identifier'>): Identifier {
  return { system: URI_SYSTEM, value: transcription.identifier };
}

/** The search (and `If-None-Exist`) query that finds the DocumentReference filed for a transcription. */
export function identifierQuery(identifier: string): string {
  return `identifier=${URI_SYSTEM}|${identifier}`;
}

/** The EPR's own Practitioner ids for the attester and transcriber, where filing found exactly one for their identifier. */
export interface StaffRecords {
  readonly attester?: string;
  readonly transcriber?: string;
}

/** What the EPR asks of a document beyond UK Core (its profile), and what filing found in it. */
export interface DocumentOptions {
  /** Send the type's LOINC translation too (`documentTypeLoinc` in the EPR's profile). */
  readonly documentTypeLoinc?: boolean;
  readonly staffRecords?: StaffRecords;
}

/** The DocumentReference for a transcription; the author and authenticator are the attester. */
export function toDocumentReference(transcription: AttestedTranscription, attachment = transcriptAttachment(transcription), options: DocumentOptions = {}): DocumentReference {
  const { patient } = transcription;
  const type = primaryDocumentTypeCoding(transcription.documentType);
  const labels = securityLabels(transcription.sensitivity);
  const span = adviceSpan(transcription);
  const attester = staffReference(transcription.attester, options.staffRecords?.attester);
  return {
    resourceType: 'DocumentReference',
    // A sensitive note's labels on the resource too (meta.security): it carries the text inline.
    meta: { profile: [UK_CORE_DOCUMENT_REFERENCE], ...(labels.length > 0 ? { security: labels.flatMap((label) => label.coding) } : {}) },
    text: narrative([
      `${type.display}: advice received by instant message, transcribed for ${patient.name} (NHS number ${formatNhsNumber(patient.nhsNumber)}).`,
      `${describe(transcription)} at ${transcription.attestedAt}.`,
      `The transcript is the attached text${transcription.images?.length ? `, with ${transcription.images.length} clinical image${transcription.images.length === 1 ? '' : 's'}` : ''}.`,
    ]),
    masterIdentifier: transcriptionIdentifier(transcription),
    identifier: [transcriptionIdentifier(transcription)],
    status: 'current',
    docStatus: 'final',
    type: { coding: documentTypeCodings(transcription.documentType, options.documentTypeLoinc === true).map((coding) => ({ ...coding })), text: type.display },
    category: [{ coding: [{ ...DOCUMENT_CATEGORY }] }],
    ...(labels.length > 0 ? { securityLabel: labels } : {}),
    // The literal reference where the EPR's Patient was found and confirmed (Oracle Health
    // Millennium and GP Connect require one), and the NHS number for every EPR that keys on it.
    subject: {
      ...(patient.eprPatientId ? { reference: `Patient/${patient.eprPatientId}` } : {}),
      identifier: { system: NHS_NUMBER_SYSTEM, value: patient.nhsNumber },
      display: `${patient.name} (NHS number ${formatNhsNumber(patient.nhsNumber)})`,
    },
    date: transcription.attestedAt,
    author: [attester],
    authenticator: attester,
    custodian: { identifier: { system: ODS_ORGANISATION_SYSTEM, value: transcription.organisationOdsCode } },
    description: describe(transcription),
    content: [
      {
        attachment: {
          contentType: 'text/plain; charset=utf-8',
          language: 'en-GB',
          data: attachment.bytes.toString('base64'),
          size: attachment.bytes.length,
          hash: attachment.sha1Base64,
          title: `Transcribed advice (${transcription.excerpts.length} message${transcription.excerpts.length === 1 ? '' : 's'})`,
          creation: transcription.attestedAt,
        },
      },
      // Each image after the text, in the order chosen: read-back checks them in this order.
      ...(transcription.images ?? []).map((image, index, images) => ({ attachment: imageAttachment(image, index, images.length) })),
    ],
    // A correction names the note it replaces, by the EPR's id and by our identifier.
    ...(transcription.replaces
      ? { relatesTo: [{ code: 'replaces' as const, target: { reference: `DocumentReference/${transcription.replaces.documentReferenceId}`, identifier: transcriptionIdentifier(transcription.replaces) } }] }
      : {}),
    context: {
      ...(transcription.encounter ? { encounter: [{ reference: `Encounter/${transcription.encounter.id}`, display: transcription.encounter.display }] } : {}),
      period: { start: span.start, end: span.end },
      ...(transcription.practiceSetting ? { practiceSetting: { coding: [{ system: SNOMED_SYSTEM, ...transcription.practiceSetting }], text: transcription.practiceSetting.display } } : {}),
    },
  };
}

/**
 * The Provenance for a filed DocumentReference: each adviser (once, however many of their messages
 * were transcribed) as author of the advice, the transcriber as enterer, the attester as verifier,
 * the source thread described (never copied), and the audit chain head as an extension.
 */
export function toProvenance(transcription: AttestedTranscription, target: Reference<DocumentReference>, staffRecords: StaffRecords = {}): Provenance {
  const advisers = uniqueAdvisers(transcription);
  const agents: ProvenanceAgent[] = [
    ...advisers.map((adviser): ProvenanceAgent => ({
      type: participant('author', 'Author'),
      role: [{ text: adviser.role }],
      who: {
        display: adviser.name,
        ...(adviser.registration ? { identifier: { system: REGISTRATION_SYSTEMS[adviser.registration.body], value: adviser.registration.number } } : {}),
      },
    })),
    ...contextOnlySenders(transcription).map((sender): ProvenanceAgent => ({
      type: participant('informant', 'Informant'),
      role: [{ text: sender.role }],
      who: {
        display: sender.name,
        ...(sender.registration ? { identifier: { system: REGISTRATION_SYSTEMS[sender.registration.body], value: sender.registration.number } } : {}),
      },
    })),
    { type: participant('enterer', 'Enterer'), role: [{ text: transcription.transcriber.role }], who: staffReference(transcription.transcriber, staffRecords.transcriber) },
    { type: participant('verifier', 'Verifier'), role: [{ text: transcription.attester.role }], who: staffReference(transcription.attester, staffRecords.attester) },
  ];
  const { source } = transcription;
  const head = transcription.auditChainHead;
  return {
    resourceType: 'Provenance',
    text: narrative([
      `Advice by ${advisers.map((adviser) => `${adviser.name} (${adviser.role})`).join(', ')}, sent by instant message between ${adviceSpan(transcription).start} and ${adviceSpan(transcription).end}.`,
      `Transcribed by ${transcription.transcriber.name} (${transcription.transcriber.role}); attested by ${transcription.attester.name} (${transcription.attester.role}) at ${transcription.attestedAt}.`,
    ]),
    target: [target],
    occurredPeriod: adviceSpan(transcription),
    recorded: transcription.attestedAt,
    reason: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT', display: 'treatment' }] }],
    agent: agents,
    // The attestation as a verification signature: who attested, and when. (No signature bytes:
    // the attester signs by attesting in Wardscribe, witnessed by the audit chain head below.)
    signature: [{ type: [VERIFICATION_SIGNATURE], when: transcription.attestedAt, who: staffReference(transcription.attester, staffRecords.attester) }],
    entity: [
      {
        role: 'source',
        what: {
          display:
            `${source.kind} "${source.title}": ${source.messageCount} messages from ${source.firstMessageAt} to ${source.lastMessageAt}; ` +
            `${transcription.excerpts.length} transcribed; the original is wiped from Wardscribe only once this note is verified in the record`,
        },
      },
      // Each image's origin and consent, by the hash of the bytes as imported (the filed bytes' hash is on the attachment).
      ...(transcription.images ?? []).map((image, index, images) => ({
        role: 'source' as const,
        what: {
          display:
            `Image ${index + 1} of ${images.length} (SHA-1 as filed ${image.sha1Base64}; SHA-256 as imported ${image.originalSha256Hex}), ` +
            `sent ${image.creation} with a transcribed message; metadata removed before filing. ${describeConsent(image.consent)}`,
        },
      })),
    ],
    ...(head
      ? {
          extension: [
            {
              url: AUDIT_CHAIN_HEAD_EXTENSION,
              extension: [
                { url: 'sequence', valueInteger: head.sequence },
                { url: 'hash', valueString: head.hash },
              ],
            },
          ],
        }
      : {}),
  };
}

/** An image as a DocumentReference attachment: inline bytes, their type (from the bytes), size and SHA-1. */
export function imageAttachment(image: FiledImage, index: number, count: number) {
  return {
    contentType: image.contentType,
    data: image.data,
    size: image.size,
    hash: image.sha1Base64,
    title: `Clinical image ${index + 1} of ${count} (${consentWord(image.consent)})`,
    creation: image.creation,
  };
}

function describe(transcription: AttestedTranscription): string {
  const names = uniqueAdvisers(transcription).map((adviser) => `${adviser.name} (${adviser.role})`);
  const by = transcription.transcriber.userId === transcription.attester.userId ? `transcribed and attested by ${transcription.attester.name}` : `transcribed by ${transcription.transcriber.name} and attested by ${transcription.attester.name}`;
  return `Advice by ${names.join(', ')} received by instant message, ${by}`;
}

function uniqueAdvisers(transcription: AttestedTranscription): AttestedTranscription['excerpts'][number]['adviser'][] {
  const seen = new Map<string, AttestedTranscription['excerpts'][number]['adviser']>();
  for (const { adviser } of transcription.excerpts.filter(isAdvice)) {
    const key = adviser.registration ? `${adviser.registration.body}:${adviser.registration.number}` : `${adviser.name}|${adviser.role}`;
    if (!seen.has(key)) seen.set(key, adviser);
  }
  return [...seen.values()];
}

/** Senders of context only (a question, a reply): informants of the note, never authors of its advice. */
function contextOnlySenders(transcription: AttestedTranscription): AttestedTranscription['excerpts'][number]['adviser'][] {
  const authors = new Set(uniqueAdvisers(transcription).map((adviser) => `${adviser.name}|${adviser.role}`));
  const seen = new Map<string, AttestedTranscription['excerpts'][number]['adviser']>();
  for (const { adviser } of transcription.excerpts.filter((excerpt) => !isAdvice(excerpt))) {
    const key = `${adviser.name}|${adviser.role}`;
    if (!authors.has(key) && !seen.has(key)) seen.set(key, adviser);
  }
  return [...seen.values()];
}

/**
 * How the record identifies a member of staff: their SDS user ID (the national directory every
 * NHS EPR can resolve), else their professional registration, else the Trust's own identifier
 * for them; none at all (their name only) where an administrator has set none of these.
 */
export function staffIdentifier(staff: StaffIdentity): Identifier | undefined {
  if (staff.sdsUserId) return { system: SDS_USER_SYSTEM, value: staff.sdsUserId };
  if (staff.registration) return { system: REGISTRATION_SYSTEMS[staff.registration.body], value: staff.registration.number };
  if (staff.localIdentifier) return { system: staff.localIdentifier.system, value: staff.localIdentifier.value };
  return undefined;
}

/**
 * A member of staff as a Practitioner reference: the EPR's own Practitioner where filing found
 * them there, and always their identifier and name (an EPR that holds no Practitioner for them,
 * or ignores references, still knows who they are).
 */
function staffReference(staff: StaffIdentity, practitionerId?: string): Reference<Practitioner> {
  const identifier = staffIdentifier(staff);
  const registration = staff.registration && identifier?.system !== REGISTRATION_SYSTEMS[staff.registration.body] ? `, ${staff.registration.body} ${staff.registration.number}` : '';
  return { ...(practitionerId ? { reference: `Practitioner/${practitionerId}` } : {}), ...(identifier ? { identifier } : {}), display: `${staff.name}, ${staff.role}${registration}` };
}

function participant(code: string, display: string) {
  return { coding: [{ system: PROVENANCE_PARTICIPANT, code, display }] };
}
