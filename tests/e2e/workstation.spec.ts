import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { buildZip } from '../unit/importers/zip-writer';
import { addPersonAndSignIn, createFirstAdmin, expect, expectNoAxeViolations, choosePatient, importExport, test, TEST_ADMIN } from './fixtures';

/** Six messages from two advisers: two transcriptions of three each. */
const CHAT = [
  '[13/04/2024, 21:14:02] Dr Amara Okafor: Can you review bed 12? Sodium 128 this evening.',
  '[13/04/2024, 21:20:45] Ben (reg): Restrict fluids to 1.5 L and recheck the sodium at 06:00.',
  '[13/04/2024, 21:22:10] Dr Amara Okafor: Will do. Anything else overnight?',
  '[14/04/2024, 02:10:00] Ben (reg): Bed 4 potassium 5.9: repeat the sample, ECG now.',
  '[14/04/2024, 02:12:30] Dr Amara Okafor: ECG shows peaked T waves.',
  '[14/04/2024, 02:14:00] Ben (reg): Give calcium gluconate and insulin-dextrose; I am coming down.',
].join('\n');

/** Zod's wording and dotted request paths: never on a screen. */
const JARGON = /too small|too big|expected (string|number)|received|>=|invalid input|\b\w+\.\w+: /i;

function writeChat(dir: string, chat = CHAT): string {
  const zipPath = join(dir, 'WhatsApp Chat - Ward 7.zip');
  writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: chat }]));
  return zipPath;
}

async function signIn(page: Page, username: string, passphrase: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('signed-in-user')).toBeVisible({ timeout: 15_000 });
}

async function identifyAdvisers(page: Page): Promise<void> {
  await page.getByLabel('Full name').nth(0).fill('Dr Amara Okafor');
  await page.getByLabel('Role and grade').nth(0).fill('Foundation doctor FY2');
  await page.getByLabel('Full name').nth(1).fill('Dr Benjamin Hale');
  await page.getByLabel('Role and grade').nth(1).fill('Medical registrar ST5');
}

/** A synthetic patient of the training EPR with a short name (main/epr/synthetic-patients.ts). */
const JO_BLOGGS = { nhsNumber: '999 124 2341', name: 'Jo Bloggs', birthDate: '1950-01-31' };

async function fillPatient(page: Page): Promise<void> {
  await choosePatient(page, JO_BLOGGS);
}

