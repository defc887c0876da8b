/**
 * Filing steps: from an outbox item's state, the one step that moves it on, against one EPR and
 * its profile. The outbox runner (outbox-runner.ts) loops over these, saves each state, retries
 * and backs off; this module decides what each step means.
 *
 * - Where the EPR creates on PUT (`updateCreate`), the document is written to an id derived from
 *   the note's identifier: a repeat is the same resource, so a resend needs no search at all.
 * - Otherwise every push that might repeat an earlier one (pushes > 0: an automatic retry, a
 *   clinician's Retry, a resume after a crash) first waits out a settle window counted from that
 *   push (a server can still be committing a write the client gave up on, and a search that runs
 *   first finds nothing), then searches the EPR by identifier twice, uncached, and keeps only
 *   results that carry our exact system and value: a server that ignores the parameter answers
 *   with other documents, which is recognised and stops the item without naming any of them.
 * - A push the EPR answered with a refusal (a 4xx, a redirect) counts like one with no answer: a
 *   server can apply a write and then refuse to return it (an authorisation check on the
 *   response, a gateway checking the token after the service ran), and its search index can lag
 *   behind the write (eventually consistent search), so its resend waits out the window too.
 * - An empty search proves the note is not there only on an EPR where a search by identifier has
 *   been seen to find a note (`identifierSearchProven`, kept per EPR): elsewhere the EPR may drop
 *   identifiers, and the item stops for a clinician to check the record instead.
 * - It files as a transaction (DocumentReference + Provenance) when the profile says so, and falls
 *   back to two creates when the server refuses the transaction (it was not applied).
 * - A Provenance the EPR cannot take is kept in the vault and the audit trail; the document text
 *   already carries the attribution.
 * - Only a read-back whose every checked field matches is `verified` (read-back.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Bundle, DocumentReference, Patient, Practitioner, Provenance, Resource } from '@medplum/fhirtypes';
import type { AttestedTranscription } from '../../shared/domain/transcription';
import { EprRequestError } from './epr-errors';
import { resendSettleDelayMs, type EprProfile } from './epr-profile';
import type { EprConnection, RequestContext } from './fhir-client';
import { identifierQuery, staffIdentifier, toDocumentReference, toProvenance, URI_SYSTEM, type StaffRecords } from './mapping';
import { owedMarking, settleMarking, type OutboxItem, type OutboxState, type ProvenanceState, type ReplacedState } from './outbox';
import { readBackMismatches, subjectPatientId } from './read-back';
import { DEFAULT_RETRY_POLICY } from './retry-policy';
import { validateFhirResource } from './validate';

/** The EPR an item is filed in, with what filing has learnt about it. */
export interface FilingTarget {
  readonly connection: EprConnection;
  profile: EprProfile;
  /**
   * A search of this EPR by note identifier has found a note filed there (this session or an
   * earlier one, or the administrator says how it keeps identifiers). Until then a search that
   * finds nothing proves nothing: the EPR may drop identifiers, and sending again would file twice.
   */
  identifierSearchProven: boolean;
  /**
   * The EPR's Practitioner id for each staff identifier looked up this session (null: it holds
   * none, or more than one). Kept so a note's resend, Provenance and read-back name the same one.
   */
  practitioners?: Map<string, string | null>;
}

export interface FilingStepOptions {
  readonly target: FilingTarget;
  /** Saves an intermediate state (before a push) durably. */
  readonly save: (state: OutboxState) => Promise<void>;
  readonly now: () => number;
  /** The request timeout: the settle window before a resend is never shorter by default. */
  readonly requestTimeoutMs?: number;
  /**
   * Keeps, across sessions, whether a search of this EPR by identifier can be trusted: true once
   * one found a note, false again when a read-back shows the EPR no longer keeps the identifier.
   */
  readonly identifierSearchProven?: (proven: boolean) => Promise<void>;
}

/**
 * How long after a create a 404 or 410 on its read-back is taken for the server's read-after-write
 * lag (replicas, caches) and retried, rather than the document being missing.
 */
export const READ_AFTER_WRITE_LAG_MS = 60_000;

/**
 * Statuses with which a server refuses a transaction as such (nothing of it applied). Not 422:
 * that is the content breaking the server's rules, which two creates would break too.
 */
const TRANSACTION_REFUSED = new Set([400, 403, 404, 405, 501]);

