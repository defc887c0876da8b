/**
 * The filing engine: drives outbox items from queued to verified, idempotently.
 *
 * - One push in flight per identifier (in this process): concurrent `file`/`resume` calls for the
 *   same identifier share one run.
 * - Before any push that might repeat an earlier one (a retry, or a resume from `sending`), it
 *   searches the EPR by identifier: one match means the earlier push landed.
 * - It files as a transaction (DocumentReference + Provenance, If-None-Exist on the identifier)
 *   when the EPR supports it, else as two conditional creates.
 * - Retries: exponential backoff with jitter; 429 waits at least Retry-After; 412 (several matches)
 *   stops for a person to look at.
 * - Only after reading the document back and finding the same SHA-256 of the attachment is an item
 *   `verified`: the point at which the originals may be wiped.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Bundle, DocumentReference, Provenance } from '@medplum/fhirtypes';
import { AttestedTranscriptionSchema, type AttestedTranscription } from '../../shared/domain/transcription';
import { WardscribeError } from '../errors';
import { silentLogger, type Logger } from '../log';
import { EprRequestError, type EprCapabilities, type EprConnection } from './fhir-client';
import { identifierQuery, toDocumentReference, toProvenance, transcriptAttachment, URI_SYSTEM } from './mapping';
import { isTerminal, transition, type FailureReason, type OutboxItem, type OutboxState, type OutboxStore } from './outbox';
import { DEFAULT_RETRY_POLICY, retryDelayMs, systemClock, type Clock, type RetryPolicy } from './retry-policy';
import { validateFhirResource } from './validate';

export interface FilingEngineOptions {
  readonly store: OutboxStore;
  readonly connection: EprConnection;
  readonly policy?: RetryPolicy;
  readonly clock?: Clock;
  /** Uniform in [0, 1): the backoff jitter. */
  readonly random?: () => number;
  readonly log?: Logger;
}

export class FilingEngine {
  private readonly store: OutboxStore;
  private readonly connection: EprConnection;
  private readonly policy: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly running = new Map<string, Promise<OutboxItem>>();
  private capabilities: Promise<EprCapabilities> | undefined;

  constructor(options: FilingEngineOptions) {
    this.store = options.store;
    this.connection = options.connection;
    this.policy = options.policy ?? DEFAULT_RETRY_POLICY;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLogger;
  }

  /** Puts a transcription in the outbox (once: a second call keeps the first item) and files it. */
  async file(transcription: AttestedTranscription): Promise<OutboxItem> {
    await this.enqueue(transcription);
    return this.drive(transcription.identifier);
  }

