import type { AuditRecord } from '../../../../main/audit/audit-log';
import { AuditLog } from '../../../../main/audit/audit-log';
import { createCheckpointSigner, createWorkstationKey, type WorkstationKeyPair } from '../../../../main/audit/signing';
import { AUDIT_ACTIONS, type AuditActor } from '../../../../shared/domain/audit';
import { MemoryAuditStore } from './memory-store';

/** Test users, including names in Greek and Arabic script. */
export const USERS: readonly AuditActor[] = [
  { userId: 'u-clerk-1', displayName: 'Sam Carter', role: 'clerk' },
  { userId: 'u-clin-2', displayName: 'Ελένη Παπαδοπούλου', role: 'clinician' },
  { userId: 'u-clin-3', displayName: 'مريم حداد', role: 'clinician' },
  { userId: 'u-audit-4', displayName: 'Jo Okafor-Smith', role: 'auditor' },
];

/** Valid test NHS numbers (999 range, correct check digits). */
export const NHS_NUMBERS = ['9434765919', '9990000018', '9990000026'] as const;

/** The n-th of a varied but deterministic series of records. */
export function sampleRecord(index: number): AuditRecord {
  const action = AUDIT_ACTIONS[index % AUDIT_ACTIONS.length]!;
  const actor = index % 11 === 0 ? null : USERS[index % USERS.length]!;
  const failed = index % 7 === 0;
  return {
    action,
    actor,
    objects: {
      threadId: `thread-${index % 13}`,
      ...(index % 3 === 0 ? { nhsNumber: NHS_NUMBERS[index % NHS_NUMBERS.length]! } : {}),
      ...(index % 5 === 0 ? { transcriptionId: `urn:uuid:00000000-0000-4000-8000-${String(index).padStart(12, '0')}` } : {}),
    },
    outcome: failed ? { status: 'failure', reason: 'epr-timeout' } : { status: 'success' },
    hashes: index % 4 === 0 ? { documentSha256: index.toString(16).padStart(64, 'a') } : {},
  };
}

export interface TrailFixture {
  readonly key: WorkstationKeyPair;
  readonly store: MemoryAuditStore;
  readonly log: AuditLog;
}

/** A trail of `count` entries recorded through the real AuditLog, one minute apart. */
export function makeTrail(count: number, options: { checkpointEvery?: number; start?: Date } = {}): TrailFixture {
  const key = createWorkstationKey();
  const store = new MemoryAuditStore();
  let clock = (options.start ?? new Date('2024-03-30T23:00:00.000Z')).getTime();
  const log = new AuditLog({
    store,
    signer: createCheckpointSigner(key.privateKeyPem),
    checkpointEvery: options.checkpointEvery ?? 25,
    timeZone: 'Europe/London',
    now: () => new Date((clock += 60_000)),
  });
  for (let index = 0; index < count; index++) log.record(sampleRecord(index));
  return { key, store, log };
}