/**
 * Of those, the statuses that say the server has no transaction endpoint at all, so nothing of it
 * can have been applied. A 400 or 403 can come after the bundle ran (an authorisation check on the
 * response does this): the two creates that follow search first.
 */
const NO_TRANSACTION_ENDPOINT = new Set([404, 405, 501]);

/** One step from the item's state. Throws EprRequestError when a request fails. */
export async function filingStep(item: OutboxItem, options: FilingStepOptions): Promise<OutboxState> {
  const { state } = item;
  switch (state.kind) {
    case 'queued':
      return invalidResources(item.transcription) ? { kind: 'failed', reason: 'invalid-resource', pushes: 0 } : { kind: 'sending', pushes: 0, mode: options.target.profile.write };
    case 'sending':
      return send(item, state, options);
    case 'filed':
      if (state.provenance.kind === 'pending' || state.provenance.kind === 'sending') {
        return { ...state, provenance: await fileProvenance(item, state.documentReferenceId, state.provenance, options) };
      }
      return readBack(item, state.documentReferenceId, state.provenance, state.since, options);
    case 'verified':
      switch (owedMarking(state)) {
        case 'replaced':
          return settleMarking(state, await markEnteredInError(item, item.transcription.replaces!, options), 'replaced');
        case 'withdrawal':
          return settleMarking(state, await markEnteredInError(item, { documentReferenceId: state.documentReferenceId, identifier: item.identifier }, options, 'withdrawal'), 'withdrawal');
        default:
          return state;
      }
    default:
      return state;
  }
}

async function send(item: OutboxItem, state: Extract<OutboxState, { kind: 'sending' }>, options: FilingStepOptions): Promise<OutboxState> {
  const { target } = options;
  const { pushes } = state;
  const context = contextOf(item);
  if (target.profile.updateCreate) return sendToOwnId(item, pushes, options);
  if (pushes > 0) {
    // An earlier push may have been applied, or (with no answer) may still be being applied: let
    // an unanswered one settle, then look (twice, past any cache) before pushing again.
    const anchor = state.since ?? item.updatedAt;
    const confirmAt = anchor + resendSettleDelayMs(target.profile, options.requestTimeoutMs ?? DEFAULT_RETRY_POLICY.requestTimeoutMs);
    if (options.now() < confirmAt) return { kind: 'sending', pushes, mode: state.mode, since: anchor, confirmAt };
    let found = await findFiled(target, item.identifier, context);
    if (Array.isArray(found) && found.length === 0) found = await findFiled(target, item.identifier, context, true);
    if (found === 'unsearchable') return { kind: 'needs-attention', reason: 'identifier-search-unsupported', documentReferenceIds: [], pushes };
    if (found.length > 1) return { kind: 'needs-attention', reason: 'multiple-matches', documentReferenceIds: found.map((document) => document.id!), pushes };
    if (found.length === 1) {
      const documentReferenceId = found[0]!.id!;
      return { kind: 'filed', documentReferenceId, provenance: await provenanceOnServer(item, documentReferenceId, options), since: options.now() };
    }
    // Nothing found, on an EPR no search has yet found a note on: it may keep no identifier, and
    // then the earlier push may be there unseen (refused or not). A clinician checks the record instead.
    if (!target.identifierSearchProven) return { kind: 'needs-attention', reason: 'identifier-unproven', documentReferenceIds: [], pushes };
  }
  const mode = target.profile.write;
  // Recorded before the push: if we are killed during it, resuming searches first.
  const since = options.now();
  await options.save({ kind: 'sending', pushes: pushes + 1, mode, since });
  const staffRecords = await staffRecordsFor(target, item.transcription, context);
  const documentReference = toDocumentReference(item.transcription, undefined, { documentTypeLoinc: target.profile.documentTypeLoinc === true, staffRecords });
  const ifNoneExist = target.profile.conditionalCreate ? identifierQuery(item.identifier) : undefined;
  if (mode === 'transaction') {
    try {
      const [document, provenance] = await target.connection.transaction(filingBundle(item.transcription, documentReference, ifNoneExist, staffRecords), context);
      return { kind: 'filed', documentReferenceId: document!.id, provenance: { kind: 'filed', ...(provenance ? { id: provenance.id } : {}) }, since: options.now() };
    } catch (error) {
      if (!(error instanceof EprRequestError) || error.kind !== 'http' || !TRANSACTION_REFUSED.has(error.status ?? 0)) throw error;
      // Refused as a whole: two creates from now on. With no transaction endpoint nothing was
      // applied (the push does not count); after a 400 or 403 the creates search first.
      target.profile = { ...target.profile, write: 'individual' };
      if (NO_TRANSACTION_ENDPOINT.has(error.status!)) return { kind: 'sending', pushes, mode: 'individual', since: options.now() };
      return { kind: 'sending', pushes: pushes + 1, mode: 'individual', since };
    }
  }
  const result = await target.connection.create(documentReference, ifNoneExist, context);
  const provenance: ProvenanceState = target.profile.provenance === 'create' ? { kind: 'pending' } : keptLocally(item.transcription, result.id, 'not-supported');
  return { kind: 'filed', documentReferenceId: result.id, provenance, since: options.now() };
}

