import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildZip } from '../unit/importers/zip-writer';
import { addPersonAndSignIn, createFirstAdmin, expect, expectNoAxeViolations, test } from './fixtures';

/** A year of a busy ward group: large enough that checking and importing it take a while. */
function writeLargeChat(dir: string, messages: number): string {
  const lines: string[] = [];
  const start = Date.UTC(2024, 0, 1, 8, 0, 0);
  for (let index = 0; index < messages; index++) {
    const at = new Date(start + index * 45_000);
    const day = String(at.getUTCDate()).padStart(2, '0');
    const month = String(at.getUTCMonth() + 1).padStart(2, '0');
    const time = at.toISOString().slice(11, 19);
    lines.push(`[${day}/${month}/${at.getUTCFullYear()}, ${time}] ${index % 3 === 0 ? 'Dr Amara Okafor' : index % 3 === 1 ? 'Ben (reg)' : 'Sister Kaur'}: Update ${index} on the ward round, bed ${index % 28}.`);
  }
  const path = join(dir, 'WhatsApp Chat - Ward 9 year.zip');
  writeFileSync(path, buildZip([{ name: '_chat.txt', data: lines.join('\n') }]));
  return path;
}

test('a long import shows an NHS.UK progress bar with Cancel; cancelling leaves nothing written', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(180_000);
  const zipPath = writeLargeChat(dataDir, 250_000);
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await page.keyboard.press('Alt+2');
  await page.getByLabel('Export file').fill(zipPath);
  await page.getByLabel('Time zone of the phone that exported it').fill('Europe/London');
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByTestId('import-confirm')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Import this export' }).click();

  // Checking against the vault: a labelled bar, then what the export holds.
  const checking = page.getByRole('progressbar', { name: 'Checking the export against the vault' });
  await expect(checking).toBeVisible();
  await expect(page.getByTestId('import-comparison')).toBeVisible({ timeout: 120_000 });

  await page.getByRole('button', { name: 'Import the new messages' }).click();
  const importing = page.getByRole('progressbar', { name: 'Importing the chat' });
  await expect(importing).toBeVisible();
  // It moves (reports come about ten times a second), and Cancel stops it wherever it is.
  await expect(page.getByTestId('job-progress')).toContainText(/\d+% of the file read|of [\d,]+ /, { timeout: 30_000 });
  await page.getByTestId('job-progress').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('import-error')).toContainText('The import was cancelled. Nothing of this export was stored.', { timeout: 60_000 });
  await expect(importing).toHaveCount(0);
  await expectNoAxeViolations(page, 'an import cancelled');

  // Nothing of it was written.
  await page.keyboard.press('Alt+3');
  await expect(page.getByText('Ward 9 year')).toHaveCount(0);
});
