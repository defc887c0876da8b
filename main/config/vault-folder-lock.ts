import Database from 'better-sqlite3-multiple-ciphers';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { sqlcipherNativeBinding } from '../vault/sqlcipher';

/**
 * One Wardscribe at a time per vault folder. A machine-wide vault (machine.json `vaultDir`, e.g.
 * under ProgramData) is reachable from every OS account on the PC; two accounts (fast user
 * switching, a second RDP session) opening it at once would each hold the key and write to the
 * same WAL database. The single-instance lock of Electron covers one OS account only, so the
 * vault folder carries its own lock, taken before any window opens and held until exit.
 *
 * The lock is an operating-system file lock, as the key file's is (main/vault/key-file-lock.ts):
 * SQLite holds `BEGIN EXCLUSIVE` on a small database in the folder for as long as this process
 * runs (fcntl on Linux and macOS, LockFileEx on Windows). The OS drops it when the process ends
 * however it ends, so a crash leaves no stale lock, and nothing depends on a PID (which the OS
 * reuses: a crashed holder's PID given to another program used to keep the vault locked until IT
 * deleted the file) or on a host name. Who holds it is written beside it for the message only;
 * that note decides nothing. Network shares with broken locking are not supported for the vault.
 *
 * An OS lock is on a file, not on a name (#14 F6): anyone who can write the folder can unlink the
 * held lock file, and a second Wardscribe then creates and locks a new file of the same name.
 * The holder cannot prevent that, so it notices instead: it keeps its own descriptor on the file
 * it locked (better-sqlite3 does not expose SQLite's), checks at taking the lock that the name
 * still refers to that file (device and inode), and again every few seconds and whenever asked
 * (`stillHeld`, before a vault is opened). Once the name refers to another file or none, the lock
 * is lost for good: `onLost` runs once (the app shuts down), and `stillHeld` stays false.
 */
export const VAULT_FOLDER_LOCK_FILE = 'wardscribe.in-use.lock';
/** Who holds the lock, for the refusal's message. Informational: the OS lock decides. */
export const VAULT_FOLDER_HOLDER_FILE = 'wardscribe.in-use.json';

interface LockOwner {
  readonly pid: number;
  readonly user: string;
  readonly host: string;
  readonly since: string;
}

export interface VaultFolderLock {
  readonly path: string;
  /** False once the lock file's name no longer refers to the file this process locked. */
  stillHeld(): boolean;
  release(): void;
}

export interface VaultFolderLockOptions {
  /** Runs once when the lock is found lost (the lock file unlinked or replaced while held). */
  readonly onLost?: () => void;
  /** How often to look, in milliseconds (default 2000). */
  readonly checkEveryMs?: number;
}

// Seconds of two Wardscribes at once in the worst case, against a stat call every interval.
const DEFAULT_CHECK_MS = 2_000;

export class VaultFolderInUseError extends Error {
  override readonly name = 'VaultFolderInUseError';
}

// Rooted here for as long as they are held: a connection collected by the GC would close and
// drop the OS lock while the vault is still in use.
const held = new Set<Database.Database>();
/**
 * Lock files this process holds. A second attempt here must not open and close the file: closing
 * any descriptor of it would drop the lock this process already holds (POSIX locks belong to the
 * process), letting another Wardscribe in.
 */
const heldPaths = new Set<string>();

