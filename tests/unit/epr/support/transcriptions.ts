import { randomUUID } from 'node:crypto';
import { AttestedTranscriptionSchema, type AttestedTranscription } from '../../../../shared/domain/transcription';

/** A realistic attested transcription (fictional people; NHS number from the published test range). */
export function sampleTranscription(overrides: Partial<Record<keyof AttestedTranscription, unknown>> = {}): AttestedTranscription {
  return AttestedTranscriptionSchema.parse({
    identifier: `urn:uuid:${randomUUID()}`,
    patient: { nhsNumber: '943 476 5919', name: 'Jane Testpatient', birthDate: '1954-07-12' },
    excerpts: [
      {
        messageId: 'msg-101',
        adviser: {
          displayNameInChat: 'Amir (cardio reg)',
          name: 'Dr Amir Khan',
          role: 'Specialty registrar ST5, cardiology',
          registration: { body: 'GMC', number: '7123456' },
        },
        originalLocalTime: '2024-03-31T00:45',
        zone: 'Europe/London',
        utcInstant: '2024-03-31T00:45:00Z',
        text: 'Start bisoprolol 2.5 mg once daily.\nRepeat ECG in the morning.',
      },
      {
        messageId: 'msg-104',
        adviser: { displayNameInChat: 'Sister Ola', name: 'Ola Adeyemi', role: 'Ward sister', registration: { body: 'NMC', number: '12A3456E' } },
        originalLocalTime: '2024-03-31T09:05',
        zone: 'Europe/London',
        utcInstant: '2024-03-31T08:05:00Z',
        text: 'ECG done, rate 72.',
      },
    ],
    summary: 'Bisoprolol started on cardiology advice; ECG repeated, rate controlled.',
    transcriber: { userId: 'u-clerk-1', name: 'Sam Clerk', role: 'Ward clerk' },
    attester: { userId: 'u-fy1-2', name: 'Dr Priya Shah', role: 'Foundation doctor FY1' },
    attestedAt: '2024-03-31T11:12:00Z',
    organisationOdsCode: 'RX1',
    documentType: 'clinical-consultation-report',
    source: {
      kind: 'WhatsApp (iOS export)',
      title: 'Ward 7 on call',
      messageCount: 214,
      firstMessageAt: '2024-03-30T18:00:00Z',
      lastMessageAt: '2024-03-31T10:00:00Z',
    },
    auditChainHead: { sequence: 4521, hash: 'a'.repeat(64) },
    ...overrides,
  });
}
