import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HostEvent } from '../../../shared/ipc/events';
import { silentLogger } from '../../../main/log';
import { MINIMUM_KDF, readKeySlotFile } from '../../../main/vault/key-slots';
import { SessionService } from '../../../main/session/session-service';
import { vaultFiles } from '../../../main/vault/vault-files';
import { createWardscribe } from '../../../main/wardscribe';
import { GENESIS_HEAD, verifyChain } from '../../../main/audit/chain';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => {
  vi.useRealTimers();
  cleanups.splice(0).forEach((cleanup) => cleanup());
});

function newSession(dir: string, now: () => Date = () => new Date(), monotonicNow: () => number = () => performance.now()) {
  const events: HostEvent[] = [];
  const session = new SessionService({ files: vaultFiles(dir), emit: (event) => events.push(event), log: silentLogger, kdf: MINIMUM_KDF, now, monotonicNow });
  return { session, events };
}

async function withAdmin() {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const { session, events } = newSession(dir.path);
  await session.createFirstAdmin(ADMIN);
  return { dir: dir.path, session, events };
}

describe('sign-in backoff', () => {
  it('survives a restart and says how long to wait', async () => {
    const { dir, session } = await withAdmin();
    session.lock('sign-out');
    const clock = new Date('2026-11-24T10:00:00Z');
    let elapsed = 0;
    const first = newSession(dir, () => clock, () => elapsed).session;
    await expect(first.signIn('admin', 'wrong passphrase one')).rejects.toMatchObject({ code: 'sign-in-failed', extra: { retryAfterMs: 1000 } });
    // Straight away, even the right passphrase is not tried.
    await expect(first.signIn('admin', ADMIN.passphrase)).rejects.toThrow(/Too many attempts. Try again in 1 second/);
    elapsed += 1001;
    await expect(first.signIn('admin', 'wrong passphrase two')).rejects.toMatchObject({ code: 'sign-in-failed', extra: { retryAfterMs: 2000 } });

    // A new process, same files: the right passphrase must wait out the backoff, in full.
    let restartedElapsed = 0;
    const restarted = newSession(dir, () => clock, () => restartedElapsed).session;
    await expect(restarted.signIn('admin', ADMIN.passphrase)).rejects.toThrow(/Try again in 2 seconds/);
    restartedElapsed += 2001;
    await expect(restarted.signIn('admin', ADMIN.passphrase)).resolves.toMatchObject({ username: 'admin' });
    expect(readKeySlotFile(vaultFiles(dir).keySlots)?.failures).toEqual({});
  });

  it('treats an unknown username like a wrong passphrase', async () => {
    const { session } = await withAdmin();
    session.lock('sign-out');
    await expect(session.signIn('nobody', ADMIN.passphrase)).rejects.toThrow(/Username or passphrase not recognised/);
  });
});

describe('roles and locking at the IPC boundary', () => {
  const ORIGIN = 'app://wardscribe';
  const MAIN = { isMainFrame: true, url: `${ORIGIN}/index.html` };

  /** A Wardscribe on a fresh data folder, called as its window would: each call answers `ok` or the error's code. */
  function appAtTheBoundary() {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const app = createWardscribe({ host: 'electron', engine: 'test', dataDir: dir.path, log: silentLogger, kdf: MINIMUM_KDF, machineSettings: {} });
    cleanups.push(() => void app.close());
    const registry = app.registryFor(ORIGIN);
    const call = async (channel: string, payload: unknown = {}) => {
      const result = await registry.dispatch(MAIN, `wardscribe:${channel}`, payload);
      return result.ok ? 'ok' : result.error.code;
    };
    return { app, registry, call };
  }

  it('calls that are not the person\'s own use (screens refreshing on events, a draft saved in the warning) do not hold off the idle lock; session.activity does', async () => {
    const { registry, call } = appAtTheBoundary();
    expect(await call('session.createFirstAdmin', ADMIN)).toBe('ok');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    expect(await call('settings.update', { idleLockMinutes: 1 })).toBe('ok');
    // A screen refreshing every second, as the outbox does on each outbox.changed.
    for (let second = 0; second < 59; second++) {
      vi.advanceTimersByTime(1_000);
      expect(await call('settings.get')).toBe('ok');
    }
    expect(await call('session.activity')).toBe('ok');
    vi.advanceTimersByTime(59_000);
    expect(await call('settings.get')).toBe('ok');
    vi.advanceTimersByTime(2_000);
    expect(await call('settings.get')).toBe('locked');
    const state = await registry.dispatch(MAIN, 'wardscribe:session.state', {});
    expect(state).toMatchObject({ ok: true, value: { kind: 'locked', reason: 'idle' } });
  });

  it('refuses a clerk on an admin channel, and answers locked after a lock', async () => {
    const { app, registry, call } = appAtTheBoundary();

    expect(await call('users.list')).toBe('not-signed-in');
    expect(await call('session.createFirstAdmin', ADMIN)).toBe('ok');
    expect(await call('users.create', { username: 'carl', displayName: 'Carl Clerk', role: 'clerk', passphrase: 'carl first passphrase' })).toBe('ok');
    expect(await call('session.signOut')).toBe('ok');
    expect(await call('session.signIn', { username: 'carl', passphrase: 'carl first passphrase' })).toBe('ok');
    // An admin-set passphrase must be changed first.
    expect(await call('settings.get')).toBe('forbidden');
    expect(await call('session.changePassphrase', { current: 'carl first passphrase', next: 'carl chose this one' })).toBe('ok');
    expect(await call('settings.get')).toBe('ok');
    expect(await call('users.list')).toBe('forbidden');

    app.lock('os-lock');
    expect(await call('settings.get')).toBe('locked');
    expect(await call('users.list')).toBe('locked');
    const state = await registry.dispatch(MAIN, 'wardscribe:session.state', {});
    expect(state).toEqual({ ok: true, value: { kind: 'locked', reason: 'os-lock', username: 'carl' } });
  });

  it('locks after the idle time, closing the vault and zeroing its key', async () => {
    const { session, events } = await withAdmin();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    session.setIdleLockMinutes(1);
    const vault = session.vault();
    vi.advanceTimersByTime(59_000);
    expect(session.state().kind).toBe('signed-in');
    session.touch();
    vi.advanceTimersByTime(59_000);
    expect(session.state().kind).toBe('signed-in');
    vi.advanceTimersByTime(2_000);
    expect(session.state()).toEqual({ kind: 'locked', reason: 'idle', username: 'admin' });
    expect(events).toContainEqual({ type: 'session.locked', reason: 'idle' });
    expect(vault.closed).toBe(true);
    expect(vault.key.equals(Buffer.alloc(32))).toBe(true);
    expect(() => session.vault()).toThrow(/locked/);
  });
});

