import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExportedFiles } from '../../../main/exports/exported-files';
import { createAuditHandlers } from '../../../main/ipc/handlers/audit';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { vaultFiles } from '../../../main/vault/vault-files';
import { AUDITOR } from './people';
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
    await expect(w.exports.remove(trail.id, 'auditor')).rejects.toThrow(/changed since Wardscribe wrote it/);
    expect(existsSync(trail.path)).toBe(true);
    w.session.lock('sign-out');
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
