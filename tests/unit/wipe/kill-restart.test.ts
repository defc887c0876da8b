/**
 * "kill -9 at every step of the wipe leaves a vault that opens with all non-wiped data intact",
 * and "a half-done wipe completes or rolls back on next start".
 *
 * The parent builds a vault with two threads and a transcription from one of them filed and
 * verified in the training EPR. A child process (support/wipe-child.ts, bundled with esbuild)
 * signs in and wipes that thread, killing itself with SIGKILL the instant the wipe reports the
 * chosen step. The parent then reopens the vault as a new process would: every user signs in,
 * the other thread is whole, the wipe is finished by resumeOwed() and certified, and neither the
 * key in use nor the raw files show any of the wiped text.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTrainingEpr, type TrainingEpr } from '../../../main/epr/training-epr';
import { ThreadReader } from '../../../main/threads/thread-reader';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { TranscriptionService, type OutboxView } from '../../../main/transcriptions/transcription-service';
import { MINIMUM_KDF, readKeySlotFile } from '../../../main/vault/key-slots';
import { listMessages } from '../../../main/vault/queries/messages';
import { listWipes } from '../../../main/vault/queries/wipes';
import { vaultFiles } from '../../../main/vault/vault-files';
import { scanForRemnants } from '../../../main/wipe/vault-scan';
import { WipeService, type WipeStep } from '../../../main/wipe/wipe-service';
import { buildZip } from '../importers/zip-writer';
import { writeExport } from '../importers/helpers';
import { bundleChild, ROOT } from '../../support/child-bundle';
import { ADVISERS, CLERK, CLINICIAN, PATIENT } from '../../support/people';
import { confirmedPatient } from '../../support/patient-check';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';
import type { WipeChildArgs } from './support/wipe-child';

const WIPED_WORD = 'wombatwiped9931';
const KEPT_WORD = 'echidnakept2207';
/** Every point at which the wipe can be cut short, in order. */
const STEPS: readonly WipeStep[] = ['erasing', 'erased', 'copied', 'rekeyed', 'prepared', 'closed', 'renamed', 'promoted', 'rotated', 'overwriting', 'source-file', 'verified', 'finished'];

let training: TrainingEpr;
let bundleDir: ReturnType<typeof tempDir>;
let childScript: string;

beforeAll(async () => {
  training = createTrainingEpr({ requestTimeoutMs: 5_000 });
  await training.connection();
  bundleDir = tempDir('wardscribe-wipe-kill-bundle-');
  childScript = join(bundleDir.path, 'wipe-child.cjs');
  await bundleChild('tests/unit/wipe/support/wipe-child', childScript);
}, 60_000);

afterAll(async () => {
  await training?.close();
  bundleDir?.remove();
});

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const job = (): ImportJob => ({ signal: new AbortController().signal, progress: () => undefined });

