/**
 * What a clinician does on the compose screen before attesting: find the patient in the EPR by
 * NHS number and confirm the record found. Attestation carries that record's id and version,
 * which main checks again (H-014).
 */
import type { PatientConfirmation } from '../../shared/domain/patient-record';
import type { TranscriptionService } from '../../main/transcriptions/transcription-service';
import { PATIENT } from './people';

export async function confirmedPatient(
  service: Pick<TranscriptionService, 'lookUpPatient'>,
  patient: { readonly nhsNumber: string; readonly name: string; readonly birthDate: string } = PATIENT,
): Promise<PatientConfirmation> {
  const lookup = await service.lookUpPatient({ nhsNumber: patient.nhsNumber, name: patient.name, birthDate: patient.birthDate });
  if (!lookup.confirmable || !lookup.record) throw new Error(`the patient could not be confirmed: ${lookup.message}`);
  return { kind: 'record', source: lookup.record.source, id: lookup.record.id, versionId: lookup.record.versionId, lastUpdated: lookup.record.lastUpdated };
}
