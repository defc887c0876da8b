import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * One Wardscribe at a time per vault folder. A machine-wide vault (machine.json `vaultDir`, e.g.
 * under ProgramData) is reachable from every OS account on the PC; two accounts (fast user
 * switching, a second RDP session) opening it at once would each hold the key and write to the
 * same WAL database. The single-instance lock of Electron covers one OS account only, so the
 * vault folder carries its own lock file, taken before any window opens and removed at exit.
 */
export const VAULT_FOLDER_LOCK_FILE = 'wardscribe.in-use.lock';

interface LockOwner {
  readonly pid: number;
  readonly user: string;
  readonly host: string;
  readonly since: string;
}

export interface VaultFolderLock {
  readonly path: string;
  release(): void;
}

export class VaultFolderInUseError extends Error {
  override readonly name = 'VaultFolderInUseError';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another account.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? (owner as LockOwner) : null;
  } catch {
    return null;
  }
}

/** Takes the lock or throws VaultFolderInUseError saying who holds it. A lock left by a crash on this PC is taken over. */
export function acquireVaultFolderLock(vaultDir: string): VaultFolderLock {
  mkdirSync(vaultDir, { recursive: true });
  const path = join(vaultDir, VAULT_FOLDER_LOCK_FILE);
  const me: LockOwner = { pid: process.pid, user: safeUser(), host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
      return { path, release: () => releaseIfOurs(path, me) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Error(`The vault folder ${vaultDir} cannot be written (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}). Ask IT to check its permissions.`);
      }
    }
    const owner = readOwner(path);
    // Only a lock from this PC can be proven stale; one from another host (a shared folder) never is.
    const stale = owner === null ? false : owner.host === me.host && !isAlive(owner.pid);
    if (!stale) {
      const who = owner ? `${owner.user} on ${owner.host} (since ${owner.since})` : 'another Wardscribe';
      throw new VaultFolderInUseError(
        `The vault in ${vaultDir} is already in use by ${who}. Only one Wardscribe can use it at a time: close Wardscribe there, or sign that account out, then start again. If nobody is using it, IT can delete ${path}.`,
      );
    }
    unlinkSync(path);
  }
  throw new VaultFolderInUseError(`The vault in ${vaultDir} is being opened by another Wardscribe at this moment. Try again.`);
}

function releaseIfOurs(path: string, me: LockOwner): void {
  const owner = readOwner(path);
  if (owner && owner.pid === me.pid && owner.since === me.since) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown account';
  }
}
