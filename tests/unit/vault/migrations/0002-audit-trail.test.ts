import { afterEach, describe, expect, it } from 'vitest';
import { sealEntry, GENESIS_HASH } from '../../../../main/audit/chain';
import { canonicalJson } from '../../../../main/audit/canonical';
import { MIGRATIONS } from '../../../../main/vault/migrations';
import type { Db } from '../../../../main/vault/sqlcipher';
import type { AuditEntry } from '../../../../shared/domain/audit';
import { freshVaultDb } from '../../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const openDb = (): Promise<Db> => freshVaultDb(cleanups);

function entry(sequence: number, previousHash = GENESIS_HASH): AuditEntry {
  return sealEntry({
    sequence,
    time: { utc: `2026-11-24T09:00:0${sequence}.000Z`, local: `2026-11-24T09:00:0${sequence}.000+00:00`, zone: 'Europe/London' },
    actor: { userId: 'u-clerk-1', displayName: 'Sam Carter', role: 'clerk' },
    action: 'thread-opened',
    objects: { threadId: 'thread-1', nhsNumber: '9434765919' },
    outcome: { status: 'success' },
    hashes: {},
    previousHash,
  });
}

const insertEntry = (db: Db, sequence: number, json: string) => db.prepare('INSERT INTO audit_entries (sequence, entry_json) VALUES (?, ?)').run(sequence, json);
const count = (db: Db, table: 'audit_entries') =>
  (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

const CHECKPOINT_JSON = canonicalJson({ kind: 'interval', sequence: 1, entryHash: 'a'.repeat(64), createdUtc: '2026-11-24T09:00:00.000Z', keyFingerprint: 'b'.repeat(64), signature: `${'A'.repeat(86)}==` });

describe('migration 0002: audit trail', () => {
  it('is migration 2 and the vault is brought to the latest version', async () => {
    const db = await openDb();
    expect(MIGRATIONS.map((migration) => [migration.version, migration.name])).toContainEqual([2, 'audit-trail']);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  });

  it('creates STRICT tables, the filter indexes and the append-only triggers', async () => {
    const db = await openDb();
    const strict = db.prepare("SELECT name FROM pragma_table_list WHERE strict = 1 AND name IN ('audit_entries', 'audit_checkpoints', 'workstation_key') ORDER BY name").all();
    expect(strict).toEqual([{ name: 'audit_checkpoints' }, { name: 'audit_entries' }, { name: 'workstation_key' }]);
    const columns = (db.prepare("SELECT name FROM pragma_table_xinfo('audit_entries')").all() as { name: string }[]).map((row) => row.name);
    expect(columns).toEqual(['sequence', 'entry_json', 'entry_hash', 'time_utc', 'user_id', 'action', 'nhs_number', 'thread_id']);
    const indexed = (db.prepare("SELECT DISTINCT ii.name FROM pragma_index_list('audit_entries') AS il, pragma_index_info(il.name) AS ii").all() as { name: string }[])
      .map((row) => row.name)
      .sort();
    expect(indexed).toEqual(['action', 'nhs_number', 'thread_id', 'time_utc', 'user_id']);
    const triggers = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
    expect(triggers).toEqual(
      expect.arrayContaining(['audit_checkpoints_no_delete', 'audit_checkpoints_no_replace', 'audit_checkpoints_no_update', 'audit_entries_append_in_turn', 'audit_entries_no_delete', 'audit_entries_no_update', 'workstation_key_no_delete', 'workstation_key_no_replace', 'workstation_key_no_update']),
    );
  });

  it('derives the filter columns from the stored JSON', async () => {
    const db = await openDb();
    const first = entry(1);
    insertEntry(db, 1, canonicalJson(first));
    expect(db.prepare('SELECT entry_hash, time_utc, user_id, action, nhs_number, thread_id FROM audit_entries').get()).toEqual({
      entry_hash: first.entryHash,
      time_utc: first.time.utc,
      user_id: 'u-clerk-1',
      action: 'thread-opened',
      nhs_number: '9434765919',
      thread_id: 'thread-1',
    });
  });

  it('refuses to UPDATE or DELETE an audit entry, even by raw SQL', async () => {
    const db = await openDb();
    const first = entry(1);
    insertEntry(db, 1, canonicalJson(first));
    const tampered = canonicalJson({ ...first, action: 'sign-out' });
    expect(() => db.prepare('UPDATE audit_entries SET entry_json = ? WHERE sequence = 1').run(tampered)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_entries').run()).toThrow(/append-only/);
    expect(() => db.prepare('INSERT OR REPLACE INTO audit_entries (sequence, entry_json) VALUES (1, ?)').run(tampered)).toThrow(/appended in sequence/);
    expect(db.prepare('SELECT entry_json FROM audit_entries').all()).toEqual([{ entry_json: canonicalJson(first) }]);
  });

  it('refuses an entry out of turn, and one whose JSON names a different sequence', async () => {
    const db = await openDb();
    expect(() => insertEntry(db, 2, canonicalJson(entry(2)))).toThrow(/appended in sequence/);
    expect(() => insertEntry(db, 1, canonicalJson(entry(2)))).toThrow(/CHECK constraint failed/);
    insertEntry(db, 1, canonicalJson(entry(1)));
    expect(() => insertEntry(db, 3, canonicalJson(entry(3)))).toThrow(/appended in sequence/);
    expect(() => insertEntry(db, 1, canonicalJson(entry(1)))).toThrow();
    expect(count(db, 'audit_entries')).toBe(1);
  });

  it('refuses to UPDATE or DELETE a checkpoint', async () => {
    const db = await openDb();
    db.prepare('INSERT INTO audit_checkpoints (checkpoint_json) VALUES (?)').run(CHECKPOINT_JSON);
    expect(() => db.prepare("UPDATE audit_checkpoints SET checkpoint_json = '{}'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_checkpoints').run()).toThrow(/append-only/);
    expect(() => db.prepare("INSERT OR REPLACE INTO audit_checkpoints (id, checkpoint_json) VALUES (1, '{}')").run()).toThrow(/append-only/);
    expect(db.prepare('SELECT checkpoint_json, sequence, kind FROM audit_checkpoints').all()).toEqual([{ checkpoint_json: CHECKPOINT_JSON, sequence: 1, kind: 'interval' }]);
  });

  it('keeps one workstation key and refuses to replace or remove it', async () => {
    const db = await openDb();
    const insertKey = db.prepare("INSERT INTO workstation_key (id, private_key_pem, public_key_pem, fingerprint, created_at) VALUES (?, 'private', 'public', ?, '2026-11-24T09:00:00.000Z')");
    insertKey.run(1, 'c'.repeat(64));
    expect(() => insertKey.run(2, 'd'.repeat(64))).toThrow(/never replaced/);
    expect(() => db.prepare("INSERT OR REPLACE INTO workstation_key (id, private_key_pem, public_key_pem, fingerprint, created_at) VALUES (1, 'other', 'other', ?, 'now')").run('d'.repeat(64))).toThrow(/never replaced/);
    expect(() => db.prepare("UPDATE workstation_key SET private_key_pem = 'other'").run()).toThrow(/never replaced/);
    expect(() => db.prepare('DELETE FROM workstation_key').run()).toThrow(/never replaced/);
    expect(db.prepare('SELECT private_key_pem FROM workstation_key').all()).toEqual([{ private_key_pem: 'private' }]);
  });
});
