import { existsSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { addPersonAndSignIn, createFirstAdmin, expect, test } from './fixtures';

test('an exported PDF renamed on the disk is not reported gone: the list says where it went, and Remove then removes it there', async ({ wardscribe: { page } }) => {
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'olga', displayName: 'Olga Auditor', role: 'auditor' });
  await page.keyboard.press('Alt+6');
  await page.getByRole('button', { name: 'Export PDF' }).click();
  await expect(page.getByTestId('export-result')).toContainText('Exported 1 page', { timeout: 30_000 });
  const path = (await page.getByTestId('export-result').locator('code').textContent())!;
  const renamed = join(dirname(path), 'kept for the complaint.pdf');
  renameSync(path, renamed);

  const section = page.getByTestId('exported-files');
  await section.getByRole('button', { name: `Remove ${basename(path)}` }).click();
  await section.getByRole('button', { name: 'Yes, remove it' }).click();
  await expect(section.getByText('The exported file was not removed')).toBeVisible();
  await expect(section).toContainText(`The PDF ${basename(path)} is no longer in ${dirname(path)}, so nothing was touched. The PDF Wardscribe saved is now kept for the complaint.pdf in the same folder`);
  await expect(section).not.toContainText('already gone');
  await expect(section.getByTestId('exported-file-row')).toHaveCount(1);
  await expect(section.getByTestId('exported-file-row').locator('code')).toHaveText(renamed);
  expect(existsSync(renamed)).toBe(true);

  await section.getByRole('button', { name: 'Remove kept for the complaint.pdf' }).click();
  await section.getByRole('button', { name: 'Yes, remove it' }).click();
  await expect(section.getByTestId('exported-file-removed')).toHaveText('kept for the complaint.pdf was overwritten and removed.');
  await expect(section.getByTestId('exported-file-row')).toHaveCount(0);
  expect(existsSync(renamed)).toBe(false);
});
