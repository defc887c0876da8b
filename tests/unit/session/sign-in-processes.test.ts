/**
 * Sign-in attempts across real processes on one vault folder (#14): a second Wardscribe instance
 * or another OS account on a machine-wide vault signs in as the same user at the same moment. A
 * right passphrase is never refused because of the others' right passphrases, a right attempt is
 * never recorded as a failed one, and every wrong attempt is counted once. A process holding the
 * user's turn that hung (SIGSTOP) holds the next attempt up for a bounded wait only, then it is
 * refused in words with nothing counted; one that died (SIGKILL) holds nobody up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF, readKeySlotFile } from '../../../main/vault/key-slots';
import { SIGN_IN_KEY_FILE_BUSY_MESSAGE, SIGN_IN_TURN_BUSY_MESSAGE, signInTurnPath } from '../../../main/vault/vault';
import { vaultFiles, type VaultFiles } from '../../../main/vault/vault-files';
import { bundleChild, ROOT } from '../../support/child-bundle';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';
import type { SignInChildArgs, SignInChildOutcome } from './support/sign-in-child';

const bundleDir = tempDir('wardscribe-sign-in-child-');
const childScript = join(bundleDir.path, 'sign-in-child.cjs');
/** Takes a lock file's OS lock and keeps it (tests/unit/vault/support/key-file-child.ts `hold`). */
const holderScript = join(bundleDir.path, 'key-file-child.cjs');
beforeAll(() => Promise.all([bundleChild('tests/unit/session/support/sign-in-child', childScript), bundleChild('tests/unit/vault/support/key-file-child', holderScript)]), 60_000);
afterAll(() => bundleDir.remove());

const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  // SIGKILL ends a stopped process too.
  for (const child of children.splice(0)) child.kill('SIGKILL');
  cleanups.splice(0).reverse().forEach((cleanup) => cleanup());
});

function newSession(files: VaultFiles, signInWaitMs?: number): SessionService {
  const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF, ...(signInWaitMs === undefined ? {} : { signInWaitMs }) });
  cleanups.push(() => session.lock('sign-out'));
  return session;
}

async function adminVault(): Promise<VaultFiles> {
  const dir = tempDir('wardscribe-sign-in-processes-');
  cleanups.push(dir.remove);
  const files = vaultFiles(dir.path);
  const session = newSession(files);
  await session.createFirstAdmin(ADMIN);
  session.lock('sign-out');
  return files;
}

/** Starts one child per entry, all built and waiting; then lets them go at once and collects their outcomes. */
async function attemptTogether(runs: readonly SignInChildArgs[]): Promise<SignInChildOutcome[][]> {
  const started = runs.map((args) => {
    const child = spawn(process.execPath, [childScript, JSON.stringify(args)], { cwd: ROOT, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    let errors = '';
    child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const waitFor = (line: string) =>
      new Promise<string>((resolve, reject) => {
        const look = () => output.includes(`${line}\n`) && resolve(output);
        child.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          look();
        });
        look();
        child.on('exit', (code) => reject(new Error(`sign-in child exited (${code}) before "${line}": ${errors}`)));
      });
    return { child, ready: waitFor('ready'), done: waitFor('done') };
  });
  await Promise.all(started.map((run) => run.ready));
  for (const run of started) run.child.stdin!.write('go\n');
  const outputs = await Promise.all(started.map((run) => run.done));
  return outputs.map((output) => JSON.parse(output.split('\n').find((line) => line.startsWith('['))!) as SignInChildOutcome[]);
}

/** The trail's failed sign-ins, read by a fresh sign-in here (which also audits any failures still waiting in the key file). */
async function failedSignInsAudited(files: VaultFiles): Promise<number> {
  const session = newSession(files);
  await session.signIn(ADMIN.username, ADMIN.passphrase);
  const failed = [...session.audit().store.entries({ filter: { actions: ['sign-in-failed'] } })];
  session.lock('sign-out');
  return failed.length;
}

const args = (files: VaultFiles, passphrases: readonly string[], backoff: SignInChildArgs['backoff'] = 'real'): SignInChildArgs => ({
  vaultDir: files.dir,
  username: ADMIN.username,
  passphrases,
  backoff,
});

describe('sign-in attempts across processes', () => {
  it('four processes signing in as one user with the right passphrase at once all get in, and none is recorded as a failure', async () => {
    const files = await adminVault();
    for (let round = 0; round < 3; round++) {
      const outcomes = await attemptTogether(Array.from({ length: 4 }, () => args(files, [ADMIN.passphrase])));
      expect(outcomes.flat()).toEqual(Array.from({ length: 4 }, () => ({ outcome: 'signed-in' })));
    }
    expect(readKeySlotFile(files.keySlots)!.failures[ADMIN.username]).toBeUndefined();
    expect(await failedSignInsAudited(files)).toBe(0);
  }, 120_000);

  it('wrong passphrases from several processes, between right ones, are each counted once: none lost, none invented', async () => {
    const files = await adminVault();
    const wrong = (process: number) => Array.from({ length: 5 }, (_, at) => `wrong passphrase ${process}.${at}`);
    // Every attempt reaches the KDF (no backoff), so that they overlap as much as they can.
    const outcomes = await attemptTogether([
      args(files, [ADMIN.passphrase, ADMIN.passphrase, ADMIN.passphrase, ADMIN.passphrase], 'none'),
      args(files, [ADMIN.passphrase, ADMIN.passphrase, ADMIN.passphrase, ADMIN.passphrase], 'none'),
      args(files, wrong(1), 'none'),
      args(files, wrong(2), 'none'),
    ]);
    expect(outcomes[0]!.concat(outcomes[1]!)).toEqual(Array.from({ length: 8 }, () => ({ outcome: 'signed-in' })));
    expect(outcomes[2]!.concat(outcomes[3]!).map((outcome) => outcome.outcome === 'refused' && outcome.code)).toEqual(Array.from({ length: 10 }, () => 'sign-in-failed'));
    // Each wrong attempt is in the trail once (audited by the next sign-in after it), and no right one is.
    expect(await failedSignInsAudited(files)).toBe(10);
  }, 120_000);
});

