import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { buildZip } from '../unit/importers/zip-writer';
import { tempDir } from '../support/temp';
import { addPersonAndSignIn, createFirstAdmin, expect, choosePatient, test } from './fixtures';

/**
 * Issue #18, as a ward clerk meets it: every export of a group holds its whole history, so the
 * next day's export must add only what is new, never bring back what was wiped, and show what
 * was already filed.
 */

const DAY_ONE = [
  '[13/04/2024, 21:14:02] Dr Amara Okafor: Can you review bed 12? Sodium 128 this evening.',
  '[13/04/2024, 21:20:45] Ben (reg): Restrict fluids to 1.5 L and recheck the sodium at 06:00.',
  '[13/04/2024, 21:22:10] Dr Amara Okafor: Will do. Anything else overnight?',
  '[13/04/2024, 21:23:00] Ben (reg): Hold the spironolactone until the morning review.',
];
const DAY_TWO = ['[14/04/2024, 07:02:11] Dr Amara Okafor: Morning sodium 131, fluids continued.', '[14/04/2024, 07:05:40] Ben (reg): Good, restart the spironolactone tomorrow if above 133.'];

/** Words only day one holds: after the wipe they must be found nowhere. */
const WIPED_WORDS = ['Sodium 128 this evening', 'Restrict fluids to 1.5 L', 'Anything else overnight', 'until the morning review'];

/** Every occurrence of `needle` (UTF-8 and UTF-16) in the raw bytes of every file under `dir`. */
function rawHits(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const bytes = readFileSync(path);
        if (bytes.includes(Buffer.from(needle, 'utf8')) || bytes.includes(Buffer.from(needle, 'utf16le'))) hits.push(path);
      }
    }
  };
  walk(dir);
  return hits;
}

async function checkExport(page: Page, path: string): Promise<void> {
  await page.keyboard.press('Alt+2');
  await page.getByLabel('Export file').fill(path);
  await page.getByLabel('Time zone of the phone that exported it').fill('Europe/London');
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByTestId('import-confirm')).toBeVisible();
  await page.getByRole('button', { name: 'Import this export' }).click();
}

async function fileMessage(page: Page, index: number, reason?: string): Promise<void> {
  await page.getByTestId('message').nth(index).click();
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await expect(page.getByTestId('excerpts').locator('li')).toHaveCount(1);
  if (reason !== undefined) {
    await expect(page.getByTestId('refile-warning')).toContainText('already in the record');
    // Not confirmed: refused, in main as well as here.
  }
  await page.getByLabel('Full name').fill('Dr Benjamin Hale');
  await page.getByLabel('Role and grade').fill('Medical registrar ST5');
  await page.getByLabel('Your summary for the record').fill('Hyponatraemia plan agreed with the medical registrar overnight.');
  await choosePatient(page);
  if (reason !== undefined) {
    // The preview saves the draft first: refused, in main as well as here, until a reason is given.
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.getByTestId('compose-error')).toContainText(/already part of .* say why/);
    await page.getByLabel('I mean to file this advice again').check();
    await page.getByLabel('Why it is filed again').fill(reason);
  }
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('preview')).toBeVisible();
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
  await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record', { timeout: 30_000 });
}

