import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExportedFiles } from '../../../main/exports/exported-files';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { vaultFiles } from '../../../main/vault/vault-files';
import { overwriteExportFile } from '../../../main/wipe/source-file';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';
import { AUDITOR } from './people';

const dir = tempDir('wardscribe-overwrite-links-');
afterAll(() => dir.remove());
let counter = 0;
const TEXT = 'WhatsApp chat: pt 943 476 5919 has sepsis\n';
const SHA = createHash('sha256').update(TEXT).digest('hex');
const fresh = () => {
  const root = join(dir.path, `case-${++counter}`);
  mkdirSync(root);
  return root;
};

/** From a cold attack on #14: both used to report the plaintext "not found" or overwrite a decoy. */
describe('overwriting an export file never goes through a link', () => {
  it('the file itself replaced by a symlink to where the plaintext now is: replaced-by-link, nothing touched', async () => {
    const root = fresh();
    writeFileSync(join(root, 'kept.txt'), TEXT);
    symlinkSync(join(root, 'kept.txt'), join(root, 'chat.txt'));
    expect(await overwriteExportFile(join(root, 'chat.txt'), SHA)).toBe('replaced-by-link');
    expect(readFileSync(join(root, 'kept.txt'), 'utf8')).toBe(TEXT);
    expect(readFileSync(join(root, 'chat.txt'), 'utf8')).toBe(TEXT);
  });

  it('the parent folder swapped for a link to a decoy copy: refused, the decoy not overwritten and the original kept', async () => {
    const root = fresh();
    mkdirSync(join(root, 'exports'));
    writeFileSync(join(root, 'exports', 'chat.txt'), TEXT);
    renameSync(join(root, 'exports'), join(root, 'exports.kept'));
    mkdirSync(join(root, 'decoy'));
    cpSync(join(root, 'exports.kept', 'chat.txt'), join(root, 'decoy', 'chat.txt'));
    symlinkSync(join(root, 'decoy'), join(root, 'exports'));

    expect(await overwriteExportFile(join(root, 'exports', 'chat.txt'), SHA)).toBe('replaced-by-link');
    expect(readFileSync(join(root, 'decoy', 'chat.txt'), 'utf8')).toBe(TEXT);
    expect(readFileSync(join(root, 'exports.kept', 'chat.txt'), 'utf8')).toBe(TEXT);
  });

  it('a link higher up the path is refused too; a real path is overwritten and removed', async () => {
    const root = fresh();
    mkdirSync(join(root, 'real', 'deeper'), { recursive: true });
    writeFileSync(join(root, 'real', 'deeper', 'chat.txt'), TEXT);
    symlinkSync(join(root, 'real'), join(root, 'via-link'));
    expect(await overwriteExportFile(join(root, 'via-link', 'deeper', 'chat.txt'), SHA)).toBe('replaced-by-link');
    expect(readFileSync(join(root, 'real', 'deeper', 'chat.txt'), 'utf8')).toBe(TEXT);

    expect(await overwriteExportFile(join(root, 'real', 'deeper', 'chat.txt'), SHA)).toBe('overwritten');
    expect(existsSync(join(root, 'real', 'deeper', 'chat.txt'))).toBe(false);
    expect(await overwriteExportFile(join(root, 'real', 'deeper', 'chat.txt'), SHA)).toBe('not-found');
  });

  it('an exported PDF whose name became a link is left alone, stays listed, and the refusal is audited', async () => {
    const root = fresh();
    const session = new SessionService({ files: vaultFiles(join(root, 'vault')), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    await session.createFirstAdmin(ADMIN);
    await session.createUser(AUDITOR);
    session.lock('sign-out');
    await session.signIn(AUDITOR.username, AUDITOR.passphrase);
    const folder = join(root, 'exports');
    mkdirSync(folder);
    const exports = new ExportedFiles(session, folder);
    const listed = exports.record('audit-trail', folder, 'trail.pdf', SHA);
    writeFileSync(join(root, 'elsewhere.pdf'), TEXT);
    symlinkSync(join(root, 'elsewhere.pdf'), listed.path);

    await expect(exports.remove(listed.id, 'auditor')).rejects.toThrow(/replaced by a shortcut \(symbolic link\).*nothing was touched/);
    expect(readFileSync(join(root, 'elsewhere.pdf'), 'utf8')).toBe(TEXT);
    expect(exports.list('auditor').map((file) => file.id)).toEqual([listed.id]);
    const entries = [...session.audit().store.entries({ filter: { actions: ['export-removed'] } })];
    expect(entries.map((entry) => [entry.outcome, entry.hashes.exportSha256])).toEqual([[{ status: 'refused', reason: 'replaced-by-link' }, SHA]]);
    session.lock('sign-out');
  });
});
