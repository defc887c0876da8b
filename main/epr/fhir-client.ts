/**
 * The EPR connection: the few FHIR REST interactions filing needs, over an injected `fetch`
 * (Electron's `net.fetch` in the app, so the system proxy and the OS certificate store apply;
 * Node's fetch in tests and the Chromium host).
 *
 * Responses are read as servers really send them:
 * - a create may answer 201 with the resource, with an OperationOutcome, or with no body and only
 *   a `Location` (Prefer: return=minimal is the default on many servers): the id and version come
 *   from the body only when it is the resource, else from `Location`, whose type is checked;
 * - a transaction response's `location` may be absolute or relative;
 * - an error body is an OperationOutcome whose text is kept as the server's reason (shown to the
 *   clinician, never logged: it can quote what we sent).
 * Every request carries `X-Request-ID` (fresh) and `X-Correlation-ID` (one per filing).
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { parseRetryAfter, type Clock } from './retry-policy';
import { EprRequestError } from './epr-errors';
import { createTokenSource, type EprAuth, type TokenSource } from './smart-auth';

export { EprRequestError, type EprFailureKind } from './epr-errors';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** What a create or one transaction entry produced. */
export interface CreateResult {
  readonly id: string;
  readonly versionId: string | undefined;
  /** 201 (created) rather than 200 (an existing match under If-None-Exist). */
  readonly created: boolean;
}

export interface EprConnectionOptions {
  readonly baseUrl: string;
  readonly auth: EprAuth;
  readonly requestTimeoutMs: number;
  readonly clock: Pick<Clock, 'now'>;
  /** Defaults to Node's fetch; Electron passes `net.fetch`. */
  readonly fetch?: FetchLike;
}

/** Per-EPR transport choices (from its profile). */
export interface TransportOptions {
  /** Send `fhirVersion=4.0` in Content-Type and Accept. */
  readonly fhirVersionParameter: boolean;
  /** Where a transaction is POSTed: `[base]` exactly, or `[base]/`. */
  readonly transactionPath: 'base' | 'base-slash';
}

export interface RequestContext {
  /** Sent as X-Correlation-ID: ties together the requests of one filing. */
  readonly correlationId?: string;
}

/** The interactions the filing engine uses. */
export interface EprConnection {
  readonly baseUrl: string;
  configure(transport: TransportOptions): void;
  /** The CapabilityStatement, or undefined when the server has none (404, 501, or not one). */
  capabilityStatement(context?: RequestContext): Promise<CapabilityStatement | undefined>;
  /** POSTs a transaction; returns each entry's result, in the order of the request. */
  transaction(bundle: Bundle, context?: RequestContext): Promise<CreateResult[]>;
  /** POSTs a resource, conditionally when `ifNoneExist` is given. */
  create(resource: Resource, ifNoneExist: string | undefined, context?: RequestContext): Promise<CreateResult>;
  /**
   * PUTs a resource to its own id (update-create on servers that declare `updateCreate`): the
   * same id however often it is sent, so a repeat never makes a second resource.
   */
  /** `ifMatch`: the version the update is for (sent as `If-Match: W/"…"`): a server where it changed since refuses with 409 or 412. */
  update(resource: Resource & { id: string }, context?: RequestContext, ifMatch?: string): Promise<CreateResult>;
  /**
   * One page of a search; the server may ignore parameters, so callers filter what comes back.
   * Always asked with `Cache-Control: no-cache`: a search decides whether to send again, and a
   * cached "nothing" (HAPI answers identical searches from a cache for a minute) makes a duplicate.
   */
  search(resourceType: string, params: Readonly<Record<string, string>>, context?: RequestContext): Promise<Resource[]>;
  read(resourceType: string, id: string, context?: RequestContext): Promise<Resource>;
  /** The bytes an attachment URL points to (a Binary on this EPR); refuses any other origin. */
  readAttachment(url: string, context?: RequestContext): Promise<Buffer>;
}

export async function createEprConnection(options: EprConnectionOptions): Promise<EprConnection> {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  return new HttpEprConnection(options, createTokenSource(options.auth, options.clock, fetchImpl), fetchImpl);
}

const FHIR_JSON = 'application/fhir+json';
const MAX_REASON_LENGTH = 500;

class HttpEprConnection implements EprConnection {
  readonly baseUrl: string;
  #transport: TransportOptions = { fhirVersionParameter: false, transactionPath: 'base' };

