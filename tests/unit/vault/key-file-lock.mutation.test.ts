import Database from 'better-sqlite3-multiple-ciphers';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WardscribeError } from '../../../main/errors';
import { keyFileLockPath, withKeyFileLock } from '../../../main/vault/key-file-lock';
import { sqlcipherNativeBinding, useSqlcipherNativeBinding } from '../../../main/vault/sqlcipher';
import { tempDir } from '../../support/temp';

/**
 * H-005 / H-022 (key file lost or broken by two writers): the key-file lock, stated — its file,
 * the order within the process, the wait for another holder and the refusal when it lasts.
 */
const dir = tempDir('wardscribe-key-lock-');
afterAll(() => dir.remove());
let counter = 0;
const keyFile = () => join(dir.path, `vault-${++counter}`, 'wardscribe.keyslots.json');

/** Holds the OS lock from another connection, as another Wardscribe process would. */
function holdElsewhere(path: string): { release: () => void } {
  const other = new Database(keyFileLockPath(path));
  other.exec('BEGIN EXCLUSIVE');
  return {
    release: () => {
      other.exec('ROLLBACK');
      other.close();
    },
  };
}

describe('the key-file lock', () => {
  it('lives beside the key file, in a folder it makes', async () => {
    const path = keyFile();
    expect(keyFileLockPath(path)).toBe(`${path}.lock`);
    expect(await withKeyFileLock(path, () => 42)).toBe(42);
    expect(existsSync(`${path}.lock`)).toBe(true);
  });

  it('returns what the work returns, awaited, and releases the lock afterwards', async () => {
    const path = keyFile();
    expect(await withKeyFileLock(path, async () => 'done')).toBe('done');
    // Released: another holder can take it at once.
    const other = holdElsewhere(path);
    other.release();
  });

  it('runs one request at a time per key file, in the order asked', async () => {
    const path = keyFile();
    const events: string[] = [];
    const work = (name: string, ms: number) => async () => {
      events.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      events.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([withKeyFileLock(path, work('a', 30)), withKeyFileLock(path, work('b', 5)), withKeyFileLock(path, work('c', 1))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('a request made while another of this process waits in the queue waits there too, not at the OS lock, and is not refused as "another window"', async () => {
    const path = keyFile();
    const events: string[] = [];
    const a = withKeyFileLock(path, () => void events.push('a'));
    // B is queued behind A, and holds the lock for 300 ms once it runs.
    const b = withKeyFileLock(path, async () => {
      events.push('b start');
      await new Promise((resolve) => setTimeout(resolve, 300));
      events.push('b end');
    });
    await a;
    await new Promise((resolve) => setTimeout(resolve, 20));
    // C: a short timeout for the OS lock, which it must never need (B is ours, ahead of it in the queue).
    const c = withKeyFileLock(path, () => void events.push('c'), { timeoutMs: 50 });
    await expect(c).resolves.toBeUndefined();
    await b;
    expect(events).toEqual(['a', 'b start', 'b end', 'c']);
  });

  it('a failing request passes its error on, releases the lock, and the next still runs', async () => {
    const path = keyFile();
    const failure = new Error('write failed');
    const first = withKeyFileLock(path, () => {
      throw failure;
    });
    const second = withKeyFileLock(path, () => 'second');
    await expect(first).rejects.toBe(failure);
    expect(await second).toBe('second');
    const other = holdElsewhere(path);
    other.release();
  });

  it('waits for another process\'s hold, without blocking, then runs', async () => {
    const path = keyFile();
    await withKeyFileLock(path, () => undefined);
    const other = holdElsewhere(path);
    let ran = false;
    const pending = withKeyFileLock(
      path,
      () => {
        ran = true;
        return 'after';
      },
      { timeoutMs: 5_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ran).toBe(false);
    other.release();
    expect(await pending).toBe('after');
  });

  it('refuses with a conflict when another process holds it past the timeout, changing nothing', async () => {
    const path = keyFile();
    await withKeyFileLock(path, () => undefined);
    const other = holdElsewhere(path);
    let ran = false;
    const started = performance.now();
    try {
      await expect(
        withKeyFileLock(
          path,
          () => {
            ran = true;
          },
          { timeoutMs: 60 },
        ),
      ).rejects.toEqual(new WardscribeError('conflict', 'Another Wardscribe window on this computer is changing the vault keys. Nothing was changed; try again in a moment.'));
      expect(performance.now() - started).toBeGreaterThanOrEqual(55);
      expect(ran).toBe(false);
    } finally {
      other.release();
    }
    // The queue goes on after a refusal.
    expect(await withKeyFileLock(path, () => 'later', { timeoutMs: 1_000 })).toBe('later');
  });

  it('a caller may say what a refusal after the wait tells the user (a sign-in turn is not a key change)', async () => {
    const path = keyFile();
    await withKeyFileLock(path, () => undefined);
    const other = holdElsewhere(path);
    try {
      await expect(withKeyFileLock(path, () => undefined, { timeoutMs: 20, busyMessage: 'Another sign-in to this account is being checked.' })).rejects.toEqual(
        new WardscribeError('conflict', 'Another sign-in to this account is being checked.'),
      );
    } finally {
      other.release();
    }
  });

  it('opens the lock with the SQLite addon the vault chose', async () => {
    const chosen = sqlcipherNativeBinding();
    useSqlcipherNativeBinding(join(dir.path, 'no-such-addon.node'));
    try {
      await expect(withKeyFileLock(keyFile(), () => 'ran')).rejects.toThrow();
    } finally {
      useSqlcipherNativeBinding(chosen);
    }
    expect(await withKeyFileLock(keyFile(), () => 'ran')).toBe('ran');
  });

  it('closes its connection every time: no file handle is left open', async () => {
    const { readdirSync } = await import('node:fs');
    const path = keyFile();
    await withKeyFileLock(path, () => undefined);
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let round = 0; round < 20; round++) await withKeyFileLock(path, () => undefined);
    expect(open()).toBeLessThanOrEqual(before);
  });

  it('work already holding the lock that asks for it again is refused at once (no deadlock)', async () => {
    const path = keyFile();
    const other = keyFile();
    const inner = await withKeyFileLock(path, async () => {
      await expect(withKeyFileLock(path, () => 'again')).rejects.toThrow('The key file lock was asked for again by work already holding it.');
      // Another key file's lock may be taken inside.
      return withKeyFileLock(other, () => 'other');
    });
    expect(inner).toBe('other');
  });

  it('work started inside and still running after the release is not taken for a holder', async () => {
    const path = keyFile();
    let later: Promise<string> | undefined;
    await withKeyFileLock(path, () => {
      later = new Promise((resolve) => setTimeout(resolve, 30)).then(() => withKeyFileLock(path, () => 'after release'));
    });
    expect(await later).toBe('after release');
  });

  it('a lock file that is not a database is an error, not a wait', async () => {
    const path = keyFile();
    await withKeyFileLock(path, () => undefined);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${path}.lock`, 'not a database, not at all, and long enough to be read as a header'.repeat(4));
    const started = Date.now();
    // Not the busy refusal after the wait (conflict): at once, saying the file must be removed.
    await expect(withKeyFileLock(path, () => undefined, { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'internal' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('a lock file overwritten by something else', () => {
  it('is refused in words naming the file and what to do, and nothing of the work runs', async () => {
    const dir = tempDir();
    const keySlots = join(dir.path, 'wardscribe.keyslots.json');
    writeFileSync(keyFileLockPath(keySlots), 'junk written by another program, not a database at all '.repeat(100));
    let ran = false;
    await expect(withKeyFileLock(keySlots, () => (ran = true))).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringMatching(/wardscribe\.keyslots\.json\.lock has been overwritten by something that is not Wardscribe.*Close every Wardscribe on this computer, delete that file, then start again\./),
    });
    expect(ran).toBe(false);
    dir.remove();
  });

  it('a lock file cut short (a disk fault, a copy interrupted) is refused the same way, at once', async () => {
    const path = keyFile();
    await withKeyFileLock(path, () => undefined);
    // A real database's header, claiming pages the file no longer has: SQLite reads it as malformed.
    writeFileSync(`${path}.lock`, realDatabase().subarray(0, 100));
    const started = Date.now();
    await expect(withKeyFileLock(path, () => undefined, { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('has been overwritten by something that is not Wardscribe') });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('any other failure to take the lock is said at once, in words for IT, never waited out as "another window"', async () => {
    const path = keyFile();
    await withKeyFileLock(path, () => undefined);
    // Written by a later SQLite (write version 9): this one may read it but not write it (SQLITE_READONLY).
    const later = realDatabase();
    later[18] = 9;
    writeFileSync(`${path}.lock`, later);
    const started = Date.now();
    let ran = false;
    await expect(withKeyFileLock(path, () => (ran = true), { timeoutMs: 10_000 })).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringMatching(/^Wardscribe could not lock .*wardscribe\.keyslots\.json\.lock \(the system said: attempt to write a readonly database\).*Ask IT to check that this folder can be written/),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(ran).toBe(false);
  });
});

/** The bytes of a small real SQLite database. */
function realDatabase(): Buffer {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
  const bytes = db.serialize();
  db.close();
  return Buffer.from(bytes);
}
