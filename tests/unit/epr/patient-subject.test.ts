import { describe, expect, it } from 'vitest';
import type { DocumentReference, Patient } from '@medplum/fhirtypes';
import { toDocumentReference, transcriptAttachment } from '../../../main/epr/mapping';
import { readBackMismatches, subjectPatientId } from '../../../main/epr/read-back';
import { NHS_NUMBER_SYSTEM } from '../../../shared/domain/nhs-number';
import { sampleTranscription } from './support/transcriptions';

/** H-014: the document names the Patient the clinician confirmed, and the read-back holds the EPR to it. */
describe('subject: the confirmed Patient', () => {
  const transcription = sampleTranscription({ patient: { nhsNumber: '999 123 5671', name: 'Jane Testpatient', birthDate: '1954-07-12', eprPatientId: 'pat-42' } });
  const attachment = transcriptAttachment(transcription);
  const filed = { ...toDocumentReference(transcription, attachment), id: 'doc-1' };
  const ours: Patient = { resourceType: 'Patient', id: 'pat-42', identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9991235671' }] };
  const evidence = (subjectReference: string, patient: Patient) => ({
    documentReferenceId: 'doc-1',
    document: { ...filed, subject: { ...filed.subject, reference: subjectReference } },
    contentBytes: attachment.bytes,
    subjectPatient: patient,
  });

  it('is the literal reference Patient/{id} with the NHS number beside it', () => {
    expect(filed.subject).toEqual({ reference: 'Patient/pat-42', identifier: { system: NHS_NUMBER_SYSTEM, value: '9991235671' }, display: 'Jane Testpatient (NHS number 999 123 5671)' });
    const unconfirmed = toDocumentReference(sampleTranscription());
    expect(unconfirmed.subject?.reference).toBeUndefined();
  });

  it('read back as filed, it is verified; naming another Patient, even one with the same NHS number, it is not', () => {
    expect(readBackMismatches(transcription, attachment.sha256Hex, { identifier: 'kept' }, evidence('Patient/pat-42', ours))).not.toContain('subject');
    expect(readBackMismatches(transcription, attachment.sha256Hex, { identifier: 'kept' }, evidence('Patient/pat-99', { ...ours, id: 'pat-99' }))).toContain('subject');
  });

  it('an absolute reference is ours only under the EPR\'s own base: another server\'s Patient/pat-42 is not verified, even with our patient read', () => {
    const base = 'https://epr.example.nhs.uk/fhir';
    const onBase = { ...evidence(`${base}/Patient/pat-42`, ours), baseUrl: base };
    expect(readBackMismatches(transcription, attachment.sha256Hex, { identifier: 'kept' }, onBase)).not.toContain('subject');
    const twinOnBase = { ...evidence(`${base}/Patient/pat-99`, { ...ours, id: 'pat-99' }), baseUrl: base };
    expect(readBackMismatches(transcription, attachment.sha256Hex, { identifier: 'kept' }, twinOnBase)).toContain('subject');
    // Filing does not read a patient from another server; with none read the subject is unconfirmed.
    const elsewhere = { ...evidence('https://other.example/fhir/Patient/pat-42', ours), baseUrl: base };
    const { subjectPatient: _read, ...unread } = elsewhere;
    expect(readBackMismatches(transcription, attachment.sha256Hex, { identifier: 'kept' }, unread)).toContain('subject');
  });
});

describe('a subject reference to another server', () => {
  it('names no patient of this EPR: not read, not matched, and the read-back is not verified', () => {
    const base = 'https://epr.example.nhs.uk/fhir';
    const at = (reference: string) => ({ resourceType: 'DocumentReference', status: 'current', content: [], subject: { reference } }) as DocumentReference;
    expect(subjectPatientId(at('Patient/p-1'), base)).toBe('p-1');
    expect(subjectPatientId(at(`${base}/Patient/p-1`), base)).toBe('p-1');
    expect(subjectPatientId(at(`${base}/Patient/p-1`), `${base}/`)).toBe('p-1');
    expect(subjectPatientId(at('https://other.example/fhir/Patient/p-1'), base)).toBeUndefined();
    expect(subjectPatientId(at('https://other.example/fhir/Patient/p-1'))).toBeUndefined();
    expect(subjectPatientId(at('Group/x/Patient/p-1'), base)).toBeUndefined();
  });
});
