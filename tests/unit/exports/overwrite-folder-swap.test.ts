/**
 * Overwriting an exported file while another process swaps its folder for a link to a decoy copy
 * and back, as fast as it can (#14). Whatever the timing, the outcome said is true: "overwritten"
 * only when the file Wardscribe wrote no longer holds its text, anything else only when it still
 * does; a swap is told in plain words (never a bare ENOENT); and no file is left half zeros.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WardscribeError } from '../../../main/errors';
import { ExportedFiles } from '../../../main/exports/exported-files';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { vaultFiles } from '../../../main/vault/vault-files';
import { overwriteExportFile } from '../../../main/wipe/source-file';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';
import { AUDITOR } from './people';

const RUNS = 400;
const dir = tempDir('wardscribe-overwrite-swap-');
// Big enough that the hash, the zeros and the flushes take a little while: the swaps have room.
const TEXT = 'Audit trail export, ward 7: entry 943 476 5919 viewed\n'.repeat(3_000);
const SHA = createHash('sha256').update(TEXT).digest('hex');

let swapper: ChildProcess;
let output = '';
const waitFor = (line: string) =>
  new Promise<void>((resolve, reject) => {
    const look = () => {
      const at = output.indexOf(line);
      if (at < 0) return false;
      output = output.slice(at + line.length);
      resolve();
      return true;
    };
    if (look()) return;
    const onData = () => look() && swapper.stdout!.off('data', onData);
    swapper.stdout!.on('data', onData);
    swapper.once('exit', (code) => reject(new Error(`the swapper exited (${code})`)));
  });

beforeAll(() => {
  swapper = spawn(process.execPath, [join(__dirname, 'support', 'folder-swapper.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  swapper.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
});
afterAll(() => {
  swapper.kill('SIGKILL');
  dir.remove();
});

type Seen = 'intact' | 'gone' | 'empty' | 'half-written';
function state(path: string): Seen {
  if (!existsSync(path)) return 'gone';
  const text = readFileSync(path, 'utf8');
  return text === TEXT ? 'intact' : text.length === 0 ? 'empty' : 'half-written';
}

describe('overwriting an export file while its folder is swapped for a link and back', () => {
  it(`says only what is true, in words, and leaves nothing half written (${RUNS} runs)`, async () => {
    const tally = new Map<string, number>();
    for (let run = 0; run < RUNS; run++) {
      const root = join(dir.path, `run-${run}`);
      mkdirSync(join(root, 'exports'), { recursive: true });
      mkdirSync(join(root, 'decoy'));
      writeFileSync(join(root, 'exports', 'trail.pdf'), TEXT);
      writeFileSync(join(root, 'decoy', 'trail.pdf'), TEXT);

      swapper.stdin!.write(`swap ${root}\n`);
      await waitFor('swapping\n');
      await new Promise((resolve) => setTimeout(resolve, run % 3));
      let said: string;
      try {
        said = await overwriteExportFile(join(root, 'exports', 'trail.pdf'), SHA);
      } catch (error) {
        // A plain-English refusal, never a bare file-system error.
        expect(error, `run ${run}: ${(error as Error).message}`).toBeInstanceOf(WardscribeError);
        said = 'refused';
      }
      swapper.stdin!.write('stop\n');
      await waitFor('stopped');

      const original = state(join(root, 'exports', 'trail.pdf'));
      const decoy = state(join(root, 'decoy', 'trail.pdf'));
      tally.set(`${said}: original ${original}, decoy ${decoy}`, (tally.get(`${said}: original ${original}, decoy ${decoy}`) ?? 0) + 1);
      expect([original, decoy], `run ${run} (${said})`).not.toContain('half-written');
      // The file is there all along (in the real folder, renamed for a moment): never "not found".
      expect(said, `run ${run}`).not.toBe('not-found');
      if (said === 'overwritten') {
        // The file Wardscribe wrote, not the decoy, lost its text (and its name, unless the swap
        // moved it just then: an empty file is left).
        expect(['gone', 'empty'], `run ${run}`).toContain(original);
        expect(decoy, `run ${run}`).toBe('intact');
      } else {
        // Refused or "replaced by a link": nothing was touched, the decoy included.
        expect([original, decoy], `run ${run} (${said})`).toEqual(['intact', 'intact']);
      }
    }
    // The race was real: the folder was swapped all along (how often each outcome came depends on
    // the machine's load, so only that is required here).
    swapper.stdin!.write('stop\n');
    await waitFor('stopped ');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const swaps = Number(/^(\d+)/.exec(output)?.[1] ?? 0);
    expect(swaps, JSON.stringify(Object.fromEntries(tally))).toBeGreaterThan(RUNS);
  }, 180_000);

  it('an exported PDF whose folder was moved away is refused in words, stays listed, and the refusal is audited', async () => {
    const root = join(dir.path, 'moved-folder');
    mkdirSync(join(root, 'exports'), { recursive: true });
    const session = new SessionService({ files: vaultFiles(join(root, 'vault')), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    await session.createFirstAdmin(ADMIN);
    await session.createUser(AUDITOR);
    session.lock('sign-out');
    await session.signIn(AUDITOR.username, AUDITOR.passphrase);
    const folder = join(root, 'exports');
    const exports = new ExportedFiles(session, folder);
    const listed = exports.record('audit-trail', folder, 'trail.pdf', SHA);
    writeFileSync(listed.path, TEXT);
    // Moved, not deleted: the PDF is still on this computer, so "already gone" would be untrue.
    renameSync(folder, join(root, 'exports.moved'));

    await expect(exports.remove(listed.id, 'auditor')).rejects.toThrow(/moved or swapped.*nothing was touched and the file may still be on this computer/);
    expect(readFileSync(join(root, 'exports.moved', 'trail.pdf'), 'utf8')).toBe(TEXT);
    expect(exports.list('auditor').map((file) => file.id)).toEqual([listed.id]);
    const entries = [...session.audit().store.entries({ filter: { actions: ['export-removed'] } })];
    expect(entries.map((entry) => entry.outcome)).toEqual([{ status: 'refused', reason: 'folder-moved' }]);
    session.lock('sign-out');
  });
});
