/**
 * Reading the vault's files in this process must not drop the OS locks on them (held-files.ts).
 * On Linux and macOS closing any descriptor of a locked file drops the process's locks on it: the
 * wipe's scan and the background page check used to do just that, after which a second process
 * could write to the vault (SQLite's lock) or take the vault folder (the folder lock).
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireVaultFolderLock, VaultFolderInUseError } from '../../../main/config/vault-folder-lock';
import { silentLogger } from '../../../main/log';
import { IntegrityMonitor } from '../../../main/session/integrity-monitor';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { releaseHeldFiles } from '../../../main/vault/held-files';
import { vaultFiles } from '../../../main/vault/vault-files';
import { scanForRemnants } from '../../../main/wipe/vault-scan';
import { bundleChild, ROOT } from '../../support/child-bundle';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const work = tempDir();
const writerScript = join(work.path, 'vault-writer-child.cjs');
const lockScript = join(work.path, 'folder-lock-child.cjs');
beforeAll(async () => {
  await bundleChild('tests/unit/vault/support/vault-writer-child', writerScript);
  await bundleChild('tests/unit/config/support/folder-lock-child', lockScript);
}, 60_000);
afterAll(work.remove);

/** Runs a child to its first line of output (or its exit). */
function firstLine(script: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) {
        child.kill('SIGKILL');
        resolve(out.split('\n')[0]!);
      }
    });
    child.once('exit', (code) => resolve(out.split('\n')[0] || `exit ${code}`));
  });
}

/** How many OS locks this process holds on a file, as Linux lists them (/proc/locks: pid, then dev:inode). */
function locksOn(path: string): number {
  if (process.platform !== 'linux') return 0;
  const inode = statSync(path).ino;
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .filter((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[4] === String(process.pid) && fields[5]?.endsWith(`:${inode}`);
    }).length;
}

describe.skipIf(process.platform === 'win32')('reading the vault in this process keeps the OS locks on it', () => {
  it('after the wipe scan and the background page check, another process still cannot write to the vault or take its folder', async () => {
    const dir = join(work.path, 'vault');
    const folder = acquireVaultFolderLock(dir);
    const session = new SessionService({ files: vaultFiles(dir), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    await session.createFirstAdmin(ADMIN);
    const { db } = session.vault();
    try {
      const { key } = session.vault();
      const files = vaultFiles(dir);
      await session.integritySettled();
      // This process holds the vault's write lock, as during an import.
      db.exec('BEGIN IMMEDIATE');
      expect(await firstLine(writerScript, [files.database, key.toString('hex')])).toBe('busy');
      const result = scanForRemnants({ dir, database: files.database, key, needles: ['nothing like this is in the vault'] });
      expect(result.hits).toEqual([]);
      expect(result.filesScanned.map((file) => file.name)).not.toContain('wardscribe.in-use.lock');
      // Still ours after the scan read the vault, its -wal and -shm.
      expect(await firstLine(writerScript, [files.database, key.toString('hex')])).toBe('busy');
      expect(() => acquireVaultFolderLock(dir)).toThrow(VaultFolderInUseError);
      expect(await firstLine(lockScript, [dir])).not.toMatch(/^holding/);
      db.exec('ROLLBACK');

      // The background page check keeps this process's locks on the vault file (Linux shows them).
      const before = locksOn(files.database);
      const monitor = new IntegrityMonitor({ now: () => new Date(), damaged: () => undefined, finished: () => undefined, failed: (error) => { throw error; } });
      const pageSize = 4096;
      monitor.start({ path: files.database, key, pageSize, pageCount: Math.floor(statSync(files.database).size / pageSize), settle: () => undefined });
      await monitor.settled();
      expect(monitor.status().state).toBe('intact');
      if (process.platform === 'linux') {
        expect(before).toBeGreaterThan(0);
        // Not an exact count: closing a descriptor drops every lock to none, while a read the
        // session happens to be running at either moment adds its own (CI once counted 3 for 1).
        expect(locksOn(files.database)).toBeGreaterThan(0);
      }
      expect(await firstLine(writerScript, [files.database, key.toString('hex'), 'journal'])).toBe('busy');
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
      session.lock('sign-out');
      folder.release();
      releaseHeldFiles();
    }
  }, 60_000);
});
