/**
 * #14 F6 (cold re-attack): the vault folder lock is an OS lock on a file, so unlinking the held
 * lock file let a second process lock a new file of the same name — two Wardscribes on one vault.
 * The holder cannot stop the unlink; it notices that the name no longer refers to its file, says so
 * (the app shuts down) and stops claiming the lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { unlinkSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireVaultFolderLock, VAULT_FOLDER_LOCK_FILE, VaultFolderInUseError } from '../../../main/config/vault-folder-lock';
import { bundleChild, ROOT } from '../../support/child-bundle';
import { tempDir } from '../../support/temp';

const dir = tempDir();
const childScript = join(dir.path, 'folder-lock-child.cjs');
beforeAll(() => bundleChild('tests/unit/config/support/folder-lock-child', childScript), 60_000);
afterAll(dir.remove);

/** Another Wardscribe holding the folder; `output` collects what it prints. */
async function holder(vaultDir: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [childScript, vaultDir], { cwd: ROOT, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('holding')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
  });
  return { child, output: () => text };
}

const until = async (condition: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 25));
  return condition();
};

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('the vault folder lock when its file is unlinked or replaced while held', () => {
  it('the holding process notices its lock file was unlinked (another process then locked a new one) and gives the lock up', async () => {
    const vaultDir = join(dir.path, 'unlinked');
    const other = await holder(vaultDir);
    try {
      expect(() => acquireVaultFolderLock(vaultDir)).toThrow(VaultFolderInUseError);
      unlinkSync(join(vaultDir, VAULT_FOLDER_LOCK_FILE));
      // What the attack does next: this process now locks a new file of the same name.
      const second = acquireVaultFolderLock(vaultDir);
      try {
        expect(await until(() => other.output().includes('lost'), 5_000)).toBe(true);
      } finally {
        second.release();
      }
    } finally {
      await killed(other.child);
    }
  });

  it('in one process: stillHeld turns false and onLost runs once when the name is given to another file', () => {
    const vaultDir = join(dir.path, 'replaced');
    let lost = 0;
    const lock = acquireVaultFolderLock(vaultDir, { onLost: () => (lost += 1), checkEveryMs: 60_000 });
    expect(lock.stillHeld()).toBe(true);
    const path = join(vaultDir, VAULT_FOLDER_LOCK_FILE);
    writeFileSync(`${path}.new`, '');
    renameSync(`${path}.new`, path);
    expect(lock.stillHeld()).toBe(false);
    expect(lock.stillHeld()).toBe(false);
    expect(lost).toBe(1);
    lock.release();
  });
});
