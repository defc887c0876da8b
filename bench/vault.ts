/**
 * Vault benchmarks: bulk inserts into the SQLCipher 4 vault against a plain SQLite database with
 * the same pragmas (both better-sqlite3-multiple-ciphers, same run, batches interleaved so a busy
 * neighbour slows both alike), in bulk write mode as imports write and in WAL mode; the cost of
 * opening the filled vault (its page-by-page `PRAGMA quick_check`); and the Argon2id key-slot
 * derivation at DEFAULT_KDF.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3-multiple-ciphers';
import { createSlot, DEFAULT_KDF, openSlot } from '../main/vault/key-slots';
import { applyPragmas, enterBulkWriteMode, openEncryptedDatabase, type Db } from '../main/vault/sqlcipher';
import type { BenchRow } from './table';

const ROW_COUNT = 100_000;
const BATCH = 10_000;
const ROW_BYTES = 200;
const RATIO_TARGET = 1.5;
const KDF_RANGE_S = [0.2, 1.0] as const;

/** Deterministic ~200-byte ASCII rows, different from each other. */
function makeRows(): string[] {
  const words = 'bed obs stable bloods sats heparin review plan fluids ward round discharge escalate reg consultant pain score dose oral chart'.split(' ');
  const rows: string[] = [];
  for (let index = 0; index < ROW_COUNT; index++) {
    let text = `#${index}`;
    for (let word = index; text.length < ROW_BYTES; word = (word * 31 + 7) % 1_000_003) text += ' ' + words[word % words.length]!;
    rows.push(text.slice(0, ROW_BYTES));
  }
  return rows;
}

/** The pragmas openEncryptedDatabase applies, minus the cipher ones. */
function openPlainDatabase(path: string): Db {
  const db = new Database(path);
  applyPragmas(db);
  return db;
}

function inserter(db: Db): (rows: readonly string[]) => void {
  db.exec('CREATE TABLE messages (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO messages (body) VALUES (?)');
  return db.transaction((rows: readonly string[]) => {
    for (const row of rows) insert.run(row);
  });
}

function timed(work: () => void): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

/**
 * Inserts every row into a fresh encrypted and a fresh plain database, batch by batch,
 * alternating. `bulk`: both in bulk write mode (rollback journal), as an import writes; else WAL.
 */
function compareInserts(dir: string, key: Buffer, rows: readonly string[], bulk: boolean): { encryptedMs: number; plainMs: number; encryptedPath: string } {
  const name = bulk ? 'bulk' : 'wal';
  const encryptedPath = join(dir, `encrypted-${name}.db`);
  const open: Db[] = [];
  try {
    const encrypted = openEncryptedDatabase(encryptedPath, key, { create: true });
    open.push(encrypted);
    const plain = openPlainDatabase(join(dir, `plain-${name}.db`));
    open.push(plain);
    if (bulk) open.forEach((db) => enterBulkWriteMode(db));
    const insertEncrypted = inserter(encrypted);
    const insertPlain = inserter(plain);
    let encryptedMs = 0;
    let plainMs = 0;
    for (let start = 0, batch = 0; start < ROW_COUNT; start += BATCH, batch++) {
      const slice = rows.slice(start, start + BATCH);
      // Alternate which goes first, so neither always runs on a warmer or quieter machine.
      if (batch % 2 === 0) {
        encryptedMs += timed(() => insertEncrypted(slice));
        plainMs += timed(() => insertPlain(slice));
      } else {
        plainMs += timed(() => insertPlain(slice));
        encryptedMs += timed(() => insertEncrypted(slice));
      }
    }
    return { encryptedMs, plainMs, encryptedPath };
  } finally {
    for (const db of open) db.close();
  }
}

export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wardscribe-bench-vault-'));
  const key = randomBytes(32);
  const open: Db[] = [];
  try {
    const rows = makeRows();
    const { encryptedMs, plainMs, encryptedPath } = compareInserts(dir, key, rows, true);
    const wal = compareInserts(dir, key, rows, false);

    // Reopening an existing vault runs PRAGMA quick_check over every page before anything else.
    const fileMb = statSync(encryptedPath).size / (1024 * 1024);
    const openStart = performance.now();
    const reopened = openEncryptedDatabase(encryptedPath, key, { create: false });
    const openMs = performance.now() - openStart;
    open.push(reopened);
    const count = reopened.prepare('SELECT count(*) FROM messages').pluck().get() as number;
    if (count !== ROW_COUNT) throw new Error(`vault bench: expected ${ROW_COUNT} rows, found ${count}`);
    for (const db of open.splice(0)) db.close();

    const vaultId = randomUUID();
    const createStart = performance.now();
    const slot = await createSlot(vaultId, { id: 'u-bench', username: 'bench' }, 'correct horse battery staple', key);
    const createS = (performance.now() - createStart) / 1000;
    const unlockStart = performance.now();
    const unwrapped = await openSlot(vaultId, slot, 'correct horse battery staple');
    const unlockS = (performance.now() - unlockStart) / 1000;
    if (!unwrapped?.equals(key)) throw new Error('vault bench: the key slot did not give back the vault key');
    unwrapped.fill(0);

    const ratio = encryptedMs / plainMs;
    const label = `${(ROW_COUNT / 1000).toFixed(0)}k × ${ROW_BYTES} B rows, ${(BATCH / 1000).toFixed(0)}k per transaction`;
    const kdf = `m=${DEFAULT_KDF.memoryKiB / 1024} MiB, t=${DEFAULT_KDF.iterations}, p=${DEFAULT_KDF.parallelism}`;
    const kdfTarget = `≈ 0.5 s (${KDF_RANGE_S[0]}–${KDF_RANGE_S[1].toFixed(1)} s)`;
    const inRange = (seconds: number) => seconds >= KDF_RANGE_S[0] && seconds <= KDF_RANGE_S[1];
    return [
      { name: `Vault insert, ${label}: SQLCipher 4`, value: Math.round(ROW_COUNT / (encryptedMs / 1000)), unit: 'rows/s' },
      { name: `Vault insert, ${label}: plain SQLite, same pragmas`, value: Math.round(ROW_COUNT / (plainMs / 1000)), unit: 'rows/s' },
      { name: 'Vault insert time, encrypted ÷ plain (bulk write mode, as an import writes)', value: ratio, unit: '×', target: `≤ ${RATIO_TARGET}× plain`, met: ratio <= RATIO_TARGET },
      // In WAL mode the checkpoint decrypts and re-encrypts every page (see enterBulkWriteMode): shown, not targeted.
      { name: 'Vault insert time, encrypted ÷ plain, WAL mode (small writes outside imports)', value: wal.encryptedMs / wal.plainMs, unit: '×' },
      { name: `Vault open (PRAGMA quick_check), ${ROW_COUNT / 1000}k rows, ${fileMb.toFixed(1)} MB`, value: Math.round(openMs), unit: 'ms' },
      { name: `Argon2id key slot, createSlot (${kdf})`, value: createS, unit: 's', target: kdfTarget, met: inRange(createS) },
      { name: `Argon2id key slot, openSlot (${kdf})`, value: unlockS, unit: 's', target: kdfTarget, met: inRange(unlockS) },
    ];
  } finally {
    for (const db of open) db.close();
    key.fill(0);
    rmSync(dir, { recursive: true, force: true });
  }
}
