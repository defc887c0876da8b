/**
 * Honest crypto-erase (issue #14): stale copies of the vault and of the key file, kept from before
 * a wipe certified as purge (as a rename leaves them on the disk, or a backup keeps them), opened
 * with a user's *current* passphrase. The certificate's level must hold: the stale key file must
 * not give the old key, so the stale vault must not give the wiped text.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { createFileKeystore, defaultKeystoreDir } from '../../../main/security/keystore';
import { SessionService } from '../../../main/session/session-service';
import { bindKeyFileKeystore } from '../../../main/vault/key-file-keystore';
import { MINIMUM_KDF, openSlot, readKeySlotFile } from '../../../main/vault/key-slots';
import { vaultFiles } from '../../../main/vault/vault-files';
import { scanForRemnants } from '../../../main/wipe/vault-scan';
import { WipeService } from '../../../main/wipe/wipe-service';
import { writeExport } from '../importers/helpers';
import { CLINICIAN } from '../../support/people';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';
import { plannedNow } from './support/planned';

const CANARY = 'wombatstale5512 increase furosemide to 80 mg and weigh daily';
const job = (): ImportJob => ({ signal: new AbortController().signal, progress: () => undefined });

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

describe('a purge certificate against stale copies of the vault and the key file', () => {
  it('holds: the stale key file opened with a current passphrase gives no key, so the stale vault gives nothing', async () => {
    const dir = tempDir('wardscribe-stale-');
    cleanups.push(dir.remove);
    const files = vaultFiles(join(dir.path, 'data', 'vault'));
    const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    cleanups.push(() => session.lock('sign-out'));
    await session.createFirstAdmin(ADMIN);
    await session.createUser(CLINICIAN);
    await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
    const imports = new ImportService({ session });
    const exportPath = writeExport(dir.path, 'WhatsApp Chat - Ward 3.txt', `[13/03/2023, 08:00:00] Dr Ada Shah: ${CANARY}\n`);
    const { threadId } = await imports.import({ path: exportPath, zone: 'Europe/London' }, job());

    // The stale copies: the vault and the key file as they were before the wipe.
    const stale = vaultFiles(join(dir.path, 'stale'));
    mkdirSync(stale.dir);
    session.vault().db.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(files.database, stale.database);
    copyFileSync(files.keySlots, stale.keySlots);
    const oldKey = Buffer.from(session.vault().key);
    expect(scanForRemnants({ dir: stale.dir, database: stale.database, key: oldKey, needles: ['wombatstale5512'] }).hits).toContain('wardscribe.vault:decrypted');

    const wipes = new WipeService({ session, imports, transcriptions: { stop: async () => undefined, resumeAll: async () => [], recheckFiled: () => Promise.reject(new Error('no EPR here: nothing in this thread is verified')) }, log: silentLogger });
    const certificate = await wipes.wipe({ threadId, overwriteSourceFile: false, planned: await plannedNow(wipes, threadId), overrideReason: 'Social chat only: the advice was given on the phone and documented there.' });
    expect(certificate).toMatchObject({ keyRotated: true, level: 'purge', verification: { status: 'passed' } });

    // The attacker: the stale key file, the clinician's current passphrase, and the keystore they
    // would have where they open it (a copy of the data folder does not hold this workstation's).
    bindKeyFileKeystore(stale.keySlots, createFileKeystore(defaultKeystoreDir(stale.dir)));
    expect(() => readKeySlotFile(stale.keySlots)).toThrow(/keystore cannot open/);
    // Read without any keystore, the sealed vault keys are only ciphertext the passphrase cannot open.
    bindKeyFileKeystore(stale.keySlots, { protection: 'user-file', description: 'none', seal: (bytes) => Buffer.from(bytes), open: (bytes) => Buffer.from(bytes) });
    const asOnDisk = readKeySlotFile(stale.keySlots)!;
    const slot = asOnDisk.slots.find((candidate) => candidate.username === CLINICIAN.username)!;
    expect(await openSlot(asOnDisk.vaultId, slot, CLINICIAN.passphrase)).toBeNull();

    // The current key file does not open the stale vault either (the rotation).
    const current = readKeySlotFile(files.keySlots)!;
    const currentKey = (await openSlot(current.vaultId, current.slots.find((candidate) => candidate.username === CLINICIAN.username)!, CLINICIAN.passphrase))!;
    expect(currentKey.equals(oldKey)).toBe(false);
    expect(scanForRemnants({ dir: stale.dir, database: stale.database, key: currentKey, needles: ['wombatstale5512'] }).hits).not.toContain('wardscribe.vault:decrypted');
  });

  it('rests on the workstation keystore: with it too (this OS account on this PC), the stale copies open (the documented limit)', async () => {
    const dir = tempDir('wardscribe-stale-limit-');
    cleanups.push(dir.remove);
    const files = vaultFiles(join(dir.path, 'data', 'vault'));
    const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    cleanups.push(() => session.lock('sign-out'));
    await session.createFirstAdmin(ADMIN);
    const stale = vaultFiles(join(dir.path, 'stale'));
    mkdirSync(stale.dir);
    copyFileSync(files.keySlots, stale.keySlots);
    const oldKey = Buffer.from(session.vault().key);
    bindKeyFileKeystore(stale.keySlots, session.keystore);
    const slotFile = readKeySlotFile(stale.keySlots)!;
    const opened = await openSlot(slotFile.vaultId, slotFile.slots[0]!, ADMIN.passphrase);
    expect(opened?.equals(oldKey)).toBe(true);
  });
});