/**
 * The id a note's DocumentReference is written to on an EPR that creates on PUT: derived from the
 * transcription identifier alone, so every write of this note names the same resource. A hash,
 * not the uuid itself: the id is visible in the EPR, and it differs from the identifier's value.
 */
export function documentIdFor(identifier: string): string {
  return `ws-${createHash('sha256').update(`DocumentReference|${identifier}`).digest('hex').slice(0, 40)}`;
}

/** The Provenance's id, by the same rule: one Provenance however often it is written. */
export function provenanceIdFor(identifier: string): string {
  return `ws-${createHash('sha256').update(`Provenance|${identifier}`).digest('hex').slice(0, 40)}`;
}

/**
 * Writes to the ids derived from the identifier (update-create): the first push and every resend
 * alike, with no search and no wait, because a PUT repeated, or landing late, is the same resource.
 */
async function sendToOwnId(item: OutboxItem, pushes: number, options: FilingStepOptions): Promise<OutboxState> {
  const { target } = options;
  const context = contextOf(item);
  const mode = target.profile.write;
  const documentReferenceId = documentIdFor(item.identifier);
  if (pushes > 0) {
    // An earlier PUT may have landed, and the EPR may have changed the note since (marked it
    // entered-in-error, amended it): a repeat would write over that. So it is read first, and if it
    // is there, read-back judges it as it stands.
    const existing = await documentAt(target, documentReferenceId, context);
    // Gone (410): it landed and the EPR has since deleted it. Written again, it would come back and
    // verify a note someone removed on purpose: stopped instead, for a person to look into.
    if (existing === 'gone') return { kind: 'failed', reason: 'read-back-missing', httpStatus: 410, documentReferenceId, pushes };
    if (existing) return { kind: 'filed', documentReferenceId, provenance: await provenanceOnServer(item, documentReferenceId, options), since: options.now() };
  }
  await options.save({ kind: 'sending', pushes: pushes + 1, mode, since: options.now() });
  const staffRecords = await staffRecordsFor(target, item.transcription, context);
  const documentReference = { ...toDocumentReference(item.transcription, undefined, { documentTypeLoinc: target.profile.documentTypeLoinc === true, staffRecords }), id: documentReferenceId };
  if (mode === 'transaction') {
    try {
      const [document, provenance] = await target.connection.transaction(ownIdBundle(item.transcription, documentReference, provenanceIdFor(item.identifier), staffRecords), context);
      if (document!.id !== documentReferenceId) throw new EprRequestError('protocol', undefined, undefined);
      return { kind: 'filed', documentReferenceId, provenance: { kind: 'filed', ...(provenance ? { id: provenance.id } : {}) }, since: options.now() };
    } catch (error) {
      if (!(error instanceof EprRequestError) || error.kind !== 'http' || !TRANSACTION_REFUSED.has(error.status ?? 0)) throw error;
      target.profile = { ...target.profile, write: 'individual' };
      return { kind: 'sending', pushes, mode: 'individual', since: options.now() };
    }
  }
  const result = await target.connection.update(documentReference, context);
  if (result.id !== documentReferenceId) throw new EprRequestError('protocol', undefined, undefined);
  // An earlier push may have filed the Provenance already: look for it before writing one (fileProvenance).
  const provenance: ProvenanceState = target.profile.provenance === 'create' ? (pushes > 0 ? { kind: 'sending', pushes: 1 } : { kind: 'pending' }) : keptLocally(item.transcription, documentReferenceId, 'not-supported');
  return { kind: 'filed', documentReferenceId, provenance, since: options.now() };
}

