/**
 * H-012 / H-013: EPR answers that used to leave a note retrying for ever, ending it for no reason,
 * or never verifiable: content on another origin, a sign-in refused for a clock a few seconds
 * ahead, a Retry-After measured on a wrong clock, the read-after-write lag, a server that keeps
 * only `identifier`, and a redirect from a load balancer. End to end against the EPR behaviour
 * harness, and at the connection with an injected fetch.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { discoverProfile } from '../../../main/epr/epr-profile';
import { createEprConnection, type FetchLike } from '../../../main/epr/fhir-client';
import { parseRetryAfter } from '../../../main/epr/retry-policy';
import { createTokenSource, type EprAuth } from '../../../main/epr/smart-auth';
import { type EprHarness, type SeenRequest } from './support/epr-harness';
import { FAST_POLICY, fileOne, type OutboxWorld } from './support/outbox-world';
import { useHarnessAndWorld } from './support/harness-world';

let harness: EprHarness;
let world: OutboxWorld;
useHarnessAndWorld((started, made) => {
  harness = started;
  world = made;
});

const isDocumentRead = (request: SeenRequest) => request.method === 'GET' && /^\/DocumentReference\/[^?/]+$/.test(request.path);

describe('end to end', () => {
  test('content at an absolute URL on the server\u2019s internal address: ended at once in its own words, never retried, never verified', async () => {
    harness.behaviour = { contentInBinary: true };
    harness.fault = (request) => (isDocumentRead(request) ? { kind: 'rewrite', rewrite: (body) => body.replace(/"url":"Binary\//g, '"url":"http://hapi-internal:8080/fhir/Binary/') } : { kind: 'pass' });
    const waits: number[] = [];
    const { identifier, state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl, sleep: async (ms) => void waits.push(ms) }));
    expect(state).toMatchObject({ kind: 'failed', reason: 'content-elsewhere', serverReason: 'http://hapi-internal:8080' });
    expect(waits).toEqual([]);
    expect(harness.seen.some((request) => request.path.includes('hapi-internal'))).toBe(false);
    expect(world.view(identifier).detail).toMatch(/public base URL/);
    expect(world.view(identifier).detail).toContain('http://hapi-internal:8080');
  });

  test('a 404 on the first read-back just after the 201 (read-after-write lag): read again, verified', async () => {
    let reads = 0;
    harness.fault = (request) => (isDocumentRead(request) && reads++ === 0 ? { kind: 'respond', status: 404 } : { kind: 'pass' });
    const shown: string[] = [];
    const item = world.queue();
    const outbox = world.runner({ baseUrl: harness.baseUrl, sleep: async () => void shown.push(world.view(item.identifier).detail) });
    await outbox.drive(item.identifier);
    await outbox.settled();
    const { identifier } = item;
    expect(world.stored(identifier).kind).toBe('verified');
    expect(shown).toEqual([expect.stringContaining('the EPR does not show the note yet')]);
    expect(reads).toBe(2);
    expect(harness.documentsCreated(identifier)).toHaveLength(1);
  });

  test('a read-back that stays 404: read-back-missing once the attempts run out, as before', async () => {
    harness.fault = (request) => (isDocumentRead(request) ? { kind: 'respond', status: 404 } : { kind: 'pass' });
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }));
    expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-missing', httpStatus: 404 });
    expect(harness.seen.filter(isDocumentRead)).toHaveLength(FAST_POLICY.maxAttempts);
  });

  test('a server that keeps identifier and drops masterIdentifier: verified on the default profile', async () => {
    harness.fault = (request) =>
      request.method === 'GET' && request.path.startsWith('/DocumentReference')
        ? {
            kind: 'rewrite',
            rewrite: (body) => {
              const parsed = JSON.parse(body) as { resourceType: string; masterIdentifier?: unknown; entry?: { resource: { masterIdentifier?: unknown } }[] };
              if (parsed.resourceType === 'Bundle') for (const entry of parsed.entry ?? []) delete entry.resource.masterIdentifier;
              else delete parsed.masterIdentifier;
              return JSON.stringify(parsed);
            },
          }
        : { kind: 'pass' };
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }));
    expect(state.kind).toBe('verified');
  });

  test('a redirect (301 from a load balancer): never followed, ended for an administrator naming the new address', async () => {
    harness.fault = (request) => ({ kind: 'respond', status: 301, headers: { Location: `https://epr-new.example.nhs.uk/fhir${request.path}`, 'Content-Type': 'text/html' }, body: '<html>Moved</html>' });
    const { identifier, state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl }));
    expect(state).toMatchObject({ kind: 'failed', reason: 'epr-moved', httpStatus: 301, serverReason: 'https://epr-new.example.nhs.uk/fhir/metadata' });
    expect(world.view(identifier).detail).toMatch(/redirect to https:\/\/epr-new\.example\.nhs\.uk\/fhir\/metadata.*An administrator must check the EPR address/);
    expect(harness.seen).toHaveLength(1);
  });

  test('429 with Retry-After as an HTTP date, workstation clock two hours slow: the wait is measured on the server\u2019s Date', async () => {
    let refused = false;
    harness.fault = (request) => {
      if (request.method !== 'POST' || refused) return { kind: 'pass' };
      refused = true;
      const serverNow = Date.now() + 2 * 3_600_000;
      return { kind: 'respond', status: 429, headers: { Date: new Date(serverNow).toUTCString(), 'Retry-After': new Date(serverNow + 10_000).toUTCString() } };
    };
    const waits: number[] = [];
    const { state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl, policy: { ...FAST_POLICY, maxDelayMs: 3_600_000 * 3 }, sleep: async (ms) => void waits.push(ms) }));
    expect(state.kind).toBe('verified');
    expect(waits).toHaveLength(1);
    // Ten seconds, give or take the second the HTTP date is rounded to.
    expect(waits[0]).toBeGreaterThanOrEqual(8_000);
    expect(waits[0]).toBeLessThanOrEqual(11_000);
  });
});

describe('at the connection', () => {
  const FHIR = { 'Content-Type': 'application/fhir+json' };
  function recording(answer: (url: string, init: RequestInit) => Response) {
    const requests: { url: string; init: RequestInit }[] = [];
    const fetch: FetchLike = async (url, init) => {
      requests.push({ url, init });
      return answer(url, init);
    };
    return { requests, fetch };
  }

  test('requests never follow redirects; a 308 names where it points, without its query', async () => {
    const { requests, fetch } = recording(() => new Response('', { status: 308, headers: { Location: '/fhir2/DocumentReference/1?_format=json' } }));
    const connection = await createEprConnection({ baseUrl: 'https://epr.example.nhs.uk/fhir', auth: { kind: 'none' }, requestTimeoutMs: 1_000, clock: { now: Date.now }, fetch });
    await expect(connection.read('DocumentReference', '1')).rejects.toMatchObject({ kind: 'moved', status: 308, serverReason: 'https://epr.example.nhs.uk/fhir2/DocumentReference/1', transient: false });
    expect(requests[0]!.init.redirect).toBe('manual');
  });

  test('every search is asked past caches; a PUT goes to the resource\u2019s own id', async () => {
    const { requests, fetch } = recording((url, init) =>
      init.method === 'PUT'
        ? new Response(JSON.stringify({ resourceType: 'DocumentReference', id: 'ws-1', meta: { versionId: '3' } }), { status: 200, headers: FHIR })
        : new Response(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [] }), { status: 200, headers: FHIR }),
    );
    const connection = await createEprConnection({ baseUrl: 'https://epr.example.nhs.uk/fhir', auth: { kind: 'none' }, requestTimeoutMs: 1_000, clock: { now: Date.now }, fetch });
    await connection.search('DocumentReference', { identifier: 'x|y' });
    expect(requests[0]!.init.headers).toMatchObject({ 'Cache-Control': 'no-cache', Pragma: 'no-cache' });
    expect(await connection.update({ resourceType: 'DocumentReference', id: 'ws-1', status: 'current', content: [] })).toEqual({ id: 'ws-1', versionId: '3', created: false });
    expect(requests[1]).toMatchObject({ url: 'https://epr.example.nhs.uk/fhir/DocumentReference/ws-1', init: { method: 'PUT', headers: { 'Content-Type': 'application/fhir+json; charset=utf-8' } } });
  });

  test('content on another origin is refused without a request, as not transient', async () => {
    const { requests, fetch } = recording(() => new Response('', { status: 200 }));
    const connection = await createEprConnection({ baseUrl: 'https://epr.example.nhs.uk/fhir', auth: { kind: 'none' }, requestTimeoutMs: 1_000, clock: { now: Date.now }, fetch });
    await expect(connection.readAttachment('https://internal.example:8080/fhir/Binary/1')).rejects.toMatchObject({ kind: 'elsewhere', serverReason: 'https://internal.example:8080', transient: false });
    expect(requests).toEqual([]);
  });

  test('Retry-After dates: against the Date header when readable, else the local clock', () => {
    const now = Date.UTC(2026, 0, 1, 10, 0, 0);
    const serverNow = now + 2 * 3_600_000;
    expect(parseRetryAfter(new Date(serverNow + 10_000).toUTCString(), now, new Date(serverNow).toUTCString())).toBe(10_000);
    expect(parseRetryAfter(new Date(now + 10_000).toUTCString(), now, 'not a date')).toBe(10_000);
    expect(parseRetryAfter(new Date(now + 10_000).toUTCString(), now, null)).toBe(10_000);
    expect(parseRetryAfter(new Date(serverNow - 5_000).toUTCString(), now, new Date(serverNow).toUTCString())).toBe(0);
    expect(parseRetryAfter('12', now, new Date(serverNow).toUTCString())).toBe(12_000);
  });

  test('a CapabilityStatement declaring update with updateCreate for DocumentReference: written with our own ids', () => {
    const statement = (documentReference: Record<string, unknown>) =>
      discoverProfile({ resourceType: 'CapabilityStatement', status: 'active', date: '2026-01-01', kind: 'instance', fhirVersion: '4.0.1', format: ['json'], rest: [{ mode: 'server', resource: [{ type: 'DocumentReference', ...documentReference }] }] });
    expect(statement({ updateCreate: true, interaction: [{ code: 'create' }, { code: 'update' }] }).updateCreate).toBe(true);
    expect(statement({ updateCreate: true, interaction: [{ code: 'create' }] }).updateCreate).toBe(false);
    expect(statement({ interaction: [{ code: 'update' }] }).updateCreate).toBe(false);
    expect(discoverProfile(undefined).updateCreate).toBe(false);
  });
});

describe('SMART Backend Services sign-in', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const auth: EprAuth = { kind: 'smart-backend', tokenUrl: 'https://auth.example.nhs.uk/token', clientId: 'ws', keyId: 'k1', algorithm: 'RS512', privateKey, scope: 'system/DocumentReference.c' };
  const claimsOf = (init: RequestInit) => JSON.parse(Buffer.from((new URLSearchParams(String(init.body)).get('client_assertion') ?? '').split('.')[1]!, 'base64url').toString('utf8')) as { iat: number; exp: number };

  test('the assertion expires four minutes after our now, so a clock up to a minute ahead still passes a five-minute rule', async () => {
    const now = Date.UTC(2026, 0, 1, 10, 0, 0);
    const sent: RequestInit[] = [];
    const tokens = createTokenSource(auth, { now: () => now }, async (_url, init) => {
      sent.push(init);
      // The token endpoint's clock is 59 s behind ours; it refuses exp beyond its now + 300 s.
      const claims = claimsOf(init);
      const serverNowS = Math.floor(now / 1000) - 59;
      return claims.exp > serverNowS + 300
        ? new Response(JSON.stringify({ error: 'invalid_client', error_description: 'exp too far in the future' }), { status: 400 })
        : new Response(JSON.stringify({ access_token: 'ok', expires_in: 600 }), { status: 200 });
    });
    expect(await tokens.authorization()).toBe('Bearer ok');
    expect(claimsOf(sent[0]!)).toMatchObject({ iat: now / 1000, exp: now / 1000 + 240 });
  });

  test('a refusal shows the endpoint\u2019s error_description (on one line), or its error code', async () => {
    const refuse = (body: unknown) => createTokenSource(auth, { now: Date.now }, async () => new Response(JSON.stringify(body), { status: 400 }));
    await expect(refuse({ error: 'invalid_request', error_description: 'Invalid exp claim in JWT -\nmore than 5 minutes in future' }).authorization()).rejects.toMatchObject({
      kind: 'auth',
      status: 400,
      serverReason: 'The EPR sign-in service refused the workstation (HTTP 400). It said: Invalid exp claim in JWT - more than 5 minutes in future',
      transient: false,
    });
    await expect(refuse({ error: 'invalid_client' }).authorization()).rejects.toMatchObject({ serverReason: 'The EPR sign-in service refused the workstation (HTTP 400). It said: invalid_client' });
    await expect(refuse({}).authorization()).rejects.toMatchObject({ serverReason: 'The EPR sign-in service refused the workstation (HTTP 400).' });
  });
});

test('a read-back whose subject points at another server (our patient\'s id there) is not verified: that is not this EPR\'s patient', async () => {
  harness.behaviour = {
    literalSubject: true,
    readBack: (document) => ({ ...document, subject: { ...document.subject, reference: `https://other.example.nhs.uk/fhir/${document.subject!.reference!}` } }),
  };
  const { identifier, state } = await fileOne(world, world.runner({ baseUrl: harness.baseUrl, policy: FAST_POLICY }));
  expect(state).toMatchObject({ kind: 'failed', reason: 'read-back-mismatch', mismatched: expect.arrayContaining(['subject']) });
  expect(harness.documentsCreated(identifier)).toHaveLength(1);
});
