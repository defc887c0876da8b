/**
 * The vault folder lock asked at each vault opening (#14 F6): its watch looks every 2 s, so a lock
 * lost between taking it and signing in (its file unlinked or replaced: another Wardscribe may
 * now hold the folder) must be caught when the vault opens, not up to 2 s later with the vault
 * open in two processes.
 */
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { acquireVaultFolderLock, VAULT_FOLDER_LOCK_FILE, type VaultFolderLock } from '../../../main/config/vault-folder-lock';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { vaultFiles, type VaultFiles } from '../../../main/vault/vault-files';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

function newSession(files: VaultFiles, folderLock?: { stillHeld(): boolean }): SessionService {
  const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF, ...(folderLock ? { folderLock } : {}) });
  cleanups.push(() => session.lock('sign-out'));
  return session;
}

function vaultFolder(): VaultFiles {
  const dir = tempDir('wardscribe-folder-lock-open-');
  cleanups.push(dir.remove);
  return vaultFiles(dir.path);
}

/** The real lock, with a watch too slow to see anything during the test: only the check at opening can. */
function takeLock(files: VaultFiles, onLost: () => void = () => undefined): VaultFolderLock {
  const lock = acquireVaultFolderLock(files.dir, { checkEveryMs: 600_000, onLost });
  cleanups.push(() => lock.release());
  return lock;
}

async function withAdmin(files: VaultFiles): Promise<void> {
  const session = newSession(files);
  await session.createFirstAdmin(ADMIN);
  session.lock('sign-out');
}

const signIns = (session: SessionService) => [...session.audit().store.entries({ filter: { actions: ['sign-in'] } })].length;

describe('the vault folder lock at vault opening', () => {
  it('a lock file unlinked after the lock was taken stops the next sign-in before the vault opens, and says why', async () => {
    const files = vaultFolder();
    await withAdmin(files);
    const onLost = vi.fn();
    const lock = takeLock(files, onLost);
    const session = newSession(files, lock);
    unlinkSync(join(files.dir, VAULT_FOLDER_LOCK_FILE));
    await expect(session.signIn(ADMIN.username, ADMIN.passphrase)).rejects.toMatchObject({ code: 'conflict', message: /no longer holds the vault folder.*Nothing was opened/ });
    expect(session.state().kind).toBe('signed-out');
    // The host hears of it at once (Electron quits), not at the next 2-second look.
    expect(onLost).toHaveBeenCalledTimes(1);
    // Nothing was recorded in the vault: it was never opened.
    const check = newSession(files);
    await check.signIn(ADMIN.username, ADMIN.passphrase);
    expect(signIns(check)).toBe(2);
  });

  it('a lock file replaced by another of the same name stops the first run before a vault is made', async () => {
    const files = vaultFolder();
    const lock = takeLock(files);
    const session = newSession(files, lock);
    const replacement = join(files.dir, 'replacement');
    writeFileSync(replacement, '');
    renameSync(replacement, join(files.dir, VAULT_FOLDER_LOCK_FILE));
    await expect(session.createFirstAdmin(ADMIN)).rejects.toMatchObject({ code: 'conflict' });
    expect(session.state().kind).toBe('first-run');
  });

  it('a lock lost while the passphrase was being checked closes the vault just opened and refuses', async () => {
    const files = vaultFolder();
    await withAdmin(files);
    // Held when the attempt starts, lost by the time the vault has opened.
    const answers = [true, false];
    const stillHeld = vi.fn(() => answers.shift() ?? false);
    const session = newSession(files, { stillHeld });
    await expect(session.signIn(ADMIN.username, ADMIN.passphrase)).rejects.toMatchObject({ code: 'conflict' });
    expect(stillHeld).toHaveBeenCalledTimes(2);
    expect(session.state().kind).toBe('signed-out');
    const check = newSession(files);
    await check.signIn(ADMIN.username, ADMIN.passphrase);
    // The refused opening began no session: only the first run's sign-in and this one are in the trail.
    expect(signIns(check)).toBe(2);
  });

  it('a lock still held lets sign-in go ahead', async () => {
    const files = vaultFolder();
    await withAdmin(files);
    const lock = takeLock(files);
    const session = newSession(files, lock);
    await expect(session.signIn(ADMIN.username, ADMIN.passphrase)).resolves.toMatchObject({ username: ADMIN.username });
    expect(lock.stillHeld()).toBe(true);
  });
});