  constructor(
    private readonly options: EprConnectionOptions,
    private readonly tokens: TokenSource,
    private readonly fetchImpl: FetchLike,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  configure(transport: TransportOptions): void {
    this.#transport = transport;
  }

  async capabilityStatement(context?: RequestContext): Promise<CapabilityStatement | undefined> {
    try {
      const { body } = await this.#request('GET', `${this.baseUrl}/metadata`, undefined, {}, context);
      return isResource(body, 'CapabilityStatement') ? (body as CapabilityStatement) : undefined;
    } catch (error) {
      if (error instanceof EprRequestError && error.kind === 'http' && (error.status === 404 || error.status === 501 || error.status === 405)) return undefined;
      throw error;
    }
  }

  async transaction(bundle: Bundle, context?: RequestContext): Promise<CreateResult[]> {
    const url = this.#transport.transactionPath === 'base' ? this.baseUrl : `${this.baseUrl}/`;
    const { body } = await this.#request('POST', url, bundle, {}, context);
    if (!isResource(body, 'Bundle')) throw new EprRequestError('protocol', undefined, undefined);
    const entries = (body as Bundle).entry ?? [];
    const requested = bundle.entry ?? [];
    if (entries.length !== requested.length) throw new EprRequestError('protocol', undefined, undefined);
    return entries.map((entry, index) => {
      const type = (requested[index]?.resource as Resource | undefined)?.resourceType ?? '';
      const status = Number.parseInt(entry.response?.status ?? '', 10);
      const fromBody = isResource(entry.resource, type) ? (entry.resource as Resource) : undefined;
      const fromLocation = parseLocation(entry.response?.location, type);
      const id = fromBody?.id ?? fromLocation?.id;
      if (!id || !(status >= 200 && status < 300)) throw new EprRequestError('protocol', undefined, undefined);
      return { id, versionId: fromBody?.meta?.versionId ?? fromLocation?.versionId, created: status === 201 };
    });
  }

  async create(resource: Resource, ifNoneExist: string | undefined, context?: RequestContext): Promise<CreateResult> {
    const headers: Record<string, string> = ifNoneExist ? { 'If-None-Exist': ifNoneExist } : {};
    const { status, body, headers: answered } = await this.#request('POST', `${this.baseUrl}/${resource.resourceType}`, resource, headers, context);
    // The body is the resource only if it says so; an OperationOutcome's id is not the resource's.
    const fromBody = isResource(body, resource.resourceType) ? (body as Resource) : undefined;
    const fromLocation = parseLocation(answered.get('location') ?? answered.get('content-location') ?? undefined, resource.resourceType);
    const id = fromBody?.id ?? fromLocation?.id;
    if (!id) throw new EprRequestError('protocol', undefined, undefined);
    return { id, versionId: fromBody?.meta?.versionId ?? fromLocation?.versionId ?? etagVersion(answered.get('etag')), created: status === 201 };
  }

  async update(resource: Resource & { id: string }, context?: RequestContext, ifMatch?: string): Promise<CreateResult> {
    const headers: Record<string, string> = ifMatch ? { 'If-Match': `W/"${ifMatch}"` } : {};
    const { status, body, headers: answered } = await this.#request('PUT', `${this.baseUrl}/${resource.resourceType}/${encodeURIComponent(resource.id)}`, resource, headers, context);
    const fromBody = isResource(body, resource.resourceType) ? (body as Resource) : undefined;
    const fromLocation = parseLocation(answered.get('location') ?? answered.get('content-location') ?? undefined, resource.resourceType);
    const id = fromBody?.id ?? fromLocation?.id ?? resource.id;
    // A server that filed it under another id did not do what was asked: the id is what makes a repeat safe.
    if (id !== resource.id) throw new EprRequestError('protocol', undefined, undefined);
    return { id, versionId: fromBody?.meta?.versionId ?? fromLocation?.versionId ?? etagVersion(answered.get('etag')), created: status === 201 };
  }

  async search(resourceType: string, params: Readonly<Record<string, string>>, context?: RequestContext): Promise<Resource[]> {
    const query = new URLSearchParams(params).toString();
    const { body } = await this.#request('GET', `${this.baseUrl}/${resourceType}?${query}`, undefined, { 'Cache-Control': 'no-cache', Pragma: 'no-cache' }, context);
    if (!isResource(body, 'Bundle')) throw new EprRequestError('protocol', undefined, undefined);
    return ((body as Bundle).entry ?? []).flatMap((entry) => (entry.resource && entry.search?.mode !== 'outcome' && entry.resource.resourceType !== 'OperationOutcome' ? [entry.resource] : []));
  }

  async read(resourceType: string, id: string, context?: RequestContext): Promise<Resource> {
    const { body } = await this.#request('GET', `${this.baseUrl}/${resourceType}/${encodeURIComponent(id)}`, undefined, {}, context);
    if (!isResource(body, resourceType)) throw new EprRequestError('protocol', undefined, undefined);
    return body as Resource;
  }

  async readAttachment(url: string, context?: RequestContext): Promise<Buffer> {
    const absolute = new URL(url, `${this.baseUrl}/`);
    // Our credentials go to the EPR only, never to a URL a document names.
    // Not transient: no retry changes where the server says the content is (a server behind a proxy
    // reporting its internal address does this until its public base URL is set).
    if (absolute.origin !== new URL(this.baseUrl).origin) throw new EprRequestError('elsewhere', undefined, undefined, absolute.origin);
    const { body, raw } = await this.#request('GET', absolute.href, undefined, {}, context, true);
    if (isResource(body, 'Binary')) {
      const data = (body as { data?: unknown }).data;
      return typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.alloc(0);
    }
    return raw;
  }

  /** One request with auth, ids and a timeout; after a 401, a fresh token (and, for a read, a second try). */
  async #request(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    body: unknown,
    extraHeaders: Record<string, string>,
    context: RequestContext | undefined,
    acceptAnything = false,
  ): Promise<{ status: number; body: unknown; raw: Buffer; headers: Headers }> {
    const mediaType = this.#transport.fhirVersionParameter ? `${FHIR_JSON}; fhirVersion=4.0` : FHIR_JSON;
    for (let attempt = 0; ; attempt++) {
      let authorization: string | undefined;
      try {
        authorization = await this.tokens.authorization();
      } catch (error) {
        throw error instanceof EprRequestError ? error : new EprRequestError('auth', undefined, undefined);
      }
      const headers: Record<string, string> = {
        Accept: acceptAnything ? `${mediaType}, */*;q=0.5` : mediaType,
        'X-Request-ID': randomUUID(),
        'X-Correlation-ID': context?.correlationId ?? randomUUID(),
        ...(method !== 'GET' ? { 'Content-Type': `${mediaType}; charset=utf-8`, Prefer: 'return=representation' } : {}),
        ...(authorization ? { Authorization: authorization } : {}),
        ...extraHeaders,
      };
      let response: Response;
      let raw: Buffer;
      try {
        response = await this.fetchImpl(url, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(this.options.requestTimeoutMs),
          // Never followed: a redirect may downgrade to http or leave the EPR, carrying our token.
          redirect: 'manual',
        });
        raw = Buffer.from(await response.arrayBuffer());
      } catch (error) {
        const name = (error as { name?: unknown }).name;
        throw new EprRequestError(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network', undefined, undefined);
      }
      if (response.status >= 300 && response.status < 400) {
        throw new EprRequestError('moved', response.status, undefined, movedTo(response.headers.get('location'), url));
      }
      const parsed = parseJson(raw);
      if (response.ok) return { status: response.status, body: parsed, raw, headers: response.headers };
      if (response.status === 401 && attempt === 0) {
        this.tokens.invalidate();
        // A read is asked again with a fresh token; a write is not (see 'token-refused').
        if (method === 'GET') continue;
        throw new EprRequestError('token-refused', 401, undefined, outcomeText(parsed));
      }
      throw new EprRequestError('http', response.status, parseRetryAfter(response.headers.get('retry-after'), this.options.clock.now(), response.headers.get('date')), outcomeText(parsed));
    }
  }
}

