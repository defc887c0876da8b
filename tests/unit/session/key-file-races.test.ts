/**
 * Races on the key file and the vault lease (#14): passphrase changes, user creation, disabling,
 * resets and sign-ins, each racing a key rotation and each other, in one session and across two
 * sessions on one vault folder (two OS users of a machine-wide vault). After every round, every
 * enabled user signs in with the passphrase they were last given, every disabled one has no slot,
 * and no slot is lost, doubled or brought back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { UserSummary } from '../../../shared/domain/users';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF, readKeySlotFile, writeKeySlotFile } from '../../../main/vault/key-slots';
import { getUserById } from '../../../main/vault/queries/users';
import { vaultFiles, type VaultFiles } from '../../../main/vault/vault-files';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const ROUNDS = 12;
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

function newSession(files: VaultFiles, options: Partial<ConstructorParameters<typeof SessionService>[0]> = {}): SessionService {
  const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF, exclusiveWaitMs: 60_000, ...options });
  cleanups.push(() => session.lock('sign-out'));
  return session;
}

async function adminVault(): Promise<{ files: VaultFiles; session: SessionService }> {
  const dir = tempDir('wardscribe-races-');
  cleanups.push(dir.remove);
  const files = vaultFiles(dir.path);
  const session = newSession(files);
  await session.createFirstAdmin(ADMIN);
  return { files, session };
}

/** A key rotation as a wipe does it: exclusive, the session's vault replaced by the re-encrypted one. */
function rotate(session: SessionService): Promise<void> {
  return session.withVault('exclusive', 'a key rotation', () => session.rotateVaultKey());
}

/** Long, unguessable and different every round. */
const phrase = (who: string, round: number) => `${who} kettle orbit gravel ${round} tulip`;

/**
 * Signs each user in through a fresh session (as after a restart) and checks the key file:
 * one slot per enabled user, none for a disabled one, one key generation for all.
 */
async function everyoneSignsIn(files: VaultFiles, expected: ReadonlyMap<string, { passphrase: string; disabled: boolean }>): Promise<void> {
  const slotFile = readKeySlotFile(files.keySlots)!;
  expect(slotFile.rotation).toBeUndefined();
  const slotNames = slotFile.slots.map((slot) => slot.username).sort();
  const enabled = [...expected].filter(([, user]) => !user.disabled).map(([name]) => name).sort();
  expect(slotNames).toEqual(enabled);
  expect(new Set(slotFile.slots.map((slot) => slot.vaultKey.generation)).size).toBe(1);
  for (const [username, user] of expected) {
    const fresh = newSession(files);
    if (user.disabled) {
      await expect(fresh.signIn(username, user.passphrase)).rejects.toMatchObject({ code: 'sign-in-failed' });
    } else {
      await expect(fresh.signIn(username, user.passphrase)).resolves.toMatchObject({ username });
      fresh.lock('sign-out');
    }
  }
}

/** Clears the failure counts the checks above left (wrong passphrases of disabled users). */
function forgetFailures(files: VaultFiles): void {
  const slotFile = readKeySlotFile(files.keySlots)!;
  writeKeySlotFile(files.keySlots, { ...slotFile, failures: {} });
}

