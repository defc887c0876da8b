import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildZip } from '../unit/importers/zip-writer';
import { addPersonAndSignIn, choosePatient, createFirstAdmin, expect, expectNoAxeViolations, importExport, test } from './fixtures';

/**
 * Issue #15: a clinician withdraws a note verified in the training EPR (filed against the wrong
 * patient). It is marked entered in error in the record, the outbox shows it withdrawn with the
 * reason, its messages are no longer marked filed, and the wipe says what was withdrawn.
 */
const CHAT = ['[13/04/2024, 21:20:45] Ben (reg): Give 10 mmol potassium chloride over 4 hours.', '[13/04/2024, 21:22:10] Ben (reg): Recheck the potassium at 6.'].join('\n');

test('a filed note withdrawn: marked entered in error in the record, shown withdrawn with its reason, its messages filed nowhere', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(120_000);
  const zipPath = join(dataDir, 'WhatsApp Chat - Ward 7.zip');
  writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: CHAT }]));
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  await page.getByTestId('message').nth(0).click();
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await page.getByLabel('Full name').fill('Dr Benjamin Hale');
  await page.getByLabel('Role and grade').fill('Medical registrar ST5');
  await page.getByLabel('Your summary for the record').fill('Potassium 10 mmol over 4 hours.');
  await choosePatient(page);
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('button', { name: 'Attest and file' }).click();
  const row = page.getByTestId('outbox-row').first();
  await expect(row.getByTestId('outbox-state')).toHaveText('Verified in the record', { timeout: 30_000 });

  // Opened, the reason field has the focus; cancelled, the focus is back on the button that opened it.
  await row.getByRole('button', { name: /^Withdraw the note for / }).click();
  const dialog = page.getByTestId('withdraw-note');
  await expect(dialog.getByLabel('Why is it withdrawn?')).toBeFocused();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row.getByRole('button', { name: /^Withdraw the note for / })).toBeFocused();

  // Asked, the withdrawal explains itself and needs a reason; one too short is refused beside its field.
  await page.keyboard.press('Enter');
  await expect(dialog).toContainText('Nothing replaces it: to change what it says, correct it instead.');
  await dialog.getByLabel('Why is it withdrawn?').fill('wrong');
  await dialog.getByRole('button', { name: 'Withdraw this note' }).click();
  await expect(dialog.getByRole('alert')).toContainText('at least 10 characters');
  await expect(dialog.getByLabel('Why is it withdrawn?')).toHaveAttribute('aria-invalid', 'true');
  await expectNoAxeViolations(page, 'the withdrawal of a filed note, refused');
  await dialog.getByLabel('Why is it withdrawn?').fill('Filed against the wrong patient: the advice was for bed 21.');
  // A double press sends one request: the second is not refused into a dialog left open beside a withdrawal that went through.
  await dialog.getByRole('button', { name: 'Withdraw this note' }).dblclick();

  await expect(row.getByTestId('outbox-state')).toHaveText('Withdrawn from the record', { timeout: 30_000 });
  await expect(dialog).toHaveCount(0);
  await expect(row.getByTestId('outbox-state')).toBeFocused();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(row.getByTestId('outbox-withdrawal')).toContainText('Withdrawn by Dr Cleo Clinician (clinician)');
  await expect(row.getByTestId('outbox-withdrawal')).toContainText('Filed against the wrong patient: the advice was for bed 21.');
  await expect(row.getByTestId('outbox-detail')).toContainText('the record now marks this note entered in error');
  await expect(row.getByRole('button', { name: /^Withdraw the note for / })).toHaveCount(0);
  await expect(row.getByRole('button', { name: /^Correct the note for / })).toHaveCount(0);
  await row.getByRole('button', { name: /^Open the filed note for / }).click();
  await expect(page.getByTestId('filed-note')).toContainText('Marked as entered in error');
  await expectNoAxeViolations(page, 'the outbox with a withdrawn note');

  // Its messages are filed nowhere now: not marked in the thread, and the wipe says what was withdrawn.
  await page.keyboard.press('Alt+3');
  await page.getByRole('navigation', { name: 'Threads in the vault' }).getByTestId('queue-row').getByRole('button').first().click();
  await expect(page.getByTestId('message')).toHaveCount(2);
  await expect(page.getByTestId('filed-mark')).toHaveCount(0);
  await page.getByRole('button', { name: 'Wipe originals…' }).click();
  await expect(page.getByTestId('wipe-gate')).toContainText('1 note filed from this chat was withdrawn from the record');
  await expect(page.getByTestId('wipe-filed').locator('tbody tr')).toContainText('Withdrawn from the record');
});
