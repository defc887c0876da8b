/**
 * The embedded training EPR: a real FHIR R4 server (Medplum's FhirRouter over an in-memory
 * repository) behind node:http on 127.0.0.1, so users can practise filing and the tests file over
 * real HTTP. It serves a CapabilityStatement, create, read, search, conditional create
 * (If-None-Exist) and transaction bundles, and validates every write (the router does not).
 * Nothing is persisted: stopping it forgets everything. It starts holding the synthetic patients
 * (synthetic-patients.ts), searchable by NHS number, so filing finds the patient as in a live EPR.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { badRequest, getStatus, normalizeOperationOutcome } from '@medplum/core';
import type { Bundle, CapabilityStatement, OperationOutcome, Patient, Practitioner, Resource } from '@medplum/fhirtypes';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import { syntheticEncounters, syntheticPatients } from './synthetic-patients';
import { ensureFhirDefinitions, validateFhirResource } from './validate';

export interface TrainingServerOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes?: number;
  /**
   * The per-launch secret every request must carry as `Authorization: Bearer …` (401 without
   * it): another OS user on this PC can reach 127.0.0.1 too. The app always sets one
   * (training-epr.ts); only test harnesses that proxy the server leave it out.
   */
  readonly accessToken?: string;
  /** The patients it starts with (default: the synthetic training patients). */
  readonly patients?: readonly Patient[];
  /**
   * The Practitioners it starts with (default: none). It can be searched for them by identifier,
   * as a Trust's EPR can, so filing looks its users up and finds them where a test put them.
   */
  readonly practitioners?: readonly Practitioner[];
}

export interface TrainingServer {
  /** Starts listening on 127.0.0.1 and returns the FHIR base URL, e.g. http://127.0.0.1:41234/fhir. */
  start(): Promise<string>;
  /** Stops listening and drops open connections. */
  stop(): Promise<void>;
  /** The base URL while running. */
  readonly baseUrl: string | undefined;
}

