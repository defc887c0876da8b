/**
 * Exported PDFs are written beside their final name, often in a folder others can write to. A
 * symlink planted at the temporary name, or swapped in while the PDF is written, must never
 * send Wardscribe's bytes to the file it points at (a review planted `<name>.pdf.partial` →
 * the key file, and the next export locked everyone out of the vault).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeCertificatePdf } from '../../../main/wipe/certificate-pdf';
import { PartialFile } from '../../../main/exports/partial-file';
import { tempDir } from '../../support/temp';
import { makeTrail } from '../audit/support/fixtures';
import { exportFixture } from '../audit/support/export';
import { SAMPLE_CERTIFICATE as CERTIFICATE } from '../wipe/support/certificate';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function folder(): string {
  const dir = tempDir('wardscribe-partial-');
  cleanups.push(dir.remove);
  return dir.path;
}


const VICTIM = 'the key file: must never be overwritten';

describe('a PDF written through a temporary name', () => {
  it('the audit trail export does not follow a link planted at the old fixed temporary name', async () => {
    const dir = folder();
    const victim = join(dir, 'victim.json');
    writeFileSync(victim, VICTIM);
    symlinkSync(victim, join(dir, 'trail.pdf.partial'));
    const exported = await exportFixture(makeTrail(5), dir);
    expect(readFileSync(victim, 'utf8')).toBe(VICTIM);
    expect(readFileSync(exported.path).subarray(0, 5).toString()).toBe('%PDF-');
    // Only the PDF, the victim and the planted link are left: no temporary file.
    expect(readdirSync(dir).sort()).toEqual(['trail.pdf', 'trail.pdf.partial', 'victim.json']);
  });

  it('a wipe certificate (its name known in advance) does not follow a link planted beside it, nor one at the final name', async () => {
    const dir = folder();
    const victim = join(dir, 'victim.json');
    writeFileSync(victim, VICTIM);
    const output = join(dir, 'wardscribe-wipe-certificate-w1.pdf');
    symlinkSync(victim, `${output}.partial`);
    symlinkSync(victim, output);
    const sha256 = await writeCertificatePdf({ certificate: CERTIFICATE, certificateSha256: 'a'.repeat(64), site: 'Ward 7' }, output);
    expect(readFileSync(victim, 'utf8')).toBe(VICTIM);
    // The rename replaced the link at the final name with the PDF itself.
    expect(readFileSync(output).subarray(0, 5).toString()).toBe('%PDF-');
    expect(sha256).toBe(createHash('sha256').update(readFileSync(output)).digest('hex'));
  });

  it('a link swapped in under the temporary name while it is written gets none of the bytes, and the save is refused in words', () => {
    const dir = folder();
    const victim = join(dir, 'victim.json');
    writeFileSync(victim, VICTIM);
    const output = join(dir, 'out.pdf');
    const partial = PartialFile.create(output);
    partial.overwrite(Buffer.from('%PDF-1.7 first'));
    // Swapped: the file moved away, a link to the victim under its name.
    renameSync(partial.path, join(dir, 'moved'));
    symlinkSync(victim, partial.path);
    partial.overwrite(Buffer.from('%PDF-1.7 sealed'));
    expect(() => partial.commit(output)).toThrow(/was replaced by something else before it was finished\. Nothing was saved/);
    expect(readFileSync(victim, 'utf8')).toBe(VICTIM);
    expect(existsSync(output)).toBe(false);
    // The bytes went to the file that was opened, wherever it was moved.
    expect(readFileSync(join(dir, 'moved'), 'utf8')).toBe('%PDF-1.7 sealed');
    // Discarding leaves the planted link alone (it is not the file Wardscribe made).
    partial.discard();
    expect(existsSync(partial.path)).toBe(true);
    rmSync(partial.path);
  });

  it('is created new each time, owner-only, and removed when discarded', () => {
    const dir = folder();
    const output = join(dir, 'out.pdf');
    const first = PartialFile.create(output);
    const second = PartialFile.create(output);
    expect(first.path).not.toBe(second.path);
    if (process.platform !== 'win32') expect(readdirSync(dir).length).toBe(2);
    first.discard();
    second.discard();
    expect(readdirSync(dir)).toEqual([]);
  });
});