/** Another process holding the admin's sign-in turn, as a second Wardscribe in its Argon2id would. */
async function holdAdminsTurn(files: VaultFiles): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const userId = readKeySlotFile(files.keySlots)!.slots.find((slot) => slot.username === ADMIN.username)!.userId;
  return holdLock(signInTurnPath(files, userId));
}

/** Another process holding a lock file's OS lock until it is killed. */
async function holdLock(lockedPath: string): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const child = spawn(process.execPath, [holderScript, 'hold', lockedPath], { cwd: ROOT, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('held\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`holder exited (${code}) before taking the turn: ${errors}`)));
  });
  return { child, exited };
}

describe('a sign-in whose turn another process holds', () => {
  const WAIT_MS = 1_500;

  it('held by a hung process: refused in words after the bounded wait, nothing counted, and the attempts queued behind it with it', async () => {
    const files = await adminVault();
    const holder = await holdAdminsTurn(files);
    holder.child.kill('SIGSTOP');
    const session = newSession(files, WAIT_MS);
    const started = performance.now();
    const results = await Promise.allSettled([1, 2, 3].map(() => session.signIn(ADMIN.username, ADMIN.passphrase)));
    const waited = performance.now() - started;
    expect(results.map((result) => result.status === 'rejected' && { code: (result.reason as { code?: string }).code, message: (result.reason as Error).message })).toEqual(
      [1, 2, 3].map(() => ({ code: 'conflict', message: SIGN_IN_TURN_BUSY_MESSAGE })),
    );
    expect(SIGN_IN_TURN_BUSY_MESSAGE).toMatch(/^Another sign-in for this user is still in progress on this PC; try again in a moment\./);
    // One bounded wait for all three, not one after another.
    expect(waited).toBeGreaterThanOrEqual(WAIT_MS - 50);
    expect(waited).toBeLessThan(2 * WAIT_MS);
    // Nothing was tried, so nothing was counted against the user.
    expect(readKeySlotFile(files.keySlots)!.failures[ADMIN.username]).toBeUndefined();

    // Once the hung process is gone, the next attempt goes straight in.
    holder.child.kill('SIGKILL');
    await holder.exited;
    await expect(session.signIn(ADMIN.username, ADMIN.passphrase)).resolves.toMatchObject({ username: ADMIN.username });
  }, 60_000);

  it('held by a process that is killed meanwhile: the waiting attempt goes in as soon as it dies, not at the end of the wait', async () => {
    const files = await adminVault();
    const holder = await holdAdminsTurn(files);
    // The product's wait, so that getting in early shows the dead holder let go.
    const session = newSession(files);
    const started = performance.now();
    const attempt = session.signIn(ADMIN.username, ADMIN.passphrase);
    await new Promise((resolve) => setTimeout(resolve, 300));
    holder.child.kill('SIGKILL');
    await expect(attempt).resolves.toMatchObject({ username: ADMIN.username });
    expect(performance.now() - started).toBeLessThan(5_000);
  }, 60_000);

  it('held by a process that died before: never waits at all', async () => {
    const files = await adminVault();
    const holder = await holdAdminsTurn(files);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const session = newSession(files, 0);
    await expect(session.signIn(ADMIN.username, ADMIN.passphrase)).resolves.toMatchObject({ username: ADMIN.username });
  }, 60_000);

  it('with the key file held by a hung process (a second Wardscribe stopped mid-write): refused in words after the same bounded wait, not the key-file lock\'s own, and nothing counted', async () => {
    const files = await adminVault();
    const holder = await holdLock(files.keySlots);
    holder.child.kill('SIGSTOP');
    const session = newSession(files, WAIT_MS);
    const started = performance.now();
    const attempt = session.signIn(ADMIN.username, ADMIN.passphrase);
    await expect(attempt).rejects.toMatchObject({ code: 'conflict', message: SIGN_IN_KEY_FILE_BUSY_MESSAGE });
    const waited = performance.now() - started;
    // The sign-in's one wait covers its turn and the key file both.
    expect(waited).toBeGreaterThanOrEqual(WAIT_MS - 50);
    expect(waited).toBeLessThan(2 * WAIT_MS);
    holder.child.kill('SIGKILL');
    await holder.exited;
    expect(readKeySlotFile(files.keySlots)!.failures[ADMIN.username]).toBeUndefined();
    await expect(session.signIn(ADMIN.username, ADMIN.passphrase)).resolves.toMatchObject({ username: ADMIN.username });
  }, 60_000);
});
