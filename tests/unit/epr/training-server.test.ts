import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CapabilityStatement, DocumentReference, OperationOutcome } from '@medplum/fhirtypes';
import { toDocumentReference } from '../../../main/epr/mapping';
import { createTrainingServer } from '../../../main/epr/training-server';
import { sampleTranscription } from './support/transcriptions';

const server = createTrainingServer();
let base: string;
beforeAll(async () => {
  base = await server.start();
});
afterAll(() => server.stop());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json', ...headers }, body: JSON.stringify(body) });

test('listens on loopback and publishes a CapabilityStatement', async () => {
  expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
  const statement = (await (await fetch(`${base}/metadata`)).json()) as CapabilityStatement;
  expect(statement.rest?.[0]?.interaction).toContainEqual({ code: 'transaction' });
  expect(statement.rest?.[0]?.resource?.find((resource) => resource.type === 'DocumentReference')?.conditionalCreate).toBe(true);
});

test('create, read, search by identifier and conditional create', async () => {
  const document = toDocumentReference(sampleTranscription());
  const identifier = `identifier=urn:ietf:rfc:3986|${document.masterIdentifier!.value}`;
  const created = await post('DocumentReference', document, { 'If-None-Exist': identifier });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as DocumentReference;
  expect(created.headers.get('location')).toBe(`${base}/DocumentReference/${id}`);
  const again = await post('DocumentReference', document, { 'If-None-Exist': identifier });
  expect(again.status).toBe(200);
  expect(((await again.json()) as DocumentReference).id).toBe(id);
  const read = (await (await fetch(`${base}/DocumentReference/${id}`)).json()) as DocumentReference;
  expect(read.content[0]?.attachment.data).toBe(document.content[0]?.attachment.data);
  const search = (await (await fetch(`${base}/DocumentReference?${identifier}`)).json()) as { total: number };
  expect(search.total).toBe(1);
});

test('validates writes before storing them, including inside transactions', async () => {
  const document = toDocumentReference(sampleTranscription());
  const invalid = { ...document, date: 'yesterday' };
  const single = await post('DocumentReference', invalid);
  expect(single.status).toBe(400);
  const outcome = (await single.json()) as OperationOutcome;
  expect(outcome.issue.map((issue) => issue.expression?.[0])).toContain('DocumentReference.date');
  const bundle = await post('', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: invalid, request: { method: 'POST', url: 'DocumentReference' } }] });
  expect(bundle.status).toBe(400);
  expect(((await bundle.json()) as OperationOutcome).issue[0]?.expression?.[0]).toBe('Bundle.entry[0].resource.date');
  const search = (await (await fetch(`${base}/DocumentReference?identifier=urn:ietf:rfc:3986|${document.masterIdentifier!.value}`)).json()) as { total: number };
  expect(search.total).toBe(0);
});

test('refuses bodies that are not JSON and paths outside the base', async () => {
  expect((await fetch(`${base}/DocumentReference`, { method: 'POST', body: 'not json' })).status).toBe(400);
  expect((await fetch(base.replace('/fhir', '/other'))).status).toBe(404);
});
