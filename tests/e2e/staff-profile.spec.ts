import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildZip } from '../unit/importers/zip-writer';
import { choosePatient, createFirstAdmin, expect, expectNoAxeViolations, importExport, signInFirstTime, test } from './fixtures';

/**
 * Issue #15: staff are identified in the record by their registration and SDS user ID, which an
 * administrator sets under Users; the note names the attester by job title and registration.
 */
test('an administrator sets a clinician’s job title, GMC number and SDS user ID; the note they attest names them so', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(120_000);
  await createFirstAdmin(page);
  await page.keyboard.press('Alt+7');
  await page.getByLabel('Username').fill('cleo');
  await page.getByLabel('Full name').fill('Dr Cleo Clinician');
  await page.getByLabel('Role').selectOption('clinician');
  await page.getByLabel('Temporary passphrase').fill('temporary for cleo');
  await page.getByRole('button', { name: 'Add person' }).click();
  const row = page.getByRole('row', { name: /Dr Cleo Clinician/ });
  await expect(row.getByTestId('user-profile')).toHaveText('Not set');

  await row.getByRole('button', { name: /Professional details/ }).click();
  const form = page.getByTestId('staff-profile-form');
  await expect(form.getByLabel('Job title and grade')).toBeFocused();
  await form.getByLabel('Job title and grade').fill('Consultant physician');
  await form.getByLabel('Professional registration').selectOption('GMC');
  await form.getByLabel('GMC number').fill('12345');
  await form.getByLabel('SDS user ID (optional)').fill('5550 2193 5107');
  await form.getByRole('button', { name: 'Save professional details' }).click();
  // Refused in words, linked to the number.
  const summary = page.getByTestId('error-summary');
  await expect(summary).toContainText('GMC numbers are seven digits, or L and six digits.');
  await summary.getByRole('link', { name: /GMC numbers are/ }).click();
  await expect(form.getByLabel('GMC number')).toBeFocused();
  await expectNoAxeViolations(page, 'the professional details form with a problem');
  // The GMC also issues an L and six digits.
  await form.getByLabel('GMC number').fill('l123456');
  await form.getByRole('button', { name: 'Save professional details' }).click();
  await expect(page.getByText('Dr Cleo Clinician is now named in the record as: Consultant physician, GMC L123456, SDS 555021935107.')).toBeVisible();
  await expect(row.getByTestId('user-profile')).toHaveText('Consultant physician, GMC L123456, SDS 555021935107');

  // Cleo signs in, transcribes and previews: the note names her by job title and registration.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signInFirstTime(page, 'cleo', 'temporary for cleo');
  // A clinician starts at the work queue, not on the workstation's technical status.
  await expect(page.getByRole('heading', { level: 1, name: 'Threads' })).toBeVisible();
  const zipPath = join(dataDir, 'WhatsApp Chat - Ward 7.zip');
  writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: '[13/04/2024, 21:20:45] Ben (reg): Restrict fluids to 1.5 L and recheck the sodium at 06:00.' }]));
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  await page.getByTestId('message').nth(0).click();
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await page.getByLabel('Full name').fill('Dr Benjamin Hale');
  await page.getByLabel('Role and grade').fill('Medical registrar ST5');
  await page.getByLabel('Your summary for the record').fill('Fluids restricted overnight.');
  await choosePatient(page);
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('preview');
  await expect(preview).toContainText('Attested by: Dr Cleo Clinician, Consultant physician, GMC L123456, ');
  await expect(preview).toContainText('"system": "https://fhir.nhs.uk/Id/sds-user-id"');
  await expect(preview).not.toContainText('wardscribe.nhs.uk/Id/user');
});
