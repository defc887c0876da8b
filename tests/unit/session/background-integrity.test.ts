import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostEvent } from '../../../shared/ipc/events';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { EDGE_CHECK_PAGES, FULL_CHECK_MAX_PAGES, openEncryptedDatabase } from '../../../main/vault/sqlcipher';
import { unlockVault } from '../../../main/vault/vault';
import { vaultFiles } from '../../../main/vault/vault-files';
import { ImportService } from '../../../main/imports/import-service';
import { TranscriptionService } from '../../../main/transcriptions/transcription-service';
import { getCompleteThread } from '../../../main/vault/queries/threads';
import { WipeService } from '../../../main/wipe/wipe-service';
import { writeExport } from '../importers/helpers';
import { tempDir } from '../../support/temp';
import { ADMIN, sha256File } from '../../support/vault';

const PAGE = 4096;
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function newSession(dir: string) {
  const events: HostEvent[] = [];
  const session = new SessionService({ files: vaultFiles(dir), emit: (event) => events.push(event), log: silentLogger, kdf: MINIMUM_KDF });
  return { session, events };
}

/** A vault over FULL_CHECK_MAX_PAGES (so sign-in checks only its edges), closed. */
async function largeVault(): Promise<{ dir: string; pages: number }> {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const { session } = newSession(dir.path);
  await session.createFirstAdmin(ADMIN);
  const db = session.vault().db;
  // Filler in a table of its own: ~3,000 pages of random (incompressible, distinct) bytes.
  db.exec('CREATE TABLE filler (bytes BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO filler (bytes) VALUES (randomblob(3000))');
  db.transaction(() => {
    for (let row = 0; row < 4_000; row++) insert.run();
  })();
  session.lock('sign-out');
  const pages = statSync(vaultFiles(dir.path).database).size / PAGE;
  expect(pages).toBeGreaterThan(FULL_CHECK_MAX_PAGES);
  return { dir: dir.path, pages };
}

