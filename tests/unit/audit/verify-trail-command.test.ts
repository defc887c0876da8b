import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACHMENT_NAMES } from '../../../main/audit/export-format';
import { tempDir } from '../../support/temp';
import { makeTrail, type TrailFixture } from './support/fixtures';
import { exportFixture } from './support/export';
import { editJsonLines, replaceAttachment } from './support/pdf-tamper';

const ROOT = join(__dirname, '..', '..', '..');

/** Runs the built CLI as a user would: `node bin/wardscribe.js verify-trail …`. */
function wardscribe(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'wardscribe.js'), 'verify-trail', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('wardscribe verify-trail (built CLI)', () => {
  const folder = tempDir('wardscribe-audit-cli-');
  let trail: TrailFixture;
  let freshPath: string;
  let editedPath: string;

  beforeAll(async () => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed:\n${build.stderr}`);
    trail = makeTrail(45);
    const fresh = await exportFixture(trail, folder.path, 'fresh.pdf');
    freshPath = fresh.path;
    editedPath = join(folder.path, 'edited.pdf');
    const edited = await replaceAttachment(
      fresh.bytes,
      ATTACHMENT_NAMES.entries,
      editJsonLines((items) => items.map((item) => (item.sequence === 17 ? { ...item, outcome: { status: 'success' } , action: 'attested' } : item))),
    );
    writeFileSync(editedPath, edited);
  }, 240_000);
  afterAll(() => folder.remove());

  it('prints OK and exits 0 on a fresh export', () => {
    const result = wardscribe(freshPath, '--expect-key', trail.key.fingerprint);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^OK: 45 entries \(entries 1–45\)/);
  });

  it('prints FAILED with the broken entry and exits 1 on an edited export', () => {
    const result = wardscribe(editedPath, '--expect-key', trail.key.fingerprint);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^FAILED:/);
    expect(result.stdout).toMatch(/hash-mismatch \(entry 17\)/);
  });

  it('exits 1 when the key is not the expected one, and 2 on usage errors', () => {
    expect(wardscribe(freshPath, '--expect-key', 'ab'.repeat(32)).status).toBe(1);
    expect(wardscribe().status).toBe(2);
    expect(wardscribe(join(folder.path, 'missing.pdf')).status).toBe(2);
    expect(wardscribe(freshPath, '--witness', 'nonsense').status).toBe(2);
  });

  it('refuses to verify without a pinned key, and says so when told to trust the embedded one', () => {
    const unpinned = wardscribe(freshPath);
    expect(unpinned.status).toBe(2);
    expect(unpinned.stderr).toMatch(/--expect-key with the fingerprint registered for this workstation/);
    const trusting = wardscribe(freshPath, '--trust-embedded-key');
    expect(trusting.status).toBe(0);
    expect(trusting.stdout).toMatch(/^OK: /);
    expect(trusting.stdout).toMatch(/WARNING: the key embedded in the PDF was trusted without checking it against the registered fingerprint/);
    expect(wardscribe(freshPath, '--trust-embedded-key', '--expect-key', trail.key.fingerprint).status).toBe(2);
  });
});