test('a clerk saves a draft; a clinician finds it under Transcribe, must preview it, and attests it', async ({ wardscribe: { page, dataDir } }) => {
  // Three people sign in with Argon2id passphrases: slow on a loaded machine.
  test.setTimeout(150_000);
  const zipPath = writeChat(dataDir);
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'carl', displayName: 'Carl Clerk', role: 'clerk' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();

  // The thread fills the window (no inner scrolling box) and shows a separator for each day.
  await expect(page.getByTestId('date-separator')).toHaveText(['13 Apr 2024', '14 Apr 2024']);
  await expectNoAxeViolations(page, 'an open thread');
  const messages = page.getByTestId('message');
  await messages.nth(0).click();
  await messages.nth(2).click({ modifiers: ['Shift'] });
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await expect(page.getByTestId('excerpts').locator('li')).toHaveCount(3);

  // A clerk may save before knowing who the advisers are: saved, and the draft says what is still missing.
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByTestId('draft-saved')).toContainText('Draft saved');
  await expect(page.getByTestId('draft-problems')).toContainText('Say who "Dr Amara Okafor" is (full name and role) before attesting.');
  // A name known but not yet the role is kept as typed.
  await page.locator('#adviser-0-name').fill('Dr Amara Okafor');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByTestId('draft-problems')).toContainText('Enter the role and grade of "Dr Amara Okafor"');
  // Preview asks for them: the summary is focused and in view, names each problem linked to its field, and does not say "Not saved".
  await page.getByRole('button', { name: 'Preview' }).click();
  const summary = page.getByTestId('error-summary');
  await expect(summary).toBeFocused();
  await expect(summary).toBeInViewport();
  await expect(summary).toContainText('There is a problem');
  await expect(summary).not.toContainText('Not saved');
  await summary.getByRole('link', { name: 'Enter the role and grade of “Dr Amara Okafor”.' }).click();
  await expect(page.locator('#adviser-0-role')).toBeFocused();
  await identifyAdvisers(page);
  await page.getByLabel('Your summary for the record').fill('Hyponatraemia plan agreed with the medical registrar overnight.');
  await fillPatient(page);
  await expectNoAxeViolations(page, 'the composer');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByTestId('draft-saved')).toContainText('Draft saved');
  // A clerk cannot attest.
  await expect(page.getByRole('button', { name: 'Attest and file' })).toBeDisabled();

  // The queue shows where the thread stands.
  await page.keyboard.press('Alt+3');
  await expect(page.getByTestId('queue-status').first()).toHaveText('Draft waiting');
  await expectNoAxeViolations(page, 'the work queue');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, TEST_ADMIN.username, TEST_ADMIN.passphrase);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await page.keyboard.press('Alt+4');
  const draftRow = page.getByTestId('draft-row');
  await expect(draftRow).toHaveCount(1);
  await expect(draftRow).toContainText('Ward 7');
  await expect(draftRow).toContainText('999 124 2341');
  await expectNoAxeViolations(page, 'the drafts list');
  await draftRow.getByRole('button', { name: /Open/ }).click();
  await expect(page.getByTestId('excerpts').locator('li')).toHaveCount(3);
  await expect(page.getByLabel('Full name').nth(1)).toHaveValue('Dr Benjamin Hale');
  await expect(page.getByRole('group', { name: 'Date of birth' }).getByLabel('Day')).toHaveValue('31');
  // The clerk's confirmation of the patient is the clerk's: the clinician confirms for themselves.
  const thisPatient = page.getByLabel('This is the patient the advice is about');
  await expect(thisPatient).not.toBeChecked();
  await thisPatient.check();

  // Attesting needs the preview first: refused, with the preview button linked.
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByTestId('compose-error')).toContainText('Preview what will be filed before attesting it.');
  await expect(page.getByTestId('error-summary')).toBeFocused();
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('preview');
  await expect(preview).toBeInViewport();
  await expect(page.getByRole('heading', { name: 'What will be filed' })).toBeFocused();
  // One delay format: the screen says what the filed text says.
  const hours = /(\d+) h/.exec((await page.getByTestId('excerpt-delay').first().textContent()) ?? '')![1];
  await expect(preview).toContainText(`${hours} h`);
  await expectNoAxeViolations(page, 'the preview');
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
  await expect(page.getByTestId('navigation-notice')).toContainText('Attested. The transcription for NHS number 999 124 2341 is queued for filing');
  // The outbox says whose record, who attested and when, where it goes, and where it stands.
  const row = page.getByTestId('outbox-row');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('outbox-patient')).not.toBeEmpty();
  await expect(row).toContainText('NHS number 999 124 2341');
  await expect(row.getByTestId('outbox-attested')).toContainText('Dr Cleo Clinician (Clinician)');
  await expect(row.getByTestId('outbox-attested').locator('time').first()).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT/);
  await expect(row.getByTestId('outbox-epr')).toHaveText('Training EPR');
  await expect(row.getByTestId('outbox-state')).toHaveText('Verified in the record', { timeout: 20_000 });
  await expect(row.getByTestId('outbox-document')).toContainText(/Document \S+/);
  await expectNoAxeViolations(page, 'the outbox with a filed note');
  await page.keyboard.press('Alt+4');
  await expect(page.getByTestId('no-drafts')).toBeVisible();
});

