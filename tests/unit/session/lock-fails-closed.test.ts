import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { vaultFiles } from '../../../main/vault/vault-files';
import { CLINICIAN } from '../../support/people';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const dir = tempDir('wardscribe-lock-closed-');
afterAll(() => dir.remove());

describe('locking when the audit trail cannot be written', () => {
  it('still closes the vault and ends the session (found by a cold attack: it used to stay open)', async () => {
    const files = vaultFiles(join(dir.path, 'vault'));
    const session = (): SessionService => new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    const setup = session();
    await setup.createFirstAdmin(ADMIN);
    await setup.createUser(CLINICIAN);
    setup.lock('sign-out');
    const ward = session();
    await ward.signIn(CLINICIAN.username, CLINICIAN.passphrase);
    // Another writer holds the vault (a second window, a long write): the lock's audit entry cannot be written.
    const other = session();
    await other.signIn(ADMIN.username, ADMIN.passphrase);
    other.vault().db.exec('BEGIN IMMEDIATE');
    try {
      expect(() => ward.lock('idle')).not.toThrow();
      expect(ward.state().kind).toBe('locked');
      expect(() => ward.vault()).toThrow();
    } finally {
      other.vault().db.exec('ROLLBACK');
      other.lock('sign-out');
    }
  }, 60_000);
});