/** The document at an id; null when the EPR has never had one there (404), `gone` when it had and deleted it (410). */
async function documentAt(target: FilingTarget, id: string, context: RequestContext): Promise<DocumentReference | null | 'gone'> {
  try {
    return (await target.connection.read('DocumentReference', id, context)) as DocumentReference;
  } catch (error) {
    if (error instanceof EprRequestError && error.kind === 'http' && error.status === 404) return null;
    if (error instanceof EprRequestError && error.kind === 'http' && error.status === 410) return 'gone';
    throw error;
  }
}

/** The transaction on an update-create EPR: both resources PUT to their own ids (repeatable as a whole). */
function ownIdBundle(transcription: AttestedTranscription, documentReference: DocumentReference & { id: string }, provenanceId: string, staffRecords: StaffRecords): Bundle {
  const reference = `DocumentReference/${documentReference.id}`;
  const provenance: Provenance = { ...toProvenance(transcription, { reference }, staffRecords), id: provenanceId };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: reference, resource: documentReference, request: { method: 'PUT', url: reference } },
      { fullUrl: `Provenance/${provenanceId}`, resource: provenance, request: { method: 'PUT', url: `Provenance/${provenanceId}` } },
    ],
  };
}

/**
 * The DocumentReferences on the EPR that carry this identifier exactly, or `unsearchable` when the
 * EPR cannot be searched by identifier (by profile, or because it answered with others).
 */
export async function findFiled(target: FilingTarget, identifier: string, context?: RequestContext, again = false): Promise<DocumentReference[] | 'unsearchable'> {
  if (!target.profile.identifierSearch || target.profile.identifier === 'dropped') return 'unsearchable';
  const [name, value] = identifierQuery(identifier).split(/=(.*)/s) as [string, string];
  let results: Resource[];
  try {
    // The second look is a different query (`_count`), so a cache that ignores no-cache cannot answer it from the first.
    results = await target.connection.search('DocumentReference', again ? { [name]: value, _count: '50' } : { [name]: value }, context);
  } catch (error) {
    // A server that refuses the parameter says so with a 400: as unsearchable as one that ignores it.
    if (error instanceof EprRequestError && error.kind === 'http' && (error.status === 400 || error.status === 403 || error.status === 404 || error.status === 405 || error.status === 501)) return 'unsearchable';
    throw error;
  }
  const ours = results.filter((resource): resource is DocumentReference => resource.resourceType === 'DocumentReference' && !!resource.id && carriesIdentifier(resource, identifier));
  // Anything else in the answer means the parameter was ignored: the answer proves nothing.
  if (ours.length !== results.length) return 'unsearchable';
  return ours;
}

function carriesIdentifier(document: DocumentReference, identifier: string): boolean {
  const ours = (candidate: { system?: string; value?: string } | undefined) => candidate?.system === URI_SYSTEM && candidate.value === identifier;
  return ours(document.masterIdentifier) || (document.identifier?.some(ours) ?? false);
}

/** Whether the document carries another Wardscribe note's identifier (in either field): it is not that note. */
function carriesAnotherNote(document: DocumentReference, identifier: string): boolean {
  const foreign = (candidate: { system?: string; value?: string } | undefined) => candidate?.system === URI_SYSTEM && candidate.value !== identifier;
  return (document.identifier ?? []).some(foreign) || foreign(document.masterIdentifier);
}

/** After a search found the document: is its Provenance there already (at most one is filed)? */
async function provenanceOnServer(item: OutboxItem, documentReferenceId: string, options: FilingStepOptions): Promise<ProvenanceState> {
  if (options.target.profile.provenance !== 'create') return keptLocally(item.transcription, documentReferenceId, 'not-supported');
  const found = await findProvenance(options.target, documentReferenceId, contextOf(item));
  if (found === 'unsearchable') return keptLocally(item.transcription, documentReferenceId, 'unconfirmed');
  // Not there: owed, and sent once (conditionally where the EPR can) by the next step.
  return found.length > 0 ? { kind: 'filed', id: found[0]!.id! } : { kind: 'pending' };
}

