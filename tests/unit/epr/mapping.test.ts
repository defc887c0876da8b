import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { AUDIT_CHAIN_HEAD_EXTENSION, ODS_ORGANISATION_SYSTEM, toDocumentReference, toProvenance, transcriptAttachment, URI_SYSTEM } from '../../../main/epr/mapping';
import { assertValidForFiling, validateFhirResource } from '../../../main/epr/validate';
import { NHS_NUMBER_SYSTEM } from '../../../shared/domain/nhs-number';
import { renderTranscriptText } from '../../../shared/domain/transcription';
import { sampleTranscription } from './support/transcriptions';

const errors = (resource: Parameters<typeof validateFhirResource>[0]) => validateFhirResource(resource).filter((issue) => issue.severity === 'error');

describe('DocumentReference', () => {
  const transcription = sampleTranscription();
  const document = toDocumentReference(transcription);

  test('passes both validators', () => {
    expect(errors(document)).toEqual([]);
    expect(() => assertValidForFiling(document)).not.toThrow();
  });

  test('carries the identifier, patient, custodian, type and attester', () => {
    expect(document.masterIdentifier).toEqual({ system: URI_SYSTEM, value: transcription.identifier });
    expect(document.identifier).toEqual([{ system: URI_SYSTEM, value: transcription.identifier }]);
    expect(document).toMatchObject({ status: 'current', docStatus: 'final', date: transcription.attestedAt });
    expect(document.type?.coding?.[0]).toEqual({ system: 'http://snomed.info/sct', code: '371530004', display: 'Clinical consultation report' });
    expect(document.subject?.identifier).toEqual({ system: NHS_NUMBER_SYSTEM, value: '9434765919' });
    expect(document.subject?.display).toContain('943 476 5919');
    expect(document.custodian?.identifier).toEqual({ system: ODS_ORGANISATION_SYSTEM, value: 'RX1' });
    expect(document.author?.[0]?.display).toContain('Dr Priya Shah');
    expect(document.authenticator).toEqual(document.author?.[0]);
    expect(document.context?.period).toEqual({ start: '2024-03-31T00:45:00Z', end: '2024-03-31T08:05:00Z' });
  });

  test('the attachment is the rendered text, with its size and base64 SHA-1 of the raw bytes', () => {
    const attachment = document.content[0]!.attachment;
    const bytes = Buffer.from(attachment.data!, 'base64');
    expect(bytes.toString('utf8')).toBe(renderTranscriptText(transcription));
    expect(attachment).toMatchObject({ contentType: 'text/plain; charset=utf-8', language: 'en-GB', size: bytes.length, creation: transcription.attestedAt });
    expect(attachment.hash).toBe(createHash('sha1').update(bytes).digest('base64'));
    expect(transcriptAttachment(transcription).sha256Hex).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  test('a note queued before the picker with the LOINC type files as it was attested', () => {
    const loinc = toDocumentReference(sampleTranscription({ documentType: 'consult-note' }));
    expect(loinc.type?.coding).toEqual([{ system: 'http://loinc.org', code: '11488-4', display: 'Consult note' }]);
    expect(errors(loinc)).toEqual([]);
  });
});

describe('document type, category and care setting (#15)', () => {
  test('the chosen UKCore-DocumentType member, with its LOINC translation only where the EPR asks', () => {
    const transcription = sampleTranscription({ documentType: '325911000000101' });
    expect(toDocumentReference(transcription).type).toEqual({ coding: [{ system: 'http://snomed.info/sct', code: '325911000000101', display: 'Consultation via multimedia' }], text: 'Consultation via multimedia' });
    const both = toDocumentReference(transcription, undefined, { documentTypeLoinc: true });
    expect(both.type?.coding).toEqual([
      { system: 'http://snomed.info/sct', code: '325911000000101', display: 'Consultation via multimedia' },
      { system: 'http://loinc.org', code: '11488-4', display: 'Consult note' },
    ]);
    expect(errors(both)).toEqual([]);
  });

  test('the category is NRL’s "Clinical note" (England-NRLRecordCategory), not the top of the record-artefact hierarchy', () => {
    // NRL accepts exactly these record categories, each with this display (NHSDigital/NRLF, layer/nrlf/core/constants.py).
    const nrlCategories = new Map([
      ['734163000', 'Care plan'],
      ['1102421000000108', 'Observations'],
      ['823651000000106', 'Clinical note'],
      ['721981007', 'Diagnostic studies report'],
      ['103693007', 'Diagnostic procedure'],
    ]);
    const [category] = toDocumentReference(sampleTranscription()).category ?? [];
    expect(category?.coding).toHaveLength(1);
    const [coding] = category!.coding!;
    expect(coding!.system).toBe('http://snomed.info/sct');
    expect(nrlCategories.get(coding!.code!)).toBe(coding!.display);
    expect(coding!.code).toBe('823651000000106');
  });

  test('the care setting an administrator set is the practice setting; none set, none sent', () => {
    expect(toDocumentReference(sampleTranscription()).context).not.toHaveProperty('practiceSetting');
    const document = toDocumentReference(sampleTranscription({ practiceSetting: { code: '789718008', display: 'Cardiology service' } }));
    expect(document.context?.practiceSetting).toEqual({ coding: [{ system: 'http://snomed.info/sct', code: '789718008', display: 'Cardiology service' }], text: 'Cardiology service' });
    expect(errors(document)).toEqual([]);
  });
});

describe('sensitive advice (#15): filed restricted', () => {
  test('labelled restricted with the reason, on the document and its metadata, and said in its text', () => {
    const transcription = sampleTranscription({ sensitivity: 'sexual-health' });
    const document = toDocumentReference(transcription);
    expect(document.securityLabel).toEqual([
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R', display: 'restricted' }] },
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SEX', display: 'sexuality and reproductive health information sensitivity' }] },
    ]);
    expect(document.meta?.security?.map((coding) => coding.code)).toEqual(['R', 'SEX']);
    expect(Buffer.from(document.content[0]!.attachment.data!, 'base64').toString('utf8')).toContain('Sensitive: Sexual or reproductive health. Filed as restricted.');
    expect(errors(document)).toEqual([]);
  });

  test('a note not marked sensitive carries no label, and its text is as before', () => {
    const transcription = sampleTranscription();
    const document = toDocumentReference(transcription);
    expect(document).not.toHaveProperty('securityLabel');
    expect(document.meta).toEqual({ profile: ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-DocumentReference'] });
    expect(renderTranscriptText(transcription)).not.toContain('Sensitive');
  });
});

describe('staff as the EPR’s own Practitioners (#15)', () => {
  test('where filing found them, author, authenticator, enterer, verifier and signature name Practitioner/{id} as well as the identifier', () => {
    const transcription = sampleTranscription({
      transcriber: { userId: 'u-clerk', name: 'Sam Clerk', role: 'Ward clerk', sdsUserId: '555123456789' },
      attester: { userId: 'u-fy1-2', name: 'Dr Priya Shah', role: 'Foundation doctor FY1', registration: { body: 'GMC', number: '7654321' } },
    });
    const staffRecords = { attester: 'prac-1', transcriber: 'prac-2' };
    const document = toDocumentReference(transcription, undefined, { staffRecords });
    expect(document.author).toEqual([{ reference: 'Practitioner/prac-1', identifier: { system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: '7654321' }, display: 'Dr Priya Shah, Foundation doctor FY1' }]);
    expect(document.authenticator).toEqual(document.author![0]);
    const provenance = toProvenance(transcription, { reference: 'DocumentReference/abc' }, staffRecords);
    const who = (code: string) => provenance.agent.find((agent) => agent.type?.coding?.[0]?.code === code)?.who;
    expect(who('verifier')?.reference).toBe('Practitioner/prac-1');
    expect(who('enterer')).toEqual({ reference: 'Practitioner/prac-2', identifier: { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: '555123456789' }, display: 'Sam Clerk, Ward clerk' });
    expect(provenance.signature?.[0]?.who.reference).toBe('Practitioner/prac-1');
    expect(errors(document)).toEqual([]);
    expect(errors(provenance)).toEqual([]);
    // Not found: named by identifier alone, as before.
    expect(toDocumentReference(transcription).author?.[0]).not.toHaveProperty('reference');
  });
});

describe('narratives (#15): what an EPR shows when it does not render the resource', () => {
  test('the DocumentReference says what it is, for whom, by whom and when, as escaped XHTML', () => {
    const transcription = sampleTranscription({ patient: { nhsNumber: '943 476 5919', name: 'Jane <b>O\'Brien</b> & co', birthDate: '1954-07-12' } });
    const { text } = toDocumentReference(transcription);
    expect(text?.status).toBe('generated');
    expect(text?.div).toMatch(/^<div xmlns="http:\/\/www\.w3\.org\/1999\/xhtml"><p>.*<\/p><\/div>$/);
    expect(text?.div).toContain('Jane &lt;b&gt;O&#39;Brien&lt;/b&gt; &amp; co (NHS number 943 476 5919)');
    expect(text?.div).not.toContain('<b>');
    expect(text?.div).toContain(transcription.attester.name);
    expect(text?.div).toContain(transcription.attestedAt);
    expect(errors(toDocumentReference(transcription))).toEqual([]);
  });

  test('the Provenance names the advisers, transcriber and attester, and passes both validators', () => {
    const transcription = sampleTranscription();
    const provenance = toProvenance(transcription, { reference: 'DocumentReference/abc' });
    for (const name of [transcription.transcriber.name, transcription.attester.name, transcription.excerpts[0]!.adviser.name]) expect(provenance.text?.div).toContain(name);
    expect(errors(provenance)).toEqual([]);
  });
});

describe('Provenance.signature (#15): the attestation', () => {
  test('a verification signature by the attester, at the time of attestation', () => {
    const transcription = sampleTranscription({ attester: { userId: 'u-fy1-2', name: 'Dr Priya Shah', role: 'Foundation doctor FY1', registration: { body: 'GMC', number: '7654321' } } });
    const provenance = toProvenance(transcription, { reference: 'DocumentReference/abc' });
    expect(provenance.signature).toEqual([
      {
        type: [{ system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.5', display: 'Verification Signature' }],
        when: transcription.attestedAt,
        who: { identifier: { system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: '7654321' }, display: 'Dr Priya Shah, Foundation doctor FY1' },
      },
    ]);
    expect(errors(provenance)).toEqual([]);
  });
});

describe('Provenance', () => {
  const transcription = sampleTranscription();
  const provenance = toProvenance(transcription, { reference: 'DocumentReference/abc' });

  test('passes both validators', () => {
    expect(errors(provenance)).toEqual([]);
  });

  test('attributes advisers, enterer and verifier, and witnesses the audit chain head', () => {
    expect(provenance.target).toEqual([{ reference: 'DocumentReference/abc' }]);
    expect(provenance.recorded).toBe(transcription.attestedAt);
    const agents = provenance.agent.map((agent) => [agent.type?.coding?.[0]?.code, agent.who?.display]);
    expect(agents).toEqual([
      ['author', 'Dr Amir Khan'],
      ['author', 'Ola Adeyemi'],
      ['enterer', 'Sam Clerk, Ward clerk'],
      ['verifier', 'Dr Priya Shah, Foundation doctor FY1'],
    ]);
    expect(provenance.agent[0]?.who?.identifier).toEqual({ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: '7123456' });
    expect(provenance.extension).toEqual([
      { url: AUDIT_CHAIN_HEAD_EXTENSION, extension: [{ url: 'sequence', valueInteger: 4521 }, { url: 'hash', valueString: 'a'.repeat(64) }] },
    ]);
  });

  test('describes the source thread without copying any message', () => {
    const serialised = JSON.stringify(provenance);
    expect(provenance.entity?.[0]?.what.display).toContain('Ward 7 on call');
    for (const excerpt of transcription.excerpts) expect(serialised).not.toContain(excerpt.text.split('\n')[0]!);
  });

  test('an adviser quoted twice is one agent', () => {
    const [first] = transcription.excerpts;
    const twice = sampleTranscription({ excerpts: [first, { ...first!, messageId: 'msg-102', utcInstant: '2024-03-31T00:50:00Z', originalLocalTime: '2024-03-31T00:50' }] });
    expect(toProvenance(twice, { reference: 'DocumentReference/abc' }).agent.filter((agent) => agent.type?.coding?.[0]?.code === 'author')).toHaveLength(1);
  });
});

describe('validators', () => {
  const document = toDocumentReference(sampleTranscription());

  test('the fhir package catches a bogus required-binding code', () => {
    const issues = errors({ ...document, status: 'bogus' as 'current' });
    expect(issues).toContainEqual(expect.objectContaining({ validator: 'fhir', path: 'DocumentReference.status' }));
  });

  test('Medplum catches bad formats and base64', () => {
    expect(errors({ ...document, date: '2024-13-45' })).toContainEqual(expect.objectContaining({ validator: 'medplum', path: 'DocumentReference.date' }));
    const badData = { ...document, content: [{ attachment: { ...document.content[0]!.attachment, data: '!!not base64' } }] };
    expect(errors(badData)).toContainEqual(expect.objectContaining({ validator: 'medplum', path: 'DocumentReference.content[0].attachment.data' }));
  });

  test('malformed input is an issue, not a crash, and messages do not quote values', () => {
    const malformed = { resourceType: 'DocumentReference', status: 'current', content: 'Jane Testpatient' } as never;
    const issues = errors(malformed);
    expect(issues.length).toBeGreaterThan(0);
    expect(JSON.stringify(issues)).not.toContain('Jane Testpatient');
    expect(() => assertValidForFiling(malformed)).toThrow(expect.objectContaining({ code: 'rejected' }));
  });
});

describe('advisers by their professional registration', () => {
  const withRegistration = (body: string, number: string) => {
    const base = sampleTranscription();
    return sampleTranscription({ excerpts: base.excerpts.map((excerpt, index) => (index === 0 ? { ...excerpt, adviser: { ...excerpt.adviser, registration: { body, number } } } : excerpt)) });
  };

  test.each([
    ['GMC', '7123456', 'https://fhir.hl7.org.uk/Id/gmc-number'],
    ['GMC', 'L123456', 'https://fhir.hl7.org.uk/Id/gmc-number'],
    ['NMC', '12A3456E', 'https://fhir.hl7.org.uk/Id/nmc-number'],
    ['HCPC', 'PH123456', 'https://fhir.hl7.org.uk/Id/hcpc-number'],
    ['GPhC', '2033467', 'https://fhir.hl7.org.uk/Id/gphc-number'],
  ])('%s %s is identified under %s, and named in the note', (body, number, system) => {
    const transcription = withRegistration(body, number);
    const provenance = toProvenance(transcription, { reference: 'DocumentReference/abc' });
    expect(provenance.agent[0]?.who?.identifier).toEqual({ system, value: number });
    expect(renderTranscriptText(transcription)).toContain(`, ${body} ${number} (shown in the chat as`);
  });

  test.each([
    ['GMC', '712345'],
    ['GMC', 'L1234567'],
    ['GMC', 'C1234567'],
    ['GPhC', '203346'],
    ['GPhC', 'GP20334'],
    ['NMC', '1234567'],
  ])('%s %s is refused: not a number that body issues', (body, number) => {
    expect(() => withRegistration(body, number)).toThrow(/(GMC|NMC|HCPC|GPhC) numbers are /);
  });
});
