import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildZip } from '../unit/importers/zip-writer';
import { addPersonAndSignIn, choosePatient, createFirstAdmin, expect, expectNoAxeViolations, importExport, test } from './fixtures';

/**
 * Issue #15: a clinician corrects a note verified in the training EPR. The correction is filed
 * replacing it and verified, the note it replaces is marked entered in error in the record, and
 * the outbox shows both, as history.
 */
const CHAT = ['[13/04/2024, 21:20:45] Ben (reg): Give 100 mmol potassium chloride over 4 hours.', '[13/04/2024, 21:22:10] Ben (reg): Sorry, 10 mmol. Ten.'].join('\n');

test('a filed note corrected: the correction verified, the old note entered in error, both shown in the outbox', async ({ wardscribe: { page, dataDir } }) => {
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
  await page.getByLabel('Your summary for the record').fill('Potassium 100 mmol over 4 hours.');
  await choosePatient(page);
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record', { timeout: 30_000 });

  // The dose was wrong: the clinician corrects the note.
  await page.getByRole('button', { name: /^Correct the note for / }).click();
  await expect(page.getByTestId('correcting')).toContainText('You are correcting the note attested');
  await expect(page.getByLabel('Your summary for the record')).toHaveValue('Potassium 100 mmol over 4 hours.');
  await expect(page.getByTestId('refile-warning')).toHaveCount(0);
  // The patient cannot be changed in a correction (a note about the wrong patient is withdrawn in the EPR instead).
  await expect(page.getByLabel('NHS number')).toHaveAttribute('readonly', '');
  await expectNoAxeViolations(page, 'the transcribe screen correcting a filed note');
  await page.getByLabel('Your summary for the record').fill('Potassium 10 mmol over 4 hours (the registrar corrected 100 to 10).');
  // Confirmed again by whoever attests the correction.
  await expect(page.getByLabel('This is the patient the advice is about')).not.toBeChecked();
  await page.getByLabel('This is the patient the advice is about').check();
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('preview');
  await expect(preview).toContainText('Corrects: the note attested');
  await expect(preview).toContainText('"code": "replaces"');
  await page.getByRole('button', { name: 'Attest and file' }).click();

  const rows = page.getByTestId('outbox-row');
  await expect(rows).toHaveCount(2);
  // Newest first: the correction, verified, the old note marked; then the old note, replaced.
  await expect(rows.nth(0).getByTestId('outbox-state')).toHaveText('Verified in the record', { timeout: 30_000 });
  await expect(rows.nth(0).getByTestId('outbox-detail')).toContainText('which the record now marks entered in error', { timeout: 30_000 });
  await expect(rows.nth(0).getByTestId('outbox-corrects')).toContainText('Correction of the note attested');
  await expect(rows.nth(1).getByTestId('outbox-state')).toHaveText('Replaced by a correction');
  await expect(rows.nth(1).getByRole('button', { name: /^Correct the note for / })).toHaveCount(0);
  await rows.nth(1).getByRole('button', { name: /^Open the filed note for / }).click();
  await expect(page.getByTestId('filed-note')).toContainText('Marked as entered in error');
  await rows.nth(0).getByRole('button', { name: /^Open the filed note for / }).click();
  await expect(page.getByTestId('filed-note-text')).toContainText('Potassium 10 mmol over 4 hours');
  // The correction names the note it replaces by the id its row shows.
  const oldDocument = (await rows.nth(1).getByTestId('outbox-document').innerText()).replace(/^Document /, '');
  await expect(rows.nth(0).getByTestId('outbox-corrects')).toContainText(`(document ${oldDocument})`);

  // Correcting the correction is not filing the advice twice (a cold trial was asked why it was filed again).
  await rows.nth(0).getByRole('button', { name: /^Correct the note for / }).click();
  await expect(page.getByTestId('correcting')).toBeVisible();
  await expect(page.getByTestId('refile-warning')).toHaveCount(0);
  await page.keyboard.press('Alt+4');
  await expect(page.getByTestId('draft-row').getByTestId('draft-is-correction')).toHaveText('Correction of a filed note');

  // Started by mistake: discarded, after a confirmation that says what is lost and what is not.
  await page.getByTestId('draft-row').getByRole('button', { name: /Open/ }).click();
  await page.getByRole('button', { name: 'Discard draft' }).click();
  const confirm = page.getByTestId('discard-confirm');
  await expect(confirm.getByRole('heading', { name: 'Discard this draft?' })).toBeFocused();
  await expect(confirm).toContainText('the note it was to correct stays in the record as it is');
  await expectNoAxeViolations(page, 'the discard confirmation');
  await confirm.getByRole('button', { name: 'Discard the draft' }).click();
  await expect(page.getByText('The draft was discarded. The chat is unchanged.')).toBeVisible();
  await expect(page.getByTestId('draft-row')).toHaveCount(0);
  await expectNoAxeViolations(page, 'the outbox with a correction and the note it replaced');
});
