import { describe, expect, it } from 'vitest';
import { AuditLog, AuditRecordError, type AuditRecord } from '../../../main/audit/audit-log';
import { GENESIS_HEAD, verifyChain } from '../../../main/audit/chain';
import { createCheckpointSigner, createWorkstationKey, loadPublicKey, verifyCheckpointSignature } from '../../../main/audit/signing';
import { auditTime } from '../../../main/audit/time';
import { entryMatchesFilter, NhsNumberSchema } from '../../../shared/domain/audit';
import { MemoryAuditStore } from './support/memory-store';
import { makeTrail, USERS } from './support/fixtures';

function freshLog(checkpointEvery = 3) {
  const key = createWorkstationKey();
  const store = new MemoryAuditStore();
  const log = new AuditLog({ store, signer: createCheckpointSigner(key.privateKeyPem), checkpointEvery, timeZone: 'Europe/London', now: () => new Date('2024-07-01T09:30:00.250Z') });
  return { key, store, log };
}

const VALID: AuditRecord = { action: 'filed', actor: USERS[1]!, objects: { threadId: 'thread-1', nhsNumber: '9434765919' }, outcome: { status: 'success' } };

describe('AuditLog', () => {
  it('numbers, times and chains entries from genesis', () => {
    const { store, log } = freshLog();
    expect(log.head()).toEqual(GENESIS_HEAD);
    const first = log.record(VALID);
    const second = log.record({ action: 'sign-out', actor: null, outcome: { status: 'success' } });
    expect([first.sequence, second.sequence]).toEqual([1, 2]);
    expect(first.previousHash).toBe(GENESIS_HEAD.hash);
    expect(second.previousHash).toBe(first.entryHash);
    expect(first.time).toEqual({ utc: '2024-07-01T09:30:00.250Z', local: '2024-07-01T10:30:00.250+01:00', zone: 'Europe/London' });
    expect(log.head()).toEqual({ sequence: 2, hash: second.entryHash });
    expect(verifyChain(store.storedEntries, { contiguous: true, anchor: GENESIS_HEAD, expectedHead: log.head() }).ok).toBe(true);
  });

  it('signs an interval checkpoint every N entries, verifiable with the public key', () => {
    const { key, store, log } = freshLog(3);
    for (let index = 0; index < 7; index++) log.record(VALID);
    expect(store.storedCheckpoints.map((checkpoint) => [checkpoint.kind, checkpoint.sequence])).toEqual([
      ['interval', 3],
      ['interval', 6],
    ]);
    const publicKey = loadPublicKey(key.publicKeyPem);
    for (const checkpoint of store.storedCheckpoints) {
      expect(verifyCheckpointSignature(checkpoint, publicKey)).toBe(true);
      expect(checkpoint.entryHash).toBe(store.storedEntries[checkpoint.sequence - 1]!.entryHash);
    }
  });

  it('has no place for message text: unknown fields and prose are refused, naming the field only', () => {
    const { store, log } = freshLog();
    const secret = 'Patient in bed 4 has chest pain';
    const attempts: unknown[] = [
      { ...VALID, messageText: secret },
      { ...VALID, objects: { threadId: 'thread-1', note: secret } },
      { ...VALID, objects: { threadId: secret } },
      { ...VALID, outcome: { status: 'failure', reason: secret } },
      { ...VALID, hashes: { documentSha256: secret } },
      { ...VALID, objects: { nhsNumber: '9434765918' } }, // wrong check digit
      { ...VALID, actor: { ...USERS[0]!, displayName: 'Sam\u202eCarter' } }, // bidi override
      { ...VALID, action: 'chatted' },
    ];
    for (const attempt of attempts) {
      let thrown: unknown;
      try {
        log.record(attempt as AuditRecord);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AuditRecordError);
      expect((thrown as Error).message).not.toContain(secret);
    }
    expect(store.storedEntries).toEqual([]);
  });

  it('refuses at compile time a record with a text field', () => {
    const { log } = freshLog();
    // @ts-expect-error -- [reason: proves the AuditRecord type has no field for message text]
    expect(() => log.record({ ...VALID, text: 'hello' })).toThrow(AuditRecordError);
  });
});

describe('audit time and filters', () => {
  it('gives the local wall clock with the right offset either side of a clock change', () => {
    expect(auditTime(new Date('2024-03-31T00:59:59.000Z'), 'Europe/London').local).toBe('2024-03-31T00:59:59.000+00:00');
    expect(auditTime(new Date('2024-03-31T01:00:00.000Z'), 'Europe/London').local).toBe('2024-03-31T02:00:00.000+01:00');
    expect(auditTime(new Date('2024-01-15T12:00:00.000Z'), 'Asia/Kolkata').local).toBe('2024-01-15T17:30:00.000+05:30');
  });

  it('selects by date range, user, action, NHS number and thread', () => {
    const entries = makeTrail(60).store.storedEntries;
    const pick = (filter: Parameters<typeof entryMatchesFilter>[1]) => entries.filter((entry) => entryMatchesFilter(entry, filter)).map((entry) => entry.sequence);
    const middle = entries[20]!.time.utc;
    const later = entries[30]!.time.utc;
    expect(pick({ fromUtc: middle, toUtc: later })).toEqual(entries.slice(20, 30).map((entry) => entry.sequence));
    expect(pick({ userId: USERS[1]!.userId }).every((sequence) => entries[sequence - 1]!.actor?.userId === USERS[1]!.userId)).toBe(true);
    expect(pick({ actions: ['filed', 'wipe'] }).map((sequence) => entries[sequence - 1]!.action).sort()).toEqual(
      entries.filter((entry) => entry.action === 'filed' || entry.action === 'wipe').map((entry) => entry.action).sort(),
    );
    expect(pick({ nhsNumber: '9434765919' }).length).toBeGreaterThan(0);
    expect(pick({ nhsNumber: '9434765919', threadId: 'thread-0' }).every((sequence) => entries[sequence - 1]!.objects.threadId === 'thread-0')).toBe(true);
    expect(pick({})).toHaveLength(60);
  });

  it('stores NHS numbers compact and checked', () => {
    expect(NhsNumberSchema.safeParse('9434765919').success).toBe(true);
    expect(NhsNumberSchema.safeParse('9434765918').success).toBe(false);
    expect(NhsNumberSchema.safeParse('943 476 5919').success).toBe(false);
  });
});
