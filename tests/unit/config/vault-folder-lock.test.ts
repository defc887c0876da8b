import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireVaultFolderLock, VAULT_FOLDER_LOCK_FILE, VaultFolderInUseError } from '../../../main/config/vault-folder-lock';
import { tempDir } from '../../support/temp';

const dir = tempDir();
afterAll(dir.remove);

describe('the vault folder lock (a machine-wide vault, two OS accounts)', () => {
  it('lets one Wardscribe in, refuses a second saying who holds it, and frees the folder at release', () => {
    const vaultDir = join(dir.path, 'one');
    const first = acquireVaultFolderLock(vaultDir);
    expect(existsSync(join(vaultDir, VAULT_FOLDER_LOCK_FILE))).toBe(true);
    expect(() => acquireVaultFolderLock(vaultDir)).toThrow(VaultFolderInUseError);
    expect(() => acquireVaultFolderLock(vaultDir)).toThrow(new RegExp(`already in use by .* on ${hostname()}`));
    first.release();
    expect(existsSync(join(vaultDir, VAULT_FOLDER_LOCK_FILE))).toBe(false);
    acquireVaultFolderLock(vaultDir).release();
  });

  it('takes over a lock left by a process on this PC that is no longer running (a crash)', () => {
    const vaultDir = join(dir.path, 'stale');
    acquireVaultFolderLock(vaultDir).release();
    // A pid far above any real one on this machine.
    writeFileSync(join(vaultDir, VAULT_FOLDER_LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, user: 'someone', host: hostname(), since: '2026-01-01T00:00:00Z' }));
    const lock = acquireVaultFolderLock(vaultDir);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('never takes over a lock from another host (a shared folder), which cannot be proven stale', () => {
    const vaultDir = join(dir.path, 'remote');
    acquireVaultFolderLock(vaultDir).release();
    writeFileSync(join(vaultDir, VAULT_FOLDER_LOCK_FILE), JSON.stringify({ pid: 1, user: 'ward7', host: 'another-pc', since: '2026-01-01T00:00:00Z' }));
    expect(() => acquireVaultFolderLock(vaultDir)).toThrow(/ward7 on another-pc/);
  });
});