async function findProvenance(target: FilingTarget, documentReferenceId: string, context: RequestContext): Promise<Provenance[] | 'unsearchable'> {
  const reference = `DocumentReference/${documentReferenceId}`;
  let results: Resource[];
  try {
    results = await target.connection.search('Provenance', { target: reference }, context);
  } catch (error) {
    if (error instanceof EprRequestError && !error.transient) return 'unsearchable';
    throw error;
  }
  const pointsAtIt = (resource: Resource): resource is Provenance =>
    resource.resourceType === 'Provenance' && !!resource.id && (resource as Provenance).target.some((ref) => ref.reference === reference || (ref.reference ?? '').endsWith(`/${reference}`));
  const ours = results.filter(pointsAtIt);
  if (ours.length !== results.length) return 'unsearchable';
  return ours;
}

async function fileProvenance(item: OutboxItem, documentReferenceId: string, provenance: ProvenanceState, options: FilingStepOptions): Promise<ProvenanceState> {
  const { target } = options;
  if (target.profile.provenance !== 'create') return keptLocally(item.transcription, documentReferenceId, 'not-supported');
  const context = contextOf(item);
  const pushes = provenance.kind === 'sending' ? provenance.pushes : 0;
  if (pushes > 0) {
    // Sent before, its answer not seen: found means filed. Not found proves nothing (the create
    // may still be committing, or the EPR may not search by target), and at most one Provenance is
    // filed: so a create is never sent again, but kept here and in the audit trail as unconfirmed.
    // (A PUT to its derived id is: repeated, it is the same Provenance.)
    const found = await findProvenance(target, documentReferenceId, context);
    if (found !== 'unsearchable' && found.length > 0) return { kind: 'filed', id: found[0]!.id! };
    if (!target.profile.updateCreate) return keptLocally(item.transcription, documentReferenceId, 'unconfirmed');
  }
  const state = { kind: 'filed', documentReferenceId, provenance: { kind: 'sending', pushes: pushes + 1 }, since: options.now() } as const;
  await options.save(state);
  const reference = `DocumentReference/${documentReferenceId}`;
  try {
    const resource = toProvenance(item.transcription, { reference }, await staffRecordsFor(target, item.transcription, context));
    // On an update-create EPR the Provenance has its own derived id too: a repeat is the same one.
    const result = target.profile.updateCreate
      ? await target.connection.update({ ...resource, id: provenanceIdFor(item.identifier) }, context)
      : await target.connection.create(resource, target.profile.conditionalCreate ? `target=${reference}` : undefined, context);
    return { kind: 'filed', id: result.id };
  } catch (error) {
    if (!(error instanceof EprRequestError) || error.transient) throw error;
    // Read-only (405), no Provenance endpoint (404, 501 Not Implemented: not transient), not
    // permitted (403), refused: the document stands; keep it here.
    if (error.status === 405 || error.status === 404 || error.status === 501) target.profile = { ...target.profile, provenance: 'keep-locally' };
    return keptLocally(item.transcription, documentReferenceId, error.status === 405 || error.status === 404 || error.status === 501 ? 'not-supported' : 'refused', error.serverReason);
  }
}

