/**
 * The key file's lock across real processes (#14): a machine-wide vault can be opened by two OS
 * users at once. Read-modify-writes from several processes lose nothing; a process killed with
 * SIGKILL while holding the lock leaves no stale lock (the OS drops it) and an intact key file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withKeyFileLock } from '../../../main/vault/key-file-lock';
import { readKeySlotFile, updateKeySlotFile } from '../../../main/vault/key-slots';
import { bundleChild, ROOT } from '../../support/child-bundle';
import { tempDir } from '../../support/temp';
import { freshVault } from '../../support/vault';

const bundleDir = tempDir('wardscribe-key-lock-child-');
const childScript = join(bundleDir.path, 'key-file-child.cjs');
beforeAll(() => bundleChild('tests/unit/vault/support/key-file-child', childScript), 60_000);
afterAll(() => bundleDir.remove());

const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  cleanups.splice(0).forEach((cleanup) => cleanup());
});

async function keyFile(): Promise<string> {
  const fresh = await freshVault();
  fresh.vault.close();
  cleanups.push(fresh.remove);
  return fresh.files.keySlots;
}

/** Starts a child; resolves with it once it prints `line`, and `exited` once it ends. */
function start(args: string[], line: string): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [childScript, ...args], { cwd: ROOT, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`${line}\n`)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before "${line}": ${errors}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, ready, exited };
}

const counterOf = (path: string, name = 'counter') => readKeySlotFile(path)!.failures[name]?.count ?? 0;

function incrementHere(path: string): Promise<void> {
  return updateKeySlotFile(path, (current) => {
    const previous = current!.failures['counter'];
    return { write: { ...current!, failures: { ...current!.failures, counter: { count: (previous?.count ?? 0) + 1, lastAt: new Date().toISOString(), unaudited: [] } } }, result: undefined };
  });
}

describe('key file lock within the process', () => {
  it('refuses, rather than waits for ever, when work holding the lock asks for it again', async () => {
    const path = await keyFile();
    await expect(withKeyFileLock(path, () => withKeyFileLock(path, () => 'inner'))).rejects.toThrow(/asked for again/);
    // Released after: the next one goes ahead.
    await expect(withKeyFileLock(path, () => 'next')).resolves.toBe('next');
  });
});

describe('key file lock across processes', () => {
  it('loses no update when four processes and this one change the key file at once', async () => {
    const path = await keyFile();
    const workers = Array.from({ length: 4 }, () => start(['increment', path, '40'], 'done'));
    const here = (async () => {
      for (let at = 0; at < 40; at++) await incrementHere(path);
    })();
    await Promise.all([...workers.map((worker) => worker.ready), here]);
    expect(counterOf(path)).toBe(5 * 40);
  }, 120_000);

  it('waits for another process that holds the lock, and takes it as soon as that process is killed', async () => {
    const path = await keyFile();
    const holder = start(['hold', path], 'held');
    await holder.ready;
    await expect(withKeyFileLock(path, () => 'got it', { timeoutMs: 300 })).rejects.toMatchObject({ code: 'conflict', message: /Another Wardscribe window/ });
    const waiting = withKeyFileLock(path, () => performance.now());
    holder.child.kill('SIGKILL');
    const killedAt = performance.now();
    await holder.exited;
    const acquiredAt = await waiting;
    // No stale lock to time out: the OS dropped it with the process.
    expect(acquiredAt - killedAt).toBeLessThan(2_000);
  }, 60_000);

  it('a process killed in the middle of its writes leaves a key file that reads whole, and no lock behind', async () => {
    const path = await keyFile();
    for (const delayMs of [5, 23, 61, 137]) {
      const hammer = start(['hammer', path], 'started');
      await hammer.ready;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      hammer.child.kill('SIGKILL');
      await hammer.exited;
      const before = counterOf(path);
      expect(readKeySlotFile(path)?.slots).toHaveLength(1);
      await withKeyFileLock(path, () => undefined, { timeoutMs: 2_000 });
      await incrementHere(path);
      expect(counterOf(path)).toBe(before + 1);
    }
  }, 120_000);
});