describe('key file and vault lease under races', () => {
  it('passphrase change, user creation, disable, reset and key rotation racing in one session lose and resurrect nothing', async () => {
    const { files, session } = await adminVault();
    const expected = new Map<string, { passphrase: string; disabled: boolean }>([[ADMIN.username, { passphrase: ADMIN.passphrase, disabled: false }]]);
    const bea = await session.createUser({ username: 'bea', displayName: 'Dr Bea', role: 'clinician', passphrase: phrase('bea', 0) });
    expected.set('bea', { passphrase: phrase('bea', 0), disabled: false });
    let adminPassphrase = ADMIN.passphrase;
    for (let round = 1; round <= ROUNDS; round++) {
      const nextAdmin = phrase('ada', round);
      const newcomer = `user${round}`;
      const beaDisabled = round % 2 === 1;
      // Everything at once: the order of arrival decides, and each must be right whatever it is.
      const results = await Promise.allSettled([
        session.changePassphrase(adminPassphrase, nextAdmin),
        rotate(session),
        session.createUser({ username: newcomer, displayName: `User ${round}`, role: 'clerk', passphrase: phrase(newcomer, round) }),
        beaDisabled ? session.setDisabled(bea.id, true) : session.resetPassphrase(bea.id, phrase('bea', round)),
        rotate(session),
      ]);
      expect(results.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);
      adminPassphrase = nextAdmin;
      expected.set(ADMIN.username, { passphrase: adminPassphrase, disabled: false });
      expected.set(newcomer, { passphrase: phrase(newcomer, round), disabled: false });
      expected.set('bea', { passphrase: beaDisabled ? expected.get('bea')!.passphrase : phrase('bea', round), disabled: beaDisabled });
    }
    session.lock('sign-out');
    await everyoneSignsIn(files, expected);
  }, 120_000);

  it('two admins in two sessions adding users at once lose no slot, and a rotation in one is never undone by the other', async () => {
    const { files, session: first } = await adminVault();
    await first.createUser({ username: 'ben', displayName: 'Ben Admin', role: 'admin', passphrase: phrase('ben', 0) });
    const second = newSession(files);
    await second.signIn('ben', phrase('ben', 0));
    await second.changePassphrase(phrase('ben', 0), phrase('ben', 1));
    const expected = new Map<string, { passphrase: string; disabled: boolean }>([
      [ADMIN.username, { passphrase: ADMIN.passphrase, disabled: false }],
      ['ben', { passphrase: phrase('ben', 1), disabled: false }],
    ]);
    const outcomes: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const a = `a${round}`;
      const b = `b${round}`;
      const results = await Promise.allSettled([
        first.createUser({ username: a, displayName: `A ${round}`, role: 'clerk', passphrase: phrase(a, round) }),
        second.createUser({ username: b, displayName: `B ${round}`, role: 'clerk', passphrase: phrase(b, round) }),
      ]);
      for (const [at, result] of results.entries()) {
        if (result.status === 'fulfilled') expected.set(at === 0 ? a : b, { passphrase: phrase(at === 0 ? a : b, round), disabled: false });
        else outcomes.push(String(result.reason));
      }
    }
    expect(outcomes).toEqual([]);
    // The first session rotates; the second's key is now stale and its slot changes are refused, not written.
    await rotate(first);
    await expect(second.createUser({ username: 'late', displayName: 'Late', role: 'clerk', passphrase: phrase('late', 0) })).rejects.toThrow(/re-encrypted by another Wardscribe session/);
    first.lock('sign-out');
    second.lock('sign-out');
    await everyoneSignsIn(files, expected);
  }, 120_000);

  it('a disable in one session racing the user’s own passphrase change in another never brings the slot back', async () => {
    const { files, session: admin } = await adminVault();
    const bea = await admin.createUser({ username: 'bea', displayName: 'Dr Bea', role: 'clinician', passphrase: phrase('bea', 0) });
    const beaSession = newSession(files);
    let beaPassphrase = phrase('bea', 0);
    for (let round = 1; round <= ROUNDS; round++) {
      await beaSession.signIn('bea', beaPassphrase);
      const next = phrase('bea', round);
      const [change] = await Promise.allSettled([beaSession.changePassphrase(beaPassphrase, next), admin.setDisabled(bea.id, true)]);
      const disabled = getUserById(admin.vault().db, bea.id)!.disabled;
      expect(disabled).toBe(true);
      expect(readKeySlotFile(files.keySlots)!.slots.some((slot) => slot.userId === bea.id)).toBe(false);
      if (change.status === 'rejected') expect(String(change.reason)).toMatch(/disabled|locked|Sign in/);
      beaSession.lock('sign-out');
      // Back for the next round, with a passphrase only the admin has set.
      beaPassphrase = phrase('bea-reset', round);
      await admin.resetPassphrase(bea.id, beaPassphrase);
    }
  }, 120_000);

  it('sign-ins and wrong passphrases in another session racing rotations and slot changes leave every user able to sign in', async () => {
    const { files, session: admin } = await adminVault();
    await admin.createUser({ username: 'bea', displayName: 'Dr Bea', role: 'clinician', passphrase: phrase('bea', 0) });
    const other = newSession(files, { backoff: () => 0 });
    const expected = new Map<string, { passphrase: string; disabled: boolean }>([
      [ADMIN.username, { passphrase: ADMIN.passphrase, disabled: false }],
      ['bea', { passphrase: phrase('bea', 0), disabled: false }],
    ]);
    for (let round = 1; round <= ROUNDS; round++) {
      const newcomer = `user${round}`;
      const results = await Promise.allSettled([
        rotate(admin),
        admin.createUser({ username: newcomer, displayName: `User ${round}`, role: 'clerk', passphrase: phrase(newcomer, round) }),
        other.signIn('bea', 'not the passphrase at all').then(() => 'signed in?!'),
        other.signIn('bea', phrase('bea', 0)).then((user: UserSummary) => other.lock('sign-out') ?? user.username),
        rotate(admin),
      ]);
      expect(results[0].status).toBe('fulfilled');
      expect(results[1].status).toBe('fulfilled');
      expect(results[2]).toMatchObject({ status: 'rejected', reason: { code: 'sign-in-failed' } });
      expect(results[3]).toMatchObject({ status: 'fulfilled' });
      expect(results[4].status).toBe('fulfilled');
      expected.set(newcomer, { passphrase: phrase(newcomer, round), disabled: false });
      forgetFailures(files);
    }
    admin.lock('sign-out');
    await everyoneSignsIn(files, expected);
  }, 120_000);
});
