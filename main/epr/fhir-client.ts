/**
 * The EPR connection: the few FHIR interactions filing needs, over fhir-kit-client, with every
 * failure turned into an `EprRequestError` that says whether the request might have been applied.
 */
import type { Client as FhirKitClient, FhirResource } from 'fhir-kit-client';
import type { Bundle, CapabilityStatement, DocumentReference, Provenance, Resource } from '@medplum/fhirtypes';
import { identifierQuery } from './mapping';
import { parseRetryAfter, type Clock } from './retry-policy';
import { createTokenSource, type EprAuth, type TokenSource } from './smart-auth';

/** What the EPR says it supports, as far as filing cares. */
export interface EprCapabilities {
  readonly transaction: boolean;
  readonly conditionalCreate: boolean;
}

/** A failed EPR request. `maybeApplied` is true when the server may have committed it anyway. */
export class EprRequestError extends Error {
  override readonly name = 'EprRequestError';

  constructor(
    readonly kind: 'network' | 'timeout' | 'http',
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    // The message names the failure class only: response bodies can quote what we sent.
    super(kind === 'http' ? `EPR answered HTTP ${status}` : `EPR request failed (${kind})`);
  }

  /** Timeouts, dropped connections and 5xx: the request may or may not have been applied. */
  get maybeApplied(): boolean {
    return this.kind !== 'http' || (this.status !== undefined && this.status >= 500);
  }
}

/** The result of a create: the server id and whether this call created it (201) or found it (200). */
export interface CreateResult {
  readonly id: string;
  readonly created: boolean;
}

export interface EprConnectionOptions {
  readonly baseUrl: string;
  readonly auth: EprAuth;
  readonly requestTimeoutMs: number;
  readonly clock: Pick<Clock, 'now'>;
}

/** The interactions the filing engine uses; `createEprConnection` implements it over HTTP. */
export interface EprConnection {
  capabilities(): Promise<EprCapabilities>;
  /** POSTs a transaction bundle; returns the DocumentReference entry's result. */
  transaction(bundle: Bundle): Promise<CreateResult>;
  /** POSTs a resource, conditionally when `ifNoneExist` is given. */
  create(resource: DocumentReference | Provenance, ifNoneExist: string | undefined): Promise<CreateResult>;
  /** Every DocumentReference carrying this transcription identifier. */
  findDocumentReferences(identifier: string): Promise<DocumentReference[]>;
  readDocumentReference(id: string): Promise<DocumentReference>;
}

export async function createEprConnection(options: EprConnectionOptions): Promise<EprConnection> {
  // fhir-kit-client is ESM-only; a dynamic import survives the CommonJS bundle of main.
  const { Client } = await import('fhir-kit-client');
  const client = new Client({ baseUrl: options.baseUrl });
  const tokens = createTokenSource(options.auth, options.clock);
  return new FhirKitConnection(client, tokens, options);
}

class FhirKitConnection implements EprConnection {
  constructor(
    private readonly client: FhirKitClient,
    private readonly tokens: TokenSource,
    private readonly options: EprConnectionOptions,
  ) {}

  async capabilities(): Promise<EprCapabilities> {
    const statement = (await this.call((requestOptions) => this.client.capabilityStatement(requestOptions))) as unknown as CapabilityStatement;
    const rest = statement.rest?.find((entry) => entry.mode === 'server');
    const documentReference = rest?.resource?.find((entry) => entry.type === 'DocumentReference');
    return {
      transaction: rest?.interaction?.some((interaction) => interaction.code === 'transaction') ?? false,
      conditionalCreate: documentReference?.conditionalCreate === true,
    };
  }

  async transaction(bundle: Bundle): Promise<CreateResult> {
    const response = (await this.call((requestOptions) =>
      this.client.transaction({ body: bundle as unknown as FhirResource, options: requestOptions }),
    )) as unknown as Bundle;
    const entry = response.entry?.find((candidate) => candidate.response?.location?.startsWith('DocumentReference/') || candidate.resource?.resourceType === 'DocumentReference');
    const id = entry?.resource?.id ?? idFromLocation(entry?.response?.location);
    if (!id) throw new EprRequestError('http', 502, undefined);
    return { id, created: entry?.response?.status?.startsWith('201') ?? false };
  }

  async create(resource: DocumentReference | Provenance, ifNoneExist: string | undefined): Promise<CreateResult> {
    const result = await this.call(async (requestOptions) => {
      const headers = { ...(requestOptions.headers ?? {}), ...(ifNoneExist ? { 'If-None-Exist': ifNoneExist } : {}) };
      return this.client.create({ resourceType: resource.resourceType, body: resource as unknown as FhirResource, options: { ...requestOptions, headers } });
    });
    const { Client } = await import('fhir-kit-client');
    const status = Client.httpFor(result).response?.status;
    const id = (result as unknown as Resource).id;
    if (!id) throw new EprRequestError('http', 502, undefined);
    return { id, created: status === 201 };
  }

  async findDocumentReferences(identifier: string): Promise<DocumentReference[]> {
    const [name, value] = identifierQuery(identifier).split(/=(.*)/s) as [string, string];
    const bundle = (await this.call((requestOptions) =>
      this.client.search({ resourceType: 'DocumentReference', searchParams: { [name]: value }, options: requestOptions }),
    )) as unknown as Bundle<DocumentReference>;
    return (bundle.entry ?? []).flatMap((entry) => (entry.resource?.resourceType === 'DocumentReference' ? [entry.resource] : []));
  }

  async readDocumentReference(id: string): Promise<DocumentReference> {
    return (await this.call((requestOptions) => this.client.read({ resourceType: 'DocumentReference', id, options: requestOptions }))) as unknown as DocumentReference;
  }

  /** Runs one request with auth and a timeout; retries once with a fresh token after a 401. */
  private async call<T>(request: (options: { headers?: Record<string, string>; signal: AbortSignal }) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const authorization = await this.tokens.authorization();
      try {
        return await request({
          ...(authorization ? { headers: { Authorization: authorization } } : {}),
          signal: AbortSignal.timeout(this.options.requestTimeoutMs),
        });
      } catch (error) {
        const failure = this.classify(error);
        if (failure.status === 401 && attempt === 0) {
          this.tokens.invalidate();
          continue;
        }
        throw failure;
      }
    }
  }

  private classify(error: unknown): EprRequestError {
    if (error instanceof EprRequestError) return error;
    const response = (error as { response?: { status?: unknown } }).response;
    if (response && typeof response.status === 'number') {
      const headers = (error as { config?: { headers?: Headers } }).config?.headers;
      const retryAfter = headers instanceof Headers ? headers.get('retry-after') : undefined;
      return new EprRequestError('http', response.status, parseRetryAfter(retryAfter, this.options.clock.now()));
    }
    const name = (error as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return new EprRequestError('timeout', undefined, undefined);
    return new EprRequestError('network', undefined, undefined);
  }
}

function idFromLocation(location: string | undefined): string | undefined {
  // "DocumentReference/123" or ".../DocumentReference/123/_history/1"
  const match = /DocumentReference\/([^/]+)/.exec(location ?? '');
  return match?.[1];
}
