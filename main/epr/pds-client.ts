/**
 * NHS England's Personal Demographics Service (PDS) FHIR API, retrieve only: `GET
 * [base]/Patient/{nhsNumber}`, as its specification documents it (personal-demographics.yaml,
 * "Get patient details"):
 * - every request carries a fresh `X-Request-ID` (a UUID; PDS answers 400 MISSING_VALUE without
 *   one) and an `X-Correlation-ID`;
 * - 200 with the Patient; a superseded NHS number answers 200 with the *new* record, whose `id`
 *   is not the number asked for; a restricted (S-flagged) patient carries `meta.security` code R
 *   and comes without `address`, `telecom` and `generalPractitioner`;
 * - 404 RESOURCE_NOT_FOUND (no such patient), 404 INVALIDATED_RESOURCE (the record was
 *   invalidated and not superseded), 400 INVALID_RESOURCE_ID (not a valid NHS number); error
 *   codes sit in the OperationOutcome's `issue[].details.coding[].code`.
 * Authentication is the application-restricted signed-JWT flow, which is SMART Backend
 * Services' client_credentials with private_key_jwt (smart-auth.ts).
 */
import { randomUUID } from 'node:crypto';
import type { OperationOutcome, Patient } from '@medplum/fhirtypes';
import { EprRequestError } from './epr-errors';
import type { FetchLike } from './fhir-client';
import type { Clock } from './retry-policy';
import { createTokenSource, type EprAuth } from './smart-auth';

export type PdsRetrieveResult =
  | { readonly kind: 'found'; readonly patient: Patient; readonly versionId: string | null }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'invalidated' }
  | { readonly kind: 'invalid-nhs-number' }
  /** No usable answer: network, timeout, sign-in, 401/403, 429, 5xx. */
  | { readonly kind: 'unavailable'; readonly status: number | undefined };

export interface PdsClient {
  retrieve(nhsNumber: string, context?: { readonly correlationId?: string }): Promise<PdsRetrieveResult>;
}

export interface PdsClientOptions {
  /** e.g. https://api.service.nhs.uk/personal-demographics/FHIR/R4 */
  readonly baseUrl: string;
  readonly auth: EprAuth;
  readonly requestTimeoutMs: number;
  readonly clock: Pick<Clock, 'now'>;
  readonly fetch?: FetchLike;
}

export function createPdsClient(options: PdsClientOptions): PdsClient {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const tokens = createTokenSource(options.auth, options.clock, fetchImpl);
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  return {
    async retrieve(nhsNumber, context) {
      for (let attempt = 0; ; attempt++) {
        let authorization: string | undefined;
        try {
          authorization = await tokens.authorization();
        } catch (error) {
          return { kind: 'unavailable', status: error instanceof EprRequestError ? error.status : undefined };
        }
        let response: Response;
        let body: unknown;
        try {
          response = await fetchImpl(`${baseUrl}/Patient/${encodeURIComponent(nhsNumber)}`, {
            method: 'GET',
            headers: {
              Accept: 'application/fhir+json',
              'X-Request-ID': randomUUID(),
              'X-Correlation-ID': context?.correlationId ?? randomUUID(),
              ...(authorization ? { Authorization: authorization } : {}),
            },
            signal: AbortSignal.timeout(options.requestTimeoutMs),
            redirect: 'error',
          });
          const text = await response.text();
          body = text ? (JSON.parse(text) as unknown) : undefined;
        } catch {
          return { kind: 'unavailable', status: undefined };
        }
        if (response.ok) {
          const patient = body as Patient | undefined;
          if (patient?.resourceType !== 'Patient' || typeof patient.id !== 'string') return { kind: 'unavailable', status: response.status };
          return { kind: 'found', patient, versionId: patient.meta?.versionId ?? etagVersion(response.headers.get('etag')) };
        }
        if (response.status === 401 && attempt === 0) {
          tokens.invalidate();
          continue;
        }
        const codes = errorCodes(body);
        if (response.status === 404) return codes.includes('INVALIDATED_RESOURCE') ? { kind: 'invalidated' } : { kind: 'not-found' };
        if (response.status === 400 && codes.includes('INVALID_RESOURCE_ID')) return { kind: 'invalid-nhs-number' };
        return { kind: 'unavailable', status: response.status };
      }
    },
  };
}

/** The Spine error codes an OperationOutcome carries. */
function errorCodes(body: unknown): string[] {
  if ((body as OperationOutcome | undefined)?.resourceType !== 'OperationOutcome') return [];
  return ((body as OperationOutcome).issue ?? []).flatMap((issue) => (issue.details?.coding ?? []).flatMap((coding) => (coding.code ? [coding.code] : [])));
}

function etagVersion(etag: string | null): string | null {
  return /^(?:W\/)?"?([^"]+)"?$/.exec(etag ?? '')?.[1] ?? null;
}