async function readBack(item: OutboxItem, documentReferenceId: string, provenance: ProvenanceState, since: number | undefined, options: FilingStepOptions): Promise<OutboxState> {
  const { connection } = options.target;
  const context = contextOf(item);
  const pushes = 1;
  let document: DocumentReference;
  try {
    document = (await connection.read('DocumentReference', documentReferenceId, context)) as DocumentReference;
  } catch (error) {
    if (error instanceof EprRequestError && error.kind === 'http' && (error.status === 404 || error.status === 410)) {
      // Just created: a replica or cache may not have it yet; retried with backoff for a while.
      if (since !== undefined && options.now() - since < READ_AFTER_WRITE_LAG_MS) throw new EprRequestError('not-yet-readable', error.status, undefined);
      return { kind: 'failed', reason: 'read-back-missing', httpStatus: error.status, documentReferenceId, pushes, provenance };
    }
    throw error;
  }
  const attachment = document.content?.[0]?.attachment;
  let contentBytes: Buffer | undefined;
  if (typeof attachment?.data === 'string') contentBytes = Buffer.from(attachment.data, 'base64');
  else if (typeof attachment?.url === 'string') {
    try {
      // Content moved to a Binary (Epic, Cerner and HAPI's externalised binaries do this).
      contentBytes = await connection.readAttachment(attachment.url, context);
    } catch (error) {
      if (!(error instanceof EprRequestError) || error.transient) throw error;
      // Content the server places on another origin is a setting of the server to fix, not a difference in the note.
      if (error.kind === 'elsewhere') return { kind: 'failed', reason: 'content-elsewhere', ...(error.serverReason ? { serverReason: error.serverReason } : {}), documentReferenceId, pushes, provenance };
      contentBytes = undefined;
    }
  }
  // Images after the text, where the EPR moved them to a Binary too: fetched the same way (an
  // image it will not return stays missing, and the note unverified).
  const imageBytes: (Buffer | undefined)[] = [];
  for (const later of (document.content ?? []).slice(1)) {
    const url = later.attachment?.url;
    if (typeof later.attachment?.data === 'string' || typeof url !== 'string') {
      imageBytes.push(undefined);
      continue;
    }
    try {
      imageBytes.push(await connection.readAttachment(url, context));
    } catch (error) {
      if (!(error instanceof EprRequestError) || error.transient) throw error;
      if (error.kind === 'elsewhere') return { kind: 'failed', reason: 'content-elsewhere', ...(error.serverReason ? { serverReason: error.serverReason } : {}), documentReferenceId, pushes, provenance };
      imageBytes.push(undefined);
    }
  }
  const patientId = subjectPatientId(document, connection.baseUrl);
  let subjectPatient: Patient | undefined;
  if (patientId) {
    try {
      subjectPatient = (await connection.read('Patient', patientId, context)) as Patient;
    } catch (error) {
      if (!(error instanceof EprRequestError) || error.transient) throw error;
    }
  }
  learnIdentifierHandling(options.target, item.identifier, document);
  const attesterPractitionerId = (await staffRecordsFor(options.target, item.transcription, context)).attester;
  const mismatched = readBackMismatches(item.transcription, item.attachmentSha256, options.target.profile, {
    documentReferenceId,
    document,
    contentBytes,
    imageBytes,
    baseUrl: connection.baseUrl,
    ...(subjectPatient ? { subjectPatient } : {}),
    ...(attesterPractitionerId ? { attesterPractitionerId } : {}),
  });
  if (mismatched.includes('identifier-not-kept') && options.target.identifierSearchProven) {
    // The EPR has stopped keeping our identifier (reconfigured, upgraded): its searches prove nothing now.
    options.target.identifierSearchProven = false;
    await options.identifierSearchProven?.(false);
  }
  if (mismatched.length > 0) return { kind: 'failed', reason: 'read-back-mismatch', mismatched, documentReferenceId, pushes, provenance };
  if (!options.target.identifierSearchProven) await proveIdentifierSearch(item, documentReferenceId, options);
  return {
    kind: 'verified',
    documentReferenceId,
    verifiedAt: new Date(options.now()).toISOString(),
    provenance,
    // A correction is verified; the note it replaces is marked next, never before.
    ...(item.transcription.replaces ? { replaced: { kind: 'pending' } as const } : {}),
  };
}

/** Statuses with which an EPR says it will not change the note (not permitted, not supported, a rule, a version conflict). */
const RETIRE_REFUSED = new Set([400, 403, 405, 409, 412, 422, 501]);

/**
 * Marks a filed note entered in error: the note a verified correction replaces, or a withdrawn
 * note itself. It reads that note, checks it is still the one filed, sets its status (for the
 * version it read: a note changed since is not overwritten) and reads it back. The EPR refusing,
 * or keeping the old status, is settled as `not-retired` and said so (a correction stays
 * verified either way); a request that fails on the way is thrown for the runner to retry.
 */
