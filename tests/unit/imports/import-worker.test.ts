/**
 * The import runs in a worker: the main thread keeps turning while a large export is read, a
 * cancel stops the worker, and a worker or a whole process killed midway leaves no partial
 * thread once the vault is opened again and recoverIncomplete() has run.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadReader } from '../../../main/threads/thread-reader';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { importWorkerScript, startThreadWorker, threadWorkerLauncher, type ImportWorkerLauncher, type ThreadImportWorker } from '../../../main/imports/import-worker-host';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { vaultFiles, type VaultFiles } from '../../../main/vault/vault-files';
import { writeExport } from '../importers/helpers';
import { bundleChild, ROOT } from '../../support/child-bundle';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const LONDON = 'Europe/London';
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

/** An iOS chat of `count` messages a minute apart from 13/03/2023 08:00 (day-first, proven by 13). */
function bigChat(count: number, word = 'obs'): string {
  const lines: string[] = [];
  const start = Date.UTC(2023, 2, 13, 8, 0, 0);
  const two = (value: number) => String(value).padStart(2, '0');
  for (let index = 0; index < count; index++) {
    // Read in Europe/London, UTC and local agree until 26/03; the chat stays well before that.
    const at = new Date(start + index * 20_000);
    const date = `${two(at.getUTCDate())}/${two(at.getUTCMonth() + 1)}/${at.getUTCFullYear()}`;
    const time = `${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())}`;
    lines.push(`[${date}, ${time}] ${index % 2 === 0 ? 'Dr Ada Shah' : 'Ben Okafor'}: ${word} update number ${index} bloods and sats reviewed`);
  }
  return lines.join('\n') + '\n';
}

async function signedIn(dir: string): Promise<{ files: VaultFiles; session: SessionService }> {
  const files = vaultFiles(join(dir, 'vault'));
  const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  cleanups.push(() => session.lock('sign-out'));
  return { files, session };
}

function job(onProgress: (unit: string, calls: number) => void = () => undefined): ImportJob & { controller: AbortController } {
  const controller = new AbortController();
  let calls = 0;
  return { controller, signal: controller.signal, progress: (_done, _total, unit) => onProgress(unit, ++calls) };
}

/** The real thread launcher, keeping each worker it starts so a test can see or end it. */
function watchedLauncher(): { launcher: ImportWorkerLauncher; started: ThreadImportWorker[] } {
  const started: ThreadImportWorker[] = [];
  return {
    started,
    launcher: async () => {
      const worker = startThreadWorker(await importWorkerScript());
      started.push(worker);
      return worker;
    },
  };
}

const count = (session: SessionService, sql: string) => (session.vault().db.prepare(sql).get() as { n: number }).n;

