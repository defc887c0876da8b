/**
 * The attack of issue #14, replayed: with only a clerk's passphrase and a copy of the data folder,
 * reattribute an entry, re-hash the chain, re-sign with every key the copy gives, export. Since the
 * key file is sealed by the workstation keystore too, the copy does not even open; the attacker here
 * is given the vault key as well (every session holds it in memory), the strongest case. The
 * pinned verifier (CLI and in-app) must refuse it. The same forgery with the workstation's
 * keystore as well (code running as the workstation's OS account) is the documented limit: only
 * a chain head published elsewhere catches it.
 */
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../main/audit/audit-log';
import { sealEntry } from '../../../main/audit/chain';
import { exportAuditTrail } from '../../../main/audit/export-trail';
import { createCheckpointSigner, createWorkstationKey, type CheckpointSigner } from '../../../main/audit/signing';
import { verifyTrailPdf, type TrailReport } from '../../../main/audit/verify-trail';
import { createAuditHandlers } from '../../../main/ipc/handlers/audit';
import { ExportedFiles } from '../../../main/exports/exported-files';
import { silentLogger } from '../../../main/log';
import { createFileKeystore, defaultKeystoreDir, type SecretKeystore } from '../../../main/security/keystore';
import { openWithPrivateKey, SlotSealSchema } from '../../../main/security/sealed-box';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF, openPrivateKey, type KeySlotFile } from '../../../main/vault/key-slots';
import { createVaultAuditStore } from '../../../main/vault/queries/audit-entries';
import { getRootKeyFingerprint } from '../../../main/vault/queries/workstation-key';
import { openEncryptedDatabase, type Db } from '../../../main/vault/sqlcipher';
import { unlockVault } from '../../../main/vault/vault';
import { vaultFiles, type VaultFiles } from '../../../main/vault/vault-files';
import type { AuditEntry } from '../../../shared/domain/audit';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const CLERK = { username: 'carl', displayName: 'Carl Clerk', passphrase: 'lantern orchard velvet tundra 42' };
const kinds = (report: TrailReport) => report.problems.map((problem) => problem.kind);