describe('user administration', () => {
  it('disabling a user removes their key slot; a reset brings them back with a new passphrase', async () => {
    const { dir, session } = await withAdmin();
    const bea = await session.createUser({ username: 'bea', displayName: 'Dr Bea', role: 'clinician', passphrase: 'bea temporary phrase' });
    await session.setDisabled(bea.id, true);
    expect(readKeySlotFile(vaultFiles(dir).keySlots)?.slots.map((slot) => slot.username)).toEqual(['admin']);
    session.lock('sign-out');
    await expect(session.signIn('bea', 'bea temporary phrase')).rejects.toMatchObject({ code: 'sign-in-failed' });
    await session.signIn('admin', ADMIN.passphrase);
    await session.resetPassphrase(bea.id, 'bea second temporary');
    session.lock('sign-out');
    await expect(session.signIn('bea', 'bea second temporary')).resolves.toMatchObject({ username: 'bea', mustChangePassphrase: true });
  });

  it('keeps at least one active administrator and refuses weak passphrases', async () => {
    const { session } = await withAdmin();
    const admin = session.listUsers()[0]!;
    await expect(session.setDisabled(admin.id, true)).rejects.toThrow(/cannot disable your own account/);
    await expect(session.createUser({ username: 'dan', displayName: 'Dan', role: 'auditor', passphrase: 'short' })).rejects.toThrow(/at least 12/);
    await expect(session.createUser({ username: 'dan', displayName: 'Dan', role: 'auditor', passphrase: 'Password1234!' })).rejects.toThrow(/easy to guess/);
    await expect(session.createUser({ username: 'admin', displayName: 'Again', role: 'auditor', passphrase: 'long enough phrase' })).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('the audit trail of a session', () => {
  it('records first run, failed and successful sign-ins, administration and locks, as an intact chain', async () => {
    const { dir, session } = await withAdmin();
    const bea = await session.createUser({ username: 'bea', displayName: 'Dr Bea', role: 'clinician', passphrase: 'bea temporary phrase' });
    session.lock('sign-out');
    let clock = new Date('2026-11-24T10:00:00Z');
    let elapsed = 0;
    const again = newSession(dir, () => clock, () => elapsed).session;
    await expect(again.signIn('admin', 'wrong passphrase here')).rejects.toMatchObject({ code: 'sign-in-failed' });
    clock = new Date('2026-11-24T10:00:05Z');
    elapsed += 5_000;
    await again.signIn('admin', ADMIN.passphrase);
    again.lock('idle');
    await again.signIn('admin', ADMIN.passphrase);

    const { store } = again.audit();
    const entries = [...store.entries({ filter: {} })];
    expect(entries.map((entry) => [entry.action, entry.outcome.reason ?? null])).toEqual([
      ['workstation-key-created', null],
      ['sign-in', null],
      ['user-created', 'first-run'],
      ['user-created', 'role-clinician'],
      ['sign-out', 'sign-out'],
      ['sign-in-failures-counted', '1-from-20261124t100000z-to-20261124t100000z'],
      ['sign-in-failed', 'wrong-passphrase-at-20261124t100000z'],
      ['sign-in', null],
      ['lock', 'idle'],
      ['sign-in', null],
    ]);
    expect(entries[3]!.objects).toEqual({ subjectUserId: bea.id });
    expect(verifyChain(entries, { contiguous: true, anchor: GENESIS_HEAD }).ok).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(ADMIN.passphrase);
  });
});
