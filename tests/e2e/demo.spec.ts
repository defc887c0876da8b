import { test, expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../support/temp';

const root = join(__dirname, '..', '..');
const run = promisify(execFile);

test('npx wardscribe demo runs the whole job without a window and says where the PDFs are', async () => {
  test.setTimeout(120_000);
  const data = tempDir('wardscribe-demo-e2e-');
  try {
    const dataDir = join(data.path, 'demo');
    const { stdout } = await run(process.execPath, [join(root, 'bin', 'wardscribe.js'), 'demo', '--data-dir', dataDir], { cwd: root, env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' } });
    const steps = [
      'Create the vault and its first administrator',
      'Add a clinician; they sign in and choose a passphrase',
      'Import the sample ward chat',
      'Attribute two excerpts to the consultant',
      'Attest both',
      'File them and verify each by reading it back',
      'Wipe the thread, with its certificate',
      'Export the audit trail as a signed PDF and verify it',
    ];
    for (const [index, step] of steps.entries()) expect(stdout).toMatch(new RegExp(`${index + 1}\\. ${step.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* \\d+ ms`));
    expect(stdout).toContain('2 transcriptions filed and verified, the originals wiped (purge), the trail verified');
    const pdfs = [...stdout.matchAll(/^ {2}(\/\S+\.pdf)$/gm)].map((match) => match[1]!);
    expect(pdfs).toHaveLength(2);
    for (const pdf of pdfs) {
      expect(pdf.startsWith(dataDir)).toBe(true);
      expect(existsSync(pdf)).toBe(true);
    }
    // The trail PDF checks on its own, as an auditor would check it, pinned to the workstation's key.
    const fingerprint = /--expect-key ([0-9a-f]{64})/.exec(stdout)?.[1];
    expect(fingerprint).toBeDefined();
    const verified = await run(process.execPath, [join(root, 'bin', 'wardscribe.js'), 'verify-trail', pdfs[1]!, '--expect-key', fingerprint!], { cwd: root });
    expect(verified.stdout).toMatch(/^OK: /);
  } finally {
    data.remove();
  }
});
