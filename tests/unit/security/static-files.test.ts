import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../main/security/policy';
import { readStaticFile } from '../../../main/security/static-files';
import { tempDir } from '../../support/temp';

const dir = tempDir();
const root = join(dir.path, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><title>Wardscribe</title>');
writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(root, 'assets', 'notes.txt'), 'not a renderer file type');
writeFileSync(join(dir.path, 'secret.js'), 'outside the root');
mkdirSync(join(dir.path, 'elsewhere'));
writeFileSync(join(dir.path, 'elsewhere', 'other.js'), 'outside the root');
// Links planted inside the renderer folder: to a file outside it, to a folder outside it, and to a file inside it.
symlinkSync(join(dir.path, 'secret.js'), join(root, 'linked.js'));
symlinkSync(join(dir.path, 'elsewhere'), join(root, 'linked-folder'));
symlinkSync(join(root, 'assets', 'app.js'), join(root, 'assets', 'alias.js'));
afterAll(dir.remove);

describe('readStaticFile', () => {
  it('serves index.html for / with the CSP header', async () => {
    const file = await readStaticFile(root, '/');
    expect(file.status).toBe(200);
    expect(file.body.toString()).toContain('<title>Wardscribe</title>');
    expect(file.headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(file.headers['Content-Type']).toBe('text/html; charset=utf-8');
  });

  it('serves a known asset type', async () => {
    const file = await readStaticFile(root, '/assets/app.js');
    expect(file.status).toBe(200);
    expect(file.headers['Content-Type']).toMatch(/^text\/javascript/);
  });

  it.each(['/../secret.js', '/assets/../../secret.js', '/%2e%2e/secret.js', '/..%2fsecret.js', '/assets%5c..%5c..%5csecret.js', '/%00index.html', '/%E0%A4%A'])(
    'refuses %s',
    async (path) => {
      const file = await readStaticFile(root, path);
      expect(file.status).toBe(404);
      expect(file.body.toString()).not.toContain('outside the root');
    },
  );

  it('refuses files of an unknown type and files that do not exist', async () => {
    expect((await readStaticFile(root, '/assets/notes.txt')).status).toBe(404);
    expect((await readStaticFile(root, '/assets/missing.js')).status).toBe(404);
  });

  it.each(['/linked.js', '/linked-folder/other.js', '/assets/alias.js'])('refuses a path through a symbolic link: %s', async (path) => {
    const file = await readStaticFile(root, path);
    expect(file.status).toBe(404);
    expect(file.body.toString()).not.toContain('outside the root');
  });

  it('serves from a renderer folder that is itself reached through a link', async () => {
    const linkedRoot = join(dir.path, 'renderer-link');
    symlinkSync(root, linkedRoot);
    expect((await readStaticFile(linkedRoot, '/assets/app.js')).status).toBe(200);
  });
});
