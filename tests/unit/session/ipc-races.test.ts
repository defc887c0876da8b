/**
 * The races of #14 as an attacker sends them: parallel requests through the IPC registry of the
 * real composition root (the same path the renderer's calls take).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resolveVaultDir } from '../../../main/config/machine-settings';
import { silentLogger } from '../../../main/log';
import { MINIMUM_KDF, readKeySlotFile } from '../../../main/vault/key-slots';
import { vaultFiles } from '../../../main/vault/vault-files';
import { createWardscribe } from '../../../main/wardscribe';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const ORIGIN = 'app://wardscribe';
const MAIN = { isMainFrame: true, url: `${ORIGIN}/index.html` };
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function app() {
  const dir = tempDir('wardscribe-ipc-races-');
  const wardscribe = createWardscribe({ host: 'electron', engine: 'test', dataDir: dir.path, log: silentLogger, kdf: MINIMUM_KDF, machineSettings: {} });
  cleanups.push(dir.remove, () => wardscribe.close());
  const registry = wardscribe.registryFor(ORIGIN);
  const call = (channel: string, payload: unknown = {}) => registry.dispatch(MAIN, `wardscribe:${channel}`, payload);
  return { dir: dir.path, call, files: vaultFiles(resolveVaultDir(dir.path, {})) };
}

const phrase = (who: string) => `${who} kettle orbit gravel tulip`;

describe('parallel requests through the IPC registry', () => {
  it('user creations, disables, resets and a passphrase change at once: every answer true, every user as the answers say', async () => {
    const { call, files } = app();
    expect((await call('session.createFirstAdmin', ADMIN)).ok).toBe(true);
    const created = await Promise.all(['ann', 'ben', 'cat', 'dee'].map((name) => call('users.create', { username: name, displayName: `User ${name}`, role: 'clerk', passphrase: phrase(name) })));
    expect(created.every((result) => result.ok)).toBe(true);
    const ids = created.map((result) => (result.ok ? (result.value as { id: string }).id : ''));
    const burst = await Promise.all([
      ...['eve', 'fay', 'gus', 'hal', 'ivy', 'jon'].map((name) => call('users.create', { username: name, displayName: `User ${name}`, role: 'clerk', passphrase: phrase(name) })),
      call('users.setDisabled', { userId: ids[0], disabled: true }),
      call('users.setDisabled', { userId: ids[1], disabled: true }),
      call('users.resetPassphrase', { userId: ids[2], passphrase: phrase('cat reset') }),
      call('session.changePassphrase', { current: ADMIN.passphrase, next: phrase('ada') }),
      // The same name twice at once: exactly one is created.
      call('users.create', { username: 'kim', displayName: 'Kim One', role: 'clerk', passphrase: phrase('kim') }),
      call('users.create', { username: 'kim', displayName: 'Kim Two', role: 'clerk', passphrase: phrase('kim two') }),
    ]);
    expect(burst.slice(0, 10).map((result) => result.ok)).toEqual(Array(10).fill(true));
    expect(burst.slice(10).filter((result) => result.ok)).toHaveLength(1);
    expect(burst.slice(10).find((result) => !result.ok)).toMatchObject({ error: { code: 'conflict' } });

    const slots = readKeySlotFile(files.keySlots)!.slots.map((slot) => slot.username).sort();
    expect(slots).toEqual(['admin', 'cat', 'dee', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jon', 'kim'].sort());
    const signIn = async (username: string, passphrase: string) => {
      const result = await call('session.signIn', { username, passphrase });
      return result.ok ? 'in' : result.error.code;
    };
    expect(await signIn('admin', phrase('ada'))).toBe('in');
    expect(await signIn('cat', phrase('cat reset'))).toBe('in');
    for (const name of ['dee', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jon']) expect(await signIn(name, phrase(name))).toBe('in');
    expect(await signIn('ann', phrase('ann'))).toBe('sign-in-failed');
  }, 120_000);

  it('40 wrong passphrases at once through the registry: one is tried, 39 told to wait, and the count says so', async () => {
    const { call, files } = app();
    expect((await call('session.createFirstAdmin', ADMIN)).ok).toBe(true);
    await call('session.signOut');
    const results = await Promise.all(Array.from({ length: 40 }, (_, at) => call('session.signIn', { username: 'admin', passphrase: `wrong passphrase ${at}` })));
    const messages = results.map((result) => (result.ok ? 'in' : result.error.message));
    expect(messages.filter((message) => message.startsWith('Username or passphrase not recognised'))).toHaveLength(1);
    expect(messages.filter((message) => message.startsWith('Too many attempts'))).toHaveLength(39);
    expect(readKeySlotFile(files.keySlots)!.failures['admin']).toMatchObject({ count: 1 });
  }, 60_000);
});
