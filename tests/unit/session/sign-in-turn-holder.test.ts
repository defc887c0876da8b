/**
 * A sign-in whose turn another process holds (#14): one user's attempts take turns across every
 * process on the vault folder (vault.ts withSignInTurn). A holder that hung (here stopped with
 * SIGSTOP) must not leave the next attempt waiting without end: it is refused in words after a
 * bounded wait, with nothing tried or counted, and the attempts queued behind it with it. A
 * holder that died (SIGKILL) never holds anyone up: the OS drops its lock with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF, readKeySlotFile } from '../../../main/vault/key-slots';
import { SIGN_IN_TURN_BUSY_MESSAGE, signInTurnPath } from '../../../main/vault/vault';
import { vaultFiles, type VaultFiles } from '../../../main/vault/vault-files';
import { bundleChild, ROOT } from '../../support/child-bundle';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const bundleDir = tempDir('wardscribe-sign-in-holder-child-');
const childScript = join(bundleDir.path, 'key-file-child.cjs');
beforeAll(() => bundleChild('tests/unit/vault/support/key-file-child', childScript), 60_000);
afterAll(() => bundleDir.remove());

const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  // SIGKILL ends a stopped process too.
  for (const child of children.splice(0)) child.kill('SIGKILL');
  cleanups.splice(0).reverse().forEach((cleanup) => cleanup());
});

const WAIT_MS = 1_500;

function newSession(files: VaultFiles, signInWaitMs = WAIT_MS): SessionService {
  const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF, signInWaitMs });
  cleanups.push(() => session.lock('sign-out'));
  return session;
}

async function adminVault(): Promise<VaultFiles> {
  const dir = tempDir('wardscribe-sign-in-holder-');
  cleanups.push(dir.remove);
  const files = vaultFiles(dir.path);
  const session = newSession(files);
  await session.createFirstAdmin(ADMIN);
  session.lock('sign-out');
  return files;
}

/** Another process holding the admin's sign-in turn, as a second Wardscribe in its Argon2id would. */
async function holdAdminsTurn(files: VaultFiles): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const userId = readKeySlotFile(files.keySlots)!.slots.find((slot) => slot.username === ADMIN.username)!.userId;
  const child = spawn(process.execPath, [childScript, 'hold', signInTurnPath(files, userId)], { cwd: ROOT, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  it('held by a hung process: refused in words after the bounded wait, nothing counted, and the attempts queued behind it with it', async () => {
    const files = await adminVault();
    const holder = await holdAdminsTurn(files);
    holder.child.kill('SIGSTOP');
    const session = newSession(files);
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
    const session = newSession(files, 10_000);
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
});
