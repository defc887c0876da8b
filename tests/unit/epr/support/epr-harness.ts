/**
 * The EPR behaviour harness: a real FHIR server on loopback (the training EPR, Medplum's
 * FhirRouter over a memory repository) behind a proxy that can be told to behave the way
 * production EPRs and NHS services do, plus an OAuth token endpoint. Each behaviour says which
 * product documents it. Faults (timeouts, 5xx, dropped answers) can be injected per request.
 *
 * It records every DocumentReference and Provenance the server created (from the requests, before
 * any behaviour rewrote them), so a test can count creations per identifier even when the server
 * drops the identifier.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Bundle, CapabilityStatement, DocumentReference, OperationOutcome, Patient, Provenance, Resource } from '@medplum/fhirtypes';
import { createTrainingServer, type TrainingServer } from '../../../../main/epr/training-server';
import { URI_SYSTEM } from '../../../../main/epr/mapping';
import { refuseWith, type Fault } from './fault-proxy';

export type { Fault } from './fault-proxy';

export interface Behaviour {
  /**
   * 201 with no body and only `Location` (Prefer ignored, return=minimal). Epic's and Oracle
   * Health (Cerner) Millennium's DocumentReference create answer this way; Canvas Medical's
   * release notes say "create endpoints now return empty response bodies".
   */
  readonly minimalCreate?: boolean;
  /**
   * A 201 whose body is an OperationOutcome with an id of its own (HAPI FHIR with
   * `Prefer: return=OperationOutcome`; some gateways always answer so).
   */
  readonly outcomeBody?: boolean;
  /** Provenance is read-only: 405 on create, and a transaction holding one is refused (Oracle Health Millennium lists Provenance read/search only). */
  readonly provenanceReadOnly?: boolean;
  /**
   * No Provenance endpoint at all: 501 Not Implemented on create, and a transaction holding one is
   * refused with 501 too (servers that route only the resource types they implement answer so).
   */
  readonly provenanceNotImplemented?: boolean;
  /** The CapabilityStatement lists Provenance without `create` (read and search only), as Oracle Health Millennium's does. */
  readonly statementWithoutProvenanceCreate?: boolean;
  /** POSTs to [base] answer 405 although the CapabilityStatement lists `transaction` (seen on gateways in front of HAPI). */
  readonly refusesTransactions?: boolean;
  /** GET [base]/metadata answers 404 (API gateways that expose only resource paths). */
  readonly noCapabilityStatement?: boolean;
  /** The `identifier` search parameter is silently ignored: every DocumentReference comes back (servers not indexing it). */
  readonly ignoresIdentifierSearch?: boolean;
  /** Writes lose `identifier` (only `masterIdentifier` kept), or both (EPRs that store only their own ids). */
  readonly dropsIdentifier?: 'identifier' | 'both';
  /** Content moved to a Binary: `attachment.url` instead of `data` (Epic, Oracle Health, HAPI's externalised binaries). */
  readonly contentInBinary?: boolean;
  /** 415/406 unless the media type carries `fhirVersion=4.0` (FHIR R4 http.html#version-parameter; IBM FHIR's tracker asks for exactly this). */
  readonly requiresFhirVersion?: boolean;
  /** A transaction must go to exactly `[base]`; `[base]/` is 404 (routers that match paths literally). */
  readonly transactionAtBaseOnly?: boolean;
  /** `subject` stored as a literal `Patient/<id>` reference (Oracle Health Millennium needs literal Patient references). */
  readonly literalSubject?: boolean;
  /** 400 unless every request carries X-Request-ID (NHS England's APIs ask for it on every call). */
  readonly requiresRequestId?: boolean;
  /** Bearer token required on FHIR requests (tokens from the harness's token endpoint). */
  readonly requiresToken?: boolean;
  /** Rewrites the DocumentReference on read (another patient, entered-in-error, changed type...). */
  readonly readBack?: (document: DocumentReference) => DocumentReference;
  /** The CapabilityStatement lists no conditional create (Epic's and Oracle Health Millennium's DocumentReference do not). */
  readonly noConditionalCreate?: boolean;
  /**
   * The CapabilityStatement declares `update` with `updateCreate` for DocumentReference and
   * Provenance (HAPI with client-assigned ids allowed): a PUT to a new id creates it.
   */
  readonly updateCreate?: boolean;
  /**
   * Identical searches are answered from a cache for this long unless the request says
   * `Cache-Control: no-cache` (HAPI's reuseCachedSearchResultsForMillis, 60 s by default).
   */
  readonly searchCacheMs?: number;
}