/** Flips one bit inside page `page` (1-based) of the file. */
function flipBit(path: string, page: number): void {
  const fd = openSync(path, 'r+');
  try {
    const at = (page - 1) * PAGE + 1234;
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x01;
    writeSync(fd, byte, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

describe('the vault check at sign-in and in the background', () => {
  it('signs in to a large vault damaged deep inside, then the background check finds the damage, audits it and says so', async () => {
    const { dir, pages } = await largeVault();
    const files = vaultFiles(dir);
    const deep = Math.floor(pages / 2);
    expect(deep).toBeGreaterThan(EDGE_CHECK_PAGES);
    expect(deep).toBeLessThan(pages - EDGE_CHECK_PAGES);
    flipBit(files.database, deep);

    const { session, events } = newSession(dir);
    await session.signIn('admin', ADMIN.passphrase);
    expect(session.integrity().state).toBe('checking');
    await session.integritySettled();

    expect(session.integrity()).toMatchObject({ state: 'damaged', totalPages: pages, message: expect.stringMatching(/restored from a backup/) });
    expect(events).toContainEqual({ type: 'vault.integrity', state: 'damaged' });
    const entries = [...session.audit().store.entries({ filter: {} })];
    expect(entries.find((entry) => entry.action === 'vault-checked')).toMatchObject({ outcome: { status: 'failure', reason: 'page-authentication-failed' } });
  });

  it('a vault found damaged in the background is not wiped from, even with a clinician\'s reason, and says why', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const clinician = { username: 'priya', displayName: 'Dr Priya Shah', passphrase: 'clinician passphrase for the ward pc', role: 'clinician' as const };
    const first = newSession(dir.path).session;
    await first.createFirstAdmin(ADMIN);
    await first.createUser(clinician);
    first.lock('sign-out');
    await first.signIn(clinician.username, clinician.passphrase);
    const imports = new ImportService({ session: first });
    const path = writeExport(dir.path, 'WhatsApp Chat - Ward 7.txt', '[13/03/2023, 08:00:00] Dr Ada Shah: nothing clinical here, the rota for Friday\n');
    const { threadId } = await imports.import({ path, zone: 'Europe/London' }, { signal: new AbortController().signal, progress: () => undefined });
    const db = first.vault().db;
    db.exec('CREATE TABLE filler (bytes BLOB NOT NULL)');
    const insert = db.prepare('INSERT INTO filler (bytes) VALUES (randomblob(3000))');
    db.transaction(() => {
      for (let row = 0; row < 4_000; row++) insert.run();
    })();
    first.lock('sign-out');
    const files = vaultFiles(dir.path);
    const pages = statSync(files.database).size / PAGE;
    flipBit(files.database, Math.floor((pages * 3) / 4));

    const { session } = newSession(dir.path);
    await session.signIn(clinician.username, clinician.passphrase);
    await session.integritySettled();
    expect(session.integrity().state).toBe('damaged');
    const wipes = new WipeService({ session, imports: new ImportService({ session }), transcriptions: new TranscriptionService({ session, imports: new ImportService({ session }), log: silentLogger }), log: silentLogger });
    await expect(wipes.wipe({ threadId, overwriteSourceFile: false, overrideReason: 'The rota only: no clinical content at all.' })).rejects.toMatchObject({
      code: 'vault-damaged',
      message: expect.stringMatching(/^Nothing can be wiped while the vault is damaged\. .*restored from a backup/),
    });
    expect(getCompleteThread(session.vault().db, threadId)).not.toBeNull();
    const refusals = [...session.audit().store.entries({ filter: { actions: ['wipe'] } })];
    expect(refusals.map((entry) => entry.outcome)).toEqual([{ status: 'refused', reason: 'vault-damaged' }]);
    session.lock('sign-out');
  });

  it('finds an intact large vault intact, without auditing it', async () => {
    const { dir, pages } = await largeVault();
    const { session, events } = newSession(dir);
    await session.signIn('admin', ADMIN.passphrase);
    await session.integritySettled();
    expect(session.integrity()).toMatchObject({ state: 'intact', checkedPages: pages, totalPages: pages });
    expect(events).toContainEqual({ type: 'vault.integrity', state: 'intact' });
    expect([...session.audit().store.entries({ filter: {} })].some((entry) => entry.action === 'vault-checked')).toBe(false);
  });

  it('still refuses at sign-in a large vault damaged in its first or last pages, leaving the file as it was', async () => {
    for (const which of ['first', 'last'] as const) {
      const { dir, pages } = await largeVault();
      const files = vaultFiles(dir);
      flipBit(files.database, which === 'first' ? 3 : pages - 2);
      const before = sha256File(files.database);
      await expect(unlockVault(files, 'admin', ADMIN.passphrase, new Date())).rejects.toMatchObject({ code: 'vault-damaged' });
      expect(sha256File(files.database)).toBe(before);
    }
  });

  it('signing in does not read the whole vault: the opening check of a large vault costs a fraction of a full one', async () => {
    const { dir } = await largeVault();
    const files = vaultFiles(dir);
    const outcome = await unlockVault(files, 'admin', ADMIN.passphrase, new Date());
    if (outcome.kind !== 'unlocked') throw new Error('expected to sign in');
    const key = Buffer.from(outcome.vault.key);
    outcome.vault.close();
    const time = (check: 'full' | 'opening') => {
      const best: number[] = [];
      for (let run = 0; run < 3; run++) {
        const start = performance.now();
        openEncryptedDatabase(files.database, key, { create: false, check }).close();
        best.push(performance.now() - start);
      }
      return Math.min(...best);
    };
    // The file is 3× what the opening check reads; allow for noise on a shared machine.
    expect(time('opening')).toBeLessThan(time('full') * 0.8);
  });

  it('stops at lock, zeroing what it held, and reports stopped', async () => {
    const { dir } = await largeVault();
    const { session, events } = newSession(dir);
    await session.signIn('admin', ADMIN.passphrase);
    session.lock('manual');
    await session.integritySettled();
    expect(session.integrity().state).toBe('stopped');
    expect(events.some((event) => event.type === 'vault.integrity')).toBe(false);
  });
});