  /**
   * Saves a transcription as `queued` unless the outbox already has it; returns the stored item.
   * Throws `rejected` (naming the fields, never their values) if it is not a complete attested transcription.
   */
  async enqueue(input: AttestedTranscription): Promise<OutboxItem> {
    const parsed = AttestedTranscriptionSchema.safeParse(input);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].slice(0, 5).join(', ');
      throw new WardscribeError('rejected', `This transcription is incomplete or malformed (${fields}); it was not queued.`);
    }
    const transcription = parsed.data;
    const existing = await this.store.load(transcription.identifier);
    if (existing) return existing;
    const item: OutboxItem = {
      identifier: transcription.identifier,
      transcription,
      attachmentSha256: transcriptAttachment(transcription).sha256Hex,
      state: { kind: 'queued' },
      updatedAt: this.clock.now(),
    };
    await this.store.save(item);
    return item;
  }

  /** Resumes every unfinished item (at start-up, or when the EPR comes back), one at a time. */
  async resumeAll(): Promise<OutboxItem[]> {
    const results: OutboxItem[] = [];
    for (const item of await this.store.unfinished()) results.push(await this.drive(item.identifier));
    return results;
  }

  /** A person asks to try a failed or flagged item again. */
  async requeue(identifier: string): Promise<OutboxItem> {
    const item = await this.mustLoad(identifier);
    if (item.state.kind !== 'failed' && item.state.kind !== 'needs-attention') {
      throw new WardscribeError('conflict', 'Only a failed or flagged filing can be retried.');
    }
    await this.store.save(transition(item, { kind: 'queued' }, this.clock.now()));
    return this.drive(identifier);
  }

  /** Drives one item until it reaches a terminal state. Concurrent calls for one identifier share a run. */
  drive(identifier: string): Promise<OutboxItem> {
    const current = this.running.get(identifier);
    if (current) return current;
    const run = this.run(identifier).finally(() => this.running.delete(identifier));
    this.running.set(identifier, run);
    return run;
  }

  private async run(identifier: string): Promise<OutboxItem> {
    let item = await this.mustLoad(identifier);
    // Failures in this run (timeouts, 5xx, 429): the backoff exponent and the give-up count.
    let failures = 0;
    while (!isTerminal(item.state)) {
      let next: OutboxState | { readonly retry: EprRequestError };
      try {
        next = await this.step(item);
      } catch (error) {
        next = this.afterError(item, error);
      }
      if ('retry' in next) {
        failures++;
        if (failures >= this.policy.maxAttempts) {
          const documentReferenceId = item.state.kind === 'filed' ? item.state.documentReferenceId : undefined;
          next = failed('unreachable', next.retry.status, documentReferenceId);
        } else {
          await this.clock.sleep(retryDelayMs(this.policy, failures, this.random, next.retry.retryAfterMs));
          // Reload: a push saved `sending` with attempts > 0, so the retry searches before pushing.
          item = await this.mustLoad(identifier);
          continue;
        }
      }
      if (next.kind === 'needs-attention' && next.documentReferenceIds.length === 0) next = await this.listDuplicates(item.identifier, next);
      item = transition(item, next, this.clock.now());
      await this.store.save(item);
      this.log.info('epr.filing.state', { identifier, state: item.state.kind });
    }
    return item;
  }

  /** One step from the item's current state; throws EprRequestError on a failed request. */
  private async step(item: OutboxItem): Promise<OutboxState> {
    const { state } = item;
    switch (state.kind) {
      case 'queued': {
        const invalid = this.invalidResources(item.transcription);
        return invalid ? failed('invalid-resource') : { kind: 'sending', attempts: 0 };
      }
      case 'sending':
        return this.send(item, state.attempts);
      case 'filed':
        return this.readBack(item, state.documentReferenceId);
      default:
        return state;
    }
  }

  private async send(item: OutboxItem, attempts: number): Promise<OutboxState> {
    const capabilities = await this.eprCapabilities();
    if (attempts > 0) {
      // An earlier push may have been applied: look before pushing again.
      const found = await this.connection.findDocumentReferences(item.identifier);
      if (found.length > 1) return multipleMatches(found);
      const existing = found[0];
      if (existing?.id) {
        if (!capabilities.transaction) await this.createProvenance(item.transcription, existing.id, capabilities);
        return { kind: 'filed', documentReferenceId: existing.id, readBackAttempts: 0 };
      }
    }
    // Recorded before the push: if we are killed during it, resuming searches first.
    await this.store.save(transition(item, { kind: 'sending', attempts: attempts + 1 }, this.clock.now()));

    const documentReference = toDocumentReference(item.transcription);
    const ifNoneExist = capabilities.conditionalCreate ? identifierQuery(item.identifier) : undefined;
    if (capabilities.transaction) {
      const result = await this.connection.transaction(filingBundle(item.transcription, documentReference, ifNoneExist));
      return { kind: 'filed', documentReferenceId: result.id, readBackAttempts: 0 };
    }
    const result = await this.connection.create(documentReference, ifNoneExist);
    await this.createProvenance(item.transcription, result.id, capabilities);
    return { kind: 'filed', documentReferenceId: result.id, readBackAttempts: 0 };
  }

  private async createProvenance(transcription: AttestedTranscription, documentReferenceId: string, capabilities: EprCapabilities): Promise<void> {
    const target = `DocumentReference/${documentReferenceId}`;
    await this.connection.create(toProvenance(transcription, { reference: target }), capabilities.conditionalCreate ? `target=${target}` : undefined);
  }

  private async readBack(item: OutboxItem, documentReferenceId: string): Promise<OutboxState> {
    let document: DocumentReference;
    try {
      document = await this.connection.readDocumentReference(documentReferenceId);
    } catch (error) {
      if (error instanceof EprRequestError && (error.status === 404 || error.status === 410)) return failed('read-back-missing', error.status, documentReferenceId);
      throw error;
    }
    const sameIdentifier = document.identifier?.some((identifier) => identifier.system === URI_SYSTEM && identifier.value === item.identifier) ?? false;
    const data = document.content?.[0]?.attachment?.data;
    const sameContent = data !== undefined && createHash('sha256').update(Buffer.from(data, 'base64')).digest('hex') === item.attachmentSha256;
    if (!sameIdentifier || !sameContent) return failed('read-back-mismatch', undefined, documentReferenceId);
    return { kind: 'verified', documentReferenceId, verifiedAt: new Date(this.clock.now()).toISOString() };
  }

  /** Decides what a failed step means: a terminal state, or a retry after backoff. */
  private afterError(item: OutboxItem, error: unknown): OutboxState | { readonly retry: EprRequestError } {
    const documentReferenceId = item.state.kind === 'filed' ? item.state.documentReferenceId : undefined;
    if (error instanceof WardscribeError) return failed('not-authorised', undefined, documentReferenceId);
    if (!(error instanceof EprRequestError)) throw error;
    if (error.maybeApplied || error.status === 429) return { retry: error };
    if (error.status === 412) return { kind: 'needs-attention', reason: 'multiple-matches', documentReferenceIds: [] };
    if (error.status === 401 || error.status === 403) return failed('not-authorised', error.status, documentReferenceId);
    return failed('rejected-by-epr', error.status, documentReferenceId);
  }

  /** After a 412, finds the duplicates for the person who will resolve them (best effort). */
  private async listDuplicates(identifier: string, state: OutboxState): Promise<OutboxState> {
    try {
      return multipleMatches(await this.connection.findDocumentReferences(identifier));
    } catch {
      return state;
    }
  }

  private invalidResources(transcription: AttestedTranscription): boolean {
    const documentReference = toDocumentReference(transcription);
    const provenance = toProvenance(transcription, { reference: `urn:uuid:${randomUUID()}` });
    return [documentReference, provenance].some((resource) => validateFhirResource(resource).some((issue) => issue.severity === 'error'));
  }

  private eprCapabilities(): Promise<EprCapabilities> {
    this.capabilities ??= this.connection.capabilities().catch((error: unknown) => {
      this.capabilities = undefined;
      throw error;
    });
    return this.capabilities;
  }

  private async mustLoad(identifier: string): Promise<OutboxItem> {
    const item = await this.store.load(identifier);
    if (!item) throw new WardscribeError('not-found', 'This transcription is not in the outbox.');
    return item;
  }
}

/**
 * The transaction: the DocumentReference (conditional on its identifier) and its Provenance
 * (conditional on its target). The bundle's fullUrls are fresh uuids, never the transcription
 * identifier: servers rewrite every string equal to a fullUrl into the new reference, which would
 * overwrite the identifier (and defeat If-None-Exist).
 */
export function filingBundle(transcription: AttestedTranscription, documentReference: DocumentReference, ifNoneExist: string | undefined): Bundle {
  const documentFullUrl = `urn:uuid:${randomUUID()}`;
  const provenance: Provenance = toProvenance(transcription, { reference: documentFullUrl });
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

function failed(reason: FailureReason, httpStatus?: number, documentReferenceId?: string): OutboxState {
  return {
    kind: 'failed',
    reason,
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    ...(documentReferenceId !== undefined ? { documentReferenceId } : {}),
  };
}

function multipleMatches(found: readonly DocumentReference[]): OutboxState {
  return { kind: 'needs-attention', reason: 'multiple-matches', documentReferenceIds: found.flatMap((document) => (document.id ? [document.id] : [])) };
}
