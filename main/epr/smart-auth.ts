/**
 * How Wardscribe authenticates to the EPR: not at all (training EPR), a static bearer token, or
 * SMART Backend Services (OAuth client_credentials with a private_key_jwt client assertion signed
 * RS384, ES384 or RS512 with node:crypto; NHS England's signed-JWT pattern uses RS512). Backend Services identifies the workstation service, not the
 * user: per-user attribution is in the document itself.
 */
import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { EprRequestError } from './epr-errors';
import type { FetchLike } from './fhir-client';
import type { Clock } from './retry-policy';

/** The JWS algorithms a client assertion can be signed with. */
export const SIGNING_ALGORITHMS = ['RS384', 'ES384', 'RS512'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export type EprAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  | {
      readonly kind: 'smart-backend';
      readonly tokenUrl: string;
      readonly clientId: string;
      /** The registered private key (PEM or KeyObject); given by the caller, never stored here. */
      readonly privateKey: KeyObject | string;
      /** The `kid` the EPR knows the matching public key by. */
      readonly keyId: string;
      readonly algorithm: SigningAlgorithm;
      /** e.g. "system/DocumentReference.c system/DocumentReference.r system/Provenance.c". */
      readonly scope: string;
    };

/** Gives the Authorization header value to send, fetching and caching tokens as needed. */
export interface TokenSource {
  authorization(): Promise<string | undefined>;
  /** Forgets a cached token (after a 401) so the next call fetches a new one. */
  invalidate(): void;
}

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/**
 * A token is refreshed this long before it expires: a minute, or a fifth of its life for short
 * tokens (a fixed minute would make a 30-second token look expired at once and fetch one per request).
 */
const EXPIRY_MARGIN_MS = 60_000;
const EXPIRY_MARGIN_FRACTION = 0.2;
/** When a token endpoint gives no expires_in. */
const DEFAULT_LIFETIME_S = 300;
/**
 * SMART's asymmetric client authentication says the assertion's `exp` SHALL be no more than five
 * minutes in the future, and token endpoints (NHS England's among them) refuse one that is, by
 * their clock. Four minutes leaves a minute for a workstation clock running ahead. `iat` stays at
 * our now: moving it into the past is refused by servers that check it too.
 */
const ASSERTION_LIFETIME_S = 240;

export function createTokenSource(auth: EprAuth, clock: Pick<Clock, 'now'>, fetchImpl: FetchLike = (input, init) => fetch(input, init)): TokenSource {
  switch (auth.kind) {
    case 'none':
      return { authorization: async () => undefined, invalidate() {} };
    case 'bearer':
      return { authorization: async () => `Bearer ${auth.token}`, invalidate() {} };
    case 'smart-backend':
      return smartBackendTokenSource(auth, clock, fetchImpl);
  }
}

/** A signed client assertion JWT for SMART Backend Services. Exported for tests. */
export function signClientAssertion(auth: Extract<EprAuth, { kind: 'smart-backend' }>, nowMs: number): string {
  const key = typeof auth.privateKey === 'string' ? createPrivateKey(auth.privateKey) : auth.privateKey;
  const header = { alg: auth.algorithm, typ: 'JWT', kid: auth.keyId };
  const issuedAt = Math.floor(nowMs / 1000);
  const claims = { iss: auth.clientId, sub: auth.clientId, aud: auth.tokenUrl, jti: randomUUID(), iat: issuedAt, exp: issuedAt + ASSERTION_LIFETIME_S };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature =
    auth.algorithm === 'ES384'
      ? // JWS wants ECDSA signatures as r‖s (IEEE P1363), not DER.
        sign('sha384', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' })
      : sign(auth.algorithm === 'RS512' ? 'sha512' : 'sha384', Buffer.from(signingInput), key);
  return `${signingInput}.${signature.toString('base64url')}`;
}

function smartBackendTokenSource(auth: Extract<EprAuth, { kind: 'smart-backend' }>, clock: Pick<Clock, 'now'>, fetchImpl: FetchLike): TokenSource {
  let cached: { readonly value: string; readonly expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: auth.scope,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: signClientAssertion(auth, clock.now()),
    });
    let response: Response;
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
    try {
      response = await fetchImpl(auth.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', 'X-Request-ID': randomUUID() },
        body: form.toString(),
        signal: AbortSignal.timeout(30_000),
        redirect: 'error',
      });
      body = (await response.json().catch(() => ({}))) as typeof body;
    } catch {
      // Unreachable is transient: the item waits and tries again, it does not fail for good.
      throw new EprRequestError('auth', undefined, undefined, 'The EPR sign-in service could not be reached.');
    }
    if (!response.ok || typeof body.access_token !== 'string') {
      const status = response.ok ? 502 : response.status;
      // The OAuth error_description is what tells an administrator what to fix (a clock, a key, a scope).
      const said = oauthError(body);
      throw new EprRequestError('auth', status, undefined, `The EPR sign-in service ${status >= 500 || status === 429 ? 'is unavailable' : 'refused the workstation'} (HTTP ${status}).${said ? ` It said: ${said}` : ''}`);
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_LIFETIME_S) * 1000;
    const margin = Math.min(EXPIRY_MARGIN_MS, lifetimeMs * EXPIRY_MARGIN_FRACTION);
    cached = { value: body.access_token, expiresAt: clock.now() + lifetimeMs - margin };
    return body.access_token;
  }

  return {
    async authorization() {
      if (cached && clock.now() < cached.expiresAt) return `Bearer ${cached.value}`;
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return `Bearer ${await pending}`;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** `error_description` (or the bare `error` code) from an OAuth error answer, shortened and on one line. */
function oauthError(body: { error?: unknown; error_description?: unknown }): string | undefined {
  const text = typeof body.error_description === 'string' && body.error_description.trim() ? body.error_description : typeof body.error === 'string' ? body.error : undefined;
  if (!text) return undefined;
  return [...text].map((character) => (character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f ? ' ' : character)).join('').trim().slice(0, 300) || undefined;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