async function markEnteredInError(
  item: OutboxItem,
  note: { readonly documentReferenceId: string; readonly identifier: string },
  options: FilingStepOptions,
  which: 'replaced' | 'withdrawal' = 'replaced',
): Promise<ReplacedState> {
  const { connection } = options.target;
  const context = contextOf(item);
  // Only an HTTP refusal (it has a status) is taken so; anything else is thrown for the runner to decide.
  const refused = (error: EprRequestError & { status: number }): ReplacedState => ({
    kind: 'not-retired',
    why: 'refused',
    httpStatus: error.status,
    ...(error.serverReason ? { serverReason: error.serverReason } : {}),
  });
  const isRefusal = (error: unknown): error is EprRequestError & { status: number } =>
    error instanceof EprRequestError && error.kind === 'http' && RETIRE_REFUSED.has(error.status as number);
  let old: DocumentReference;
  try {
    old = (await connection.read('DocumentReference', note.documentReferenceId, context)) as DocumentReference;
  } catch (error) {
    if (error instanceof EprRequestError && error.kind === 'http' && (error.status === 404 || error.status === 410)) {
      // A withdrawal is about the note itself being out of the record: only a deletion (410) shows
      // that. A 404 may be another server answering, or an account that cannot see it.
      if (which === 'withdrawal' && error.status === 404) return { kind: 'not-retired', why: 'not-found', httpStatus: 404 };
      return { kind: 'gone', httpStatus: error.status };
    }
    if (isRefusal(error)) return refused(error);
    throw error;
  }
  // Another note at that id now (its identifier is not ours): never touched.
  if (carriesAnotherNote(old, note.identifier)) return { kind: 'not-retired', why: 'refused' };
  const retired = (): ReplacedState => ({ kind: 'retired', at: new Date(options.now()).toISOString() });
  if (old.status === 'entered-in-error') return retired();
  try {
    await connection.update({ ...old, id: note.documentReferenceId, status: 'entered-in-error' }, context, old.meta?.versionId);
  } catch (error) {
    if (isRefusal(error)) return refused(error);
    throw error;
  }
  const after = (await connection.read('DocumentReference', note.documentReferenceId, context)) as DocumentReference;
  return after.status === 'entered-in-error' ? retired() : { kind: 'not-retired', why: 'not-kept' };
}

/** What a second read of a verified note finds in its EPR: still there as filed, or not. */
export type RecordCheck =
  | { readonly kind: 'present' }
  /** 404 or 410: the EPR no longer has the document (deleted, merged away, or another EPR now answers). */
  | { readonly kind: 'missing'; readonly httpStatus: number }
  /** The document there no longer says what was filed (these fields differ; their values are never given). */
  | { readonly kind: 'changed'; readonly mismatched: readonly string[] }
  /** The EPR answered, but the note could not be compared (its content is held on another origin). */
  | { readonly kind: 'unreadable' };

/**
 * Reads a verified note back again, as filing did when it verified it. The wipe asks this just
 * before it erases the originals: a note verified last week may since have been deleted, marked
 * entered-in-error or moved to another patient, and then the originals are the only copy. A
 * request that fails (unreachable, 5xx, timeout) throws EprRequestError: the caller refuses.
 */
export async function recheckFiled(item: OutboxItem, options: FilingStepOptions): Promise<RecordCheck> {
  if (item.state.kind !== 'verified') throw new Error(`recheckFiled: the note is ${item.state.kind}, not verified`);
  // No `since`: a 404 now is not a fresh create's lag but the document gone.
  const found = await readBack(item, item.state.documentReferenceId, item.state.provenance, undefined, options);
  if (found.kind === 'verified') return { kind: 'present' };
  if (found.kind === 'failed' && found.reason === 'read-back-missing') return { kind: 'missing', httpStatus: found.httpStatus ?? 404 };
  if (found.kind === 'failed' && found.reason === 'read-back-mismatch') return { kind: 'changed', mismatched: found.mismatched ?? [] };
  return { kind: 'unreadable' };
}

/**
 * Once per EPR: does a search by identifier find the note just verified? If it does, an empty
 * search on this EPR means "not filed" from now on (and on later sessions). A search that fails
 * or finds anything else proves nothing and changes nothing: the note stays verified either way.
 */
async function proveIdentifierSearch(item: OutboxItem, documentReferenceId: string, options: FilingStepOptions): Promise<void> {
  let found;
  try {
    found = await findFiled(options.target, item.identifier, contextOf(item));
  } catch (error) {
    if (error instanceof EprRequestError) return;
    throw error;
  }
  if (found === 'unsearchable' || found.length !== 1 || found[0]!.id !== documentReferenceId) return;
  options.target.identifierSearchProven = true;
  await options.identifierSearchProven?.(true);
}

/**
 * A profile that expects both identifier fields learns from the first read-back which one the
 * server keeps when it kept exactly one, ours, and nothing foreign: that is how the server works,
 * not a different document (a foreign value, or neither, stays a mismatch).
 */
