import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { createTokenSource, type EprAuth } from '../../../main/epr/smart-auth';

/** A small OAuth token endpoint that verifies the client assertion with the registered public key. */
async function startTokenEndpoint(publicKey: KeyObject, algorithm: 'RS384' | 'ES384' | 'RS512', nowMs: () => number = Date.now, expiresIn = 300) {
  const received: Record<string, string>[] = [];
  let issued = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      received.push(form);
      const [header, claims, signature] = (form.client_assertion ?? '').split('.');
      const signed = verify(
        algorithm === 'RS512' ? 'sha512' : 'sha384',
        Buffer.from(`${header}.${claims}`),
        algorithm === 'ES384' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey,
        Buffer.from(signature ?? '', 'base64url'),
      );
      const decodedHeader = JSON.parse(Buffer.from(header ?? '', 'base64url').toString()) as { alg: string; kid: string };
      const decodedClaims = JSON.parse(Buffer.from(claims ?? '', 'base64url').toString()) as { iss: string; sub: string; aud: string; exp: number; jti: string };
      const now = nowMs() / 1000;
      const acceptable =
        signed &&
        form.grant_type === 'client_credentials' &&
        form.client_assertion_type === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
        decodedHeader.alg === algorithm &&
        decodedHeader.kid === 'ward-key-1' &&
        decodedClaims.iss === 'wardscribe-ws' &&
        decodedClaims.sub === 'wardscribe-ws' &&
        decodedClaims.aud === url &&
        decodedClaims.exp > now &&
        decodedClaims.exp <= now + 300 &&
        decodedClaims.jti.length > 0;
      response.writeHead(acceptable ? 200 : 401, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(acceptable ? { access_token: `token-${++issued}`, token_type: 'bearer', expires_in: expiresIn, scope: form.scope } : { error: 'invalid_client' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('SMART Backend Services (private_key_jwt)', () => {
  test.each([
    ['RS384', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['ES384', generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    // NHS England's signed-JWT authentication uses RS512.
    ['RS512', generateKeyPairSync('rsa', { modulusLength: 4096 })],
  ] as const)('%s: the token endpoint verifies the signed assertion and issues a token, which is cached', async (algorithm, keys) => {
    let now = Date.now();
    const endpoint = await startTokenEndpoint(keys.publicKey, algorithm, () => now);
    close = endpoint.close;
    const auth: EprAuth = {
      kind: 'smart-backend',
      tokenUrl: endpoint.url,
      clientId: 'wardscribe-ws',
      privateKey: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      keyId: 'ward-key-1',
      algorithm,
      scope: 'system/DocumentReference.c system/DocumentReference.r',
    };
    const tokens = createTokenSource(auth, { now: () => now });
    expect(await tokens.authorization()).toBe('Bearer token-1');
    expect(await tokens.authorization()).toBe('Bearer token-1');
    expect(endpoint.received).toHaveLength(1);
    expect(endpoint.received[0]?.scope).toBe(auth.scope);
    // Close to expiry it fetches a new one.
    now += 250_000;
    expect(await tokens.authorization()).toBe('Bearer token-2');
  });

  test('a 30-second token is cached for most of its life, not fetched before every request', async () => {
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    let now = Date.now();
    const endpoint = await startTokenEndpoint(keys.publicKey, 'ES384', () => now, 30);
    close = endpoint.close;
    const tokens = createTokenSource(
      { kind: 'smart-backend', tokenUrl: endpoint.url, clientId: 'wardscribe-ws', privateKey: keys.privateKey, keyId: 'ward-key-1', algorithm: 'ES384', scope: 'system/*.c' },
      { now: () => now },
    );
    for (let request = 0; request < 5; request++) expect(await tokens.authorization()).toBe('Bearer token-1');
    now += 20_000;
    expect(await tokens.authorization()).toBe('Bearer token-1');
    now += 5_000; // 25 s: inside the margin (a fifth of its life)
    expect(await tokens.authorization()).toBe('Bearer token-2');
    expect(endpoint.received).toHaveLength(2);
  });

  test('an unreachable or unavailable sign-in service is transient; a refusal is not', async () => {
    const unreachable = createTokenSource(
      { kind: 'smart-backend', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'ws', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, keyId: 'k', algorithm: 'ES384', scope: 's' },
      { now: Date.now },
    );
    await expect(unreachable.authorization()).rejects.toMatchObject({ kind: 'auth', transient: true });
  });

  test('an assertion signed with the wrong key is refused with a clear error', async () => {
    const registered = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const endpoint = await startTokenEndpoint(registered.publicKey, 'ES384');
    close = endpoint.close;
    const tokens = createTokenSource(
      { kind: 'smart-backend', tokenUrl: endpoint.url, clientId: 'wardscribe-ws', privateKey: other.privateKey, keyId: 'ward-key-1', algorithm: 'ES384', scope: 'system/*.c' },
      { now: () => Date.now() },
    );
    await expect(tokens.authorization()).rejects.toMatchObject({ kind: 'auth', status: 401, transient: false, serverReason: expect.stringContaining('HTTP 401') });
  });

  test('static bearer and none', async () => {
    expect(await createTokenSource({ kind: 'bearer', token: 'abc' }, { now: Date.now }).authorization()).toBe('Bearer abc');
    expect(await createTokenSource({ kind: 'none' }, { now: Date.now }).authorization()).toBeUndefined();
  });
});