export interface TokenBehaviour {
  /** Answers 503 to the first N token requests. */
  readonly failFirst?: number;
  readonly expiresIn?: number;
}

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

export interface EprHarness {
  readonly baseUrl: string;
  readonly tokenUrl: string;
  behaviour: Behaviour;
  token: TokenBehaviour;
  /** Chooses a fault per FHIR request; pass by default. */
  fault: (request: SeenRequest, index: number) => Fault;
  readonly seen: SeenRequest[];
  readonly tokenRequests: number;
  /** DocumentReference ids the server created for each of our identifiers. */
  documentsCreated(identifier: string): string[];
  /** Provenances the server created targeting this DocumentReference. */
  provenancesCreated(documentReferenceId: string): string[];
  /** Accepts a static bearer token (as an EPR that issued it would). */
  acceptToken(token: string): void;
  /** Every identifier the server created a DocumentReference for, with how many. */
  creationsByIdentifier(): Record<string, number>;
  /** Direct (unproxied) URL of the underlying server, for seeding. */
  readonly upstreamUrl: string;
  reset(): void;
  close(): Promise<void>;
}

const FHIR_JSON = 'application/fhir+json';

/** The request as it is committed after its condition was checked (and passed) on arrival. */
function withoutCondition(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { 'if-none-exist': _checked, ...rest } = headers;
  return rest;
}

function withoutBundleConditions(body: string): string {
  if (!body) return body;
  const parsed = JSON.parse(body) as Resource;
  if (parsed.resourceType !== 'Bundle') return body;
  for (const entry of (parsed as Bundle).entry ?? []) if (entry.request) delete entry.request.ifNoneExist;
  return JSON.stringify(parsed);
}

