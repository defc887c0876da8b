/**
 * #14 F5 (cold re-attack): a session kept the role and the enabled state it signed in with, so an
 * administrator disabled from another process on the same vault went on passing the admin gate
 * until they signed out. The gate now reads the user's row on each request.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { vaultFiles, type VaultFiles } from '../../../main/vault/vault-files';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const DORA = { username: 'dora', displayName: 'Dora Admin', role: 'admin' as const, passphrase: 'dora quartz mango velvet anchor' };
const DORA_OWN = 'dora new zebra kiln harbour orchid';

describe('a session loses the rights its user no longer has', () => {
  const dir = tempDir('wardscribe-stale-session-');
  afterAll(() => dir.remove());
  const open = (files: VaultFiles) => new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });

  it('an administrator disabled elsewhere is refused at their next request, signed out, and the refusal audited', async () => {
    const files = vaultFiles(join(dir.path, 'vault'));
    const admin = open(files);
    await admin.createFirstAdmin(ADMIN);
    const dora = await admin.createUser(DORA);
    const doras = open(files);
    await doras.signIn(DORA.username, DORA.passphrase);
    await doras.changePassphrase(DORA.passphrase, DORA_OWN);
    expect(doras.gate(['admin'], 'wardscribe:users.create')).toEqual({ userId: dora.id, role: 'admin' });

    await admin.setDisabled(dora.id, true);

    expect(() => doras.gate(['admin'], 'wardscribe:users.create')).toThrow(/disabled by an administrator/);
    expect(doras.principal()).toBeNull();
    await expect(doras.createUser({ username: 'eve', displayName: 'Eve', role: 'admin', passphrase: 'eve marble cobalt thistle pylon' })).rejects.toThrow();
    const ended = [...admin.audit().store.entries({ filter: { actions: ['sign-in-failed'] } })].at(-1)!;
    expect(ended.outcome).toEqual({ status: 'failure', reason: 'session-ended-account-disabled' });
    expect(ended.actor?.userId).toBe(dora.id);
    admin.lock('sign-out');
  });

  it('a role changed under an open session ends it too', async () => {
    const files = vaultFiles(join(dir.path, 'role'));
    const admin = open(files);
    await admin.createFirstAdmin(ADMIN);
    const bea = await admin.createUser({ username: 'bea', displayName: 'Dr Bea', role: 'clinician', passphrase: 'bea kettle orbit gravel tulip' });
    const beas = open(files);
    await beas.signIn('bea', 'bea kettle orbit gravel tulip');
    await beas.changePassphrase('bea kettle orbit gravel tulip', 'bea harbour violin pebble quartz');
    expect(beas.gate(['clinician'], 'wardscribe:threads.list')).toEqual({ userId: bea.id, role: 'clinician' });
    admin.vault().db.prepare("UPDATE users SET role = 'auditor' WHERE id = ?").run(bea.id);
    expect(() => beas.gate(['clinician'], 'wardscribe:threads.list')).toThrow(/role was changed/);
    expect(beas.principal()).toBeNull();
    admin.lock('sign-out');
  });
});
