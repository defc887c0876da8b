import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../main/audit/audit-log';
import { GENESIS_HEAD, sealEntry, verifyChain } from '../../../main/audit/chain';
import { createCheckpointSigner, createWorkstationKey, loadPublicKey, verifyCheckpointSignature } from '../../../main/audit/signing';
import type { AuditQuery, AuditStore } from '../../../main/audit/store';
import { createVaultAuditStore, selectEntriesSql } from '../../../main/vault/queries/audit-entries';
import { unlockVault, type OpenVault } from '../../../main/vault/vault';
import type { VaultFiles } from '../../../main/vault/vault-files';
import { entryMatchesFilter, type AuditEntry, type AuditFilter, type ExportSeal } from '../../../shared/domain/audit';
import { NHS_NUMBERS, sampleRecord, USERS } from '../audit/support/fixtures';
import { MemoryAuditStore } from '../audit/support/memory-store';
import { ADMIN, countPlaintext, freshVault } from '../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const START = new Date('2024-03-30T23:00:00.000Z');

/** An AuditLog over `store`, on a clock that ticks one minute per reading (as the fixtures do). */
function logOver(store: AuditStore, privateKeyPem: string, checkpointEvery: number): AuditLog {
  let clock = START.getTime();
  return new AuditLog({
    store,
    signer: createCheckpointSigner(privateKeyPem),
    checkpointEvery,
    timeZone: 'Europe/London',
    now: () => new Date((clock += 60_000)),
  });
}

async function openVaultTrail(count: number, checkpointEvery = 10) {
  const fresh = await freshVault();
  let open: OpenVault = fresh.vault;
  cleanups.push(fresh.remove, () => open.close());
  const store = createVaultAuditStore(fresh.vault.db);
  // The signing key's own storage (keystore-sealed, certified) is tested in tests/unit/audit/trust-anchors.test.ts.
  const key = createWorkstationKey();
  const log = logOver(store, key.privateKeyPem, checkpointEvery);
  for (let index = 0; index < count; index++) log.record(sampleRecord(index));
  return { files: fresh.files, db: fresh.vault.db, store, log, key, replace: (vault: OpenVault) => (open = vault), vault: fresh.vault };
}

function allEntries(store: AuditStore): AuditEntry[] {
  return [...store.entries({ filter: {} })];
}

async function reopen(files: VaultFiles): Promise<OpenVault> {
  const outcome = await unlockVault(files, ADMIN.username, ADMIN.passphrase, new Date());
  if (outcome.kind !== 'unlocked') throw new Error(`expected to unlock, got ${outcome.kind}`);
  return outcome.vault;
}