test('leaving Transcribe with work not saved keeps it as a draft; a selection only looked at is not saved', async ({ wardscribe: { page, dataDir } }) => {
  const zipPath = writeChat(dataDir);
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  await page.getByTestId('message').nth(1).click();
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await expect(page.getByTestId('excerpts').locator('li')).toHaveCount(1);
  // Looked at, nothing typed: leaving saves nothing.
  await page.keyboard.press('Alt+3');
  await page.keyboard.press('Alt+4');
  await expect(page.getByTestId('no-drafts')).toBeVisible();

  await page.keyboard.press('Alt+3');
  await page.getByRole('navigation', { name: 'Threads in the vault' }).getByTestId('queue-row').getByRole('button').first().click();
  await page.getByTestId('message').nth(1).click();
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await page.getByLabel('Your summary for the record').fill('Restrict fluids; sodium again at 06:00.');
  await page.keyboard.press('Alt+3');
  await page.keyboard.press('Alt+4');
  await expect(page.getByTestId('draft-row')).toHaveCount(1);
  await page.getByTestId('draft-row').getByRole('button', { name: /Open/ }).click();
  await expect(page.getByLabel('Your summary for the record')).toHaveValue('Restrict fluids; sodium again at 06:00.');
});

test('a system line (someone added to the group) cannot be selected, and a range across it selects only the messages', async ({ wardscribe: { page, dataDir } }) => {
  const lines = CHAT.split('\n');
  const withEvent = [...lines.slice(0, 2), '[13/04/2024, 21:21:00] Ward 7: \u200eDr Amara Okafor added Sister Ola', ...lines.slice(2)].join('\n');
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, writeChat(dataDir, withEvent), { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  const messages = page.getByTestId('message');
  await expect(messages).toHaveCount(7);
  const event = messages.nth(2);
  await expect(event).toContainText('added Sister Ola');
  await expect(event.getByRole('checkbox')).toHaveCount(0);
  await event.click();
  await expect(page.getByTestId('selection-count')).toHaveText('0 selected');
  await messages.nth(1).click();
  await messages.nth(3).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('selection-count')).toHaveText('2 selected');
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await expect(page.getByTestId('excerpts').locator('li')).toHaveCount(2);
});

test('go to a date: the first message of that day comes to the top of a long thread; a day after the last message is said', async ({ wardscribe: { page, dataDir } }) => {
  // Six days of a busy ward group, 60 messages a day.
  const lines: string[] = [];
  for (let day = 10; day < 16; day++) {
    for (let at = 0; at < 60; at++) {
      const minutes = 8 * 60 + at * 10;
      lines.push(`[${day}/04/2024, ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00] ${at % 2 ? 'Ben (reg)' : 'Dr Amara Okafor'}: Day ${day} update ${at}: obs stable.`);
    }
  }
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, writeChat(dataDir, lines.join('\n')), { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  const jump = page.getByRole('group', { name: 'Go to a date' });
  await jump.getByLabel('Day').fill('13');
  await jump.getByLabel('Month').fill('4');
  await jump.getByLabel('Year').fill('2024');
  await page.getByRole('button', { name: 'Go to date' }).click();
  const first = page.getByTestId('message').filter({ hasText: 'Day 13 update 0:' });
  await expect(first).toBeInViewport();
  await expect.poll(async () => (await first.boundingBox())?.y ?? -1).toBeLessThan(120);
  await expect(page.getByTestId('message').filter({ hasText: 'Day 10 update 0:' })).not.toBeInViewport();

  await jump.getByLabel('Day').fill('20');
  // Sent from well down the thread (as Enter in a field does): the problem comes into view, at the date, focused.
  await page.mouse.wheel(0, 3000);
  await expect(jump).not.toBeInViewport();
  await page.evaluate(() => document.querySelector<HTMLFormElement>('form.ws-jump-date')!.requestSubmit());
  await expect(jump).toContainText('No message in this thread was sent on or after 20 Apr 2024.');
  await expect(page.locator('#jump-date-error')).toBeInViewport();
  await expect(jump.getByLabel('Day')).toBeFocused();
  await jump.getByLabel('Month').fill('13');
  await page.getByRole('button', { name: 'Go to date' }).click();
  await expect(jump).toContainText('the month must be a number from 1 to 12');
  await expectNoAxeViolations(page, 'an open thread with a date problem');
});

test('a chat can be renamed (an export may give it no name a ward knows): an empty name is said, and the queue shows the new one', async ({ wardscribe: { page, dataDir } }) => {
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, writeChat(dataDir), { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  const view = page.getByRole('region', { name: /^Messages in / });
  await view.getByRole('button', { name: 'Rename this chat' }).click();
  const name = page.getByLabel('Name of this chat');
  await expect(name).toBeFocused();
  await name.fill('   ');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.locator('#thread-title-error')).toContainText('Enter a name for the chat.');
  await name.fill('Ward 7 night team');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Ward 7 night team' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Threads in the vault' })).toContainText('Ward 7 night team');
  await expectNoAxeViolations(page, 'a renamed thread');
});

