import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { verifyTrailPdf } from '../../main/audit/verify-trail';
import { addPersonAndSignIn, createFirstAdmin, expect, expectNoAxeViolations, test } from './fixtures';

test('an auditor signs in, filters the trail, exports it as PDF, and the file verifies', async ({ wardscribe: { page } }) => {
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'olga', displayName: 'Όλγα Auditor', role: 'auditor' });

  // Auditors see the trail, not administration.
  await expect(page.getByRole('button', { name: 'Users' })).toHaveCount(0);
  await page.keyboard.press('Alt+6');
  await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeFocused();
  await expect(page.getByTestId('entry-count')).not.toHaveText(/^0 /);

  await page.getByLabel('Action').selectOption('user-created');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByTestId('entry-count')).toHaveText('2 entries shown, newest first');
  await expect(page.locator('.ws-audit-table tbody')).toContainText('role-auditor');
  // Actions in words, the stored code kept as the cell's title.
  await expect(page.locator('.ws-audit-table tbody td[title="user-created"]').first()).toHaveText('User created');
  await expect(page.locator('.ws-audit-table tbody')).not.toContainText('sign-in');
  // Identifiers in words: the person an administration entry concerns, by name (a cold trial saw "subjectUserId: de9c…").
  await expect(page.locator('.ws-audit-table tbody').getByText('Person: Ada Admin (admin)')).toBeVisible();
  await expect(page.locator('.ws-audit-table tbody')).not.toContainText('subjectUserId');

  await page.getByRole('button', { name: 'Export PDF' }).click();
  await expect(page.getByTestId('export-result')).toContainText('Exported 1 page', { timeout: 30_000 });
  const path = (await page.getByTestId('export-result').locator('code').textContent())!;
  const shown = (await page.getByTestId('key-fingerprint').locator('code').first().textContent())!;
  expect(shown).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
  const fingerprint = shown.replaceAll(' ', '');

  // The in-app check needs the registered fingerprint: without one (or the explicit choice) it refuses.
  await page.getByRole('button', { name: 'Verify the exported file' }).click();
  await expect(page.getByTestId('verify-result')).toContainText('NOT VERIFIED: No workstation key fingerprint was given');
  await page.getByLabel('I have no registered fingerprint').check();
  await page.getByRole('button', { name: 'Verify the exported file' }).click();
  await expect(page.getByTestId('verify-result')).toContainText('Consistent, but NOT checked against the registered key');
  await page.getByLabel('I have no registered fingerprint').uncheck();
  await page.getByLabel('Registered workstation key fingerprint').fill('f'.repeat(64));
  await page.getByRole('button', { name: 'Verify the exported file' }).click();
  await expect(page.getByTestId('verify-result')).toContainText('NOT VERIFIED');
  await page.getByLabel('Registered workstation key fingerprint').fill(shown);
  await page.getByRole('button', { name: 'Verify the exported file' }).click();
  await expect(page.getByTestId('verify-result')).toHaveText('Verified: the trail is intact and signed under the registered workstation key (2 entries).');

  // Independently: the file verifies on its own against the pinned key, and poppler reads the entries back.
  const report = await verifyTrailPdf(readFileSync(path), { expectedKeyFingerprint: fingerprint });
  expect(report.problems).toEqual([]);
  expect(report).toMatchObject({ ok: true, keyFingerprint: fingerprint, pagesVerified: true });
  expect((await verifyTrailPdf(readFileSync(path))).ok).toBe(false);
  expect((await verifyTrailPdf(readFileSync(path), { expectedKeyFingerprint: 'f'.repeat(64) })).ok).toBe(false);
  const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
  expect(text).toContain('User created');
  expect(text).not.toContain('user-created');
  expect(text).toContain('Ada Admin');

  // The export itself is now in the trail.
  await page.getByLabel('Action').selectOption('export');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByTestId('entry-count')).toHaveText('1 entry shown, newest first');
});

test('the trail filters by username; a username matching nobody and a From after To are said, each linked to its field', async ({ wardscribe: { page } }) => {
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'olga', displayName: 'Olga Auditor', role: 'auditor' });
  await page.keyboard.press('Alt+6');
  await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeFocused();
  const table = page.locator('.ws-audit-table tbody');
  await expect(table).toContainText('Ada Admin');

  // By username, as people know each other (the trail holds an internal id).
  await page.getByLabel('Username').fill('OLGA');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByTestId('entry-count')).not.toHaveText(/^0 /);
  await expect(table).toContainText('Olga Auditor');
  await expect(table).not.toContainText('Ada Admin');

  // Nobody by that name: said, not an empty trail; the link moves to the field.
  await page.getByLabel('Username').fill('olgaa');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const summary = page.getByTestId('error-summary');
  await expect(summary).toBeFocused();
  await summary.getByRole('link', { name: /No one on this workstation has the username “olgaa”/ }).click();
  await expect(page.getByLabel('Username')).toBeFocused();
  await expect(page.locator('#user-error')).toContainText('olgaa');
  await expectNoAxeViolations(page, 'the audit filter refused');

  // From after To.
  await page.getByLabel('Username').fill('');
  await page.getByLabel('From (date)').fill('2026-03-02');
  await page.getByLabel('To (date)').fill('2026-03-01');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(summary).toBeFocused();
  await summary.getByRole('link', { name: 'The From date must be the same as or before the To date.' }).click();
  await expect(page.getByLabel('From (date)')).toBeFocused();

  // Corrected, the summary goes and the filter applies.
  await page.getByLabel('From (date)').fill('2026-03-01');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(summary).toHaveCount(0);
  await expect(page.getByTestId('entry-count')).toHaveText(/^0 entries shown/);
});

test('the trail prints through the system print dialog: every entry shown, nothing else of the screen, the training mode said', async ({ wardscribe: { page } }) => {
  await createFirstAdmin(page);
  await page.keyboard.press('Alt+6');
  await expect(page.getByTestId('entry-count')).not.toHaveText(/^0 /);
  const shown = Number(/^(\d+)/.exec((await page.getByTestId('entry-count').textContent()) ?? '')![1]);
  // What the print dialog would print: the page under print media at the moment print() is called.
  await page.emulateMedia({ media: 'print' });
  await page.evaluate(() => {
    const seen: Record<string, unknown>[] = [];
    (window as unknown as { printed: typeof seen }).printed = seen;
    window.print = () => {
      const visible = (selector: string) => [...document.querySelectorAll(selector)].some((node) => getComputedStyle(node).display !== 'none' && (node as HTMLElement).offsetParent !== null);
      const target = document.querySelector('[data-print-target]');
      seen.push({
        rows: target?.querySelectorAll('tbody tr').length ?? 0,
        nav: visible('nav'),
        header: visible('header'),
        buttons: visible('[data-print-target] button'),
        filters: visible('form'),
        note: target ? getComputedStyle(target, '::before').content : '',
      });
    };
  });
  await page.getByRole('button', { name: 'Print the entries shown' }).click();
  await expect.poll(() => page.evaluate(() => (window as unknown as { printed: unknown[] }).printed.length)).toBe(1);
  const [printed] = await page.evaluate(() => (window as unknown as { printed: Record<string, unknown>[] }).printed);
  expect(printed).toMatchObject({ rows: shown, nav: false, header: false, buttons: false, filters: false });
  expect(String(printed!['note'])).toContain('TRAINING');
  // Afterwards the screen is as it was.
  await page.emulateMedia({ media: 'screen' });
  await expect(page.getByTestId('audit-print')).toHaveCount(0);
  await expect(page.locator('html.ws-printing')).toHaveCount(0);
});