function learnIdentifierHandling(target: FilingTarget, identifier: string, document: DocumentReference): void {
  if (target.profile.identifier !== 'kept') return;
  if (carriesAnotherNote(document, identifier)) return;
  const ours = (candidate: { system?: string; value?: string } | undefined) => candidate?.system === URI_SYSTEM && candidate.value === identifier;
  const inIdentifier = document.identifier?.some(ours) ?? false;
  const inMaster = ours(document.masterIdentifier);
  if (inIdentifier && !inMaster) target.profile = { ...target.profile, identifier: 'identifier-only' };
  else if (inMaster && !inIdentifier) target.profile = { ...target.profile, identifier: 'master-only' };
}

/**
 * The EPR's own Practitioner for the attester and the transcriber, where its profile says it can
 * be searched by identifier and it holds exactly one carrying theirs. Anything else (none, several,
 * a refusal, no answer) leaves them named by identifier alone: finding the record is a courtesy to
 * the EPR, never a reason to hold a note back.
 */
async function staffRecordsFor(target: FilingTarget, transcription: AttestedTranscription, context: RequestContext): Promise<StaffRecords> {
  if (!target.profile.practitionerSearch) return {};
  const attester = await practitionerFor(target, staffIdentifier(transcription.attester), context);
  const transcriber = await practitionerFor(target, staffIdentifier(transcription.transcriber), context);
  return { ...(attester ? { attester } : {}), ...(transcriber ? { transcriber } : {}) };
}

async function practitionerFor(target: FilingTarget, identifier: { system?: string; value?: string } | undefined, context: RequestContext): Promise<string | undefined> {
  if (!identifier?.system || !identifier.value) return undefined;
  const key = `${identifier.system}|${identifier.value}`;
  target.practitioners ??= new Map();
  if (target.practitioners.has(key)) return target.practitioners.get(key) ?? undefined;
  let results: Resource[];
  try {
    results = await target.connection.search('Practitioner', { identifier: key }, context);
  } catch (error) {
    if (error instanceof EprRequestError) return undefined; // not kept: asked again next time
    throw error;
  }
  // Only Practitioners carrying this exact identifier count: a server that ignores the parameter returns others.
  const carrying = results.filter(
    (resource): resource is Practitioner => resource.resourceType === 'Practitioner' && !!resource.id && (resource as Practitioner).identifier?.some((candidate) => candidate.system === identifier.system && candidate.value === identifier.value) === true,
  );
  const id = carrying.length === 1 && carrying.length === results.length ? carrying[0]!.id! : null;
  target.practitioners.set(key, id);
  return id ?? undefined;
}

function keptLocally(transcription: AttestedTranscription, documentReferenceId: string, why: 'not-supported' | 'refused' | 'unconfirmed', serverReason?: string): ProvenanceState {
  return { kind: 'kept-locally', why, resource: toProvenance(transcription, { reference: `DocumentReference/${documentReferenceId}` }), ...(serverReason ? { serverReason } : {}) };
}

function contextOf(item: OutboxItem): RequestContext {
  // One correlation id per item: the EPR's logs can tie its requests together; it names no patient.
  return { correlationId: item.identifier.slice('urn:uuid:'.length) };
}

function invalidResources(transcription: AttestedTranscription): boolean {
  const documentReference = toDocumentReference(transcription);
  const provenance = toProvenance(transcription, { reference: `urn:uuid:${randomUUID()}` });
  return [documentReference, provenance].some((resource) => validateFhirResource(resource).some((issue) => issue.severity === 'error'));
}

/**
 * The transaction: the DocumentReference (conditional on its identifier) and its Provenance
 * (conditional on its target). The bundle's fullUrls are fresh uuids, never the transcription
 * identifier: servers rewrite every string equal to a fullUrl into the new reference, which would
 * overwrite the identifier (and defeat If-None-Exist).
 */
export function filingBundle(transcription: AttestedTranscription, documentReference: DocumentReference, ifNoneExist: string | undefined, staffRecords: StaffRecords = {}): Bundle {
  const documentFullUrl = `urn:uuid:${randomUUID()}`;
  const provenance: Provenance = toProvenance(transcription, { reference: documentFullUrl }, staffRecords);
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: documentFullUrl,
        resource: documentReference,
        request: { method: 'POST', url: 'DocumentReference', ...(ifNoneExist ? { ifNoneExist } : {}) },
      },
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: provenance,
        request: { method: 'POST', url: 'Provenance', ...(ifNoneExist ? { ifNoneExist: `target=${documentFullUrl}` } : {}) },
      },
    ],
  };
}

