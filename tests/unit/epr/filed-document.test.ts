import { describe, expect, it } from 'vitest';
import type { DocumentReference } from '@medplum/fhirtypes';
import { EprRequestError } from '../../../main/epr/epr-errors';
import { FILED_TEXT_LIMIT, readFiledDocument } from '../../../main/epr/filed-document';
import type { EprConnection } from '../../../main/epr/fhir-client';

/** Only what reading a filed note uses: the read and the attachment fetch. */
function connectionServing(document: DocumentReference, attachment?: () => Promise<Buffer>): EprConnection {
  return {
    read: async () => document,
    readAttachment: attachment ?? (async () => Buffer.alloc(0)),
  } as unknown as EprConnection;
}

const BASE: DocumentReference = {
  resourceType: 'DocumentReference',
  id: 'doc-1',
  meta: { versionId: '3', lastUpdated: '2026-12-02T09:00:00Z' },
  status: 'current',
  docStatus: 'final',
  type: { coding: [{ system: 'http://snomed.info/sct', code: '371530004', display: 'Clinical consultation report' }] },
  subject: { reference: 'Patient/p1', display: 'Jane Testpatient' },
  author: [{ display: 'Dr Priya Shah' }, { reference: 'Practitioner/x' }],
  custodian: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'RX1' } },
  content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from('Restrict fluids to 1.5 L.').toString('base64') } }],
};

describe('a filed note read back for the outbox', () => {
  it('carries the EPR’s own fields and the text as the EPR holds it', async () => {
    expect(await readFiledDocument(connectionServing(BASE), 'doc-1')).toEqual({
      documentReferenceId: 'doc-1',
      versionId: '3',
      lastUpdated: '2026-12-02T09:00:00Z',
      status: 'current',
      docStatus: 'final',
      type: 'Clinical consultation report',
      date: null,
      subject: 'Jane Testpatient',
      authors: ['Dr Priya Shah', 'Practitioner/x'],
      custodian: 'Organisation with ODS code RX1',
      restriction: null,
      contentType: 'text/plain; charset=utf-8',
      text: 'Restrict fluids to 1.5 L.',
      textProblem: null,
      truncated: false,
    });
  });

  it('says how restricted the record keeps it, naming the reason in words (or by code where Wardscribe files no such reason)', async () => {
    const labelled = (codings: { system: string; code: string }[]) => ({ ...BASE, securityLabel: codings.map((coding) => ({ coding: [coding] })) });
    const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
    const POLICY = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
    const read = async (document: object) => (await readFiledDocument(connectionServing(document as typeof BASE), 'doc-1')).restriction;
    expect(await read(labelled([{ system: CONFIDENTIALITY, code: 'R' }, { system: POLICY, code: 'PSY' }]))).toBe('Restricted: Mental health');
    expect(await read(labelled([{ system: CONFIDENTIALITY, code: 'V' }, { system: POLICY, code: 'GDIS' }]))).toBe('Very restricted: GDIS');
    expect(await read(labelled([{ system: CONFIDENTIALITY, code: 'N' }, { system: POLICY, code: 'PSY' }]))).toBeNull();
  });

  it('reads content the EPR moved to a Binary, and says why when that Binary is on another origin', async () => {
    const moved = { ...BASE, content: [{ attachment: { contentType: 'text/plain', url: 'Binary/b1' } }] };
    expect((await readFiledDocument(connectionServing(moved, async () => Buffer.from('from the binary')), 'doc-1')).text).toBe('from the binary');
    const elsewhere = await readFiledDocument(
      connectionServing(moved, async () => {
        throw new EprRequestError('elsewhere', undefined, undefined, 'http://internal:8080');
      }),
      'doc-1',
    );
    expect(elsewhere).toMatchObject({ text: null, textProblem: expect.stringContaining('http://internal:8080') });
    // An outage is not a property of the note: it is thrown for the caller to say.
    await expect(
      readFiledDocument(
        connectionServing(moved, async () => {
          throw new EprRequestError('timeout', undefined, undefined);
        }),
        'doc-1',
      ),
    ).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('does not show content that is not text, or not valid UTF-8, as if it were; a very long note is cut and says so', async () => {
    const pdf = { ...BASE, content: [{ attachment: { contentType: 'application/pdf', data: Buffer.from('%PDF-1.7').toString('base64') } }] };
    expect(await readFiledDocument(connectionServing(pdf), 'doc-1')).toMatchObject({ text: null, textProblem: expect.stringContaining('application/pdf') });
    const broken = { ...BASE, content: [{ attachment: { contentType: 'text/plain', data: Buffer.from([0xff, 0xfe, 0x41]).toString('base64') } }] };
    expect(await readFiledDocument(connectionServing(broken), 'doc-1')).toMatchObject({ text: null, textProblem: expect.stringContaining('not valid UTF-8') });
    const empty = { ...BASE, content: [] } as unknown as DocumentReference;
    expect(await readFiledDocument(connectionServing(empty), 'doc-1')).toMatchObject({ text: null, textProblem: expect.stringContaining('without any content') });
    const long = { ...BASE, content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('x'.repeat(FILED_TEXT_LIMIT + 5)).toString('base64') } }] };
    const cut = await readFiledDocument(connectionServing(long), 'doc-1');
    expect(cut.truncated).toBe(true);
    expect(cut.text).toHaveLength(FILED_TEXT_LIMIT);
  });
});
