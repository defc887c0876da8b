import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONTENT_SECURITY_POLICY } from '../../main/security/policy';
import { createFirstAdmin, test, expect } from './fixtures';

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

test('the app loads and the status screen shows what main reports', async ({ wardscribe: { page } }) => {
  await createFirstAdmin(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Status' })).toBeVisible();
  const list = page.getByTestId('status-list');
  await expect(list).toContainText(version);
  await expect(page.getByTestId('status-host')).toHaveText('Chromium fallback shell (Electron not installed)');
  await expect(list).toContainText(/Chromium \d+\.\d+/);
  await expect(list).toContainText(process.versions.node);
  expect(await page.title()).toBe('Wardscribe');
});

test('a malformed payload gets a typed error, not an exception', async ({ wardscribe: { page } }) => {
  const result = await page.evaluate(() =>
    (window.wardscribe.app.status as (request: unknown) => Promise<unknown>)({ injected: '<img src=x onerror=alert(1)>' }),
  );
  expect(result).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
  const cancel = await page.evaluate(() => (window.wardscribe.jobs.cancel as (request: unknown) => Promise<unknown>)({ jobId: 42 }));
  expect(cancel).toMatchObject({ ok: false, error: { code: 'invalid-request', issues: [{ path: 'jobId' }] } });
});

test('window.wardscribe is exactly the contract, frozen', async ({ wardscribe: { page } }) => {
  const shape = await page.evaluate(() => {
    const api = window.wardscribe as unknown as Record<string, Record<string, unknown>>;
    return {
      namespaces: Object.keys(api).sort(),
      app: Object.keys(api['app']!).sort(),
      frozen: Object.isFrozen(api) && Object.isFrozen(api['app']),
      replaced: (() => {
        try {
          (api['app'] as Record<string, unknown>)['status'] = () => 'forged';
        } catch {
          /* strict-mode assignment to a frozen object throws; either way it must not stick */
        }
        return typeof (api['app'] as Record<string, () => unknown>)['status']!() === 'string';
      })(),
      leftovers: Object.getOwnPropertyNames(window).filter((name) => name.startsWith('__wardscribe')),
    };
  });
  expect(shape).toEqual({
    namespaces: ['app', 'audit', 'epr', 'events', 'exports', 'files', 'imports', 'jobs', 'media', 'outbox', 'patients', 'session', 'settings', 'threads', 'transcriptions', 'users', 'vault', 'wipes'],
    app: ['status'],
    frozen: true,
    replaced: false,
    leftovers: [],
  });
});

test('the renderer is served with the CSP, and inline or data: scripts do not run', async ({ wardscribe: { page, host } }) => {
  const response = await page.request.get(`${host.origin}/`);
  expect(response.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  const outcome = await page.evaluate(async () => {
    const flags = window as unknown as Record<string, boolean | undefined>;
    const inline = document.createElement('script');
    inline.textContent = 'window.__inlineRan = true';
    document.body.append(inline);
    const fromData = document.createElement('script');
    fromData.src = 'data:text/javascript,window.__dataRan=true';
    const dataSettled = new Promise((resolve) => {
      fromData.onload = resolve;
      fromData.onerror = resolve;
    });
    document.body.append(fromData);
    await dataSettled;
    return { inlineRan: flags['__inlineRan'] === true, dataRan: flags['__dataRan'] === true };
  });
  expect(outcome).toEqual({ inlineRan: false, dataRan: false });
});

test('the page cannot navigate away from Wardscribe', async ({ wardscribe: { page, host } }) => {
  await page.evaluate(() => {
    window.location.href = 'https://example.org/';
  });
  await page.waitForTimeout(300);
  expect(new URL(page.url()).origin).toBe(host.origin);
  await expect(page.getByRole('heading', { level: 1, name: 'Set up Wardscribe on this workstation' })).toBeVisible();
});

test('navigation is reachable by keyboard', async ({ wardscribe: { page } }) => {
  await createFirstAdmin(page);
  await expect(page.getByTestId('status-list')).toBeVisible();
  await page.locator('body').focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to main content' })).toBeFocused();
  await page.keyboard.press('Alt+7');
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeFocused();
  await page.keyboard.press('Alt+1');
  await expect(page.getByRole('heading', { level: 1, name: 'Status' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(page.getByRole('button', { name: 'My passphrase' })).toBeFocused();
});

test('events from main reach the page through window.wardscribe.events', async ({ wardscribe: { page, host } }) => {
  await page.evaluate(() => {
    const seen: unknown[] = [];
    (window as unknown as { seen: unknown[] }).seen = seen;
    window.wardscribe.events.subscribe((event) => seen.push(event));
  });
  host.app.events.emit({ type: 'job.progress', jobId: 'job-e2e-01', done: 3, total: 10, unit: 'messages' });
  host.app.events.emit({ type: 'session.locked', reason: 'idle' });
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { seen: unknown[] }).seen))
    .toEqual([
      { type: 'job.progress', jobId: 'job-e2e-01', done: 3, total: 10, unit: 'messages' },
      { type: 'session.locked', reason: 'idle' },
    ]);
});

test('the window title stays "Wardscribe" whatever the page sets', async ({ wardscribe: { page } }) => {
  await page.evaluate(() => {
    document.title = 'Jane Testpatient 943 476 5919';
  });
  expect(await page.title()).toBe('Wardscribe');
});

test('the DevTools shortcuts and the Inspect menu do not reach Chromium', async ({ wardscribe: { page } }) => {
  const prevented = await page.evaluate(() =>
    [
      new KeyboardEvent('keydown', { key: 'F12', bubbles: true, cancelable: true }),
      new KeyboardEvent('keydown', { key: 'I', ctrlKey: true, shiftKey: true, bubbles: true, cancelable: true }),
      new KeyboardEvent('keydown', { key: 'j', metaKey: true, altKey: true, bubbles: true, cancelable: true }),
      new MouseEvent('contextmenu', { bubbles: true, cancelable: true }),
      new KeyboardEvent('keydown', { key: 'a', ctrlKey: true, bubbles: true, cancelable: true }),
    ].map((event) => !document.body.dispatchEvent(event)),
  );
  // Ctrl+A (select all) is left alone.
  expect(prevented).toEqual([true, true, true, true, false]);
});

test('npm start without a display says so in one line and points to the demo', async () => {
  const root = join(__dirname, '..', '..');
  const outcome = await promisify(execFile)(process.execPath, [join(root, 'out', 'main', 'start.js')], {
    cwd: root,
    env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' },
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
  expect('code' in outcome ? outcome.code : 0).toBe(2);
  expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
  expect(outcome.stderr).toContain('no display found');
  expect(outcome.stderr).toContain('npx wardscribe demo');
});

