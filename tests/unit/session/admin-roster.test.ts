/**
 * #14 F3 (cold re-attack): every key slot opens the vault, so a clerk can write `users.role` on
 * their own row. The next administrator's sign-in granted the administrators' key to everyone the
 * users table called an active admin, and the clerk, holding it, opened the root private key.
 * Who is an administrator is now what a roster under the administrators' key says.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminKeyOpensRoot, openAdminKey } from '../../../main/audit/trust-anchors';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF, openPrivateKey, readKeySlotFile } from '../../../main/vault/key-slots';
import { createVaultTrustAnchorStore } from '../../../main/vault/queries/workstation-key';
import { vaultFiles, type VaultFiles } from '../../../main/vault/vault-files';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const CARL = { username: 'carl', displayName: 'Carl Clerk', passphrase: 'carl lantern mosaic pepper fjord', role: 'clerk' as const };
const CARL_OWN = 'carl harbour quartz pebble violin';
const BERYL = { username: 'beryl', displayName: 'Beryl Admin', passphrase: 'beryl quartz meadow lantern 77', role: 'admin' as const };

describe('who is an administrator is vouched for by the administrators’ key, not the users table', () => {
  const dir = tempDir('wardscribe-admin-roster-');
  afterAll(() => dir.remove());
  const open = (files: VaultFiles) => new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });

  /** Whether `userId`'s grant (if any) opens the administrators' key and that key opens the root. */
  const holdsRoot = async (session: SessionService, files: VaultFiles, userId: string, passphrase: string) => {
    const vault = session.vault();
    const slot = readKeySlotFile(files.keySlots)!.slots.find((candidate) => candidate.userId === userId)!;
    const store = createVaultTrustAnchorStore(vault.db);
    const privateKey = await openPrivateKey(vault.vaultId, slot, passphrase);
    const adminKey = privateKey ? openAdminKey(store, privateKey, { userId, publicKey: slot.publicKey }, vault.vaultId) : null;
    return adminKey !== null && adminKeyOpensRoot(store, adminKey, vault.vaultId);
  };

  it('a clerk who writes role = admin on their own row is not granted the key at the next admin sign-in, and cannot sign in as admin', async () => {
    const files = vaultFiles(join(dir.path, 'promote'));
    const admin = open(files);
    await admin.createFirstAdmin(ADMIN);
    const carl = await admin.createUser(CARL);
    admin.lock('sign-out');

    const clerk = open(files);
    await clerk.signIn(CARL.username, CARL.passphrase);
    await clerk.changePassphrase(CARL.passphrase, CARL_OWN);
    // What the clerk's passphrase allows: the vault key, so any write to the database.
    clerk.vault().db.prepare("UPDATE users SET role = 'admin' WHERE id = ?").run(carl.id);
    clerk.lock('sign-out');

    const next = open(files);
    await next.signIn(ADMIN.username, ADMIN.passphrase);
    expect(createVaultTrustAnchorStore(next.vault().db).grants().map((grant) => grant.userId)).not.toContain(carl.id);
    expect(await holdsRoot(next, files, carl.id, CARL_OWN)).toBe(false);
    next.lock('sign-out');

    const promoted = open(files);
    await expect(promoted.signIn(CARL.username, CARL_OWN)).rejects.toThrow(/administrators’ key does not confirm it/);
    expect(promoted.principal()).toBeNull();

    // The refusal is in the trail.
    const auditor = open(files);
    await auditor.signIn(ADMIN.username, ADMIN.passphrase);
    const refused = [...auditor.audit().store.entries({ filter: { actions: ['sign-in-failed'] } })].at(-1)!;
    expect(refused.outcome).toEqual({ status: 'failure', reason: 'admin-role-not-vouched' });
    expect(refused.actor?.userId).toBe(carl.id);
    auditor.lock('sign-out');
  });

  it('a roster the clerk rewrites (listing themselves) checks against nothing: nobody new is granted, and the admin’s sign-in records it', async () => {
    const files = vaultFiles(join(dir.path, 'roster'));
    const admin = open(files);
    await admin.createFirstAdmin(ADMIN);
    const carl = await admin.createUser(CARL);
    admin.lock('sign-out');

    const clerk = open(files);
    await clerk.signIn(CARL.username, CARL.passphrase);
    await clerk.changePassphrase(CARL.passphrase, CARL_OWN);
    const db = clerk.vault().db;
    db.prepare("UPDATE users SET role = 'admin' WHERE id = ?").run(carl.id);
    const row = db.prepare('SELECT members_json FROM admin_roster WHERE id = 1').get() as { members_json: string };
    const carlSlot = readKeySlotFile(files.keySlots)!.slots.find((slot) => slot.userId === carl.id)!;
    const members = [...(JSON.parse(row.members_json) as { userId: string; publicKey: string }[]), { userId: carl.id, publicKey: carlSlot.publicKey }];
    db.prepare('UPDATE admin_roster SET members_json = ? WHERE id = 1').run(JSON.stringify(members));
    clerk.lock('sign-out');

    const next = open(files);
    await next.signIn(ADMIN.username, ADMIN.passphrase);
    expect(await holdsRoot(next, files, carl.id, CARL_OWN)).toBe(false);
    const found = [...next.audit().store.entries({ filter: { actions: ['vault-checked'] } })].at(-1)!;
    expect(found.outcome).toEqual({ status: 'failure', reason: 'admin-roster-altered' });
    // And no administrator can be added on top of an altered roster.
    await expect(next.createUser(BERYL)).rejects.toThrow(/cannot add an administrator/);
    next.lock('sign-out');
  });

  it('an administrator an admin adds is on the roster, granted at once, and signs in as admin', async () => {
    const files = vaultFiles(join(dir.path, 'legit'));
    const admin = open(files);
    await admin.createFirstAdmin(ADMIN);
    const beryl = await admin.createUser(BERYL);
    expect(await holdsRoot(admin, files, beryl.id, BERYL.passphrase)).toBe(true);
    admin.lock('sign-out');
    const session = open(files);
    await session.signIn(BERYL.username, BERYL.passphrase);
    expect(session.principal()).toEqual({ userId: beryl.id, role: 'admin' });
    session.lock('sign-out');
  });
});
