import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildZip } from '../unit/importers/zip-writer';
import { addPersonAndSignIn, createFirstAdmin, expect, expectNoAxeViolations, importExport, test } from './fixtures';

/** A long night: 400 messages, "potassium" asked about and answered twice, far apart. */
function writeLongChat(dir: string): string {
  const lines: string[] = [];
  for (let index = 0; index < 400; index++) {
    const minute = String(index % 60).padStart(2, '0');
    const hour = String(20 + Math.floor(index / 60)).padStart(2, '0');
    const day = Number(hour) >= 24 ? '14' : '13';
    const time = `${String(Number(hour) % 24).padStart(2, '0')}:${minute}:00`;
    let text = `Routine update number ${index} from the ward.`;
    if (index === 40) text = 'Bed 4 bloods are back, what next?';
    if (index === 41) text = 'Repeat the potassium and do an ECG now.';
    if (index === 350) text = 'Bed 9 also looks hyperkalaemic.';
    if (index === 351) text = 'Potassium 6.1 in bed 9: give calcium gluconate.';
    lines.push(`[${day}/04/2024, ${time}] ${index % 2 === 0 ? 'Dr Amara Okafor' : 'Ben (reg)'}: ${text}`);
  }
  const path = join(dir, 'WhatsApp Chat - Ward 9.zip');
  writeFileSync(path, buildZip([{ name: '_chat.txt', data: lines.join('\n') }]));
  return path;
}

test('search: matched words highlighted, the messages before each hit shown, orders to choose, and a second hit in the open thread scrolls to it', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(120_000);
  const zipPath = writeLongChat(dataDir);
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'carl', displayName: 'Carl Clerk', role: 'clerk' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.keyboard.press('Alt+3');

  await page.getByLabel('Search all threads').fill('potassium');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const hits = page.getByTestId('search-hit');
  await expect(hits).toHaveCount(2);
  // Highlighted: the matched word in a <mark>, nothing else.
  await expect(hits.nth(0).getByTestId('hit-match')).toHaveText(/^potassium$/i);
  // The message before each, so the question it answers is in view.
  await expect(page.getByTestId('hit-context').filter({ hasText: 'Bed 4 bloods are back, what next?' })).toHaveCount(1);
  await expect(page.getByTestId('hit-context').filter({ hasText: 'Bed 9 also looks hyperkalaemic.' })).toHaveCount(1);

  // Newest first, then in the order sent.
  await page.getByLabel('Newest first').check();
  await expect(hits.nth(0)).toContainText('Potassium 6.1 in bed 9');
  await page.getByLabel('In the order sent').check();
  await expect(hits.nth(0)).toContainText('Repeat the potassium');
  await expect(hits.nth(1)).toContainText('Potassium 6.1 in bed 9');
  await expectNoAxeViolations(page, 'search results');

  // The first hit opens the thread at it, with the message before it shown above it.
  await hits.nth(0).getByRole('button').click();
  const marked = page.locator('[data-testid="message"][data-hit="true"]');
  await expect(marked).toContainText('Repeat the potassium');
  await expect(marked).toBeInViewport({ timeout: 15_000 });
  await expect(page.getByTestId('message').filter({ hasText: 'Bed 4 bloods are back' })).toBeInViewport({ timeout: 15_000 });

  // The second hit, in the thread already open, scrolls there.
  await hits.nth(1).getByRole('button').click();
  await expect(marked).toContainText('Potassium 6.1 in bed 9');
  await expect(marked).toBeInViewport({ timeout: 15_000 });
  await expect(page.getByTestId('message').filter({ hasText: 'Bed 9 also looks hyperkalaemic.' })).toBeInViewport({ timeout: 15_000 });
  await expect(page.getByTestId('message').filter({ hasText: 'Repeat the potassium' })).toHaveCount(0);
  await expectNoAxeViolations(page, 'an open thread at a search hit');
});
