import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireVaultFolderLock, VAULT_FOLDER_HOLDER_FILE, VAULT_FOLDER_LOCK_FILE, VaultFolderInUseError } from '../../../main/config/vault-folder-lock';
import { bundleChild, ROOT } from '../../support/child-bundle';
import { tempDir } from '../../support/temp';

const dir = tempDir();
const childScript = join(dir.path, 'folder-lock-child.cjs');
beforeAll(() => bundleChild('tests/unit/config/support/folder-lock-child', childScript), 60_000);
afterAll(dir.remove);

/** Another Wardscribe (another OS account's process): holds the folder until killed. */
async function holder(vaultDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [childScript, vaultDir], { cwd: ROOT, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => (chunk.toString().includes('holding') ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
  });
  return child;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('the vault folder lock (a machine-wide vault, two OS accounts)', () => {
  it('lets one Wardscribe in, refuses a second saying who holds it, and frees the folder at release', () => {
    const vaultDir = join(dir.path, 'one');
    const first = acquireVaultFolderLock(vaultDir);
    expect(existsSync(join(vaultDir, VAULT_FOLDER_LOCK_FILE))).toBe(true);
    expect(() => acquireVaultFolderLock(vaultDir)).toThrow(VaultFolderInUseError);
    expect(() => acquireVaultFolderLock(vaultDir)).toThrow(new RegExp(`already in use by .* on ${hostname()}`));
    first.release();
    first.release();
    expect(existsSync(join(vaultDir, VAULT_FOLDER_HOLDER_FILE))).toBe(false);
    acquireVaultFolderLock(vaultDir).release();
  });

  it('is an OS lock: another process holding it refuses this one; killed with SIGKILL, it frees the folder at once', async () => {
    const vaultDir = join(dir.path, 'two-processes');
    const other = await holder(vaultDir);
    try {
      expect(() => acquireVaultFolderLock(vaultDir)).toThrow(/already in use by .* \(since /);
    } finally {
      await killed(other);
    }
    // No PID to test and no waiting: the OS dropped the lock with the process. The holder's note
    // is left behind (it died mid-run), and now names a PID that may belong to anything.
    expect(existsSync(join(vaultDir, VAULT_FOLDER_HOLDER_FILE))).toBe(true);
    writeFileSync(join(vaultDir, VAULT_FOLDER_HOLDER_FILE), JSON.stringify({ pid: process.pid, user: 'someone', host: hostname(), since: '2026-01-01T00:00:00Z' }));
    const lock = acquireVaultFolderLock(vaultDir);
    expect(JSON.parse(readFileSync(join(vaultDir, VAULT_FOLDER_HOLDER_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    lock.release();
  }, 30_000);

  it('says plainly what to do with the lock file of an earlier Wardscribe left by a crash', () => {
    const vaultDir = join(dir.path, 'old-format');
    acquireVaultFolderLock(vaultDir).release();
    writeFileSync(join(vaultDir, VAULT_FOLDER_LOCK_FILE), JSON.stringify({ pid: 1, user: 'ward7', host: hostname(), since: '2026-01-01T00:00:00Z' }));
    expect(() => acquireVaultFolderLock(vaultDir)).toThrow(/old lock file .* delete .*wardscribe\.in-use\.lock/);
  });
});
