/**
 * From a cold attack on #14: the search-query hash was keyed from the chat identity key, which any
 * vault user can read, so an auditor (or clerk) hashed every NHS number and read from the trail
 * which patients were searched for. The key is now sealed by the workstation keystore.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../main/log';
import { bindKeystore, createFileKeystore } from '../../../main/security/keystore';
import { searchQueryHmac } from '../../../main/security/search-query-key';
import { SessionService } from '../../../main/session/session-service';
import { ThreadReader } from '../../../main/threads/thread-reader';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { openEncryptedDatabase, type Db } from '../../../main/vault/sqlcipher';
import { vaultFiles } from '../../../main/vault/vault-files';
import { CLERK, CLINICIAN } from '../../support/people';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const SEARCHED = '943 476 5919';

describe('the search-query hash key is out of a vault user’s reach', () => {
  const dir = tempDir('wardscribe-search-key-');
  afterAll(() => dir.remove());

  it('a clerk with the vault open cannot reproduce a recorded hash; the workstation’s own sessions can', async () => {
    const files = vaultFiles(join(dir.path, 'data', 'vault'));
    const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    await session.createFirstAdmin(ADMIN);
    await session.createUser(CLINICIAN);
    await session.createUser(CLERK);
    session.lock('sign-out');

    await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
    new ThreadReader(session).search(SEARCHED, 10);
    const recorded = [...session.audit().store.entries({ filter: { actions: ['search'] } })].at(-1)!.hashes.queryHmac!;
    expect(recorded).toMatch(/^[0-9a-f]{64}$/);
    session.lock('sign-out');

    // The clerk's handle: the vault opened with the key their passphrase unwraps (the strongest
    // case: every session holds it in memory), without the workstation keystore.
    await session.signIn(CLERK.username, CLERK.passphrase);
    // On the workstation, inside a session, the same query gives the same value (an investigation can test one).
    expect(searchQueryHmac(session.vault().db, SEARCHED)).toBe(recorded);
    // However the number was typed: an investigator has it as one run of digits.
    for (const spelt of ['9434765919', '943-476-5919', '  943  476 5919 ']) expect(searchQueryHmac(session.vault().db, spelt)).toBe(recorded);
    expect(searchQueryHmac(session.vault().db, '9434765918')).not.toBe(recorded);
    const vaultKey = Buffer.from(session.vault().key);
    session.lock('sign-out');
    const clerkDb: Db = openEncryptedDatabase(files.database, vaultKey, { create: false });
    try {
      // No keystore bound: refused, not silently keyed from something in the vault.
      expect(() => searchQueryHmac(clerkDb, SEARCHED)).toThrow(/No keystore is bound/);
      // The old derivation from the chat identity key, which every user reads, no longer matches.
      const identity = (clerkDb.prepare('SELECT key FROM chat_identity_key WHERE id = 1').get() as { key: Buffer }).key;
      const oldKey = createHmac('sha256', identity).update('wardscribe audit search query key').digest();
      expect(createHmac('sha256', oldKey).update(SEARCHED).digest('hex')).not.toBe(recorded);
      // Nor does anything else the vault holds: the sealed key itself, used as a key.
      for (const { keystore_sealed: sealed } of clerkDb.prepare('SELECT keystore_sealed FROM search_query_keys').all() as { keystore_sealed: Buffer }[]) {
        expect(createHmac('sha256', sealed).update(SEARCHED).digest('hex')).not.toBe(recorded);
      }
      // A keystore of the clerk's own (another OS account, a copy on another PC) makes a key of its own.
      bindKeystore(clerkDb, createFileKeystore(join(dir.path, 'clerk-keystore')));
      expect(searchQueryHmac(clerkDb, SEARCHED)).not.toBe(recorded);
    } finally {
      clerkDb.close();
    }
  });
});