/** A vault with a filed-and-verified thread to wipe and a thread to keep, signed out. */
async function preparedVault() {
  const dir = tempDir('wardscribe-wipe-kill-');
  cleanups.push(dir.remove);
  const vaultDir = join(dir.path, 'vault');
  const session = new SessionService({ files: vaultFiles(vaultDir), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  await session.createUser(CLINICIAN);
  await session.createUser(CLERK);
  await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
  const imports = new ImportService({ session });
  const exportPath = writeExport(
    dir.path,
    'WhatsApp Chat - Ward 7.zip',
    buildZip([{ name: '_chat.txt', data: `[13/03/2023, 08:00:00] Dr Ada Shah: ${WIPED_WORD} start bisoprolol 2.5 mg once daily and recheck potassium\n` }]),
  );
  const { threadId } = await imports.import({ path: exportPath, zone: 'Europe/London' }, job());
  const keptPath = writeExport(dir.path, 'Ward 9.txt', `[14/03/2023, 09:00:00] Sam: ${KEPT_WORD} discharge planning is on track for friday\n`);
  const kept = await imports.import({ path: keptPath, zone: 'Europe/London' }, job());
  const transcriptions = new TranscriptionService({ session, imports, epr: () => training.connection(), log: silentLogger, organisationOdsCode: 'RX1' });
  const messageIds = listMessages(session.vault().db, threadId, 0, 10).map((message) => String(message.id));
  const queued = await transcriptions.attest(transcriptions.saveDraft({ threadId, messageIds, advisers: ADVISERS, summary: 'Bisoprolol started.', patient: PATIENT }).id, await confirmedPatient(transcriptions));
  const started = Date.now();
  let view: OutboxView | undefined;
  while ((view = transcriptions.outbox().find((item) => item.identifier === queued.identifier))?.state !== 'verified') {
    if (Date.now() - started > 20_000) throw new Error(`filing did not verify: ${view?.state}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await transcriptions.stop();
  session.lock('sign-out');
  return { vaultDir, threadId, keptThreadId: kept.threadId, exportPath, keptPath };
}

function runChild(args: WipeChildArgs): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [childScript, JSON.stringify(args)], { cwd: ROOT, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal, stderr })));
}

describe('a wipe killed with SIGKILL at every step', () => {
  it.each(STEPS)('after %s: the vault reopens for everyone, keeps the rest, and the wipe completes', async (step) => {
    const prepared = await preparedVault();
    const exit = await runChild({ vaultDir: prepared.vaultDir, username: CLINICIAN.username, passphrase: CLINICIAN.passphrase, threadId: prepared.threadId, killAt: step });
    expect(exit, exit.stderr).toMatchObject({ signal: 'SIGKILL' });

    // A fresh process: the clerk, who had nothing to do with the wipe, signs in.
    const files = vaultFiles(prepared.vaultDir);
    const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    cleanups.push(() => session.lock('sign-out'));
    await session.signIn(CLERK.username, CLERK.passphrase);
    expect(readKeySlotFile(files.keySlots)?.rotation).toBeUndefined();
    expect(existsSync(files.rekeyed)).toBe(false);
    const imports = new ImportService({ session });
    const reader = new ThreadReader(session);
    if (step === 'erasing') {
      // Killed inside the erase transaction: it never committed, so nothing at all was wiped.
      expect(reader.listThreads().map((thread) => thread.id).sort()).toEqual([prepared.threadId, prepared.keptThreadId].sort());
      expect(reader.search(WIPED_WORD, 10)).toHaveLength(1);
      expect(listWipes(session.vault().db)).toEqual([]);
      expect(existsSync(prepared.exportPath)).toBe(true);
      return;
    }
    // Once the erase has committed the wipe is finished, never undone: the thread is gone and the other whole.
    expect(reader.listThreads().map((thread) => thread.id)).toEqual([prepared.keptThreadId]);
    expect(reader.search(KEPT_WORD, 10)).toHaveLength(1);
    expect(existsSync(prepared.keptPath)).toBe(true);

    const wipes = new WipeService({ session, imports, transcriptions: { stop: async () => undefined, resumeAll: async () => [], recheckFiled: () => Promise.reject(new Error('no EPR here: nothing in this thread is verified')) }, log: silentLogger });
    const resumed = await wipes.resumeOwed();
    const [certificate] = step === 'finished' ? wipes.certificates() : resumed;
    expect(resumed).toHaveLength(step === 'finished' ? 0 : 1);
    expect(certificate).toMatchObject({ threadId: prepared.threadId, keyRotated: true, sourceFile: 'overwritten', level: 'purge', verification: { status: 'passed' } });
    expect(listWipes(session.vault().db).map((wipe) => wipe.state)).toEqual(['verified']);
    expect(existsSync(prepared.exportPath)).toBe(false);

    const vault = session.vault();
    vault.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(scanForRemnants({ dir: files.dir, database: files.database, key: vault.key, needles: [WIPED_WORD, 'recheck potassium'] }).hits).toEqual([]);
    expect(scanForRemnants({ dir: files.dir, database: files.database, key: vault.key, needles: [KEPT_WORD] }).hits).toEqual(['wardscribe.vault:decrypted']);

    // Everyone else still opens it.
    for (const user of [ADMIN, CLINICIAN]) {
      session.lock('sign-out');
      await session.signIn(user.username, user.passphrase);
    }
  }, 60_000);
});
