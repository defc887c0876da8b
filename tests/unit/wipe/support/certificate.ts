import type { WipeCertificate } from '../../../../shared/domain/wipe';

/** A finished purge certificate with one verified filing (its NHS number a valid test one). */
export const SAMPLE_CERTIFICATE: WipeCertificate = {
  format: 'wardscribe-wipe-certificate/1',
  wipeId: '5d0c1f2e-aaaa-4bbb-8ccc-111122223333',
  threadId: 't-1',
  source: 'whatsapp-ios',
  sourceFileName: 'WhatsApp Chat with Sister Okafor.txt',
  sourceSha256: 'ab'.repeat(32),
  messageCount: 12,
  attachmentCount: 0,
  draftCount: 0,
  firstInstant: null,
  lastInstant: null,
  trigger: 'user',
  requestedBy: null,
  overrideReason: null,
  fingerprintsKept: 12,
  filed: [{ identifier: 'urn:x:1', documentReferenceId: 'dr1', nhsNumber: '943 476 5919' }],
  startedAt: '2026-12-01T10:00:00.000Z',
  finishedAt: '2026-12-01T10:00:05.000Z',
  keyRotated: true,
  sourceFile: 'overwritten',
  verification: null,
  level: 'purge',
};
