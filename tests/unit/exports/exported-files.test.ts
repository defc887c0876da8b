import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExportedFiles } from '../../../main/exports/exported-files';
import { createAuditHandlers } from '../../../main/ipc/handlers/audit';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { vaultFiles } from '../../../main/vault/vault-files';
import { AUDITOR } from './people';
import { errorSentence } from '../../../renderer/src/logic/describe-error';
import type { ErrorCode } from '../../../shared/ipc/result';
import { CLERK } from '../../support/people';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const dir = tempDir('wardscribe-exported-');
afterAll(() => dir.remove());
let counter = 0;

async function world() {
  const root = join(dir.path, `w${++counter}`);
  mkdirSync(root);
  const session = new SessionService({ files: vaultFiles(join(root, 'vault')), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  await session.createUser(AUDITOR);
  await session.createUser(CLERK);
  const defaultFolder = join(root, 'exports');
  mkdirSync(defaultFolder);
  const chosen = join(root, 'my documents');
  mkdirSync(chosen);
  return { root, session, exports: new ExportedFiles(session, defaultFolder), defaultFolder, chosen };
}

/** A PDF-like file written where an export would be, and listed. */
function exportFile(w: Awaited<ReturnType<typeof world>>, kind: 'audit-trail' | 'wipe-certificate', folder: string, name: string) {
  const content = `%PDF-1.7 ${name} NHS 943 476 5919`;
  writeFileSync(join(folder, name), content);
  return w.exports.record(kind, folder, name, createHash('sha256').update(content).digest('hex'));
}

describe('a wipe certificate exported in full', () => {
  it('is neither listed to nor removable by an auditor, whose view withholds what it holds (second cold trial)', async () => {
    const w = await world();
    await w.session.signIn(CLERK.username, CLERK.passphrase);
    const full = exportFile(w, 'wipe-certificate', w.defaultFolder, 'wardscribe-wipe-certificate-1.pdf');
    await w.session.signIn(AUDITOR.username, AUDITOR.passphrase);
    const redacted = exportFile(w, 'wipe-certificate', w.defaultFolder, 'wardscribe-wipe-certificate-1-auditor-view.pdf');
    expect(w.exports.list('auditor').map((file) => file.id)).toEqual([redacted.id]);
    await expect(w.exports.remove(full.id, 'auditor')).rejects.toMatchObject({ code: 'not-found' });
    expect(existsSync(full.path)).toBe(true);
    // Those who see whole certificates still see both, and an administrator can tidy either away.
    expect(w.exports.list('clerk').map((file) => file.id).sort()).toEqual([full.id, redacted.id].sort());
    await w.session.signIn(ADMIN.username, ADMIN.passphrase);
    expect(await w.exports.remove(full.id, 'admin')).toBe('removed');
  });
});

describe('exported PDFs outside the vault', () => {
  it('go to the folder the person chooses, are listed with their role, and can be overwritten and removed', async () => {
    const w = await world();
    await w.session.signIn(AUDITOR.username, AUDITOR.passphrase);
    const folder = w.exports.folderFor(`"${w.chosen}"`);
    expect(folder).toBe(w.chosen);
    const trail = exportFile(w, 'audit-trail', folder, 'wardscribe-audit-1.pdf');
    const certificate = exportFile(w, 'wipe-certificate', w.exports.folderFor(undefined), 'wardscribe-wipe-certificate-1.pdf');
    expect(w.exports.list('auditor').map((file) => file.id).sort()).toEqual([trail.id, certificate.id].sort());
    // A clerk sees the certificates they can make, not the auditors' trails.
    expect(w.exports.list('clerk').map((file) => file.id)).toEqual([certificate.id]);
    await expect(w.exports.remove(trail.id, 'clerk')).rejects.toMatchObject({ code: 'not-found' });

    expect(await w.exports.remove(trail.id, 'auditor')).toBe('removed');
    expect(existsSync(trail.path)).toBe(false);
    expect(w.exports.list('auditor').map((file) => file.id)).toEqual([certificate.id]);
    const removed = [...w.session.audit().store.entries({ filter: { actions: ['export-removed'] } })];
    expect(removed.map((entry) => entry.hashes.exportSha256)).toEqual([trail.sha256]);
    w.session.lock('sign-out');
  });

  it('refuses a folder that is relative, missing, a file or a symlink, in plain words', async () => {
    const w = await world();
    const link = join(w.root, 'link');
    symlinkSync(w.chosen, link);
    writeFileSync(join(w.root, 'a-file'), 'x');
    expect(() => w.exports.folderFor('Documents')).toThrow(/full path/);
    expect(() => w.exports.folderFor(join(w.root, 'nowhere'))).toThrow(/does not exist/);
    expect(() => w.exports.folderFor(join(w.root, 'a-file'))).toThrow(/a file, not a folder/);
    expect(() => w.exports.folderFor(link)).toThrow(/shortcut/);
  });

  it('leaves alone a file changed since it was written', async () => {
    const w = await world();
    await w.session.signIn(AUDITOR.username, AUDITOR.passphrase);
    const trail = exportFile(w, 'audit-trail', w.chosen, 'wardscribe-audit-2.pdf');
    writeFileSync(trail.path, 'someone else wrote this');
    await expect(w.exports.remove(trail.id, 'auditor')).rejects.toThrow(/is not the PDF Wardscribe saved there: it has been replaced by a different file \(or changed since\), which is not Wardscribe’s to delete, so nothing was touched/);
    expect(readFileSync(trail.path, 'utf8')).toBe('someone else wrote this');
    w.session.lock('sign-out');
  });

  describe('a PDF the person renamed, replaced or deleted is never reported removed or "already gone"', () => {
    /** The refusal as the Exported files section shows it: main's own words, not a stock sentence. */
    async function shownFor(refusal: Promise<unknown>): Promise<string> {
      const error = (await refusal.catch((caught: unknown) => caught)) as { code: ErrorCode; message: string };
      const shown = errorSentence({ code: error.code, message: error.message });
      expect(shown).toBe(error.message);
      return shown;
    }
    const reasons = (w: Awaited<ReturnType<typeof world>>) => [...w.session.audit().store.entries({ filter: { actions: ['export-removed'] } })].map((entry) => [entry.outcome.status, entry.outcome.reason]);
    const listed = (w: Awaited<ReturnType<typeof world>>) => w.exports.list('auditor').map((file) => file.path);

    it('renamed in its folder: says what it is called now, lists it there, and removes it from there when asked again', async () => {
      const w = await world();
      await w.session.signIn(AUDITOR.username, AUDITOR.passphrase);
      const trail = exportFile(w, 'audit-trail', w.chosen, 'wardscribe-audit-3.pdf');
      const bytes = readFileSync(trail.path);
      const renamed = join(w.chosen, 'kept for the complaint.pdf');
      renameSync(trail.path, renamed);
      // Decoys: another PDF, and a link to the PDF, are not taken for it.
      writeFileSync(join(w.chosen, 'another.pdf'), '%PDF-1.7 something else');
      symlinkSync(renamed, join(w.chosen, 'a link to it.pdf'));
      const refusal = w.exports.remove(trail.id, 'auditor');
      expect(await shownFor(refusal)).toMatch(/^The PDF wardscribe-audit-3\.pdf is no longer in /);
      await expect(refusal).rejects.toMatchObject({
        code: 'rejected',
        message: `The PDF wardscribe-audit-3.pdf is no longer in ${w.chosen}, so nothing was touched. The PDF Wardscribe saved is now kept for the complaint.pdf in the same folder: it is listed there now, so remove it again to overwrite and remove it there.`,
      });
      expect(readFileSync(renamed)).toEqual(bytes);
      expect(listed(w)).toEqual([renamed]);

      await expect(w.exports.remove(trail.id, 'auditor')).resolves.toBe('removed');
      expect(existsSync(renamed)).toBe(false);
      expect(listed(w)).toEqual([]);
      expect(reasons(w)).toEqual([
        ['refused', 'renamed'],
        ['success', 'overwritten'],
      ]);
      w.session.lock('sign-out');
    });

    it('replaced by a different file, the PDF renamed beside it: the different file is left alone and the PDF listed where it went', async () => {
      const w = await world();
      await w.session.signIn(AUDITOR.username, AUDITOR.passphrase);
      const trail = exportFile(w, 'audit-trail', w.chosen, 'wardscribe-audit-4.pdf');
      const renamed = join(w.chosen, 'old trail.PDF');
      renameSync(trail.path, renamed);
      writeFileSync(trail.path, 'a file of the person’s own, saved under that name');
      await expect(w.exports.remove(trail.id, 'auditor')).rejects.toThrow(
        `The file now at ${trail.path} is not the PDF Wardscribe saved there: it has been replaced by a different file (or changed since), which is not Wardscribe’s to delete, so nothing was touched. The PDF Wardscribe saved is now old trail.PDF in the same folder`,
      );
      expect(readFileSync(trail.path, 'utf8')).toBe('a file of the person’s own, saved under that name');
      expect(existsSync(renamed)).toBe(true);
      expect(listed(w)).toEqual([renamed]);
      expect(reasons(w)).toEqual([['refused', 'replaced-and-renamed']]);
      w.session.lock('sign-out');
    });

    it('replaced by a folder and nowhere else to be found: a different thing at that path, not "gone", and still listed', async () => {
      const w = await world();
      await w.session.signIn(AUDITOR.username, AUDITOR.passphrase);
      const trail = exportFile(w, 'audit-trail', w.chosen, 'wardscribe-audit-5.pdf');
      rmSync(trail.path);
      mkdirSync(trail.path);
      expect(await shownFor(w.exports.remove(trail.id, 'auditor'))).toMatch(
        /^The file now at .* is not the PDF Wardscribe saved there: it has been replaced by a different file.*could not be found in that folder under another name\. If the file there should go, delete it yourself/,
      );
      expect(existsSync(trail.path)).toBe(true);
      expect(listed(w)).toEqual([trail.path]);
      expect(reasons(w)).toEqual([['refused', 'replaced']]);
      w.session.lock('sign-out');
    });

    it('gone from its folder and not found there under another name: says it could not be found, and stops listing it', async () => {
      const w = await world();
      await w.session.signIn(AUDITOR.username, AUDITOR.passphrase);
      const trail = exportFile(w, 'audit-trail', w.chosen, 'wardscribe-audit-6.pdf');
      renameSync(trail.path, join(w.root, 'moved elsewhere.pdf'));
      const refusal = w.exports.remove(trail.id, 'auditor');
      expect(await shownFor(refusal)).toMatch(/^The PDF wardscribe-audit-6\.pdf is no longer in /);
      await expect(refusal).rejects.toMatchObject({
        code: 'not-found',
        message: `The PDF wardscribe-audit-6.pdf is no longer in ${w.chosen}, so nothing was touched. Wardscribe could not find it in that folder under another name: it may have been moved to another folder, or deleted without being overwritten (check the Recycle Bin or Trash). It is no longer listed here.`,
      });
      await expect(refusal).rejects.not.toThrow(/already gone|removed from the disk/);
      expect(listed(w)).toEqual([]);
      expect(reasons(w)).toEqual([['failure', 'not-found-unlisted']]);
      w.session.lock('sign-out');
    });
  });

  it('checks a trail saved in a chosen folder by its name, as the audit screen asks', async () => {
    const w = await world();
    await w.session.signIn(AUDITOR.username, AUDITOR.passphrase);
    const handlers = createAuditHandlers({ session: w.session, exports: w.exports, site: 'Ward 7' });
    const context = { principal: { userId: 'u', role: 'auditor' as const }, signal: new AbortController().signal, progress: () => {} };
    const exported = await handlers.export({ jobId: 'job-00000001', filter: {}, folder: w.chosen }, context);
    expect(exported.path.startsWith(w.chosen)).toBe(true);
    expect(w.exports.list('auditor').map((file) => file.path)).toContain(exported.path);
    const report = await handlers.verify({ fileName: exported.fileName, trustEmbeddedKey: true }, context);
    expect(report.ok).toBe(true);
    w.session.lock('sign-out');
  });
});
