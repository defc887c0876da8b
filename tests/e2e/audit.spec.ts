import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { verifyTrailPdf } from '../../main/audit/verify-trail';
import { createFirstAdmin, expect, test } from './fixtures';

test('an auditor signs in, filters the trail, exports it as PDF, and the file verifies', async ({ wardscribe: { page } }) => {
  // The administrator creates an auditor; the auditor signs in and sets their own passphrase.
  await createFirstAdmin(page);
  await page.keyboard.press('Alt+7');
  await page.getByLabel('Username').fill('olga');
  await page.getByLabel('Full name').fill('Όλγα Auditor');
  await page.getByLabel('Role').selectOption('auditor');
  await page.getByLabel('Temporary passphrase').fill('temporary for olga');
  await page.getByRole('button', { name: 'Add person' }).click();
  await expect(page.getByTestId('users-table')).toContainText('Όλγα Auditor');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Username').fill('olga');
  await page.getByLabel('Passphrase').fill('temporary for olga');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Current passphrase').fill('temporary for olga', { timeout: 15_000 });
  await page.getByLabel('New passphrase', { exact: true }).fill('olga audits the trail');
  await page.getByLabel('New passphrase again').fill('olga audits the trail');
  await page.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(page.getByRole('status')).toContainText('Your passphrase has been changed.');

  // Auditors see the trail, not administration.
  await expect(page.getByRole('button', { name: 'Users' })).toHaveCount(0);
  await page.keyboard.press('Alt+6');
  await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeFocused();
  await expect(page.getByTestId('entry-count')).not.toHaveText(/^0 /);

  await page.getByLabel('Action').selectOption('user-created');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByTestId('entry-count')).toHaveText('2 entries shown, newest first');
  await expect(page.locator('.ws-audit-table tbody')).toContainText('role-auditor');
  await expect(page.locator('.ws-audit-table tbody')).not.toContainText('sign-in');

  await page.getByRole('button', { name: 'Export PDF' }).click();
  await expect(page.getByTestId('export-result')).toContainText('Exported 1 page', { timeout: 30_000 });
  const path = (await page.getByTestId('export-result').locator('code').textContent())!;
  await page.getByRole('button', { name: 'Verify the exported file' }).click();
  await expect(page.getByTestId('verify-result')).toHaveText('Verified: the trail is intact (2 entries).');

  // Independently: the file verifies on its own, and poppler reads the entries back.
  const report = await verifyTrailPdf(readFileSync(path));
  expect(report.ok).toBe(true);
  const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
  expect(text).toContain('user-created');
  expect(text).toContain('Ada Admin');

  // The export itself is now in the trail.
  await page.getByLabel('Action').selectOption('export');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByTestId('entry-count')).toHaveText('1 entry shown, newest first');
});