export async function startEprHarness(initial: Behaviour = {}): Promise<EprHarness> {
  const upstreamServer: TrainingServer = createTrainingServer();
  const upstreamUrl = await upstreamServer.start();
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<Socket>();
  const binaries = new Map<string, { contentType: string; data: string }>();
  const created = new Map<string, string[]>();
  const provenances = new Map<string, string[]>();
  const issuedTokens = new Set<string>();
  const patients = new Map<string, string>();
  let tokenRequests = 0;
  const seen: SeenRequest[] = [];
  const searchCache = new Map<string, { at: number; answer: { status: number; headers: Record<string, string>; body: string } }>();

  const forward = (method: string, path: string, headers: IncomingHttpHeaders, body: string | undefined): Promise<{ status: number; headers: Record<string, string>; body: string }> =>
    new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method,
          path,
          headers: { 'content-type': FHIR_JSON, accept: FHIR_JSON, ...(headers['if-none-exist'] ? { 'if-none-exist': headers['if-none-exist'] } : {}) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 502, headers: Object.fromEntries(Object.entries(response.headers).map(([key, value]) => [key, String(value)])), body: Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  async function patientReference(nhsNumber: string): Promise<string> {
    const known = patients.get(nhsNumber);
    if (known) return known;
    const patient: Patient = { resourceType: 'Patient', identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber }] };
    const answer = await forward('POST', `${upstream.pathname}/Patient`, {}, JSON.stringify(patient));
    const id = (JSON.parse(answer.body) as Patient).id!;
    patients.set(nhsNumber, `Patient/${id}`);
    return `Patient/${id}`;
  }

  /** What the server does to a DocumentReference before storing it; returns our identifier. */
  async function onWriteDocument(document: DocumentReference): Promise<string | undefined> {
    const identifier = document.masterIdentifier?.value ?? document.identifier?.find((candidate) => candidate.system === URI_SYSTEM)?.value;
    const behaviour = harness.behaviour;
    if (behaviour.dropsIdentifier) delete document.identifier;
    if (behaviour.dropsIdentifier === 'both') delete document.masterIdentifier;
    if (behaviour.contentInBinary) {
      for (const content of document.content ?? []) {
        if (!content.attachment.data) continue;
        const id = randomUUID();
        binaries.set(id, { contentType: content.attachment.contentType ?? 'application/octet-stream', data: content.attachment.data });
        delete content.attachment.data;
        content.attachment.url = `Binary/${id}`;
      }
    }
    if (behaviour.literalSubject && document.subject?.identifier?.value) document.subject = { reference: await patientReference(document.subject.identifier.value) };
    return identifier;
  }

  const record = (map: Map<string, string[]>, key: string | undefined, id: string | undefined) => {
    if (!key || !id) return;
    map.set(key, [...(map.get(key) ?? []), id]);
  };

  const handleToken = (response: ServerResponse): void => {
    tokenRequests++;
    if (tokenRequests <= (harness.token.failFirst ?? 0)) {
      response.writeHead(503, { 'Content-Type': 'application/json' });
      return void response.end(JSON.stringify({ error: 'temporarily_unavailable' }));
    }
    const token = `token-${randomUUID()}`;
    issuedTokens.add(token);
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: harness.token.expiresIn ?? 300 }));
  };

  const outcome = (text: string, id?: string): OperationOutcome => ({ resourceType: 'OperationOutcome', ...(id ? { id } : {}), issue: [{ severity: 'error', code: 'processing', details: { text } }] });

  async function handle(method: string, url: URL, headers: IncomingHttpHeaders, rawBody: string): Promise<{ status: number; headers?: Record<string, string>; body?: string }> {
    const behaviour = harness.behaviour;
    const base = upstream.pathname;
    const path = url.pathname.slice(base.length);
    const contentType = String(headers['content-type'] ?? '');
    const accept = String(headers.accept ?? '');
    if (behaviour.requiresRequestId && !headers['x-request-id']) return { status: 400, body: JSON.stringify(outcome('Missing X-Request-ID header')) };
    if (behaviour.requiresToken && !issuedTokens.has(String(headers.authorization ?? '').replace(/^Bearer /, ''))) return { status: 401, body: JSON.stringify(outcome('Invalid token')) };
    if (behaviour.requiresFhirVersion) {
      if (method === 'POST' && !/fhirVersion=4\.0/.test(contentType)) return { status: 415, body: JSON.stringify(outcome('Unsupported media type: fhirVersion=4.0 required')) };
      if (!/fhirVersion=4\.0/.test(accept)) return { status: 406, body: JSON.stringify(outcome('Not acceptable: fhirVersion=4.0 required')) };
    }
    if (method === 'GET' && path === '/metadata' && behaviour.noCapabilityStatement) return { status: 404, body: JSON.stringify(outcome('Not found')) };
    if (method === 'GET' && path.startsWith('/Binary/')) {
      const binary = binaries.get(path.slice('/Binary/'.length));
      if (!binary) return { status: 404, body: JSON.stringify(outcome('Not found')) };
      return { status: 200, body: JSON.stringify({ resourceType: 'Binary', id: path.slice('/Binary/'.length), contentType: binary.contentType, data: binary.data }) };
    }
    let forwardPath = url.pathname + url.search;
    if (method === 'GET' && path === '/DocumentReference' && behaviour.ignoresIdentifierSearch) {
      const params = new URLSearchParams(url.search);
      params.delete('identifier');
      forwardPath = `${url.pathname}?${params.toString()}`;
    }

    let body: Resource | undefined;
    let documentIdentifiers: (string | undefined)[] = [];
    if (method === 'POST') {
      body = JSON.parse(rawBody) as Resource;
      const isTransaction = path === '' || path === '/';
      if (isTransaction) {
        if (behaviour.refusesTransactions) return { status: 405, body: JSON.stringify(outcome('Transactions are not supported')) };
        if (behaviour.transactionAtBaseOnly && path === '/') return { status: 404, body: JSON.stringify(outcome('Unknown resource type ""')) };
        const bundle = body as Bundle;
        if (behaviour.provenanceReadOnly && bundle.entry?.some((entry) => entry.resource?.resourceType === 'Provenance')) return { status: 405, body: JSON.stringify(outcome('Provenance is read-only')) };
        if (behaviour.provenanceNotImplemented && bundle.entry?.some((entry) => entry.resource?.resourceType === 'Provenance')) return { status: 501, body: JSON.stringify(outcome('Provenance is not implemented')) };
        for (const entry of bundle.entry ?? []) documentIdentifiers.push(entry.resource?.resourceType === 'DocumentReference' ? await onWriteDocument(entry.resource as DocumentReference) : undefined);
        forwardPath = `${base}/`;
      } else if (path === '/Provenance' && behaviour.provenanceReadOnly) {
        return { status: 405, body: JSON.stringify(outcome('Provenance is read-only')) };
      } else if (path === '/Provenance' && behaviour.provenanceNotImplemented) {
        return { status: 501, body: JSON.stringify(outcome('Provenance is not implemented')) };
      } else if (path === '/DocumentReference') {
        documentIdentifiers = [await onWriteDocument(body as DocumentReference)];
      }
      if (behaviour.dropsIdentifier === 'both' || behaviour.dropsIdentifier === 'identifier') {
        // The server cannot match on what it does not keep.
      }
    }
    if (method === 'PUT') {
      body = JSON.parse(rawBody) as Resource;
      if (path.startsWith('/DocumentReference/')) documentIdentifiers = [await onWriteDocument(body as DocumentReference)];
      else if (path === '' || path === '/') return { status: 405, body: JSON.stringify(outcome('PUT is not allowed here')) };
    }
    const isSearch = method === 'GET' && /^\/DocumentReference\?/.test(path + url.search);
    const cached = isSearch && behaviour.searchCacheMs ? searchCache.get(forwardPath) : undefined;
    if (cached && headers['cache-control'] !== 'no-cache' && Date.now() - cached.at < behaviour.searchCacheMs!) return cached.answer;
    const answer = await forward(method, forwardPath, headers, body ? JSON.stringify(body) : undefined);
    if (isSearch && answer.status === 200) searchCache.set(forwardPath, { at: Date.now(), answer: { status: answer.status, headers: {}, body: answer.body } });
    if (method === 'PUT' && answer.status < 300) {
      // A PUT that created (or re-wrote) the resource: counted once per id, however often it is repeated.
      const written = JSON.parse(answer.body) as Resource;
      if (written.resourceType === 'DocumentReference' && !(created.get(documentIdentifiers[0] ?? '') ?? []).includes(written.id!)) record(created, documentIdentifiers[0], written.id);
      if (written.resourceType === 'Provenance') {
        const target = (written as Provenance).target[0]?.reference?.replace(/^.*DocumentReference\//, '');
        if (!(provenances.get(target ?? '') ?? []).includes(written.id!)) record(provenances, target, written.id);
      }
    }
    let status = answer.status;
    let text = answer.body;
    const answerHeaders: Record<string, string> = {};
    if (answer.headers.location) answerHeaders.Location = answer.headers.location;
    const parsed = text ? (JSON.parse(text) as Resource) : undefined;

    if (method === 'POST' && status < 300 && parsed) {
      if (parsed.resourceType === 'Bundle' && (parsed as Bundle).type === 'transaction-response') {
        const response = parsed as Bundle;
        const request = body as Bundle;
        response.entry?.forEach((entry, index) => {
          const type = request.entry?.[index]?.resource?.resourceType;
          const id = entry.resource?.id ?? /\/([^/]+?)(?:\/_history\/[^/]+)?$/.exec(entry.response?.location ?? '')?.[1];
          const viaPut = request.entry?.[index]?.request?.method === 'PUT';
          if (entry.response?.status?.startsWith('201') || (viaPut && entry.response?.status?.startsWith('200'))) {
            const documentKey = documentIdentifiers[index];
            const provenanceKey = (entry.resource as Provenance | undefined)?.target?.[0]?.reference?.replace(/^.*DocumentReference\//, '');
            // A PUT repeated writes the same resource: counted once per id.
            if (type === 'DocumentReference' && !(viaPut && (created.get(documentKey ?? '') ?? []).includes(id ?? ''))) record(created, documentKey, id);
            if (type === 'Provenance' && !(viaPut && (provenances.get(provenanceKey ?? '') ?? []).includes(id ?? ''))) record(provenances, provenanceKey, id);
          }
          // Relative and absolute locations both appear in the wild: make the first absolute.
          if (entry.response?.location && index === 0) entry.response.location = `${harness.baseUrl}/${entry.response.location.replace(/^\//, '')}`;
          if (behaviour.minimalCreate) delete entry.resource;
        });
        text = JSON.stringify(response);
      } else if (parsed.resourceType !== 'OperationOutcome') {
        if (status === 201 && parsed.resourceType === 'DocumentReference') record(created, documentIdentifiers[0], parsed.id);
        if (status === 201 && parsed.resourceType === 'Provenance') record(provenances, (parsed as Provenance).target[0]?.reference?.replace(/^.*DocumentReference\//, ''), parsed.id);
        answerHeaders.Location ??= `${harness.baseUrl}/${parsed.resourceType}/${parsed.id}/_history/${parsed.meta?.versionId ?? '1'}`;
        answerHeaders.Location = answerHeaders.Location.replace(upstreamUrl, harness.baseUrl);
        if (behaviour.minimalCreate) text = '';
        else if (behaviour.outcomeBody) text = JSON.stringify({ resourceType: 'OperationOutcome', id: `oo-${randomUUID()}`, issue: [{ severity: 'information', code: 'informational', details: { text: 'Created' } }] });
      }
    }
    if (method === 'GET' && status === 200 && parsed?.resourceType === 'DocumentReference' && behaviour.readBack) text = JSON.stringify(behaviour.readBack(parsed as DocumentReference));
    if (method === 'GET' && path === '/metadata' && status === 200 && parsed?.resourceType === 'CapabilityStatement' && (behaviour.noConditionalCreate || behaviour.updateCreate)) {
      const statement = parsed as CapabilityStatement;
      for (const rest of statement.rest ?? []) {
        for (const resource of rest.resource ?? []) {
          if (behaviour.noConditionalCreate) delete resource.conditionalCreate;
          if (behaviour.updateCreate && (resource.type === 'DocumentReference' || resource.type === 'Provenance')) {
            resource.updateCreate = true;
            resource.interaction = [...(resource.interaction ?? []), { code: 'update' }];
          }
        }
      }
      text = JSON.stringify(statement);
    }
    if (method === 'GET' && path === '/metadata' && status === 200 && parsed?.resourceType === 'CapabilityStatement' && behaviour.statementWithoutProvenanceCreate) {
      const statement = parsed as CapabilityStatement;
      for (const rest of statement.rest ?? []) {
        for (const resource of rest.resource ?? []) if (resource.type === 'Provenance') resource.interaction = resource.interaction?.filter((interaction) => interaction.code !== 'create');
      }
      text = JSON.stringify(statement);
    }
    if (status === 404 && !text) status = 404;
    return { status, headers: answerHeaders, body: text };
  }

  const server: Server = createServer((incoming, outgoing) => {
    const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      if (url.pathname === '/token') return handleToken(outgoing);
      const described: SeenRequest = { method: incoming.method ?? 'GET', path: url.pathname.slice(upstream.pathname.length) + url.search, headers: incoming.headers };
      const fault = harness.fault(described, seen.length);
      seen.push(described);
      if (fault.kind === 'hang') return;
      if (fault.kind === 'drop-before') return void incoming.socket.destroy();
      if (fault.kind === 'respond') return void refuseWith(outgoing, fault);
      const slow = fault.kind === 'slow-commit' ? fault : undefined;
      const headers = slow?.conditionCheckedEarly ? withoutCondition(incoming.headers) : incoming.headers;
      const rawBody = slow?.conditionCheckedEarly ? withoutBundleConditions(Buffer.concat(chunks).toString('utf8')) : Buffer.concat(chunks).toString('utf8');
      const committed = slow ? new Promise<void>((resolve) => setTimeout(resolve, slow.delayMs)) : Promise.resolve();
      committed.then(() => handle(incoming.method ?? 'GET', url, headers, rawBody)).then(
        (answer) => {
          if (fault.kind === 'drop-after') return void incoming.socket.destroy();
          if (fault.kind === 'apply-then-respond') return void refuseWith(outgoing, fault);
          let text = answer.body ?? '';
          if (fault.kind === 'rewrite') text = fault.rewrite(text);
          outgoing.writeHead(answer.status, { ...(text ? { 'Content-Type': `${FHIR_JSON}; charset=utf-8` } : {}), ...answer.headers, 'Content-Length': String(Buffer.byteLength(text)) });
          outgoing.end(text);
        },
        () => {
          outgoing.writeHead(500, { 'Content-Type': FHIR_JSON });
          outgoing.end(JSON.stringify(outcome('Harness failure')));
        },
      );
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const harness: EprHarness = {
    baseUrl: `http://127.0.0.1:${port}${upstream.pathname}`,
    tokenUrl: `http://127.0.0.1:${port}/token`,
    behaviour: initial,
    token: {},
    fault: () => ({ kind: 'pass' }),
    seen,
    get tokenRequests() {
      return tokenRequests;
    },
    documentsCreated: (identifier) => created.get(identifier) ?? [],
    provenancesCreated: (documentReferenceId) => provenances.get(documentReferenceId) ?? [],
    acceptToken: (token) => void issuedTokens.add(token),
    creationsByIdentifier: () => Object.fromEntries([...created].map(([identifier, ids]) => [identifier, ids.length])),
    upstreamUrl,
    reset() {
      harness.behaviour = {};
      harness.token = {};
      harness.fault = () => ({ kind: 'pass' });
      seen.length = 0;
      tokenRequests = 0;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await upstreamServer.stop();
    },
  };
  return harness;
}
