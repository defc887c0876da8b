/**
 * The purge rests on the workstation keystore, which no wipe rotates (issue #14, cold attack):
 * with the keystore, a stale copy of the key file still opens with a current passphrase
 * (tests/unit/wipe/stale-copies.test.ts shows it). The certificate must say so wherever it claims
 * the key was rotated, not promise that old pages "can no longer be decrypted".
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportService } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { vaultFiles } from '../../../main/vault/vault-files';
import { writeCertificatePdf } from '../../../main/wipe/certificate-pdf';
import { ERASE_LIMIT } from '../../../shared/wording/wipe-certificate';
import { WipeService } from '../../../main/wipe/wipe-service';
import { writeExport } from '../importers/helpers';
import { CLINICIAN } from '../../support/people';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';
import { plannedNow } from '../wipe/support/planned';

const words = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('a purge certificate states what the erase rests on', () => {
  const dir = tempDir('wardscribe-purge-limit-');
  afterAll(() => dir.remove());

  it('its PDF says the workstation keystore is not rotated and who could still open a stale copy', async () => {
    const session = new SessionService({ files: vaultFiles(join(dir.path, 'data', 'vault')), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    await session.createFirstAdmin(ADMIN);
    await session.createUser(CLINICIAN);
    session.lock('sign-out');
    await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
    const imports = new ImportService({ session });
    const path = writeExport(dir.path, 'WhatsApp Chat - Ward 3.txt', '[13/03/2023, 08:00:00] Dr Ada Shah: see you at handover\n');
    const { threadId } = await imports.import({ path, zone: 'Europe/London' }, { signal: new AbortController().signal, progress: () => undefined });
    const wipes = new WipeService({ session, imports, transcriptions: { stop: async () => undefined, resumeAll: async () => [], recheckFiled: () => Promise.reject(new Error('no EPR here: nothing in this thread is verified')) }, log: silentLogger });
    const certificate = await wipes.wipe({ threadId, overwriteSourceFile: false, planned: await plannedNow(wipes, threadId), overrideReason: 'Social chat only: nothing clinical was said in it at all.' });
    session.lock('sign-out');
    expect(certificate).toMatchObject({ keyRotated: true, level: 'purge', unfiledMessagesDestroyed: 1 });

    const pdf = join(dir.path, 'certificate.pdf');
    await writeCertificatePdf({ certificate, certificateSha256: 'a'.repeat(64), site: 'Ward 3' }, pdf);
    const text = words(execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }));
    expect(text).toContain('What the wipe cannot reach');
    expect(text).toContain(words(ERASE_LIMIT));
    expect(ERASE_LIMIT).toMatch(/protected key store, which a wipe does not change/);
    expect(ERASE_LIMIT).toMatch(/A program running as this computer account/);
    // No longer the unconditional promise.
    expect(text).not.toContain('anywhere on the disk can no longer be decrypted');
    // Tagged (a structure tree screen readers follow), in English, titled.
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    expect(info).toMatch(/^Title:\s+Wardscribe wipe certificate$/m);
  });
});
