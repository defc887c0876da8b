/**
 * One lock for every read-modify-write of the key file, within this process and across
 * processes (a machine-wide vault can be opened by two OS users at once).
 *
 * Across processes the lock is an operating-system file lock, taken by SQLite on a small
 * database beside the key file (`BEGIN EXCLUSIVE` on `wardscribe.keyslots.json.lock`: fcntl
 * locks on Linux and macOS, LockFileEx on Windows). The operating system drops such a lock
 * when its process ends however it ends, so a crash or a kill -9 never leaves a stale lock, and
 * there is no PID to be reused and no timestamp for a moved clock to make look fresh or stale.
 * The lock file itself stays on disk and means nothing when nobody holds it. (A PID-and-time
 * lock file would need exactly those guesses; network shares with broken locking are not
 * supported for the vault anyway.)
 *
 * Within the process, requests for one key file queue in order, so the OS lock is asked for by
 * one request at a time. Waiting for another process polls without blocking the event loop.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { WardscribeError } from '../errors';
import { sqlcipherNativeBinding } from './sqlcipher';

/** Longest wait for another process's hold (each hold is a few milliseconds of file I/O). */
const DEFAULT_TIMEOUT_MS = 30_000;
const POLL_MS = 10;

const queues = new Map<string, Promise<unknown>>();
/** The key files the running work holds: asking again from inside would wait for itself for ever. */
const held = new AsyncLocalStorage<Set<string>>();

export interface KeyFileLockOptions {
  readonly timeoutMs?: number;
  /** What a request that waited `timeoutMs` is told (the default names the vault keys). */
  readonly busyMessage?: string;
}

const DEFAULT_BUSY_MESSAGE = 'Another Wardscribe window on this computer is changing the vault keys. Nothing was changed; try again in a moment.';

export function keyFileLockPath(keySlotsPath: string): string {
  return `${keySlotsPath}.lock`;
}

/**
 * Runs `work` holding the key file's lock. `work` should be synchronous file work (read,
 * change, write): slow steps such as Argon2id belong before it, so the lock is held briefly.
 * The same lock serves any file whose turns must be taken one at a time across processes
 * (vault.ts withSignInTurn locks one per user, held across the attempt's Argon2id).
 */
export function withKeyFileLock<T>(keySlotsPath: string, work: () => T | Promise<T>, options: KeyFileLockOptions = {}): Promise<T> {
  if (held.getStore()?.has(keySlotsPath)) return Promise.reject(new Error('The key file lock was asked for again by work already holding it.'));
  const previous = queues.get(keySlotsPath) ?? Promise.resolve();
  const hold = () => holdOsLock(keySlotsPath, work, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.busyMessage ?? DEFAULT_BUSY_MESSAGE);
  const run = previous.then(hold, hold);
  const settled = run.catch(() => undefined);
  queues.set(keySlotsPath, settled);
  void settled.then(() => {
    if (queues.get(keySlotsPath) === settled) queues.delete(keySlotsPath);
  });
  return run;
}

async function holdOsLock<T>(keySlotsPath: string, work: () => T | Promise<T>, timeoutMs: number, busyMessage: string): Promise<T> {
  mkdirSync(dirname(keySlotsPath), { recursive: true, mode: 0o700 });
  const binding = sqlcipherNativeBinding();
  const db = new Database(keyFileLockPath(keySlotsPath), binding === undefined ? {} : { nativeBinding: binding });
  try {
    // Never block the event loop inside SQLite: a busy lock is retried from here.
    db.pragma('busy_timeout = 0');
    // The monotonic clock: a wall clock moved meanwhile neither ends nor prolongs the wait.
    const started = performance.now();
    for (;;) {
      try {
        db.exec('BEGIN EXCLUSIVE');
        break;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== 'SQLITE_BUSY') throw lockFileUnusable(keySlotsPath, code, error);
        if (performance.now() - started >= timeoutMs) {
          throw new WardscribeError('conflict', busyMessage);
        }
        await sleep(POLL_MS);
      }
    }
    // Emptied on release: background work started inside and still running later is not mistaken for a holder.
    const holding = new Set([...(held.getStore() ?? []), keySlotsPath]);
    try {
      return await held.run(holding, work);
    } finally {
      holding.delete(keySlotsPath);
      db.exec('ROLLBACK');
    }
  } finally {
    db.close();
  }
}

/**
 * Any failure to take the lock other than another holder: no wait can end it, so it is said at
 * once. A lock file something else wrote into (not a database, or cut short) cannot be held by
 * anyone until it is removed, and removing it here could race another Wardscribe recreating it.
 */
function lockFileUnusable(keySlotsPath: string, code: string | undefined, error: unknown): WardscribeError {
  const path = keyFileLockPath(keySlotsPath);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new WardscribeError('internal', `The lock file ${path} has been overwritten by something that is not Wardscribe, so nobody can sign in or change the vault keys. Close every Wardscribe on this computer, delete that file, then start again.`);
  }
  return new WardscribeError('internal', `Wardscribe could not lock ${path} (the system said: ${(error as Error).message}), so nobody can sign in or change the vault keys. Ask IT to check that this folder can be written, then start again.`);
}
