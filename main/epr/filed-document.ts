/**
 * A filed note as the EPR returns it now: what a clinician opens from the outbox to see (and
 * print) what the record holds, rather than what Wardscribe sent. Read fresh from the EPR every
 * time; nothing of it is kept in the vault.
 */
import type { DocumentReference, Reference } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../../shared/domain/nhs-number';
import { describeRestriction } from '../../shared/domain/sensitivity';
import { EprRequestError } from './epr-errors';
import { ODS_ORGANISATION_SYSTEM } from './mapping';
import type { EprConnection, RequestContext } from './fhir-client';

/** The most text shown from a filed note's content; a longer one is cut and says so. */
export const FILED_TEXT_LIMIT = 200_000;

export interface FiledDocument {
  readonly documentReferenceId: string;
  /** The EPR's version of the document (`meta.versionId`), when it says. */
  readonly versionId: string | null;
  readonly lastUpdated: string | null;
  readonly status: string | null;
  readonly docStatus: string | null;
  /** The document type as the EPR names it (display, else code). */
  readonly type: string | null;
  readonly date: string | null;
  /** Who the record says it is about: the reference's display, else the reference itself. */
  readonly subject: string | null;
  readonly authors: readonly string[];
  readonly custodian: string | null;
  /** How restricted the record keeps it ("Restricted: Mental health"), from its security labels; null: not restricted. */
  readonly restriction: string | null;
  readonly contentType: string | null;
  /** The note's text, when its content is text; null with `textProblem` saying why otherwise. */
  readonly text: string | null;
  readonly textProblem: string | null;
  readonly truncated: boolean;
}

/** Reads a filed DocumentReference and its text content (inline, or a Binary on the EPR's own origin). */
export async function readFiledDocument(connection: EprConnection, documentReferenceId: string, context?: RequestContext): Promise<FiledDocument> {
  const document = (await connection.read('DocumentReference', documentReferenceId, context)) as DocumentReference;
  const attachment = document.content?.[0]?.attachment;
  const contentType = attachment?.contentType ?? null;
  let bytes: Buffer | undefined;
  let textProblem: string | null = null;
  if (typeof attachment?.data === 'string') bytes = Buffer.from(attachment.data, 'base64');
  else if (typeof attachment?.url === 'string') {
    try {
      bytes = await connection.readAttachment(attachment.url, context);
    } catch (error) {
      if (!(error instanceof EprRequestError) || error.transient) throw error;
      textProblem =
        error.kind === 'elsewhere'
          ? `The EPR keeps this note's text at another address (${error.serverReason ?? 'another server'}), which Wardscribe does not send your credentials to.`
          : `The EPR would not return this note's text (HTTP ${error.status ?? 'error'}).`;
    }
  } else textProblem = 'The EPR returned this document without any content.';
  let text: string | null = null;
  let truncated = false;
  if (bytes) {
    if (contentType !== null && !/^text\//i.test(contentType)) textProblem = `The note's content is ${contentType}, not text, so it is not shown here.`;
    else {
      try {
        const decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        truncated = decoded.length > FILED_TEXT_LIMIT;
        text = truncated ? decoded.slice(0, FILED_TEXT_LIMIT) : decoded;
      } catch {
        textProblem = "The note's content is not readable text (it is not valid UTF-8).";
      }
    }
  }
  const coding = document.type?.coding?.[0];
  return {
    documentReferenceId: document.id ?? documentReferenceId,
    versionId: document.meta?.versionId ?? null,
    lastUpdated: document.meta?.lastUpdated ?? null,
    status: document.status ?? null,
    docStatus: document.docStatus ?? null,
    type: document.type?.text ?? coding?.display ?? coding?.code ?? null,
    date: document.date ?? null,
    subject: nameOf(document.subject),
    authors: (document.author ?? []).map(nameOf).filter((name): name is string => name !== null),
    custodian: nameOf(document.custodian),
    restriction: describeRestriction((document.securityLabel ?? []).flatMap((label) => label.coding ?? [])),
    contentType,
    text,
    textProblem,
    truncated,
  };
}

/** The identifier systems a ward knows, in its words; any other identifier is shown by its value alone. */
const IDENTIFIER_WORDS: Readonly<Record<string, string>> = {
  [ODS_ORGANISATION_SYSTEM]: 'Organisation with ODS code',
  [NHS_NUMBER_SYSTEM]: 'NHS number',
};

function nameOf(reference: Reference | undefined): string | null {
  if (!reference) return null;
  if (reference.display ?? reference.reference) return (reference.display ?? reference.reference)!;
  const identifier = reference.identifier;
  if (!identifier?.value) return null;
  const words = identifier.system === undefined ? undefined : IDENTIFIER_WORDS[identifier.system];
  return words ? `${words} ${identifier.value}` : identifier.value;
}
