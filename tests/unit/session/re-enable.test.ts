import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { setUserDisabled } from '../../../main/vault/queries/users';
import { vaultFiles } from '../../../main/vault/vault-files';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** A vault whose administrator is signed in and has added Dr Bea. */
async function adminWithBea() {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const session = new SessionService({ files: vaultFiles(dir.path), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  const bea = await session.createUser({ username: 'bea', displayName: 'Dr Bea', role: 'clinician', passphrase: 'bea temporary phrase' });
  return { session, bea };
}

describe('re-enabling a disabled user', () => {
  it('is refused with what to do instead (disabling removed their key), and a reset re-enables them able to sign in', async () => {
    const { session, bea } = await adminWithBea();
    await session.setDisabled(bea.id, true);

    await expect(session.setDisabled(bea.id, false)).rejects.toMatchObject({ code: 'rejected', message: expect.stringMatching(/^Dr Bea cannot be re-enabled on its own: .*Use Reset passphrase/) });
    expect(session.listUsers().find((user) => user.id === bea.id)).toMatchObject({ disabled: true });

    await session.resetPassphrase(bea.id, 'bea second temporary');
    expect(session.listUsers().find((user) => user.id === bea.id)).toMatchObject({ disabled: false });
    session.lock('sign-out');
    await expect(session.signIn('bea', 'bea second temporary')).resolves.toMatchObject({ username: 'bea' });
  });

  it('a person enabled without a key (as Enable did before it asked for a reset) is listed as unable to sign in until a reset, which restores it', async () => {
    const { session, bea } = await adminWithBea();
    expect(session.listUsers().find((user) => user.id === bea.id)).toMatchObject({ disabled: false, hasKey: true });
    await session.setDisabled(bea.id, true);
    expect(session.listUsers().find((user) => user.id === bea.id)).toMatchObject({ disabled: true, hasKey: false });
    // What the old Enable wrote: the row enabled, no slot given back.
    setUserDisabled(session.vault().db, bea.id, false, new Date());
    expect(session.listUsers().find((user) => user.id === bea.id)).toMatchObject({ disabled: false, hasKey: false });

    await session.resetPassphrase(bea.id, 'bea second temporary');
    expect(session.listUsers().find((user) => user.id === bea.id)).toMatchObject({ disabled: false, hasKey: true });
    expect(session.listUsers().find((user) => user.id !== bea.id)).toMatchObject({ hasKey: true });
  });
});