describe('import worker', () => {
  it('parses in a worker thread while the main thread keeps turning (timer lag stays small)', async () => {
    const dir = tempDir('wardscribe-import-worker-');
    cleanups.push(dir.remove);
    const { session } = await signedIn(dir.path);
    const { launcher, started } = watchedLauncher();
    const service = new ImportService({ session, batchSize: 1_000, worker: launcher });
    const path = writeExport(dir.path, 'WhatsApp Chat with Ward 7.txt', bigChat(60_000));

    const INTERVAL_MS = 5;
    let last = performance.now();
    let worstLagMs = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      worstLagMs = Math.max(worstLagMs, now - last - INTERVAL_MS);
      last = now;
    }, INTERVAL_MS);
    const began = performance.now();
    try {
      const result = await service.import({ path, zone: LONDON }, job());
      expect(result).toMatchObject({ messageCount: 60_000, duplicate: false });
    } finally {
      clearInterval(ticker);
    }
    const tookMs = performance.now() - began;

    expect(started).toHaveLength(1);
    expect(started[0]!.thread.threadId).toBeGreaterThan(0);
    expect(count(session, 'SELECT count(*) AS n FROM messages')).toBe(60_000);
    // The parse of 60,000 messages never ran on this thread: the longest pause is one batch's write.
    expect(worstLagMs).toBeLessThan(Math.max(150, service.longestWriteMs * 2 + 50));
    expect(worstLagMs).toBeLessThan(tookMs / 4);
  });

  it('a cancel stops the worker and leaves nothing', async () => {
    const dir = tempDir('wardscribe-import-worker-');
    cleanups.push(dir.remove);
    const { session } = await signedIn(dir.path);
    const { launcher, started } = watchedLauncher();
    const service = new ImportService({ session, batchSize: 200, worker: launcher });
    const path = writeExport(dir.path, 'big.txt', bigChat(5_000));
    let exited = false;
    const running = job((unit, calls) => {
      if (unit === 'bytes' && calls === 2) {
        started[0]!.thread.once('exit', () => (exited = true));
        running.controller.abort();
      }
    });
    await expect(service.import({ path, zone: LONDON }, running)).rejects.toMatchObject({ code: 'cancelled' });
    expect(service.importing).toBe(false);
    expect(count(session, 'SELECT count(*) AS n FROM threads')).toBe(0);
    expect(count(session, 'SELECT count(*) AS n FROM messages')).toBe(0);
    await expect.poll(() => exited).toBe(true);
  });

  it('the import worker killed midway leaves no partial thread after restart', async () => {
    const dir = tempDir('wardscribe-import-worker-');
    cleanups.push(dir.remove);
    const { files, session } = await signedIn(dir.path);
    const earlier = await new ImportService({ session }).import({ path: writeExport(dir.path, 'WhatsApp Chat with Earlier.txt', bigChat(300, 'earlier')), zone: LONDON }, job());

    const { launcher, started } = watchedLauncher();
    const service = new ImportService({ session, batchSize: 200, worker: launcher });
    // Far more chunks than the worker may run ahead of the writes (back-pressure), so the
    // worker cannot have finished the file when it is killed, however fast it parses.
    const path = writeExport(dir.path, 'big.txt', bigChat(60_000));
    const killed = job((unit, calls) => {
      // Killed from outside, as the OS would: not a terminate() of the service's own.
      if (unit === 'bytes' && calls === 3) void started[0]!.thread.terminate();
    });
    await expect(service.import({ path, zone: LONDON }, killed)).rejects.toThrow(/worker stopped/);
    expect(count(session, "SELECT count(*) AS n FROM threads WHERE status = 'importing'")).toBe(0);

    // Restart: a new session on the same files, as at the next start of the app.
    session.lock('sign-out');
    const restarted = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    cleanups.push(() => restarted.lock('sign-out'));
    await restarted.signIn(ADMIN.username, ADMIN.passphrase);
    const afterRestart = new ImportService({ session: restarted });
    expect(afterRestart.recoverIncomplete()).toEqual([]);
    const reader = new ThreadReader(restarted);
    expect(reader.listThreads().map((thread) => thread.id)).toEqual([earlier.threadId]);
    expect(count(restarted, 'SELECT count(*) AS n FROM messages')).toBe(300);
    expect(reader.messages(earlier.threadId, 0, 500)).toHaveLength(300);
    expect(reader.search('earlier update', 5)).toHaveLength(5);
  });

  it('the importing process killed midway (SIGKILL) leaves no partial thread after restart', async () => {
    const dir = tempDir('wardscribe-import-kill-');
    cleanups.push(dir.remove);
    const { files, session } = await signedIn(dir.path);
    const earlier = await new ImportService({ session }).import({ path: writeExport(dir.path, 'WhatsApp Chat with Earlier.txt', bigChat(300, 'earlier')), zone: LONDON }, job());
    session.lock('sign-out');
    const path = writeExport(dir.path, 'big.txt', bigChat(40_000, 'zebracanary'));

    const childScript = join(ROOT, 'node_modules', '.cache', 'wardscribe-import-worker', `import-child-${process.pid}-${Date.now()}.cjs`);
    await bundleChild('tests/unit/imports/support/import-child', childScript, 'process.argv.slice(2)');
    cleanups.push(() => rmSync(childScript, { force: true }));

    const child = spawn(process.execPath, [childScript, files.dir, path, await importWorkerScript()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolveExit) => child.on('exit', (_code, signal) => resolveExit(signal)));
    await new Promise<void>((resolveKill, rejectKill) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        // Three batches committed: the thread is in the vault, part-written.
        if (/progress 3\n/.test(output) && child.kill('SIGKILL')) resolveKill();
        if (output.includes('finished')) rejectKill(new Error('the import finished before it could be killed'));
      });
      child.on('exit', () => rejectKill(new Error(`the child ended by itself: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    const restarted = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    cleanups.push(() => restarted.lock('sign-out'));
    await restarted.signIn(ADMIN.username, ADMIN.passphrase);
    const db = restarted.vault().db;
    const partial = db.prepare("SELECT id FROM threads WHERE status = 'importing'").all() as { id: string }[];
    // The kill left a part-written thread, invisible to every reader …
    expect(partial).toHaveLength(1);
    expect(count(restarted, 'SELECT count(*) AS n FROM messages')).toBeGreaterThanOrEqual(300 + 600);
    const service = new ImportService({ session: restarted });
    const reader = new ThreadReader(restarted);
    expect(reader.listThreads().map((thread) => thread.id)).toEqual([earlier.threadId]);
    expect(reader.search('zebracanary', 5)).toEqual([]);
    // … and recovery at unlock removes it whole; the earlier thread is untouched.
    expect(service.recoverIncomplete()).toEqual([partial[0]!.id]);
    expect(count(restarted, 'SELECT count(*) AS n FROM threads')).toBe(1);
    expect(count(restarted, 'SELECT count(*) AS n FROM messages')).toBe(300);
    expect(db.prepare("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'zebracanary'").get()).toEqual({ n: 0 });
    expect(reader.messages(earlier.threadId, 0, 500)).toHaveLength(300);
  });

  it('the default launcher finds or builds the worker file', async () => {
    const script = await importWorkerScript();
    expect(script).toMatch(/import-worker.*\.(c?js)$/);
    const worker = await threadWorkerLauncher(script)();
    worker.terminate();
  });
});
