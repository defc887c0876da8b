import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { buildZip } from '../unit/importers/zip-writer';
import { addPersonAndSignIn, createFirstAdmin, expect, fillDateOfBirth, importExport, test } from './fixtures';

/**
 * H-014: the patient comes from the EPR. A synthetic patient of the training EPR is found and
 * confirmed and the note files against them; an NHS number that passes Modulus 11 but is not in
 * the EPR cannot be confirmed or attested; the patient's details in an excerpt are offered, not
 * filled in.
 */

const CHAT = [
  '[13/04/2024, 21:14:02] Dr Amara Okafor: Bed 12, NHS 999 123 5671, DOB 12/07/1954: sodium 128 this evening.',
  '[13/04/2024, 21:20:45] Ben (reg): Restrict fluids to 1.5 L and recheck the sodium at 06:00.',
].join('\n');

async function compose(page: Page, dataDir: string): Promise<void> {
  const zipPath = join(dataDir, 'WhatsApp Chat - Ward 7.zip');
  writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: CHAT }]));
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  const messages = page.getByTestId('message');
  await messages.nth(0).click();
  await messages.nth(1).click({ modifiers: ['Shift'] });
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await page.getByLabel('Full name').nth(0).fill('Dr Amara Okafor');
  await page.getByLabel('Role and grade').nth(0).fill('Foundation doctor FY2');
  await page.getByLabel('Full name').nth(1).fill('Dr Benjamin Hale');
  await page.getByLabel('Role and grade').nth(1).fill('Medical registrar ST5');
  await page.getByLabel('Your summary for the record').fill('Hyponatraemia plan agreed with the medical registrar overnight.');
}

test('a patient suggested from the excerpt, found in the training EPR and confirmed, is the patient filed', async ({ wardscribe: { page, dataDir } }) => {
  await compose(page, dataDir);
  // The chat's patient-identifiable details are counted; the excerpt's are offered, never filled in.
  await expect(page.getByTestId('thread-patient-details')).toContainText('1 mention of an NHS number, 1 of a date of birth');
  const suggestions = page.getByTestId('patient-suggestions');
  await expect(suggestions).toContainText('bed');
  await expect(page.getByLabel('NHS number')).toHaveValue('');
  await suggestions.getByRole('button', { name: 'Use NHS number 999 123 5671' }).click();
  await suggestions.getByRole('button', { name: 'Use date of birth 12/07/1954' }).click();
  await expect(page.getByLabel('NHS number')).toHaveValue('999 123 5671');
  await expect(page.getByRole('group', { name: 'Date of birth' }).getByLabel('Year')).toHaveValue('1954');
  // Typed as a busy clinician types it: the look-up matches it with the record all the same.
  await page.getByLabel('Patient name').fill('jane testpatient');

  await page.getByRole('button', { name: 'Find the patient in the EPR' }).click();
  const found = page.getByTestId('patient-lookup');
  await expect(found).toHaveAttribute('data-status', 'found');
  const record = page.getByTestId('patient-record-epr');
  await expect(record).toContainText('Jane TESTPATIENT');
  await expect(record).toContainText('12 Jul 1954');
  await expect(record).toContainText('Female');
  await expect(record).toContainText('1 Practice Row, Leeds, LS1 4AP');
  await expect(record).toContainText('Training Medical Practice (synthetic)');

  // Attesting before confirming is refused on the screen (and in main).
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('preview')).toBeVisible();
  // What stops it is said first, focused, linked to the box to tick.
  const stopped = page.getByTestId('error-summary');
  await expect(stopped).toBeFocused();
  await expect(stopped).toContainText('Confirm that this is the right patient.');
  await stopped.getByRole('link', { name: 'Confirm that this is the right patient.' }).click();
  await expect(page.getByLabel('This is the patient the advice is about')).toBeFocused();
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByTestId('error-summary')).toBeVisible();

  await page.getByLabel('This is the patient the advice is about').check();
  // Confirmed, the note names the patient as the record does, not as typed.
  await expect(page.getByLabel('Patient name')).toHaveValue('Jane TESTPATIENT');
  await expect(page.getByLabel('This is the patient the advice is about')).toBeChecked();
  // The nurse's report is what the registrar answered: filed for context, not as her advice.
  await page.getByLabel(/^A question or reply, not advice \(Dr Amara Okafor/).check();
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('preview');
  await expect(preview).toContainText('Jane TESTPATIENT, NHS number 999 123 5671, born 1954-07-12');
  await expect(preview).not.toContainText('jane testpatient');
  await expect(preview).toContainText('Context (a question or reply, not advice)\nFrom: Dr Amara Okafor');
  await expect(preview).toContainText('Advice 1 of 1\nFrom: Dr Benjamin Hale');
  // Only the registrar is an author of the advice; the nurse informed it.
  await expect(preview).toContainText('"code": "informant"');
  // The preview names the confirmed Patient as attesting will.
  await expect(preview).toContainText('"reference": "Patient/');
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
  await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record', { timeout: 30_000 });
  await expect(page.getByTestId('outbox-row').first()).toContainText('999 123 5671');
});

test('an NHS number that passes the check digit but is not in the EPR cannot be confirmed or attested', async ({ wardscribe: { page, dataDir } }) => {
  await compose(page, dataDir);
  await page.getByLabel('NHS number').fill('943 476 5919');
  await expect(page.getByText('Checked: 943 476 5919')).toBeVisible();
  await page.getByLabel('Patient name').fill('Jane Testpatient');
  await fillDateOfBirth(page, '1954-07-12');
  await page.getByRole('button', { name: 'Find the patient in the EPR' }).click();
  const lookup = page.getByTestId('patient-lookup');
  await expect(lookup).toHaveAttribute('data-status', 'not-found');
  await expect(lookup).toContainText('No patient with NHS number 943 476 5919 is in the EPR.');
  await expect(page.getByLabel('This is the patient the advice is about')).toHaveCount(0);
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByTestId('error-summary')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toHaveCount(0);

  // The right number with the wrong date of birth: the record is shown, the mismatch named, no confirmation.
  await page.getByLabel('NHS number').fill('999 123 5671');
  await fillDateOfBirth(page, '1954-12-07');
  await page.getByRole('button', { name: 'Find the patient in the EPR' }).click();
  await expect(lookup).toHaveAttribute('data-status', 'mismatch');
  await expect(lookup).toContainText('The date of birth you entered is not the one the EPR holds for this NHS number.');
  await expect(page.getByLabel('This is the patient the advice is about')).toHaveCount(0);
});