test('with the advisers known, filing three selected messages takes at most 40 keystrokes (the summary excluded)', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(120_000);
  const zipPath = writeChat(dataDir);
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();

  // The first filing from the thread identifies the two advisers.
  const messages = page.getByTestId('message');
  await messages.nth(0).click();
  await messages.nth(2).click({ modifiers: ['Shift'] });
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await identifyAdvisers(page);
  await page.getByLabel('Your summary for the record').fill('Hyponatraemia plan.');
  await fillPatient(page);
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('preview')).toBeVisible();
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByTestId('navigation-notice')).toBeVisible();

  // The second: three more messages from the same advisers, by keyboard alone from here.
  await page.keyboard.press('Alt+3');
  await page.getByTestId('queue-row').getByRole('button').first().click();
  await messages.nth(3).click();
  await messages.nth(5).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('selection-count')).toHaveText('3 selected');

  let keystrokes = 0;
  const press = async (key: string) => {
    keystrokes++;
    await page.keyboard.press(key);
  };
  const type = async (text: string) => {
    keystrokes += text.length;
    await page.keyboard.type(text);
  };
  await press('Alt+T');
  await expect(page.getByTestId('excerpts').locator('li')).toHaveCount(3);
  // Known advisers are filled in; focus waits in the summary, which is not counted.
  await expect(page.getByLabel('Full name').nth(0)).toHaveValue('Dr Benjamin Hale');
  await expect(page.getByLabel('Full name').nth(1)).toHaveValue('Dr Amara Okafor');
  await expect(page.locator('#summary')).toBeFocused();
  await page.keyboard.type('Hyperkalaemia treated as advised by the registrar.');
  await press('Tab');
  await expect(page.locator('#nhs-number')).toBeFocused();
  await type('9991242341');
  await press('Tab');
  await type('Jo Bloggs');
  await press('Tab');
  await type('31');
  await press('Tab');
  await type('1');
  await press('Tab');
  await type('1950');
  // Find the patient in the EPR, then confirm the record it shows.
  await press('Tab');
  await press('Space');
  await expect(page.getByTestId('patient-lookup')).toHaveAttribute('data-status', 'found');
  await press('Tab');
  await press('Space');
  await press('Alt+P');
  await expect(page.getByTestId('preview')).toContainText('Give calcium gluconate');
  await press('Alt+A');
  await expect(page.getByTestId('navigation-notice')).toContainText('Attested');
  expect(keystrokes).toBeLessThanOrEqual(40);
  console.log(`Keystrokes from "3 selected" to attested: ${keystrokes}`);
});

