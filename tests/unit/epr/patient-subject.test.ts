import { describe, expect, it } from 'vitest';
import type { Patient } from '@medplum/fhirtypes';
import { toDocumentReference, transcriptAttachment } from '../../../main/epr/mapping';
import { readBackMismatches } from '../../../main/epr/read-back';
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
});
