import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../support/temp';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../shared/domain/chat';
import { SearchThread } from '../../../main/search/search-thread';
import { insertMessages, searchMessages } from '../../../main/vault/queries/messages';
import { completeThread, insertImportingThread } from '../../../main/vault/queries/threads';
import type { OpenVault } from '../../../main/vault/vault';
import { freshVault } from '../../support/vault';

/**
 * Search off the main connection (issue #16): the search thread answers exactly what the main
 * connection would, on its own read-only connection that is closed when each search ends (one
 * left open would hold the vault file across a wipe), and a newer search ends one still running.
 */
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const THREAD = '22222222-2222-4222-8222-222222222222';
const WORDS = ['heparin', 'hepatic', 'review', 'bloods', 'stop', 'ciprofloxacin', 'co-amoxiclav', 'potassium', 'the', 'plan'];

function message(index: number): ChatMessage {
  const minute = String(index % 60).padStart(2, '0');
  const text = `${WORDS[index % WORDS.length]} ${WORDS[(index * 7) % WORDS.length]} bed ${index % 12} note${index}`;
  return { index, sender: index % 2 ? 'Ben' : 'Ada', text, kind: 'message', head: `[13/03/2023, 09:${minute}:00] Ada:`, localTime: `2023-03-13T09:${minute}:00`, zone: 'Europe/London', instant: `2023-03-13T09:${minute}:00Z`, flags: [], attachment: null, line: index + 1, warnings: [] };
}

async function world(count = 3_000): Promise<{ vault: OpenVault; thread: SearchThread }> {
  const fresh = await freshVault();
  cleanups.push(fresh.remove, () => fresh.vault.close());
  const db = fresh.vault.db;
  const admin = (db.prepare('SELECT id FROM users LIMIT 1').get() as { id: string }).id;
  insertImportingThread(db, { id: THREAD, zone: 'Europe/London', importedBy: admin, importedAt: new Date('2026-11-24T10:00:00Z'), sourceFileName: 'chat.txt', sourceSha256: 'a'.repeat(64) });
  db.transaction(() => insertMessages(db, THREAD, Array.from({ length: count }, (_, index) => message(index))))();
  completeThread(db, THREAD, { source: 'whatsapp-ios', title: 'Ward 7', fingerprint: 'f'.repeat(64), dateOrder: null, messageCount: count, firstInstant: null, lastInstant: null });
  const thread = new SearchThread();
  cleanups.push(() => thread.close());
  return { vault: fresh.vault, thread };
}

/** How many of this process's open files are the vault or its companions. */
function openVaultFiles(database: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(database);
    } catch {
      return false;
    }
  }).length;
}

describe('the search thread', () => {
  it('answers what the main connection answers, for words, stems, phrases and both orders', async () => {
    const { vault, thread } = await world();
    const target = { database: vault.files.database, key: vault.key };
    for (const [query, order] of [['heparin', 'relevance'], ['hep', 'relevance'], ['cipro bed', 'newest'], ['"stop review"', 'relevance'], ['amox', 'newest'], ['nothinglikethis', 'relevance']] as const) {
      expect(await thread.search(target, query, 50, order), query).toEqual(searchMessages(vault.db, query, 50, order));
    }
    expect((await thread.search(target, 'heparin', 50, 'relevance')).length).toBeGreaterThan(0);
  });

  it('closes its connection when each search ends: nothing of the vault stays open once the session closes it', async () => {
    const { vault, thread } = await world();
    const before = openVaultFiles(vault.files.database);
    expect(before).toBeGreaterThan(0);
    for (let round = 0; round < 5; round++) await thread.search({ database: vault.files.database, key: vault.key }, 'review', 50, 'relevance');
    // SQLite keeps a closed connection's descriptor until the session's own connection releases
    // its lock on the same file (POSIX locks are per process), at most one; never one per search.
    expect(openVaultFiles(vault.files.database)).toBeLessThanOrEqual(before + 1);
    // Closed as a wipe's key change or a lock closes it: no descriptor of the vault is left.
    vault.close();
    expect(openVaultFiles(vault.files.database)).toBe(0);
  });

  it('a newer search ends the one still running, which is answered cancelled; the newer one is answered', async () => {
    const { vault, thread } = await world();
    const target = { database: vault.files.database, key: vault.key };
    const older = thread.search(target, 'the', 50, 'relevance');
    const newer = thread.search(target, 'potassium', 50, 'newest');
    await expect(older).rejects.toMatchObject({ code: 'cancelled' });
    expect(await newer).toEqual(searchMessages(vault.db, 'potassium', 50, 'newest'));
    // Ended from outside (cancelSearch): answered cancelled, and the next search still runs.
    const ended = thread.search(target, 'plan', 50, 'relevance');
    thread.cancelRunning();
    await expect(ended).rejects.toMatchObject({ code: 'cancelled' });
    expect(await thread.search(target, 'plan', 5, 'newest')).toEqual(searchMessages(vault.db, 'plan', 5, 'newest'));
  });

  it('a key that does not open the vault is a failed search, not a crash; the next search works', async () => {
    const { vault, thread } = await world(50);
    await expect(thread.search({ database: vault.files.database, key: Buffer.alloc(32, 7) }, 'plan', 5, 'newest')).rejects.toThrow(/The search could not be run/);
    expect(await thread.search({ database: vault.files.database, key: vault.key }, 'plan', 5, 'newest')).toEqual(searchMessages(vault.db, 'plan', 5, 'newest'));
  });

  it('never changes the key it was given (the session keeps using it)', async () => {
    const { vault, thread } = await world(50);
    const key = Buffer.from(vault.key);
    await thread.search({ database: vault.files.database, key: vault.key }, 'plan', 5, 'newest');
    expect(vault.key.equals(key)).toBe(true);
  });

  it('a search the thread is still working on is ended by cancelling (the thread stopped), and a thread that dies is said, not waited on for ever', async () => {
    const dir = tempDir('wardscribe-search-thread-');
    cleanups.push(dir.remove);
    // Stand-ins for a query that takes long (never answers) and for a thread that crashes.
    const hanging = join(dir.path, 'hanging.cjs');
    writeFileSync(hanging, "require('node:worker_threads').parentPort.on('message', () => undefined);\n");
    const crashing = join(dir.path, 'crashing.cjs');
    writeFileSync(crashing, "require('node:worker_threads').parentPort.on('message', () => process.exit(3));\n");
    const target = { database: join(dir.path, 'none'), key: Buffer.alloc(32) };

    const slow = new SearchThread(async () => hanging);
    cleanups.push(() => slow.close());
    const running = slow.search(target, 'heparin', 5, 'newest');
    await new Promise((resolve) => setTimeout(resolve, 200));
    slow.cancelRunning();
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    // And by a newer search: the older is answered cancelled even while the thread works on it.
    const first = slow.search(target, 'heparin', 5, 'newest');
    await new Promise((resolve) => setTimeout(resolve, 200));
    void slow.search(target, 'review', 5, 'newest').catch(() => undefined);
    await expect(first).rejects.toMatchObject({ code: 'cancelled' });

    const dying = new SearchThread(async () => crashing);
    cleanups.push(() => dying.close());
    await expect(dying.search(target, 'heparin', 5, 'newest')).rejects.toThrow('The search stopped before it finished.');
  });
});