describe('audit trust anchors against a clerk with a copy of the data folder', () => {
  const workstation = tempDir('wardscribe-trust-');
  const files = vaultFiles(join(workstation.path, 'data', 'vault'));
  const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  const exportsDir = join(workstation.path, 'exports');
  let registered: string;
  let clerkId: string;
  let clerkVaultKey: Buffer;
  let honest: TrailReport;

  beforeAll(async () => {
    mkdirSync(exportsDir);
    await session.createFirstAdmin(ADMIN);
    registered = getRootKeyFingerprint(session.vault().db)!;
    clerkId = (await session.createUser({ ...CLERK, role: 'clerk' })).id;
    session.lock('sign-out');
    // The clerk works: entries in their name, and a checkpoint their session signs.
    await session.signIn(CLERK.username, CLERK.passphrase);
    const { log, actor } = session.audit();
    clerkVaultKey = Buffer.from(session.vault().key);
    for (let index = 0; index < 5; index++) log.record({ action: 'thread-opened', actor, objects: { threadId: `thread-${index}` }, outcome: { status: 'success' } });
    log.checkpoint();
    session.lock('sign-out');
    // An honest export, by an admin, verifies against the registered fingerprint.
    await session.signIn(ADMIN.username, ADMIN.passphrase);
    const path = await exportAs(session, join(exportsDir, 'honest.pdf'));
    honest = await verifyTrailPdf(readFileSync(path), { expectedKeyFingerprint: registered });
  });
  afterAll(() => {
    session.lock('sign-out');
    workstation.remove();
  });

  it('an honest export verifies under the registered key, clerk checkpoints included', () => {
    expect(honest.problems).toEqual([]);
    expect(honest).toMatchObject({ ok: true, trust: 'pinned', keyFingerprint: registered, signingKeyProtection: 'user-file', pagesVerified: true });
    // First-run and clerk interval checkpoints plus the export's own seal.
    expect(honest.checkpointsVerified).toBeGreaterThanOrEqual(2);
  });

  it('no key the copy and a clerk passphrase reach can re-sign, so the forged trail fails verification, in the CLI and in the app', async () => {
    const stolen = tempDir('wardscribe-stolen-');
    try {
      const copy = vaultFiles(join(stolen.path, 'data', 'vault'));
      cpSync(files.dir, copy.dir, { recursive: true });
      // The keystore this copy would be given where the attacker runs it: not the workstation's.
      await expect(unlockVault(copy, CLERK.username, CLERK.passphrase, new Date())).rejects.toThrow(/keystore/);
      const { vault, reachable } = await attackerOpens(copy, clerkVaultKey, createFileKeystore(defaultKeystoreDir(copy.dir)));
      try {
        expect(reachable.map((key) => key.source)).toEqual([]);
        const forger = reachable[0]?.signer ?? createCheckpointSigner(createWorkstationKey().privateKeyPem);
        const path = await forgeAndExport(vault, forger, clerkId, join(stolen.path, 'forged.pdf'));
        const forged = await verifyTrailPdf(readFileSync(path), { expectedKeyFingerprint: registered });
        expect(forged.ok).toBe(false);
        expect(kinds(forged)).toContain('checkpoint-signature-invalid');
        // In the app: the auditor types the registered fingerprint.
        cpSync(path, join(exportsDir, 'forged.pdf'));
        const inApp = await createAuditHandlers({ session, exports: new ExportedFiles(session, exportsDir), site: 'Ward 7' }).verify({ fileName: 'forged.pdf', expectedKeyFingerprint: registered }, {} as never);
        expect(inApp).toMatchObject({ ok: false, trust: 'pinned' });
      } finally {
        vault.close();
      }
    } finally {
      stolen.remove();
    }
  });

  it('with the workstation’s keystore too (its OS account) the forgery verifies: the documented limit a published head catches', async () => {
    const stolen = tempDir('wardscribe-stolen-');
    try {
      const copy = vaultFiles(join(stolen.path, 'data', 'vault'));
      cpSync(files.dir, copy.dir, { recursive: true });
      const { vault, reachable } = await attackerOpens(copy, clerkVaultKey, createFileKeystore(defaultKeystoreDir(files.dir)));
      try {
        expect(reachable.map((key) => key.source)).toEqual(['signing key through the workstation keystore']);
        const published = { sequence: createVaultAuditStore(vault.db).head()!.sequence, hash: createVaultAuditStore(vault.db).head()!.hash };
        const path = await forgeAndExport(vault, reachable[0]!.signer, clerkId, join(stolen.path, 'forged.pdf'));
        expect((await verifyTrailPdf(readFileSync(path), { expectedKeyFingerprint: registered })).ok).toBe(true);
        const witnessed = await verifyTrailPdf(readFileSync(path), { expectedKeyFingerprint: registered, witness: published });
        expect(kinds(witnessed)).toEqual(['witness-mismatch']);
      } finally {
        vault.close();
      }
    } finally {
      stolen.remove();
    }
  });
});

async function exportAs(session: SessionService, path: string): Promise<string> {
  const { log, store, actor } = session.audit();
  await exportAuditTrail({ log, store, filter: {}, site: 'Ward 7', exportedBy: actor, outputPath: path });
  return path;
}