const BASE_PATH = '/fhir';
const METHODS: ReadonlySet<string> = new Set<HttpMethod>(['GET', 'POST', 'PUT']);
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function createTrainingServer(options: TrainingServerOptions = {}): TrainingServer {
  const router = new FhirRouter();
  const repository = new MemoryRepository();
  const maxBodyBytes = options.maxBodyBytes ?? 20 * 1024 * 1024;
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let baseUrl: string | undefined;
  let seeded = false;
  // Writes run one at a time: the in-memory repository's conditional create is a search followed
  // by a create, and two interleaved requests could both see "no match".
  let writeQueue: Promise<unknown> = Promise.resolve();

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // DNS rebinding: a web page whose name now resolves to 127.0.0.1 sends its own name as Host.
    if (!hostIsThisServer(request.headers.host)) return send(response, 403, forbiddenOutcome('This server answers only requests addressed to 127.0.0.1 or localhost.'));
    if (options.accessToken !== undefined && !bearerMatches(request.headers.authorization, options.accessToken)) {
      return send(response, 401, forbiddenOutcome('The training EPR needs the access token Wardscribe was given when it started.'), { 'WWW-Authenticate': 'Bearer' });
    }
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== BASE_PATH && !url.pathname.startsWith(BASE_PATH + '/')) return send(response, 404, notFoundOutcome());
    const method = request.method ?? 'GET';
    if (!METHODS.has(method)) return send(response, 405, badRequest('Method not supported by the training EPR'));
    const path = url.pathname.slice(BASE_PATH.length).replace(/^\/+/, '');
    const body = method === 'GET' ? undefined : await readJsonBody(request, maxBodyBytes);
    if (body instanceof Error) return send(response, 400, badRequest(body.message));

    if (method === 'GET' && path === 'metadata') return send(response, 200, capabilityStatement(baseUrl ?? ''));

    const run = async (): Promise<void> => {
      if (method !== 'GET') {
        const invalid = validateWrite(body);
        if (invalid) return send(response, 400, invalid);
      }
      const fhirRequest: FhirRequest = {
        method: method as HttpMethod,
        // The router wants the url without a leading slash and an empty pathname.
        url: path + url.search,
        pathname: '',
        body,
        params: {},
        query: {},
        headers: request.headers,
        config: { transactions: true },
      };
      const [outcome, resource] = await router.handleRequest(fhirRequest, repository);
      const status = getStatus(outcome);
      const headers: Record<string, string> = {};
      if (resource?.id && resource.resourceType !== 'Bundle' && status === 201) headers['Location'] = `${baseUrl}/${resource.resourceType}/${resource.id}`;
      send(response, status, resource ?? outcome, headers);
    };
    if (method === 'GET') return run();
    const queued = writeQueue.then(run, run);
    writeQueue = queued.catch(() => undefined);
    return queued;
  }

  function hostIsThisServer(host: string | undefined): boolean {
    const port = (server?.address() as AddressInfo | null)?.port;
    return port !== undefined && (host === `127.0.0.1:${port}` || host === `localhost:${port}`);
  }

  return {
    get baseUrl() {
      return baseUrl;
    },
    async start() {
      if (baseUrl) return baseUrl;
      ensureFhirDefinitions();
      if (!seeded) {
        seeded = true;
        const patients: Patient[] = [];
        for (const patient of options.patients ?? syntheticPatients()) patients.push(await repository.createResource(patient));
        for (const encounter of syntheticEncounters(patients)) await repository.createResource(encounter);
        for (const practitioner of options.practitioners ?? []) await repository.createResource(practitioner);
      }
      const created = createServer((request, response) => {
        handle(request, response).catch((error: unknown) => {
          if (!response.headersSent) send(response, 500, normalizeOperationOutcome(error));
          else response.destroy();
        });
      });
      created.on('connection', (socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(options.port ?? 0, '127.0.0.1', () => resolve());
      });
      server = created;
      baseUrl = `http://127.0.0.1:${(created.address() as AddressInfo).port}${BASE_PATH}`;
      return baseUrl;
    },
    async stop() {
      const running = server;
      server = undefined;
      baseUrl = undefined;
      if (!running) return;
      const closed = new Promise<void>((resolve) => running.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Validates a written resource, or each resource in a bundle; returns an outcome when invalid. */
function validateWrite(body: unknown): OperationOutcome | undefined {
  if (!body || typeof body !== 'object' || typeof (body as Resource).resourceType !== 'string') {
    return badRequest('The body is not a FHIR resource');
  }
  const resources: { readonly resource: Resource; readonly where: string }[] =
    (body as Resource).resourceType === 'Bundle'
      ? ((body as Bundle).entry ?? []).flatMap((entry, index) => (entry.resource ? [{ resource: entry.resource, where: `Bundle.entry[${index}].resource` }] : []))
      : [{ resource: body as Resource, where: '' }];
  const issues = resources.flatMap(({ resource, where }) =>
    validateFhirResource(resource)
      .filter((issue) => issue.severity === 'error')
      .map((issue) => ({
        severity: 'error' as const,
        code: 'invalid' as const,
        details: { text: issue.message },
        expression: [where ? `${where}.${issue.path.replace(/^[A-Za-z]+\.?/, '')}`.replace(/\.$/, '') : issue.path],
      })),
  );
  return issues.length ? { resourceType: 'OperationOutcome', issue: issues } : undefined;
}

function capabilityStatement(baseUrl: string): CapabilityStatement {
  const resource = (type: 'DocumentReference' | 'Provenance' | 'Patient' | 'Practitioner' | 'Encounter', searchParams: readonly string[]) => ({
    type,
    // Patients and staff are there to be found, not filed: the training EPR is not a patient administration system or a staff directory.
    // A DocumentReference can be updated too: a correction marks the note it replaces entered in error.
    interaction: (type === 'Patient' || type === 'Practitioner' || type === 'Encounter'
      ? (['read', 'search-type'] as const)
      : type === 'DocumentReference'
        ? (['read', 'create', 'update', 'search-type'] as const)
        : (['read', 'create', 'search-type'] as const)
    ).map((code) => ({ code })),
    conditionalCreate: true,
    searchParam: searchParams.map((name) => ({ name, type: name === 'identifier' || name === 'status' ? ('token' as const) : ('reference' as const) })),
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2025-01-01',
    kind: 'instance',
    software: { name: 'Wardscribe training EPR' },
    implementation: { description: 'In-memory training EPR: nothing filed here reaches a patient record.', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        resource: [resource('DocumentReference', ['identifier', 'subject']), resource('Provenance', ['target']), resource('Patient', ['identifier']), resource('Practitioner', ['identifier']), resource('Encounter', ['patient', 'status'])],
        interaction: [{ code: 'transaction' }],
      },
    ],
  };
}

/** Constant-time comparison of `Authorization: Bearer <token>` with the expected token. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '', 'utf8');
  const expected = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function forbiddenOutcome(text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'security', details: { text } }] };
}

function notFoundOutcome(): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', details: { text: 'Not found' } }] };
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': FHIR_JSON, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  response.end(text);
}

async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return new Error('Request body too large');
    chunks.push(chunk);
  }
  if (size === 0) return new Error('Empty request body');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return new Error('Request body is not JSON');
  }
}
