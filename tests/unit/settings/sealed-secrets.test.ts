import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../main/log';
import { createFileKeystore, defaultKeystoreDir, openText } from '../../../main/security/keystore';
import { SessionService } from '../../../main/session/session-service';
import { getSetting, setSettings } from '../../../main/settings/registry';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { readSetting, writeSetting } from '../../../main/vault/queries/settings';
import { openEncryptedDatabase } from '../../../main/vault/sqlcipher';
import { unlockVault } from '../../../main/vault/vault';
import { vaultFiles } from '../../../main/vault/vault-files';
import { tempDir } from '../../support/temp';
import { ADMIN, countPlaintext } from '../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

const CLINICIAN = { username: 'cora', displayName: 'Cora Clinician', passphrase: 'granite meadow lantern 77 ochre' };
const TOKEN = 'EPR-BEARER-TOKEN-3f9c1b7e2a';

describe('EPR credentials in the settings registry', () => {
  it('are stored sealed by the workstation keystore: a copy of the data folder and a user passphrase do not give them; filing still reads them', async () => {
    const workstation = tempDir('wardscribe-sealed-settings-');
    cleanups.push(workstation.remove);
    const files = vaultFiles(join(workstation.path, 'data', 'vault'));
    const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    cleanups.push(() => session.lock('sign-out'));
    await session.createFirstAdmin(ADMIN);
    await session.createUser({ ...CLINICIAN, role: 'clinician' });
    const { log, actor } = session.audit();
    setSettings(session.vault().db, log, actor, { 'epr.connection': { mode: 'live', baseUrl: 'https://epr.example.nhs.uk/fhir', auth: { kind: 'bearer', token: TOKEN }, profile: {} } }, new Date());

    // As stored: a sealed blob, never the token.
    const raw = readSetting(session.vault().db, 'epr.connection') as { auth: { token: string } };
    expect(raw.auth.token).toMatch(/^keystore:/);
    expect(JSON.stringify(raw)).not.toContain(TOKEN);
    expect(openText(session.keystore, raw.auth.token)).toBe(TOKEN);
    session.lock('sign-out');
    expect(countPlaintext(files.database, TOKEN)).toBe(0);

    // A clinician's session (filing) reads it.
    await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
    expect(getSetting(session.vault().db, 'epr.connection')).toMatchObject({ auth: { token: TOKEN } });
    const vaultKey = Buffer.from(session.vault().key);
    session.lock('sign-out');

    // A copy of the data folder opened with that passphrase elsewhere: the key file itself is
    // sealed by the workstation keystore now (key-file-keystore.ts), and even with the vault key
    // (say, read from memory) the settings give only the sealed blob.
    const stolen = tempDir('wardscribe-sealed-stolen-');
    cleanups.push(stolen.remove);
    const copy = vaultFiles(join(stolen.path, 'data', 'vault'));
    cpSync(files.dir, copy.dir, { recursive: true });
    await expect(unlockVault(copy, CLINICIAN.username, CLINICIAN.passphrase, new Date())).rejects.toThrow(/keystore/);
    const stolenDb = openEncryptedDatabase(copy.database, vaultKey, { create: false });
    try {
      const stolenRaw = readSetting(stolenDb, 'epr.connection') as { auth: { token: string } };
      expect(JSON.stringify(stolenRaw)).not.toContain(TOKEN);
      expect(() => openText(createFileKeystore(defaultKeystoreDir(copy.dir)), stolenRaw.auth.token)).toThrow(/keystore cannot open/);
    } finally {
      stolenDb.close();
    }
  });

  it('seals a credential stored in the clear before sealing existed at the next sign-in', async () => {
    const workstation = tempDir('wardscribe-sealed-legacy-');
    cleanups.push(workstation.remove);
    const files = vaultFiles(join(workstation.path, 'data', 'vault'));
    const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    cleanups.push(() => session.lock('sign-out'));
    await session.createFirstAdmin(ADMIN);
    writeSetting(session.vault().db, 'epr.connection', { mode: 'live', baseUrl: 'https://epr.example.nhs.uk/fhir', auth: { kind: 'bearer', token: TOKEN }, profile: {} }, null, new Date());
    session.lock('sign-out');
    await session.signIn(ADMIN.username, ADMIN.passphrase);
    expect(JSON.stringify(readSetting(session.vault().db, 'epr.connection'))).not.toContain(TOKEN);
    expect(getSetting(session.vault().db, 'epr.connection')).toMatchObject({ auth: { token: TOKEN } });
  });
});
