import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { finishInterruptedRotation, prepareRotation, recoverInterruptedRotation } from '../../../main/vault/key-rotation';
import { MINIMUM_KDF, readKeySlotFile } from '../../../main/vault/key-slots';
import { readSetting, writeSetting } from '../../../main/vault/queries/settings';
import { insertUser } from '../../../main/vault/queries/users';
import { openEncryptedDatabase } from '../../../main/vault/sqlcipher';
import { putSlot, rotateVaultKey, unlockVault, vaultPresence, type OpenVault } from '../../../main/vault/vault';
import { ADMIN, freshVault } from '../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const BEA = { id: '22222222-2222-4222-8222-222222222222', username: 'bea', displayName: 'Bea Clerk', passphrase: 'bea has a long passphrase' };
const NOW = new Date('2026-11-24T10:00:00Z');

/** A vault with two users (so rotation must re-seal a key for someone who is not signed in) and a marker setting. */
async function twoUserVault() {
  const fresh = await freshVault();
  cleanups.push(fresh.remove);
  const adminId = (fresh.vault.db.prepare("SELECT id FROM users WHERE username = 'admin'").get() as { id: string }).id;
  insertUser(fresh.vault.db, { id: BEA.id, username: BEA.username, displayName: BEA.displayName, role: 'clerk', disabled: false, mustChangePassphrase: false }, NOW);
  await putSlot(fresh.vault, { id: BEA.id, username: BEA.username }, BEA.passphrase, MINIMUM_KDF);
  writeSetting(fresh.vault.db, 'test.marker', 'kept across rotation', adminId, NOW);
  return { ...fresh, adminId };
}

async function unlock(files: Parameters<typeof unlockVault>[0], username: string, passphrase: string): Promise<OpenVault> {
  const outcome = await unlockVault(files, username, passphrase, NOW);
  if (outcome.kind !== 'unlocked') throw new Error(`expected ${username} to unlock, got ${outcome.kind}`);
  cleanups.push(() => outcome.vault.close());
  return outcome.vault;
}

describe('vault key rotation', () => {
  it('re-encrypts under a new key that every user can open; a copy taken before cannot be opened with it', async () => {
    const { files, vault } = await twoUserVault();
    const oldKey = Buffer.from(vault.key);
    const before = `${files.dir}/before-rotation.copy`;
    vault.db.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(files.database, before);

    const rotated = await rotateVaultKey(vault);
    cleanups.push(() => rotated.close());
    expect(vault.closed).toBe(true);
    expect(vault.key.equals(Buffer.alloc(32))).toBe(true); // the old key is zeroed
    expect(rotated.key.equals(oldKey)).toBe(false);
    expect(readSetting(rotated.db, 'test.marker')).toBe('kept across rotation');

    // Both users, including the one who was not signed in, open the rotated vault.
    const newKey = Buffer.from(rotated.key);
    rotated.close();
    for (const [username, passphrase] of [[ADMIN.username, ADMIN.passphrase], [BEA.username, BEA.passphrase]] as const) {
      const reopened = await unlock(files, username, passphrase);
      expect(reopened.key.equals(newKey)).toBe(true);
      expect(readSetting(reopened.db, 'test.marker')).toBe('kept across rotation');
      reopened.close();
    }

    // The stale copy: the key now in use does not open it; the old key opens it (so the copy is real) but is gone from the slots.
    expect(() => openEncryptedDatabase(before, newKey, { create: false, journal: 'delete' })).toThrow(/damaged/);
    const stale = openEncryptedDatabase(before, oldKey, { create: false, journal: 'delete' });
    expect(readSetting(stale, 'test.marker')).toBe('kept across rotation');
    stale.close();
    expect(() => openEncryptedDatabase(files.database, oldKey, { create: false })).toThrow(/damaged/);
    expect(readKeySlotFile(files.keySlots)?.rotation).toBeUndefined();
    expect(new Set(readKeySlotFile(files.keySlots)!.slots.map((slot) => slot.vaultKey.generation))).toEqual(new Set([2]));
  });

  it('a rotation that fails before the switch leaves the vault open and unchanged, with no copy behind', async () => {
    const { files, vault } = await twoUserVault();
    const slotsBefore = readFileSync(files.keySlots, 'utf8');
    expect(() =>
      prepareRotation(vault, {
        afterStep: (step) => {
          if (step === 'rekeyed') throw new Error('disk full');
        },
      }),
    ).toThrow('disk full');
    expect(vault.closed).toBe(false);
    expect(readSetting(vault.db, 'test.marker')).toBe('kept across rotation');
    expect(existsSync(files.rekeyed)).toBe(false);
    expect(readFileSync(files.keySlots, 'utf8')).toBe(slotsBefore);
    vault.close();
  });

  it('a crash after the key file names the new key is finished at the next start, for every user', async () => {
    const { files, vault } = await twoUserVault();
    const newKey = prepareRotation(vault);
    cleanups.push(() => newKey.fill(0));
    // The process dies here: the vault was never closed cleanly (its -wal is empty but present).
    vault.db.close();
    expect(readKeySlotFile(files.keySlots)?.rotation).toBeDefined();
    expect(vaultPresence(files)).toBe('present');
    expect(await recoverInterruptedRotation(files)).toBe(true);
    expect(existsSync(files.rekeyed)).toBe(false);
    const reopened = await unlock(files, BEA.username, BEA.passphrase);
    expect(reopened.key.equals(newKey)).toBe(true);
    expect(readSetting(reopened.db, 'test.marker')).toBe('kept across rotation');
  });

  it('a copy left by a crash before the key file was written is removed, and the old key still opens the vault', async () => {
    const { files, vault } = await twoUserVault();
    const oldKey = Buffer.from(vault.key);
    vault.db.prepare('VACUUM INTO ?').run(files.rekeyed);
    vault.close();
    expect(finishInterruptedRotation(files)).toBe(true);
    expect(existsSync(files.rekeyed)).toBe(false);
    const reopened = await unlock(files, ADMIN.username, ADMIN.passphrase);
    expect(reopened.key.equals(oldKey)).toBe(true);
  });

  it('refuses to switch when the old vault has journal frames the copy lacks', async () => {
    const { files, vault } = await twoUserVault();
    const newKey = prepareRotation(vault);
    newKey.fill(0);
    vault.db.close();
    writeFileSync(`${files.database}-wal`, Buffer.alloc(4096, 1));
    await expect(recoverInterruptedRotation(files)).rejects.toThrow(/interrupted with unsaved changes/);
    expect(existsSync(files.rekeyed)).toBe(true); // nothing was thrown away
  });
});
