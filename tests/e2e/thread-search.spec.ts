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

/**
 * A merged thread shows its messages by time, so a later export's messages that fall between
 * older ones push those older ones down: a message's place on screen is no longer its number in
 * the thread (a ward trial: a hit in a merged thread opened somewhere else).
 */
test('a hit in a merged thread opens at the hit, and a thread opened from the list comes into view with its heading focused', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(150_000);
  const at = (minute: number) => {
    const date = new Date(Date.UTC(2024, 0, 13, 20, 0) + minute * 60_000);
    const pad = (value: number) => String(value).padStart(2, '0');
    return `[${pad(date.getUTCDate())}/${pad(date.getUTCMonth() + 1)}/${date.getUTCFullYear()}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:00]`;
  };
  // Day one's export: 300 messages two minutes apart; the later export holds them and 200 more, between the first 200.
  const first = Array.from({ length: 300 }, (_, index) => `${at(2 * index)} Dr Amara Okafor: ${index === 250 ? 'Potassium 6.4 on the repeat: give calcium gluconate now.' : `Night update ${index}.`}`);
  const later = Array.from({ length: 200 }, (_, index) => `${at(2 * index + 1)} Ben (reg): Acknowledged ${index}.`);
  const dayOne = join(dataDir, 'WhatsApp Chat - Ward 5.txt');
  writeFileSync(dayOne, first.join('\n') + '\n');
  const dayTwo = join(dataDir, 'WhatsApp Chat - Ward 5 (later).txt');
  const merged = [...first.map((line, index) => ({ line, minute: 2 * index })), ...later.map((line, index) => ({ line, minute: 2 * index + 1 }))].sort((a, b) => a.minute - b.minute);
  writeFileSync(dayTwo, merged.map((entry) => entry.line).join('\n') + '\n');

  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'carl', displayName: 'Carl Clerk', role: 'clerk' });
  await importExport(page, dayOne, { zone: 'Europe/London' });
  await importExport(page, dayTwo, { zone: 'Europe/London' });
  await page.keyboard.press('Alt+3');

  // Opened from the list: the thread's heading is focused and on screen (it used to open below the fold).
  await page.getByRole('navigation', { name: 'Threads in the vault' }).getByTestId('queue-row').getByRole('button').first().click();
  const heading = page.getByRole('region', { name: /^Messages in / }).getByRole('heading', { level: 2 });
  await expect(heading).toBeFocused();
  await expect(heading).toBeInViewport();

  await page.getByLabel('Search all threads').fill('calcium gluconate');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByTestId('search-hit')).toHaveCount(1);
  await page.getByTestId('search-hit').getByRole('button').click();
  const marked = page.locator('[data-testid="message"][data-hit="true"]');
  await expect(marked).toContainText('Potassium 6.4 on the repeat');
  await expect(marked).toBeInViewport({ timeout: 15_000 });
  // Keyboard users land on the hit itself: its checkbox has the focus.
  await expect(marked.getByRole('checkbox')).toBeFocused({ timeout: 15_000 });
});