test('shared PC: one person’s backoff does not stop another; the lock screen offers “sign in as someone else”; disabling asks first', async ({ wardscribe: { page } }) => {
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByTestId('lock-reason')).toBeVisible();
  await expectNoAxeViolations(page, 'the lock screen');

  // Someone else at the locked workstation.
  await page.getByRole('button', { name: 'Sign in as someone else' }).click();
  await expect(page.getByLabel('Username')).toHaveValue('');
  await expect(page.getByLabel('Username')).toBeFocused();

  // Wrong passphrases for cleo: she must wait, and the message says so. Four, so the last wait
  // (8 s from the attempt) outlasts even a slow machine's passphrase check.
  for (let attempt = 0; attempt < 4; attempt++) {
    await page.getByLabel('Username').fill('cleo');
    await page.getByLabel('Passphrase').fill('not her passphrase');
    const button = page.getByRole('button', { name: 'Sign in', exact: true });
    await expect(button).toBeEnabled({ timeout: 20_000 });
    await button.click();
    await expect(page.getByTestId('sign-in-error')).toBeVisible();
  }
  await expect(page.getByTestId('backoff')).toContainText('cleo can try again in', { timeout: 20_000 });
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeDisabled();
  // A passphrase typed for cleo while she waits is not kept for the next name: left there, the next
  // person's passphrase would be typed after it and the failure counted against them.
  await page.getByLabel('Passphrase').fill('typed while she waits');
  await page.getByLabel('Username').fill('');
  await expect(page.getByLabel('Passphrase')).toHaveValue('');
  // The administrator signs in at once.
  await page.getByLabel('Username').fill(TEST_ADMIN.username);
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled();
  await page.getByLabel('Passphrase').fill(TEST_ADMIN.passphrase);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('signed-in-user')).toHaveText('Ada Admin (admin)', { timeout: 15_000 });

  // Disable asks first; Cancel changes nothing.
  await page.keyboard.press('Alt+7');
  const row = page.getByRole('row', { name: /Dr Cleo Clinician/ });
  await row.getByRole('button', { name: 'Disable cleo' }).click();
  await expect(row.getByRole('group', { name: 'Confirm' })).toContainText('Disable Dr Cleo Clinician? Their passphrase stops working at once. To let them back, an administrator resets their passphrase');
  await expectNoAxeViolations(page, 'the users screen with a confirmation');
  await row.getByRole('button', { name: 'Cancel' }).click();
  await expect(row).toContainText('Active');
  await row.getByRole('button', { name: 'Disable cleo' }).click();
  await row.getByRole('button', { name: 'Yes, disable cleo' }).click();
  await expect(page.getByTestId('success-banner')).toContainText('Dr Cleo Clinician is now disabled and cannot sign in.');
  // The Disable button has gone with the confirmation: focus lands on what happened, not at the top of the page.
  await expect(page.getByTestId('success-banner')).toBeFocused();
  await expect(row).toContainText('Disabled (a passphrase reset enables them)');
  // Disabling removed her key, so Enable alone would leave an account that cannot sign in: only the reset is offered.
  await expect(row.getByRole('button', { name: /^Enable cleo/ })).toHaveCount(0);

  // Reset passphrase is a form (Electron has no window.prompt): a refusal is plain English and linked to the field.
  await row.getByRole('button', { name: 'Reset passphrase to enable for cleo' }).click();
  await page.getByRole('button', { name: 'Reset passphrase of cleo' }).click();
  const summary = page.getByTestId('error-summary');
  await expect(summary).toBeFocused();
  await expect(summary).not.toContainText(JARGON);
  await expect(page.locator('#reset-passphrase')).toHaveAttribute('aria-invalid', 'true');
});

