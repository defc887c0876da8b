/**
 * A review held the vault file's lock from another process (no key needed) and signed in with
 * the right passphrase: Wardscribe said "The vault is damaged (SQLITE_BUSY)… restore it from
 * backup" (advice that throws good data away), and left the right attempt counted as a failure,
 * so the next try was told "Too many attempts" and the trail would record a failed sign-in.
 * Here another connection holds the file in exclusive locking mode, as a second program would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readKeySlotFile } from '../../../main/vault/key-slots';
import { openEncryptedDatabase, type Db } from '../../../main/vault/sqlcipher';
import { unlockVault } from '../../../main/vault/vault';
import { ADMIN, freshVault } from '../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

describe('the vault file held by another program at sign-in', () => {
  it('is told as held, not damaged; the right passphrase is not left counted; once it is let go the same passphrase signs in', async () => {
    const fresh = await freshVault();
    cleanups.push(fresh.remove);
    const key = Buffer.from(fresh.vault.key);
    fresh.vault.close();

    const holder: Db = openEncryptedDatabase(fresh.files.database, key, { create: false });
    cleanups.push(() => holder.open && holder.close());
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.exec('BEGIN EXCLUSIVE');
    holder.exec('COMMIT');
    // In exclusive locking mode the lock taken by that write is kept until the connection closes.

    const held = unlockVault(fresh.files, ADMIN.username, ADMIN.passphrase, new Date('2026-11-24T10:00:00Z'));
    await expect(held).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/^Another program on this PC is holding the vault file.*\(the vault is not damaged\)\.$/) });
    await expect(held).rejects.not.toMatchObject({ message: expect.stringMatching(/damaged \(|restore it from backup/) });
    expect(readKeySlotFile(fresh.files.keySlots)!.failures[ADMIN.username]).toBeUndefined();

    // A wrong passphrase meanwhile still counts (it never reaches the vault file).
    await expect(unlockVault(fresh.files, ADMIN.username, 'not the passphrase at all', new Date('2026-11-24T10:00:01Z'))).resolves.toMatchObject({ kind: 'wrong-passphrase', failures: 1 });

    holder.close();
    const outcome = await unlockVault(fresh.files, ADMIN.username, ADMIN.passphrase, new Date('2026-11-24T10:00:02Z'));
    expect(outcome).toMatchObject({ kind: 'unlocked', unauditedFailures: { count: 1, stamps: ['2026-11-24T10:00:01.000Z'] } });
    if (outcome.kind === 'unlocked') outcome.vault.close();
  }, 30_000);
});
