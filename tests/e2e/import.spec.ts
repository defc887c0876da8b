import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildZip } from '../unit/importers/zip-writer';
import { addPersonAndSignIn, createFirstAdmin, expect, test } from './fixtures';

// An iOS export whose dates are all ≤ 12, so the file cannot prove day/month order.
const CHAT = [
  '[03/04/2024, 21:14:02] Dr Amara Okafor: Can you review bed 12? Sodium 128 this evening.',
  '[03/04/2024, 21:20:45] Dr Ben Hale: Restrict fluids to 1.5 L and recheck the sodium at 06:00.',
  'If below 125, call the medical registrar.',
  '[03/04/2024, 21:22:10] Dr Amara Okafor: \u200e<attached: 00000012-PHOTO-2024-04-03-21-22-10.jpg>',
  '[03/04/2024, 21:23:00] Dr Ben Hale: Thanks, furosemide can wait until the morning review.',
].join('\n');

test('a clinician imports a WhatsApp zip, confirms order and zone, opens the thread and finds advice by search', async ({ wardscribe: { page, dataDir } }) => {
  const zipPath = join(dataDir, 'WhatsApp Chat - Ward 7.zip');
  writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: CHAT }, { name: '00000012-PHOTO-2024-04-03-21-22-10.jpg', data: Buffer.from([0xff, 0xd8, 0xff, 0xd9]) }]));

  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });

  await page.keyboard.press('Alt+2');
  await page.getByLabel('Export file').fill(zipPath);
  await page.getByLabel('Time zone of the phone that exported it').fill('Europe/London');
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByTestId('import-confirm')).toContainText('the file does not prove it, so choose');

  // Importing without choosing is refused: the order is never guessed.
  await page.getByRole('button', { name: 'Import this export' }).click();
  await expect(page.getByTestId('import-error')).toContainText('Wardscribe will not guess');
  await page.getByLabel(/Day, month, year/).check();
  // The source in words, never an internal id.
  await expect(page.getByTestId('import-source')).toHaveText(/^WhatsApp( \(iPhone\))?$/);
  await page.getByRole('button', { name: 'Import this export' }).click();
  // What the export holds, before anything is written: count, dates, senders and flags in words.
  const facts = page.getByTestId('import-facts');
  await expect(facts).toContainText('Messages in the export4', { timeout: 20_000 });
  await expect(facts).toContainText('New messages sent3 Apr 2024 to 3 Apr 2024');
  await expect(facts).toContainText('Sent byDr Amara Okafor, Dr Ben Hale');
  await expect(facts).toContainText('Marked for a closer look1 message (attachment)');
  await page.getByRole('button', { name: 'Import the new messages' }).click();
  await expect(page.getByTestId('import-result')).toContainText('4 messages', { timeout: 20_000 });

  await page.getByRole('button', { name: 'Open thread' }).click();
  const messages = page.getByTestId('message');
  await expect(messages.first()).toContainText('Dr Amara Okafor');
  await expect(messages.first()).toContainText('3 Apr 2024, 21:14:02');
  await expect(messages.nth(1)).toContainText('If below 125, call the medical registrar.');
  await expect(messages.nth(2)).toContainText('attachment');

  await page.getByLabel('Search all threads').fill('furosemide');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('search-results')).toContainText('1 result');
  await expect(page.getByTestId('search-results')).toContainText('Dr Ben Hale, 3 Apr 2024, 21:23:00');

  // The next day's export of the same chat proves no more: the order it was read with is pointed out (never chosen for the user), and checked by the comparison.
  const tomorrow = join(dataDir, 'tomorrow', 'WhatsApp Chat - Ward 7.zip');
  mkdirSync(join(dataDir, 'tomorrow'));
  writeFileSync(tomorrow, buildZip([{ name: '_chat.txt', data: `${CHAT}\n[04/04/2024, 07:02:00] Dr Ben Hale: Sodium 131 this morning.` }]));
  await page.keyboard.press('Alt+2');
  await page.getByLabel('Export file').fill(tomorrow);
  await page.getByLabel('Time zone of the phone that exported it').fill('Europe/London');
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByTestId('remembered-order')).toContainText('“Ward 7” in the vault was read as day, month, year.');
  await expect(page.getByLabel(/Day, month, year/)).not.toBeChecked();
  await page.getByLabel('Day, month, year (UK: 01/02/24 is 1 February 2024) — as “Ward 7” was read').check();
  await page.getByRole('button', { name: 'Import this export' }).click();
  await expect(page.getByTestId('import-comparison-summary')).toContainText('This is “Ward 7”, already imported on', { timeout: 20_000 });
});
