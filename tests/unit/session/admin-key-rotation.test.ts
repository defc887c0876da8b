/**
 * From a cold attack on #14: disabling an administrator removed their grant of the administrators'
 * key but kept the key itself, so a copy of their grant (any backup of the data folder) and their
 * old passphrase still opened it, and with it the root key. Disabling an admin now replaces it.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminKeyOpensRoot, openAdminKey, type StoredAdminGrant } from '../../../main/audit/trust-anchors';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF, openPrivateKey, readKeySlotFile, type KeySlot } from '../../../main/vault/key-slots';
import { createVaultTrustAnchorStore } from '../../../main/vault/queries/workstation-key';
import { vaultFiles } from '../../../main/vault/vault-files';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const BERYL = { username: 'beryl', displayName: 'Beryl Admin', passphrase: 'beryl quartz meadow lantern 77', role: 'admin' as const };
const CYRIL = { username: 'cyril', displayName: 'Cyril Admin', passphrase: 'cyril harbour tulip gravel 19', role: 'admin' as const };

describe('disabling an administrator replaces the administrators’ key', () => {
  const dir = tempDir('wardscribe-admin-rotation-');
  afterAll(() => dir.remove());

  it('the disabled admin’s passphrase and kept copies of their slot and grant no longer open anything; the remaining admins’ do', async () => {
    const files = vaultFiles(join(dir.path, 'vault'));
    const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    await session.createFirstAdmin(ADMIN);
    const beryl = await session.createUser(BERYL);
    const vaultId = session.vault().vaultId;
    const store = () => createVaultTrustAnchorStore(session.vault().db);
    const slotOf = (userId: string): KeySlot => readKeySlotFile(files.keySlots)!.slots.find((slot) => slot.userId === userId)!;
    const opens = async (slot: KeySlot, grant: StoredAdminGrant | undefined, passphrase: string) => {
      const privateKey = await openPrivateKey(vaultId, slot, passphrase);
      if (!privateKey || !grant) return false;
      // The grant as it was kept, against the vault as it is now.
      const kept = { ...store(), grants: () => [grant] };
      const adminKey = openAdminKey(kept, privateKey, { userId: slot.userId, publicKey: slot.publicKey }, vaultId);
      return adminKey !== null && adminKeyOpensRoot(store(), adminKey, vaultId);
    };

    // What Beryl could keep while she was an admin: her key slot and her grant (a copy of the data folder).
    const keptSlot = slotOf(beryl.id);
    const keptGrant = store().grants().find((grant) => grant.userId === beryl.id);
    expect(keptGrant).toBeDefined();
    expect(await opens(keptSlot, keptGrant, BERYL.passphrase)).toBe(true);
    const sealedBefore = JSON.stringify(store().root()!.sealedPrivateKey);

    await session.setDisabled(beryl.id, true);

    expect(store().grants().map((grant) => grant.userId)).not.toContain(beryl.id);
    expect(JSON.stringify(store().root()!.sealedPrivateKey)).not.toBe(sealedBefore);
    expect(await opens(keptSlot, keptGrant, BERYL.passphrase)).toBe(false);
    const disabling = [...session.audit().store.entries({ filter: { actions: ['user-disabled'] } })].at(-1)!;
    expect(disabling.outcome).toEqual({ status: 'success', reason: 'admin-key-rotated' });

    // The session that rotated holds the new key: a new admin is granted it and it opens the root.
    const cyril = await session.createUser(CYRIL);
    const adminId = session.listUsers().find((user) => user.username === ADMIN.username)!.id;
    expect(await opens(slotOf(adminId), store().grants().find((grant) => grant.userId === adminId), ADMIN.passphrase)).toBe(true);
    expect(await opens(slotOf(cyril.id), store().grants().find((grant) => grant.userId === cyril.id), CYRIL.passphrase)).toBe(true);
    session.lock('sign-out');

    // The remaining admin signs in again and still certifies and signs under the pinned root.
    await session.signIn(ADMIN.username, ADMIN.passphrase);
    expect(await opens(slotOf(adminId), store().grants().find((grant) => grant.userId === adminId), ADMIN.passphrase)).toBe(true);
    session.lock('sign-out');
  });

  it('disabling a clerk leaves the administrators’ key as it was', async () => {
    const files = vaultFiles(join(dir.path, 'vault-2'));
    const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    await session.createFirstAdmin(ADMIN);
    const clerk = await session.createUser({ username: 'sam', displayName: 'Sam Clerk', passphrase: 'clerk passphrase for the ward pc 42', role: 'clerk' });
    const sealed = JSON.stringify(createVaultTrustAnchorStore(session.vault().db).root()!.sealedPrivateKey);
    await session.setDisabled(clerk.id, true);
    expect(JSON.stringify(createVaultTrustAnchorStore(session.vault().db).root()!.sealedPrivateKey)).toBe(sealed);
    session.lock('sign-out');
  });
});