test('import: a quoted Windows path is accepted, the checked file is locked, and nothing is written before the confirm step', async ({ wardscribe: { page, dataDir } }) => {
  const zipPath = writeChat(dataDir);
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await page.keyboard.press('Alt+2');
  await expect(page.getByTestId('error-summary')).toHaveCount(0);
  await expectNoAxeViolations(page, 'the import screen');

  // No path: a plain sentence linked to the field, focused.
  await page.getByRole('button', { name: 'Check file' }).click();
  const summary = page.getByTestId('error-summary');
  await expect(summary).toBeFocused();
  await expect(page.getByTestId('import-error')).toHaveText('Enter the full path of the export file.');
  await summary.getByRole('link').click();
  await expect(page.getByLabel('Export file')).toBeFocused();

  // A file that does not exist: main's sentence, without schema text.
  await page.getByLabel('Export file').fill(join(dataDir, 'missing.zip'));
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByTestId('import-error')).not.toHaveText(JARGON);

  // "Copy as path" puts the path in quotes.
  await page.getByLabel('Export file').fill(`"${zipPath}"`);
  await page.getByLabel('Time zone of the phone that exported it').fill('Europe/London');
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByTestId('import-confirm')).toBeVisible();
  await expect(page.getByTestId('import-source')).toHaveText(/^WhatsApp/);
  await expect(page.getByLabel('Export file')).toHaveValue(zipPath);
  await expect(page.getByLabel('Export file')).toHaveAttribute('readonly', '');
  await expect(page.getByTestId('error-summary')).toHaveCount(0);

  await page.getByRole('button', { name: 'Import this export' }).click();
  await expect(page.getByTestId('import-comparison')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('import-comparison-summary')).toHaveText('6 new messages.');
  await expect(page.getByTestId('import-facts')).toContainText('6');
  await expectNoAxeViolations(page, 'the import confirm step');
  // Nothing written yet.
  await page.keyboard.press('Alt+3');
  await expect(page.getByText('No threads yet. Import a chat export first.')).toBeVisible();

  await importExport(page, zipPath, { zone: 'Europe/London' });
  // Choosing Import again shows the form with the result, ready for the next file.
  await page.keyboard.press('Alt+2');
  await expect(page.getByTestId('import-result')).toBeVisible();
  await expect(page.getByLabel('Export file')).toBeEditable();
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  await expect(page.getByTestId('shortcut-legend')).toContainText('Alt+3');
  await expect(page.getByTestId('shortcut-legend')).toContainText('Alt+P');
  await expectNoAxeViolations(page, 'the shortcut legend');
});

test('idle warning: a countdown before the lock, and unsaved transcription work is saved as a draft', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(150_000);
  const zipPath = writeChat(dataDir);
  await createFirstAdmin(page);
  await page.keyboard.press('Alt+8');
  await page.getByLabel('Lock after this many idle minutes').fill('0.4');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  await page.getByTestId('message').nth(1).click();
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  // The adviser's grade not known yet: the work is still kept, as far as it goes.
  await page.getByLabel('Full name').fill('Dr Benjamin Hale');
  await page.getByLabel('Your summary for the record').fill('Fluid restriction, typed and never saved by hand.');

  // 24 s idle: the warning shows in the last 12 s, counting down, and the work is saved.
  const warning = page.getByTestId('idle-warning');
  await expect(warning).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('idle-countdown')).toHaveText(/\d+ seconds?/);
  await expectNoAxeViolations(page, 'the idle warning');
  // Saving restarts main's idle timer once; with nothing left unsaved, the next countdown ends in the lock.
  await expect(warning).toContainText('Your transcription has been saved as a draft.', { timeout: 40_000 });
  await expect(page.getByTestId('lock-reason')).toContainText('nobody used it for a while', { timeout: 60_000 });

  await page.getByLabel('Passphrase').fill('cleo chose this phrase');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('signed-in-user')).toBeVisible({ timeout: 20_000 });
  await page.keyboard.press('Alt+4');
  // The drafts list says what is still needed, naming the field.
  await expect(page.getByTestId('draft-still-needed')).toContainText('Enter the role and grade of "Ben (reg)"');
  await page.getByTestId('draft-row').getByRole('button', { name: /Open/ }).click();
  await expect(page.getByLabel('Your summary for the record')).toHaveValue('Fluid restriction, typed and never saved by hand.');
  await expect(page.getByLabel('Full name')).toHaveValue('Dr Benjamin Hale');
  await expect(page.getByTestId('draft-problems')).toContainText('Enter the role and grade of "Ben (reg)": if nobody at hand knows it, leave it for the clinician who attests to confirm with them.');
});
