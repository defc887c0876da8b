import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { overwriteExportFile } from '../../../main/wipe/source-file';
import { tempDir } from '../../support/temp';

const dir = tempDir('wardscribe-source-file-');
afterAll(() => dir.remove());
let counter = 0;
const CHAT = '13/03/2023, 09:00 - Dr Ada Shah: stop the heparin\n'.repeat(2000);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function files() {
  const folder = join(dir.path, `case-${++counter}`);
  mkdirSync(folder);
  const exportPath = join(folder, 'WhatsApp Chat - Ward 7.txt');
  const victim = join(folder, 'someone-elses-notes.txt');
  writeFileSync(exportPath, CHAT);
  writeFileSync(victim, CHAT);
  return { folder, exportPath, victim };
}

describe('overwriting the export file', () => {
  it('zeroes, truncates and unlinks the file that was imported', async () => {
    const { exportPath } = files();
    expect(await overwriteExportFile(exportPath, sha256(CHAT))).toBe('overwritten');
    expect(existsSync(exportPath)).toBe(false);
  });

  it('leaves a changed file alone', async () => {
    const { exportPath } = files();
    writeFileSync(exportPath, CHAT + 'one more line\n');
    expect(await overwriteExportFile(exportPath, sha256(CHAT))).toBe('changed');
    expect(readFileSync(exportPath, 'utf8')).toBe(CHAT + 'one more line\n');
  });

  it('never follows a symlink at the export\'s name, even to a file with the same content', async () => {
    const { exportPath, victim } = files();
    renameSync(exportPath, join(dir.path, `moved-${counter}.txt`));
    symlinkSync(victim, exportPath);
    // Its own outcome, not 'not-found': the plaintext may still be wherever the link points.
    expect(await overwriteExportFile(exportPath, sha256(CHAT))).toBe('replaced-by-link');
    expect(readFileSync(victim, 'utf8')).toBe(CHAT);
  });

  it('writes only the file whose hash it checked, when a symlink is swapped in after the check', async () => {
    const { folder, exportPath, victim } = files();
    const aside = join(folder, 'aside.txt');
    const outcome = await overwriteExportFile(exportPath, sha256(CHAT), () => {
      // Between the hash check and the first write, the name is pointed at another file.
      renameSync(exportPath, aside);
      symlinkSync(victim, exportPath);
    });
    expect(outcome).toBe('overwritten');
    expect(readFileSync(victim, 'utf8')).toBe(CHAT);
    expect(readFileSync(aside).length).toBe(0);
    // The name now belongs to someone else's link: it is not unlinked.
    expect(existsSync(exportPath)).toBe(true);
  });
});
