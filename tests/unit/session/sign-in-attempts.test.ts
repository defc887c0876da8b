/**
 * Sign-in attempts (#14): counted before the KDF runs, one at a time per user, a backoff the
 * clock cannot undo, and one user's backoff never holding up another's sign-in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../main/log';
import { backoffAfter } from '../../../main/session/backoff';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF, readKeySlotFile, writeKeySlotFile } from '../../../main/vault/key-slots';
import { vaultFiles, type VaultFiles } from '../../../main/vault/vault-files';
import { compactTime, describeFailureCount } from '../../../shared/domain/sign-in-failures';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const BEA = { username: 'bea', displayName: 'Dr Bea', role: 'clinician' as const, passphrase: 'bea kettle orbit gravel tulip' };
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

function newSession(files: VaultFiles, options: Partial<ConstructorParameters<typeof SessionService>[0]> = {}): SessionService {
  const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF, ...options });
  cleanups.push(() => session.lock('sign-out'));
  return session;
}

async function vaultWithBea(): Promise<VaultFiles> {
  const dir = tempDir('wardscribe-sign-in-');
  cleanups.push(dir.remove);
  const files = vaultFiles(dir.path);
  const session = newSession(files);
  await session.createFirstAdmin(ADMIN);
  await session.createUser(BEA);
  session.lock('sign-out');
  return files;
}

const failuresOf = (files: VaultFiles, username: string) => readKeySlotFile(files.keySlots)!.failures[username];

describe('sign-in attempts', () => {
  it('counts 40 parallel wrong passphrases as 40 failures (each counted before its KDF)', async () => {
    const files = await vaultWithBea();
    // No wait between attempts, so that every one of the 40 reaches the KDF.
    const session = newSession(files, { backoff: () => 0 });
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, at) => session.signIn('admin', `wrong passphrase number ${at}`)));
    expect(results.every((result) => result.status === 'rejected' && (result.reason as { code?: string }).code === 'sign-in-failed')).toBe(true);
    expect(failuresOf(files, 'admin')).toMatchObject({ count: 40 });
    expect(failuresOf(files, 'admin')!.unaudited).toHaveLength(40);
    // The right passphrase still works, and the 40 are audited then.
    await expect(session.signIn('admin', ADMIN.passphrase)).resolves.toMatchObject({ username: 'admin' });
    const audited = [...session.audit().store.entries({ filter: { actions: ['sign-in-failed'] } })];
    expect(audited).toHaveLength(40);
    expect(failuresOf(files, 'admin')).toBeUndefined();
  });

  it('over 100 failures while locked: every one is counted, and the next sign-in audits the true number with the first and last times', async () => {
    const files = await vaultWithBea();
    // One second apart, so that the first and last times say which attempts they are.
    const start = Date.parse('2026-11-24T10:00:00Z');
    let ticks = 0;
    const session = newSession(files, { backoff: () => 0, now: () => new Date(start + 1_000 * ticks++) });
    for (let at = 0; at < 150; at++) await expect(session.signIn('admin', `wrong passphrase number ${at}`)).rejects.toMatchObject({ code: 'sign-in-failed' });
    const stamps = Array.from({ length: 150 }, (_, at) => new Date(start + 1_000 * at).toISOString());
    // The key file keeps the newest 100 times, and counts all 150 from the first.
    expect(failuresOf(files, 'admin')).toMatchObject({ count: 150, unauditedCount: 150, unauditedSince: stamps[0], unaudited: stamps.slice(50) });

    await session.signIn('admin', ADMIN.passphrase);
    const counted = [...session.audit().store.entries({ filter: { actions: ['sign-in-failures-counted'] } })];
    expect(counted.map((entry) => entry.outcome)).toEqual([{ status: 'failure', reason: '150-from-20261124t100000z-to-20261124t100229z' }]);
    expect(describeFailureCount(counted[0]!.outcome.reason!)).toBe('150 failed sign-ins between 2026-11-24 10:00:00 UTC and 2026-11-24 10:02:29 UTC');
    // The newest ones one by one as well, oldest first: the right attempt, counted in advance,
    // took the place of the 51st's time, and is not among them.
    const failed = [...session.audit().store.entries({ filter: { actions: ['sign-in-failed'] } })];
    expect(failed.map((entry) => entry.outcome.reason)).toEqual(stamps.slice(51).map((stamp) => `wrong-passphrase-at-${compactTime(stamp)}`));
    expect(failuresOf(files, 'admin')).toBeUndefined();
  });

  it('a passphrase reset or a disabling by an administrator audits the guesses at the old passphrase that no sign-in has yet', async () => {
    const files = await vaultWithBea();
    const start = Date.parse('2026-11-24T10:00:00Z');
    let ticks = 0;
    const session = newSession(files, { backoff: () => 0, now: () => new Date(start + 1_000 * ticks++) });
    for (let at = 0; at < 3; at++) await expect(session.signIn('bea', `wrong passphrase number ${at}`)).rejects.toMatchObject({ code: 'sign-in-failed' });
    await session.signIn('admin', ADMIN.passphrase);
    const bea = session.listUsers().find((user) => user.username === 'bea')!;
    await session.resetPassphrase(bea.id, 'bea quarry lantern maple cobalt');
    const counted = () => [...session.audit().store.entries({ filter: { actions: ['sign-in-failures-counted'] } })];
    expect(counted().map((entry) => [entry.objects, entry.outcome.reason])).toEqual([[{ subjectUserId: bea.id }, '3-from-20261124t100000z-to-20261124t100002z']]);
    expect(failuresOf(files, 'bea')).toBeUndefined();

    // Disabling: the slot goes, and with it the count, audited first.
    session.lock('sign-out');
    for (let at = 0; at < 2; at++) await expect(session.signIn('bea', `wrong passphrase again ${at}`)).rejects.toMatchObject({ code: 'sign-in-failed' });
    await session.signIn('admin', ADMIN.passphrase);
    await session.setDisabled(bea.id, true);
    expect(counted()).toHaveLength(2);
    expect(counted()[1]).toMatchObject({ objects: { subjectUserId: bea.id }, outcome: { reason: expect.stringMatching(/^2-from-/) } });
    expect(failuresOf(files, 'bea')).toBeUndefined();
  });

  it('with the real backoff, 40 parallel attempts try one passphrase: the rest are told to wait, and nothing is lost', async () => {
    const files = await vaultWithBea();
    const session = newSession(files, { monotonicNow: () => 0 });
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, at) => session.signIn('admin', at === 39 ? ADMIN.passphrase : `wrong passphrase number ${at}`)));
    const messages = results.map((result) => (result.status === 'rejected' ? (result.reason as Error).message : 'signed in'));
    expect(messages.filter((message) => message.startsWith('Username or passphrase not recognised'))).toHaveLength(1);
    expect(messages.filter((message) => message.startsWith('Too many attempts'))).toHaveLength(39);
    // Even the right passphrase, arriving during the wait, is not tried.
    expect(messages[39]).toMatch(/Too many attempts/);
    expect(failuresOf(files, 'admin')).toMatchObject({ count: 1 });
  });

  it('runs one user’s attempts one at a time: each is counted only after the one before has its answer', async () => {
    const files = await vaultWithBea();
    const session = newSession(files, { backoff: () => 0 });
    let answered = 0;
    let mostAhead = 0;
    const attempts = Array.from({ length: 6 }, (_, at) => session.signIn('admin', `wrong passphrase number ${at}`).catch(() => void answered++));
    const all = Promise.all(attempts);
    let done = false;
    void all.then(() => (done = true));
    while (!done) {
      const counted = failuresOf(files, 'admin')?.count ?? 0;
      mostAhead = Math.max(mostAhead, counted - answered);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(failuresOf(files, 'admin')).toMatchObject({ count: 6 });
    // Never more than the one attempt in its KDF counted ahead of the answers.
    expect(mostAhead).toBe(1);
  });

  it('a crash after the attempt was counted leaves it counted', async () => {
    const files = await vaultWithBea();
    const session = newSession(files, { backoff: () => 0 });
    // The count is on disk before the KDF's result is known: stop waiting for it and look.
    let answered = false;
    const pending = session.signIn('admin', 'wrong passphrase in flight').finally(() => (answered = true));
    for (let tries = 0; tries < 2_000 && !failuresOf(files, 'admin') && !answered; tries++) await new Promise((resolve) => setImmediate(resolve));
    expect(failuresOf(files, 'admin')).toMatchObject({ count: 1 });
    // Seen on disk while the KDF was still working: a kill -9 now would leave it counted.
    expect(answered).toBe(false);
    await expect(pending).rejects.toMatchObject({ code: 'sign-in-failed' });
    expect(failuresOf(files, 'admin')).toMatchObject({ count: 1 });
  });

  it('a wall clock moved back or forward neither shortens nor lengthens the wait', async () => {
    const files = await vaultWithBea();
    let wall = new Date('2026-11-24T10:00:00Z');
    let elapsed = 0;
    const session = newSession(files, { now: () => wall, monotonicNow: () => elapsed });
    for (let at = 0; at < 3; at++) {
      await expect(session.signIn('admin', `wrong passphrase number ${at}`)).rejects.toMatchObject({ code: 'sign-in-failed' });
      elapsed += backoffAfter(at + 1) + 1;
    }
    expect(failuresOf(files, 'admin')).toMatchObject({ count: 3 });
    await expect(session.signIn('admin', 'wrong passphrase again')).rejects.toMatchObject({ extra: { retryAfterMs: backoffAfter(4) } });
    // An hour back, then a day forward: the wait runs on the monotonic clock only.
    wall = new Date('2026-11-24T09:00:00Z');
    await expect(session.signIn('admin', ADMIN.passphrase)).rejects.toMatchObject({ extra: { retryAfterMs: backoffAfter(4) } });
    wall = new Date('2026-11-25T10:00:00Z');
    elapsed += 1_000;
    await expect(session.signIn('admin', ADMIN.passphrase)).rejects.toMatchObject({ extra: { retryAfterMs: backoffAfter(4) - 1_000 } });
    elapsed += backoffAfter(4);
    await expect(session.signIn('admin', ADMIN.passphrase)).resolves.toMatchObject({ username: 'admin' });
  });

  it('a failure stamped in the future waits out the count’s backoff from when it was first seen, never until that date', async () => {
    const files = await vaultWithBea();
    const slotFile = readKeySlotFile(files.keySlots)!;
    writeKeySlotFile(files.keySlots, { ...slotFile, failures: { admin: { count: 5, lastAt: '2099-01-01T00:00:00.000Z', unaudited: [] } } });
    let elapsed = 0;
    const session = newSession(files, { monotonicNow: () => elapsed });
    await expect(session.signIn('admin', ADMIN.passphrase)).rejects.toMatchObject({ extra: { retryAfterMs: backoffAfter(5) } });
    elapsed += backoffAfter(5) + 1;
    await expect(session.signIn('admin', ADMIN.passphrase)).resolves.toMatchObject({ username: 'admin' });
  });

  it('a restart starts the full wait again rather than trusting the wall clock', async () => {
    const files = await vaultWithBea();
    const first = newSession(files, { monotonicNow: () => 0 });
    await expect(first.signIn('admin', 'wrong passphrase once')).rejects.toMatchObject({ code: 'sign-in-failed' });
    await expect(first.signIn('admin', 'wrong passphrase twice')).rejects.toThrow(/Too many attempts/);
    // A day later by the wall clock, in a new process: still the whole second.
    const restarted = newSession(files, { now: () => new Date(Date.now() + 86_400_000), monotonicNow: () => 5 });
    await expect(restarted.signIn('admin', ADMIN.passphrase)).rejects.toMatchObject({ extra: { retryAfterMs: backoffAfter(1) } });
  });

  it('one user’s backoff never holds up another user', async () => {
    const files = await vaultWithBea();
    const session = newSession(files, { monotonicNow: () => 0 });
    const hammering = Promise.allSettled(Array.from({ length: 20 }, (_, at) => session.signIn('admin', `wrong passphrase number ${at}`)));
    await expect(session.signIn('bea', BEA.passphrase)).resolves.toMatchObject({ username: 'bea' });
    await hammering;
    expect(failuresOf(files, 'bea')).toBeUndefined();
    expect(failuresOf(files, 'admin')).toMatchObject({ count: 1 });
  });

  it('guessing the current passphrase in a session left open is counted and waits like a sign-in', async () => {
    const files = await vaultWithBea();
    let elapsed = 0;
    const session = newSession(files, { monotonicNow: () => elapsed });
    await session.signIn('admin', ADMIN.passphrase);
    const next = 'ada kettle orbit gravel tulip';
    await expect(session.changePassphrase('a guess at the passphrase', next)).rejects.toMatchObject({ code: 'sign-in-failed', extra: { retryAfterMs: backoffAfter(1) } });
    await expect(session.changePassphrase(ADMIN.passphrase, next)).rejects.toThrow(/Too many attempts/);
    expect(failuresOf(files, 'admin')).toMatchObject({ count: 1 });
    elapsed += backoffAfter(1) + 1;
    await session.changePassphrase(ADMIN.passphrase, next);
    expect(failuresOf(files, 'admin')).toBeUndefined();
    const audited = [...session.audit().store.entries({ filter: { actions: ['sign-in-failed'] } })];
    expect(audited.map((entry) => entry.outcome.reason)).toEqual(['wrong-current-passphrase']);
  });

  it('unknown usernames wait and count like real ones', async () => {
    const files = await vaultWithBea();
    const session = newSession(files, { monotonicNow: () => 0 });
    await expect(session.signIn('nobody', 'any passphrase at all')).rejects.toMatchObject({ extra: { retryAfterMs: backoffAfter(1) } });
    await expect(session.signIn('NOBODY', 'any passphrase at all')).rejects.toThrow(/Too many attempts/);
  });
});