/** Takes the lock or throws VaultFolderInUseError saying who holds it. Synchronous: it runs before any window opens. */
export function acquireVaultFolderLock(vaultDir: string, options: VaultFolderLockOptions = {}): VaultFolderLock {
  mkdirSync(vaultDir, { recursive: true });
  const path = resolve(vaultDir, VAULT_FOLDER_LOCK_FILE);
  const holderPath = join(vaultDir, VAULT_FOLDER_HOLDER_FILE);
  if (heldPaths.has(path)) {
    const owner = readOwner(holderPath);
    const who = owner ? `${owner.user} on ${owner.host} (since ${owner.since})` : 'this Wardscribe';
    throw new VaultFolderInUseError(`The vault in ${vaultDir} is already in use by ${who}. Only one Wardscribe can use it at a time: close the other window, then start again.`);
  }
  let db: Database.Database;
  // Opened before SQLite opens the same name, and compared with the name after the lock is taken:
  // if both still agree, SQLite's lock is on this file (a swap in between shows as a mismatch).
  let descriptor: number;
  try {
    descriptor = openSync(path, 'a+', 0o644);
  } catch (error) {
    throw new Error(`The vault folder ${vaultDir} cannot be written (${(error as { code?: string }).code ?? 'unknown error'}). Ask IT to check its permissions.`);
  }
  const sameFile = (): boolean => {
    try {
      const mine = fstatSync(descriptor);
      const named = statSync(path);
      return mine.dev === named.dev && mine.ino === named.ino;
    } catch {
      return false;
    }
  };
  try {
    const binding = sqlcipherNativeBinding();
    db = new Database(path, binding === undefined ? {} : { nativeBinding: binding });
  } catch (error) {
    closeSync(descriptor);
    throw new Error(`The vault folder ${vaultDir} cannot be written (${(error as { code?: string }).code ?? 'unknown error'}). Ask IT to check its permissions.`);
  }
  try {
    // Never wait inside SQLite: a held lock is an answer, not something to queue for.
    db.pragma('busy_timeout = 0');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    closeSync(descriptor);
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      const owner = readOwner(holderPath);
      const who = owner ? `${owner.user} on ${owner.host} (since ${owner.since})` : 'another Wardscribe';
      throw new VaultFolderInUseError(
        `The vault in ${vaultDir} is already in use by ${who}. Only one Wardscribe can use it at a time: close Wardscribe there, or sign that account out, then start again.`,
      );
    }
    if (code === 'SQLITE_NOTADB') {
      // The lock file of an earlier Wardscribe (a PID written as JSON), left by a crash: not a lock any more.
      throw new Error(`The vault folder holds an old lock file that this Wardscribe cannot use. Close every Wardscribe on this computer, delete ${path}, then start again.`);
    }
    throw new Error(`The vault folder ${vaultDir} cannot be locked (${code ?? 'unknown error'}). Ask IT to check its permissions.`);
  }
  if (!sameFile()) {
    db.exec('ROLLBACK');
    db.close();
    closeSync(descriptor);
    throw new VaultFolderInUseError(`The lock file in ${vaultDir} was replaced while Wardscribe was taking it: another program is changing the vault folder. Start again; if this persists, ask IT to check the folder.`);
  }
  held.add(db);
  heldPaths.add(path);
  const me: LockOwner = { pid: process.pid, user: safeUser(), host: hostname(), since: new Date().toISOString() };
  try {
    writeFileSync(holderPath, JSON.stringify(me), { mode: 0o644 });
  } catch {
    // Only the message would lack a name: the lock is held either way.
  }
  let released = false;
  let lost = false;
  const stillHeld = (): boolean => {
    if (released || lost) return false;
    if (sameFile()) return true;
    lost = true;
    clearInterval(watch);
    options.onLost?.();
    return false;
  };
  const watch = setInterval(stillHeld, options.checkEveryMs ?? DEFAULT_CHECK_MS);
  // The check must not keep a finished process alive.
  watch.unref();
  return {
    path,
    stillHeld,
    release: () => {
      if (released) return;
      released = true;
      clearInterval(watch);
      // The note first, while the lock still keeps any other Wardscribe from writing its own (not
      // when the lock was lost: the note may be the new holder's).
      if (!lost && sameOwner(readOwner(holderPath), me)) {
        try {
          unlinkSync(holderPath);
        } catch {
          // Already gone.
        }
      }
      held.delete(db);
      try {
        db.exec('ROLLBACK');
      } finally {
        db.close();
        closeSync(descriptor);
        heldPaths.delete(path);
      }
    },
  };
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.user === 'string' && typeof owner.since === 'string' ? (owner as LockOwner) : null;
  } catch {
    return null;
  }
}

function sameOwner(owner: LockOwner | null, me: LockOwner): boolean {
  return owner !== null && owner.pid === me.pid && owner.since === me.since && owner.host === me.host;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown account';
  }
}