/** The address a redirect names, absolute, for the administrator (no query: it is never needed to fix the setting). */
function movedTo(location: string | null, requested: string): string | undefined {
  if (!location) return undefined;
  try {
    const target = new URL(location, requested);
    return `${target.origin}${target.pathname}`.slice(0, MAX_REASON_LENGTH);
  } catch {
    return undefined;
  }
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function isResource(value: unknown, resourceType: string): boolean {
  return typeof value === 'object' && value !== null && (value as Resource).resourceType === resourceType;
}

/** The server's explanation in an OperationOutcome, shortened; undefined if it gave none. */
export function outcomeText(body: unknown): string | undefined {
  if (!isResource(body, 'OperationOutcome')) return undefined;
  const texts = ((body as OperationOutcome).issue ?? []).flatMap((issue) => {
    const text = issue.details?.text ?? issue.diagnostics ?? issue.details?.coding?.[0]?.display;
    return text ? [text] : [];
  });
  // Control characters become spaces: the text is shown on screen.
  const joined = [...texts.join(' ')].map((character) => (character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f ? ' ' : character)).join('').trim();
  return joined ? joined.slice(0, MAX_REASON_LENGTH) : undefined;
}

/**
 * The id (and version) in a Location: `[base]/Type/id/_history/v`, `Type/id`, absolute or
 * relative. Undefined when it names another resource type.
 */
export function parseLocation(location: string | undefined, resourceType: string): { id: string; versionId: string | undefined } | undefined {
  if (!location) return undefined;
  const path = location.split(/[?#]/, 1)[0]!.replace(/\/+$/, '');
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/.exec(path);
  if (!match || match[1] !== resourceType) return undefined;
  return { id: match[2]!, versionId: match[3] };
}

function etagVersion(etag: string | null): string | undefined {
  const match = /^(?:W\/)?"?([^"]+)"?$/.exec(etag ?? '');
  return match?.[1];
}