/** Opens the copy with the vault key and the clerk's passphrase and lists every checkpoint-signing key it can reach. */
async function attackerOpens(copy: VaultFiles, vaultKey: Buffer, keystore: SecretKeystore): Promise<{ vault: { db: Db; vaultId: string; close(): void }; reachable: { source: string; signer: CheckpointSigner }[] }> {
  const db = openEncryptedDatabase(copy.database, vaultKey, { create: false });
  const slotFile = JSON.parse(readFileSync(copy.keySlots, 'utf8')) as KeySlotFile;
  const vault = { db, vaultId: slotFile.vaultId, close: () => db.close() };
  const reachable: { source: string; signer: CheckpointSigner }[] = [];
  const legacy = vault.db.prepare('SELECT private_key_pem FROM workstation_key').all() as { private_key_pem: string }[];
  for (const row of legacy) if (row.private_key_pem) reachable.push({ source: 'legacy workstation key', signer: createCheckpointSigner(row.private_key_pem) });
  for (const row of vault.db.prepare('SELECT keystore_sealed_private FROM audit_signing_keys').all() as { keystore_sealed_private: Buffer }[]) {
    try {
      reachable.push({ source: 'signing key through the workstation keystore', signer: createCheckpointSigner(keystore.open(row.keystore_sealed_private).toString('utf8')) });
    } catch {
      // Sealed by another keystore: out of reach.
    }
  }
  // The administrators' key (and so the root) through the clerk's own slot: no grant opens.
  const slot = slotFile.slots.find((candidate) => candidate.username === CLERK.username)!;
  const clerkPrivate = (await openPrivateKey(vault.vaultId, slot, CLERK.passphrase))!;
  for (const grant of vault.db.prepare('SELECT user_id, sealed_json FROM admin_key_grants').all() as { user_id: string; sealed_json: string }[]) {
    const opened = openWithPrivateKey(clerkPrivate, slot.publicKey, SlotSealSchema.parse(JSON.parse(grant.sealed_json)), 'wardscribe-admin-key/1', [vault.vaultId, grant.user_id]);
    if (opened) reachable.push({ source: 'administrators’ key through the clerk slot', signer: createCheckpointSigner(createWorkstationKey().privateKeyPem) });
  }
  return { vault, reachable };
}

/** Reattributes the clerk's first entry to the admin, re-hashes the chain, re-signs, and exports. */
async function forgeAndExport(vault: { db: Db }, signer: CheckpointSigner, clerkId: string, path: string): Promise<string> {
  const { db } = vault;
  const entries = (db.prepare('SELECT entry_json FROM audit_entries ORDER BY sequence').all() as { entry_json: string }[]).map((row) => JSON.parse(row.entry_json) as AuditEntry);
  const admin = entries.find((entry) => entry.actor?.role === 'admin')!.actor!;
  let previous = entries[0]!.previousHash;
  let reattributed = false;
  const rewritten = entries.map((entry) => {
    const change = !reattributed && entry.actor?.userId === clerkId && entry.action === 'thread-opened';
    if (change) reattributed = true;
    const sealed = sealEntry({ ...entry, ...(change ? { actor: admin } : {}), previousHash: previous });
    previous = sealed.entryHash;
    return sealed;
  });
  expect(reattributed).toBe(true);
  rewriteTrail(db, rewritten);
  const store = createVaultAuditStore(db);
  const root = db.prepare('SELECT public_key_pem FROM audit_root_key').get() as { public_key_pem: string };
  const certificates = (db.prepare('SELECT certificate_json FROM audit_signing_keys').all() as { certificate_json: string }[]).map((row) => JSON.parse(row.certificate_json));
  // The forger's log claims the real root and its certificates, and re-signs every checkpoint.
  const log = new AuditLog({ store, signer, trust: { rootPublicKeyPem: root.public_key_pem, certificates: () => certificates } });
  db.exec('DELETE FROM audit_checkpoints');
  log.checkpoint();
  const auditor = { userId: admin.userId, displayName: admin.displayName, role: 'admin' as const };
  await exportAuditTrail({ log, store, filter: {}, site: 'Ward 7', exportedBy: auditor, outputPath: path });
  return path;
}

function rewriteTrail(db: Db, entries: readonly AuditEntry[]): void {
  db.exec(`
    DROP TRIGGER audit_entries_no_delete; DROP TRIGGER audit_entries_append_in_turn;
    DROP TRIGGER audit_checkpoints_no_delete;
    DELETE FROM audit_entries;
  `);
  const insert = db.prepare('INSERT INTO audit_entries (sequence, entry_json) VALUES (?, ?)');
  for (const entry of entries) insert.run(entry.sequence, JSON.stringify(entry));
}
