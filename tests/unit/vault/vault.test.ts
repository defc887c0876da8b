import { readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readKeySlotFile, writeKeySlotFile } from '../../../main/vault/key-slots';
import { getUserByUsername } from '../../../main/vault/queries/users';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { createVault, putSlot, unlockVault, vaultPresence } from '../../../main/vault/vault';
import { vaultFiles } from '../../../main/vault/vault-files';
import { tempDir } from '../../support/temp';
import { ADMIN, freshVault, sha256File } from '../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

async function closedVault() {
  const fresh = await freshVault();
  cleanups.push(fresh.remove);
  fresh.vault.close();
  return fresh.files;
}

describe('unlocking', () => {
  it('opens with the right passphrase and knows the user', async () => {
    const files = await closedVault();
    const outcome = await unlockVault(files, 'ADMIN', ADMIN.passphrase, new Date());
    expect(outcome.kind).toBe('unlocked');
    if (outcome.kind === 'unlocked') {
      expect(outcome.user).toMatchObject({ username: 'admin', role: 'admin' });
      outcome.vault.close();
      expect(outcome.vault.key.equals(Buffer.alloc(32))).toBe(true); // zeroed on close
    }
  });

  it('refuses a wrong passphrase without touching the vault file, and counts the failure', async () => {
    const files = await closedVault();
    const before = sha256File(files.database);
    const outcome = await unlockVault(files, 'admin', 'not the passphrase at all', new Date('2026-11-24T10:00:00Z'));
    expect(outcome).toEqual({ kind: 'wrong-passphrase', failures: 1 });
    expect(sha256File(files.database)).toBe(before);
    expect(readKeySlotFile(files.keySlots)?.failures['admin']).toMatchObject({ count: 1, unaudited: ['2026-11-24T10:00:00.000Z'] });
  });

  it('reports one flipped byte inside a page as damage, and leaves the file as it was', async () => {
    const files = await closedVault();
    const bytes = readFileSync(files.database);
    expect(bytes.length).toBeGreaterThan(3 * 4096);
    bytes[2 * 4096 + 1234] = bytes[2 * 4096 + 1234]! ^ 0x01; // inside the third page
    writeFileSync(files.database, bytes);
    const before = sha256File(files.database);
    await expect(unlockVault(files, 'admin', ADMIN.passphrase, new Date())).rejects.toMatchObject({ code: 'vault-damaged' });
    expect(sha256File(files.database)).toBe(before);
  });

  it('refuses a key file from another vault', async () => {
    const files = await closedVault();
    const other = await closedVault();
    writeFileSync(files.keySlots, readFileSync(other.keySlots));
    await expect(unlockVault(files, 'admin', ADMIN.passphrase, new Date())).rejects.toMatchObject({ code: 'vault-damaged' });
  });

  it('detects a key slot whose parameters were weakened or which was moved to another user', async () => {
    const files = await closedVault();
    const slotFile = readKeySlotFile(files.keySlots)!;
    const original = structuredClone(slotFile);
    slotFile.slots[0] = { ...slotFile.slots[0]!, kdf: { ...slotFile.slots[0]!.kdf, iterations: slotFile.slots[0]!.kdf.iterations + 1 } };
    writeKeySlotFile(files.keySlots, slotFile);
    expect((await unlockVault(files, 'admin', ADMIN.passphrase, new Date())).kind).toBe('wrong-passphrase');

    original.slots[0] = { ...original.slots[0]!, username: 'mallory' };
    writeKeySlotFile(files.keySlots, original);
    expect((await unlockVault(files, 'mallory', ADMIN.passphrase, new Date())).kind).toBe('wrong-passphrase');
  });
});

describe('key slots', () => {
  it('changing one passphrase rewraps only that user’s slot', async () => {
    const { files, vault, remove } = await freshVault();
    cleanups.push(remove);
    const admin = getUserByUsername(vault.db, 'admin')!;
    await putSlot(vault, { id: 'user-b', username: 'bea' }, 'bea passphrase is long', MINIMUM_KDF);
    const beforeBea = readKeySlotFile(files.keySlots)!.slots.find((slot) => slot.username === 'bea');
    await putSlot(vault, admin, 'a brand new admin passphrase', MINIMUM_KDF);
    const after = readKeySlotFile(files.keySlots)!;
    expect(after.slots.find((slot) => slot.username === 'bea')).toEqual(beforeBea);
    expect(after.slots.filter((slot) => slot.username === 'admin')).toHaveLength(1);
    vault.close();
    expect((await unlockVault(files, 'admin', ADMIN.passphrase, new Date())).kind).toBe('wrong-passphrase');
    const reopened = await unlockVault(files, 'admin', 'a brand new admin passphrase', new Date());
    expect(reopened.kind).toBe('unlocked');
    if (reopened.kind === 'unlocked') reopened.vault.close();
  });
});

describe('first run', () => {
  it('is recognised, and an interrupted one is cleaned up so it can run again', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const files = vaultFiles(dir.path);
    expect(vaultPresence(files)).toBe('absent');
    writeFileSync(files.creating, 'half-built database');
    writeFileSync(files.keySlots, '{}');
    expect(vaultPresence(files)).toBe('absent');
    // Left for the next first run, under the key file's lock (another process may be mid-way through its own).
    expect(existsSync(files.creating)).toBe(true);
    const { vault } = await createVault(files, ADMIN, new Date(), MINIMUM_KDF);
    vault.close();
    expect(vaultPresence(files)).toBe('present');
  });

  it('refuses to run over an existing vault', async () => {
    const files = await closedVault();
    await expect(createVault(files, ADMIN, new Date(), MINIMUM_KDF)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('reports a vault whose key file is missing, or a key file whose vault is missing, without changing anything', async () => {
    const files = await closedVault();
    const keys = readFileSync(files.keySlots);
    rmSync(files.keySlots);
    expect(() => vaultPresence(files)).toThrow(/key file is missing/);
    writeFileSync(files.keySlots, keys);
    const database = readFileSync(files.database);
    rmSync(files.database);
    expect(() => vaultPresence(files)).toThrow(/vault file is missing/);
    writeFileSync(files.database, database);
    expect(vaultPresence(files)).toBe('present');
  });
});