describe('the vault audit store under an AuditLog', () => {
  it('records entries that read back whole, in order, with a chain that verifies', async () => {
    const { store, log, key } = await openVaultTrail(60);
    const entries = allEntries(store);
    expect(entries.map((entry) => entry.sequence)).toEqual(Array.from({ length: 60 }, (_, index) => index + 1));
    expect(store.head()).toEqual({ sequence: 60, hash: entries.at(-1)!.entryHash });
    expect(verifyChain(entries, { contiguous: true, anchor: GENESIS_HEAD, expectedHead: log.head() }).ok).toBe(true);

    // The same records through the in-memory store give the same entries (same clock, same chain).
    const memory = new MemoryAuditStore();
    const memoryLog = logOver(memory, key.privateKeyPem, 10);
    for (let index = 0; index < 60; index++) memoryLog.record(sampleRecord(index));
    expect(entries).toEqual(memory.storedEntries);
  });

  it('starts empty, with no head', async () => {
    const { store, log } = await openVaultTrail(0);
    expect(store.head()).toBeNull();
    expect(log.head()).toEqual(GENESIS_HEAD);
    expect(allEntries(store)).toEqual([]);
  });

  it('selects exactly what entryMatchesFilter selects, and honours sequence bounds', async () => {
    const { store } = await openVaultTrail(120);
    const entries = allEntries(store);
    const middle = entries[40]!.time.utc;
    const filters: AuditFilter[] = [
      {},
      { userId: USERS[1]!.userId },
      { nhsNumber: NHS_NUMBERS[0] },
      { threadId: 'thread-4' },
      { actions: ['filed', 'export', 'sign-in'] },
      { fromUtc: middle },
      { toUtc: middle },
      // Every criterion at once; the actions are some that user's entries in the window have (the fixture deals actions out in turn, so a fixed list would depend on how many actions there are).
      { fromUtc: entries[10]!.time.utc, toUtc: entries[90]!.time.utc, userId: USERS[2]!.userId, actions: [...new Set(entries.slice(10, 90).filter((entry) => entry.actor?.userId === USERS[2]!.userId).map((entry) => entry.action))].slice(0, 3) },
      { threadId: 'thread-3', nhsNumber: NHS_NUMBERS[0] },
      { userId: 'nobody' },
    ];
    for (const filter of filters) {
      const expected = entries.filter((entry) => entryMatchesFilter(entry, filter)).map((entry) => entry.sequence);
      expect([...store.entries({ filter })].map((entry) => entry.sequence), JSON.stringify(filter)).toEqual(expected);
      const bounded = expected.filter((sequence) => sequence >= 20 && sequence <= 70);
      expect([...store.entries({ filter, fromSequence: 20, toSequence: 70 })].map((entry) => entry.sequence), JSON.stringify(filter)).toEqual(bounded);
    }
    // The filters above are not all trivially empty or total: the comparison can tell stores apart.
    expect(entries.filter((entry) => entryMatchesFilter(entry, filters[1]!)).length).toBeGreaterThan(0);
    expect(entries.filter((entry) => entryMatchesFilter(entry, filters[7]!)).length).toBeGreaterThan(0);
  });

  it('uses the indexes for filters instead of scanning the trail', async () => {
    const { db } = await openVaultTrail(0);
    const plan = (query: AuditQuery) => {
      const { sql, parameters } = selectEntriesSql(query);
      return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(parameters) as { detail: string }[]).map((row) => row.detail).join('\n');
    };
    expect(plan({ filter: { nhsNumber: NHS_NUMBERS[0] } })).toMatch(/USING INDEX audit_entries_by_nhs/);
    expect(plan({ filter: { userId: 'u-clerk-1' } })).toMatch(/USING INDEX audit_entries_by_user/);
    expect(plan({ filter: { threadId: 'thread-1' } })).toMatch(/USING INDEX audit_entries_by_thread/);
    expect(plan({ filter: { actions: ['filed'] } })).toMatch(/USING INDEX audit_entries_by_action/);
    expect(plan({ filter: { fromUtc: '2024-01-01T00:00:00.000Z', toUtc: '2024-02-01T00:00:00.000Z' } })).toMatch(/USING INDEX audit_entries_by_time/);
    expect(plan({ filter: {}, fromSequence: 10, toSequence: 20 })).toMatch(/USING INTEGER PRIMARY KEY/);
  });

  it('refuses an entry that is not head + 1 and writes nothing', async () => {
    const { store, db } = await openVaultTrail(5);
    const before = allEntries(store);
    const last = before.at(-1)!;
    const { entryHash: _hash, ...body } = last;
    for (const sequence of [1, 5, 7, 100]) {
      const wrong = sealEntry({ ...body, sequence, previousHash: last.entryHash });
      expect(() => store.append(wrong)).toThrow(/out of turn \(expected 6, got \d+\)/);
    }
    expect(allEntries(store)).toEqual(before);
    expect((db.prepare('SELECT count(*) AS n FROM audit_entries').get() as { n: number }).n).toBe(5);
    store.append(sealEntry({ ...body, sequence: 6, previousHash: last.entryHash }));
    expect(store.head()?.sequence).toBe(6);
  });

  it('names no patient in the refusal', async () => {
    const { store } = await openVaultTrail(3);
    const last = allEntries(store).at(-1)!;
    const { entryHash: _hash, ...body } = last;
    const wrong = sealEntry({ ...body, sequence: 9, objects: { nhsNumber: NHS_NUMBERS[1], threadId: 'thread-secret' } });
    expect(() => store.append(wrong)).toThrow(expect.objectContaining({ message: expect.not.stringMatching(/9990000018|thread-secret/) }));
  });

  it('stores signed checkpoints that read back verifiable, by sequence range', async () => {
    const { store, log, key } = await openVaultTrail(35, 10);
    const seal: ExportSeal = { entriesSha256: 'e'.repeat(64), manifestSha256: 'f'.repeat(64), entryCount: 35, firstSequence: 1, lastSequence: 35, pageCount: 2, filter: { threadId: 'thread-1' } };
    const exported = log.sealExport(() => seal);
    const stored = [...store.checkpoints(0, 1000)];
    expect(stored.map((checkpoint) => [checkpoint.kind, checkpoint.sequence])).toEqual([
      ['interval', 10],
      ['interval', 20],
      ['interval', 30],
      ['export', 35],
    ]);
    expect(stored.at(-1)).toEqual(exported);
    const publicKey = loadPublicKey(key.publicKeyPem);
    for (const checkpoint of stored) expect(verifyCheckpointSignature(checkpoint, publicKey)).toBe(true);
    expect([...store.checkpoints(11, 30)].map((checkpoint) => checkpoint.sequence)).toEqual([20, 30]);
    expect([...store.checkpoints(36, 100)]).toEqual([]);
  });

  it('orders checkpoints at the same sequence by time', async () => {
    const { store, log } = await openVaultTrail(4, 1000);
    const first = log.checkpoint();
    const second = log.checkpoint();
    expect(first.createdUtc < second.createdUtc).toBe(true);
    expect([...store.checkpoints(4, 4)]).toEqual([first, second]);
  });

  it('reads lazily: breaking out of a read frees the connection for the next record', async () => {
    const { store, log } = await openVaultTrail(30);
    const firstThree: number[] = [];
    for (const entry of store.entries({ filter: {} })) {
      firstThree.push(entry.sequence);
      if (firstThree.length === 3) break;
    }
    expect(firstThree).toEqual([1, 2, 3]);
    expect(log.record(sampleRecord(30)).sequence).toBe(31);
  });

  it('keeps the trail, checkpoints and key across close and unlock, and continues the chain', async () => {
    const trail = await openVaultTrail(25, 10);
    const entries = allEntries(trail.store);
    const checkpoints = [...trail.store.checkpoints(0, 100)];
    trail.vault.close();

    const vault = trail.replace(await reopen(trail.files));
    const store = createVaultAuditStore(vault.db);
    expect(allEntries(store)).toEqual(entries);
    expect([...store.checkpoints(0, 100)]).toEqual(checkpoints);
    const log = logOver(store, trail.key.privateKeyPem, 10);
    const next = log.record(sampleRecord(25));
    expect(next).toMatchObject({ sequence: 26, previousHash: entries.at(-1)!.entryHash });
    const all = allEntries(store);
    expect(verifyChain(all, { contiguous: true, anchor: GENESIS_HEAD, expectedHead: store.head()!, checkpoints }).ok).toBe(true);
  });

  it('keeps the private key and the trail only in encrypted form on disk', async () => {
    const trail = await openVaultTrail(12);
    const pemBody = trail.key.privateKeyPem.split('\n')[1]!;
    trail.vault.close();
    expect(countPlaintext(trail.files.database, pemBody)).toBe(0);
    expect(countPlaintext(trail.files.database, NHS_NUMBERS[0])).toBe(0);
    expect(countPlaintext(trail.files.database, 'thread-opened')).toBe(0);
  });
});