test('import, file, wipe, then the next day’s export: only the new messages come in, the wiped ones are reported and found nowhere', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(150_000);
  // The exports live outside the data folder (the clerk's downloads): the scan below is of what Wardscribe keeps.
  const downloads = tempDir('wardscribe-e2e-exports-');
  try {
    const dayOne = join(downloads.path, 'WhatsApp Chat - Ward 7.zip');
    writeFileSync(dayOne, buildZip([{ name: '_chat.txt', data: DAY_ONE.join('\n') }]));
    await createFirstAdmin(page);
    await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
    await checkExport(page, dayOne);
    await page.getByRole('button', { name: 'Import the new messages' }).click({ timeout: 20_000 });
    await expect(page.getByTestId('import-result')).toContainText('Imported Ward 7 (4 messages)', { timeout: 20_000 });
    await page.getByRole('button', { name: 'Open thread' }).click();
    await fileMessage(page, 1);

    await page.keyboard.press('Alt+3');
    await page.getByRole('navigation', { name: 'Threads in the vault' }).getByTestId('queue-row').getByRole('button').first().click();
    await page.getByRole('button', { name: 'Wipe originals…' }).click();
    // One message filed; the rest of the day's chat is in no note.
    await page.getByLabel('Why can this chat be wiped anyway?').fill('The rest is handover chatter with no advice.');
    await page.getByRole('button', { name: 'Wipe originals', exact: true }).click();
    await expect(page.getByRole('heading', { level: 2, name: 'Originals wiped' })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('certificate-fingerprints')).toContainText('Only a one-way code for each of the 4 messages', { timeout: 20_000 });
    await page.getByRole('button', { name: 'Back to threads' }).click();
    const today = new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });

    // The same day's chat exported again (as text this time): all of it was wiped, so nothing is offered.
    const again = join(downloads.path, 'WhatsApp Chat - Ward 7 (again).txt');
    writeFileSync(again, DAY_ONE.join('\n') + '\n');
    await checkExport(page, again);
    await expect(page.getByRole('heading', { level: 2, name: 'Every message in this export was wiped' })).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('import-comparison-summary')).toHaveText(`0 new messages, 4 securely wiped on ${today} (never imported again). There is nothing to import.`);
    await expect(page.getByRole('button', { name: /Import the new messages|Add the new messages/ })).toHaveCount(0);
    await page.getByRole('button', { name: 'Choose another export' }).click();

    // The next day's export holds yesterday's four messages and two new ones.
    const dayTwo = join(downloads.path, 'WhatsApp Chat - Ward 7.txt');
    writeFileSync(dayTwo, [...DAY_ONE, ...DAY_TWO].join('\n') + '\n');
    await checkExport(page, dayTwo);
    await expect(page.getByTestId('import-comparison-summary')).toHaveText(`2 new messages, 4 securely wiped on ${today} (never imported again).`, { timeout: 20_000 });
    await page.getByRole('button', { name: 'Import the new messages' }).click();
    await expect(page.getByTestId('import-result')).toContainText('(2 messages)', { timeout: 20_000 });
    await expect(page.getByTestId('import-wiped-skipped')).toHaveText(`4 messages were left out: securely wiped on ${today}.`);
    await page.getByRole('button', { name: 'Open thread' }).click();
    await expect(page.getByTestId('message')).toHaveCount(2, { timeout: 20_000 });
    await expect(page.getByTestId('message').first()).toContainText('Morning sodium 131');

    // Search finds the new mention and none of the wiped ones.
    for (const [word, found] of [['spironolactone', '1 result'], ['Sodium 128', '0 results'], ['morning review', '0 results']] as const) {
      await page.getByLabel('Search all threads').fill(word);
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await expect(page.getByTestId('search-results')).toContainText(found);
    }

    // The same export once more: nothing to add; said so, with the wipe date.
    await checkExport(page, dayTwo);
    await expect(page.getByTestId('import-comparison-summary')).toContainText('This is “Ward 7”, already imported on', { timeout: 20_000 });
    await expect(page.getByTestId('import-comparison-summary')).toContainText('0 new messages, 2 already here. This very file was imported before.');

    // Nothing of the wiped messages in any file Wardscribe keeps (raw bytes), after the vault is closed.
    await page.getByRole('button', { name: 'Sign out' }).click();
    for (const word of WIPED_WORDS) expect(rawHits(dataDir, word), word).toEqual([]);
    // Control: the scan finds text where it is in the clear (the clerk's export file).
    expect(rawHits(downloads.path, WIPED_WORDS[0]!)).toContain(dayTwo);
  } finally {
    downloads.remove();
  }
});

test('a later export of a thread already here adds only its new messages; filed advice is marked and filing it again asks why', async ({ wardscribe: { page } }) => {
  test.setTimeout(150_000);
  const downloads = tempDir('wardscribe-e2e-exports-');
  try {
    const dayOne = join(downloads.path, 'WhatsApp Chat - Ward 7.zip');
    writeFileSync(dayOne, buildZip([{ name: '_chat.txt', data: DAY_ONE.join('\n') }]));
    await createFirstAdmin(page);
    await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
    await checkExport(page, dayOne);
    await page.getByRole('button', { name: 'Import the new messages' }).click({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Open thread' }).click({ timeout: 20_000 });
    await fileMessage(page, 1);

    const dayTwo = join(downloads.path, 'WhatsApp Chat - Ward 7.txt');
    writeFileSync(dayTwo, [...DAY_ONE, ...DAY_TWO].join('\n') + '\n');
    await checkExport(page, dayTwo);
    const summary = page.getByTestId('import-comparison-summary');
    await expect(summary).toContainText('This is “Ward 7”, already imported on', { timeout: 20_000 });
    await expect(summary).toContainText('2 new messages, 4 already here.');
    await expect(page.getByLabel(/Add the 2 new messages to “Ward 7”/)).toBeChecked();
    await page.getByRole('button', { name: 'Add the new messages' }).click();
    await expect(page.getByTestId('import-result')).toContainText('Added 2 new messages to Ward 7 (6 messages)', { timeout: 20_000 });
    await page.getByRole('button', { name: 'Open thread' }).click();
    await expect(page.getByTestId('message')).toHaveCount(6);
    await expect(page.getByRole('navigation', { name: 'Threads in the vault' }).getByTestId('queue-row').getByRole('button')).toHaveCount(1);

    // Yesterday's filed advice is marked, with its document, in the thread and in search.
    const filed = page.getByTestId('message').nth(1);
    await expect(filed.getByTestId('filed-mark')).toContainText(/already filed: document .+ \(verified\)/);
    await expect(page.getByTestId('message').nth(4).getByTestId('filed-mark')).toHaveCount(0);
    await page.getByLabel('Search all threads').fill('Restrict fluids');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.getByTestId('search-results').getByTestId('filed-mark')).toContainText('already filed: document');

    // Selecting it again: warned, then asked to confirm and say why before it is filed a second time.
    await filed.click();
    await expect(page.getByTestId('selection-filed')).toContainText('1 already filed');
    await filed.click(); // deselect: fileMessage selects it again
    await fileMessage(page, 1, 'Correction: the recheck time changed to 05:00.');
    await expect(page.getByTestId('outbox-row')).toHaveCount(2);
  } finally {
    downloads.remove();
  }
});
