/**
 * A wipe racing an import (#14). The wipe used to check "no import is running", then await, and
 * an import could start before its erase and key rotation. Now both take the vault lease: an
 * import under way makes the wipe refuse (naming it), and an import asked for during a wipe waits
 * for it to finish. Never both at once, whatever the timing.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { listCompleteThreads } from '../../../main/vault/queries/threads';
import { vaultFiles } from '../../../main/vault/vault-files';
import { WipeService, type WipeStep } from '../../../main/wipe/wipe-service';
import { writeExport } from '../importers/helpers';
import { CLINICIAN } from '../../support/people';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';
import { plannedNow } from './support/planned';

const REASON = 'Social chat only: the advice was given and recorded by phone.';
const job = (): ImportJob => ({ signal: new AbortController().signal, progress: () => undefined });
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

/** An export big enough that its import takes a while (several batches, yielding between them). */
function bigChat(label: string, count: number): string {
  const lines: string[] = [];
  for (let at = 0; at < count; at++) {
    const minute = String(at % 60).padStart(2, '0');
    const hour = String(8 + Math.floor(at / 60) % 12).padStart(2, '0');
    lines.push(`[${String(1 + Math.floor(at / 720) % 28).padStart(2, '0')}/03/2023, ${hour}:${minute}:00] Nurse ${label}: observation ${at} for ${label}, all stable`);
  }
  return lines.join('\n') + '\n';
}

async function world() {
  const dir = tempDir('wardscribe-wipe-race-');
  cleanups.push(dir.remove);
  const session = new SessionService({ files: vaultFiles(join(dir.path, 'vault')), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF, exclusiveWaitMs: 150 });
  cleanups.push(() => session.lock('sign-out'));
  await session.createFirstAdmin(ADMIN);
  await session.createUser(CLINICIAN);
  await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
  await session.changePassphrase(CLINICIAN.passphrase, 'priya kettle orbit gravel tulip');
  const imports = new ImportService({ session, batchSize: 500 });
  const steps: { step: WipeStep; importing: boolean }[] = [];
  const wipes = new WipeService({
    session,
    imports,
    transcriptions: { stop: async () => undefined, resumeAll: async () => [], recheckFiled: () => Promise.reject(new Error('no EPR here: nothing in this thread is verified')) },
    log: silentLogger,
    hooks: { afterStep: (step) => steps.push({ step, importing: imports.importing }) },
  });
  return { dir: dir.path, session, imports, wipes, steps };
}

describe('a wipe racing an import', () => {
  it('ends with the wipe refused while an import holds the vault, or the import waiting for the wipe; never both at once', async () => {
    const w = await world();
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      const small = writeExport(w.dir, `WhatsApp Chat with Small ${round}.txt`, bigChat(`small${round}`, 40));
      const { threadId } = await w.imports.import({ path: small, zone: 'Europe/London', dateOrder: 'dmy' }, job());
      const big = writeExport(w.dir, `WhatsApp Chat with Big ${round}.txt`, bigChat(`big${round}`, 6_000));
      w.steps.length = 0;
      // Each round starts them in a different order and spacing, the wipe's awaits included.
      const wipeFirst = round % 2 === 0;
      const gapMs = [0, 1, 3, 8, 20, 0][round]!;
      const planned = await plannedNow(w.wipes, threadId);
      const wipe = () => w.wipes.wipe({ threadId, overwriteSourceFile: false, planned, overrideReason: REASON });
      const importBig = () => w.imports.import({ path: big, zone: 'Europe/London', dateOrder: 'dmy' }, job());
      let wiping: ReturnType<typeof wipe>;
      let importing: ReturnType<typeof importBig>;
      if (wipeFirst) {
        wiping = wipe();
        await new Promise((resolve) => setTimeout(resolve, gapMs));
        importing = importBig();
      } else {
        importing = importBig();
        await new Promise((resolve) => setTimeout(resolve, gapMs));
        wiping = wipe();
      }
      const [wiped, imported] = await Promise.all([Promise.allSettled([wiping]), Promise.allSettled([importing])]).then(([[x], [y]]) => [x!, y!] as const);
      // The import always lands (after the wipe, if the wipe got in first).
      expect(imported.status).toBe('fulfilled');
      if (wiped.status === 'rejected') {
        expect(wiped.reason).toMatchObject({ code: 'conflict', message: /an import is running/ });
        outcomes.push('wipe refused');
      } else {
        expect(wiped.value.keyRotated).toBe(true);
        outcomes.push('import waited');
      }
      // At no step of a wipe was an import writing.
      expect(w.steps.filter((entry) => entry.importing)).toEqual([]);
      const titles = listCompleteThreads(w.session.vault().db).map((thread) => thread.title);
      expect(titles).toContain(`Big ${round}`);
      expect(titles.includes(`Small ${round}`)).toBe(wiped.status === 'rejected');
    }
    // Both outcomes were seen.
    expect(new Set(outcomes)).toEqual(new Set(['wipe refused', 'import waited']));
  }, 240_000);
});
