import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildZip } from '../unit/importers/zip-writer';
import { addPersonAndSignIn, createFirstAdmin, expect, expectNoAxeViolations, test } from './fixtures';

const CHAT = ['[13/04/2024, 21:14:02] Dr Amara Okafor: Can you review bed 12?', '[13/04/2024, 21:20:45] Ben (reg): Restrict fluids to 1.5 L.'].join('\n');

test('in the Chromium shell, "Choose file…" browses the folders under home and the chosen file is the one checked and imported; a drop says what to do instead', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(120_000);
  // The browse root of this test's Wardscribe is its data folder (tests/e2e/fixtures.ts).
  mkdirSync(join(dataDir, 'Downloads', 'Ward 7'), { recursive: true });
  writeFileSync(join(dataDir, 'Downloads', 'Ward 7', 'WhatsApp Chat - Ward 7.zip'), buildZip([{ name: '_chat.txt', data: CHAT }]));
  writeFileSync(join(dataDir, 'Downloads', 'holiday.jpg'), 'not an export');
  writeFileSync(join(dataDir, 'Downloads', '.hidden.zip'), 'hidden');
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'carl', displayName: 'Carl Clerk', role: 'clerk' });
  await page.keyboard.press('Alt+2');

  await page.getByRole('button', { name: 'Choose file…' }).click();
  const browser = page.getByTestId('file-browser');
  await expect(browser.getByRole('heading', { name: 'Choose the export file' })).toBeFocused();
  await browser.getByRole('button', { name: 'Folder Downloads' }).click();
  // Only folders and export files; nothing hidden.
  await expect(browser.getByRole('listitem')).toHaveText(['Up one folder', /Ward 7/]);
  await expectNoAxeViolations(page, 'the file browser');
  await browser.getByRole('button', { name: 'Folder Ward 7' }).click();
  await browser.getByRole('button', { name: 'File WhatsApp Chat - Ward 7.zip' }).click();
  await expect(browser).toHaveCount(0);
  const pathField = page.getByLabel('Export file');
  await expect(pathField).toBeFocused();
  await expect(pathField).toHaveValue(/Downloads[\\/]Ward 7[\\/]WhatsApp Chat - Ward 7\.zip$/);

  // Typing a path still works beside it, and Escape closes the browser without choosing.
  await page.getByRole('button', { name: 'Choose file…' }).click();
  await expect(browser).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(browser).toHaveCount(0);
  await expect(pathField).toHaveValue(/WhatsApp Chat - Ward 7\.zip$/);

  // A dropped file: the page is never told its path, so the shell says what to do.
  const transfer = await page.evaluateHandle(() => {
    const data = new DataTransfer();
    data.items.add(new File(['x'], 'chat.zip'));
    return data;
  });
  await page.getByTestId('import-form').dispatchEvent('drop', { dataTransfer: transfer });
  await expect(page.getByTestId('drop-note')).toContainText('Use “Choose file…”');
  await expect(pathField).toHaveValue(/WhatsApp Chat - Ward 7\.zip$/);

  await page.getByLabel('Time zone of the phone that exported it').fill('Europe/London');
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByTestId('import-confirm')).toContainText('Ward 7');
  await page.getByRole('button', { name: 'Import this export' }).click();
  await page.getByRole('button', { name: /^(Import the new messages|Add the new messages)$/ }).click();
  await expect(page.getByTestId('import-result')).toContainText('(2 messages)', { timeout: 20_000 });
});
