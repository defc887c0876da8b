/**
 * A local stand-in for NHS England's PDS FHIR API (which cannot be reached from here), emulating
 * only what its specification documents for "Get patient details" (`GET /Patient/{id}`,
 * personal-demographics.yaml): 400 MISSING_VALUE without an `X-Request-ID` header; 400
 * INVALID_RESOURCE_ID for an id that is not a valid NHS number; 404 RESOURCE_NOT_FOUND; 404
 * INVALIDATED_RESOURCE for an invalidated record; a superseded NHS number answered with the
 * record of the number that replaced it (its `id` is not the one asked for); a restricted
 * (S-flagged) patient with `meta.security` code R and no `address`, `telecom` or
 * `generalPractitioner`; the version in `meta.versionId` and in a weak ETag. Error bodies are
 * OperationOutcomes with the Spine code in `issue[].details.coding[].code`. It is not PDS.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Patient } from '@medplum/fhirtypes';
import { isValidNhsNumber } from '../../../../shared/domain/nhs-number';

export interface PdsStandIn {
  readonly baseUrl: string;
  /** Every request's X-Request-ID (undefined when missing). */
  readonly requestIds: (string | undefined)[];
  close(): Promise<void>;
}

export interface PdsStandInRecords {
  readonly patients: readonly Patient[];
  /** Superseded NHS number → the number that replaced it. */
  readonly superseded?: Readonly<Record<string, string>>;
  readonly invalidated?: readonly string[];
}

const SPINE_CODES = 'https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode';
const LOCATION_FIELDS = ['address', 'telecom', 'generalPractitioner'] as const;

export async function startPdsStandIn(records: PdsStandInRecords): Promise<PdsStandIn> {
  const requestIds: (string | undefined)[] = [];
  const byId = new Map(records.patients.map((patient) => [patient.id!, patient]));
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'Content-Type': 'application/fhir+json', ...headers });
      response.end(JSON.stringify(body));
    };
    const error = (status: number, code: string, display: string) =>
      send(status, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: status === 404 ? 'not-found' : 'value', details: { coding: [{ system: SPINE_CODES, version: '1', code, display }] } }] });
    const requestId = request.headers['x-request-id'];
    requestIds.push(typeof requestId === 'string' ? requestId : undefined);
    if (typeof requestId !== 'string') return error(400, 'MISSING_VALUE', 'Required value is missing');
    const match = /^\/FHIR\/R4\/Patient\/([^/?]+)$/.exec(request.url ?? '');
    if (request.method !== 'GET' || !match) return error(400, 'UNSUPPORTED_SERVICE', 'Unsupported Service');
    const asked = decodeURIComponent(match[1]!);
    if (!isValidNhsNumber(asked)) return error(400, 'INVALID_RESOURCE_ID', 'Resource Id is invalid');
    if (records.invalidated?.includes(asked)) return error(404, 'INVALIDATED_RESOURCE', 'Resource that has been marked as invalid was requested - invalid resources cannot be retrieved');
    const patient = byId.get(records.superseded?.[asked] ?? asked);
    if (!patient) return error(404, 'RESOURCE_NOT_FOUND', 'Resource not found');
    const restricted = patient.meta?.security?.some((label) => label.code === 'R');
    const answered: Record<string, unknown> = { ...patient };
    if (restricted) for (const field of LOCATION_FIELDS) delete answered[field];
    send(200, answered, { ETag: `W/"${patient.meta?.versionId ?? '1'}"` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/FHIR/R4`,
    requestIds,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
