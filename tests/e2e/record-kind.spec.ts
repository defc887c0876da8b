import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildZip } from '../unit/importers/zip-writer';
import { addPersonAndSignIn, choosePatient, createFirstAdmin, expect, expectNoAxeViolations, importExport, test } from './fixtures';

/**
 * Issue #15: the clinician chooses what kind of document the note is, from UK Core's document
 * types, and marks sensitive advice; the note is filed so (restricted, with the reason) in the
 * training EPR, linked to the patient's current encounter there, verified, and the record shows
 * it restricted.
 */
const CHAT = [
  '[13/05/2024, 22:41:10] Staff Nurse Kaur: Worried about bruising on the child in bay 3, mum gave two different stories.',
  '[13/05/2024, 22:47:33] Dr Obi (paeds reg): Do not discharge. Skeletal survey in the morning and call the safeguarding lead at 09:00.',
].join('\n');

test('a safeguarding note: chosen as a child safeguarding report, marked sensitive, filed restricted and verified', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(120_000);
  const zipPath = join(dataDir, 'WhatsApp Chat - Paeds.zip');
  writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: CHAT }]));
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  const messages = page.getByTestId('message');
  await messages.nth(0).click();
  await messages.nth(1).click({ modifiers: ['Shift'] });
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await page.getByLabel('Full name').nth(0).fill('Harpreet Kaur');
  await page.getByLabel('Role and grade').nth(0).fill('Staff nurse');
  await page.getByLabel('Full name').nth(1).fill('Dr Chidi Obi');
  await page.getByLabel('Role and grade').nth(1).fill('Paediatric registrar ST6');
  await page.getByLabel(/^A question or reply, not advice \(Staff Nurse Kaur/).check();
  await page.getByLabel('Your summary for the record').fill('Safeguarding plan from the paediatric registrar overnight.');
  await choosePatient(page);
  // Jane is on a (made-up) ward in the training EPR: the note can be linked to that encounter.
  const encounter = page.getByTestId('encounter-choice');
  await expect(encounter.getByLabel('Not linked to an encounter')).toBeChecked();
  await encounter.getByLabel(/^Inpatient, Ward 7 \(training\), since /).check();

  // The usual type is chosen until the clinician picks another; each says when to use it.
  const type = page.getByLabel('Document type');
  await expect(type).toHaveValue('371530004');
  await type.selectOption({ label: 'Child safeguarding report' });
  await expect(page.locator('#document-type-hint')).toHaveText('A safeguarding concern about a child.');
  const sensitive = page.getByLabel('Is this advice sensitive?');
  await expect(sensitive).toHaveValue('');
  // The messages say "safeguarding": the question is prompted, never answered for the clinician.
  await expect(page.getByTestId('sensitivity-suggested')).toContainText('“safeguarding” (safeguarding: abuse, neglect or domestic violence)');
  await sensitive.selectOption({ label: 'Yes: Safeguarding: abuse, neglect or domestic violence' });
  await expect(page.getByTestId('sensitivity-suggested')).toHaveCount(0);
  await expectNoAxeViolations(page, 'the transcribe screen with a document type and sensitivity chosen');

  // Leaving and coming back keeps both choices (they are saved with the draft).
  await page.keyboard.press('Alt+3');
  await page.keyboard.press('Alt+4');
  await page.getByTestId('draft-row').getByRole('button', { name: /Open/ }).click();
  await expect(page.getByLabel('Document type')).toHaveValue('909041000000101');
  await expect(page.getByLabel('Is this advice sensitive?')).toHaveValue('safeguarding');
  // The patient is confirmed again by whoever attests; the encounter chosen stays chosen.
  await page.getByLabel('This is the patient the advice is about').check();
  await expect(page.getByTestId('encounter-choice').getByLabel(/^Inpatient, Ward 7 \(training\)/)).toBeChecked();

  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('preview');
  await expect(preview).toContainText('Sensitive: Safeguarding: abuse, neglect or domestic violence. Filed as restricted.');
  await expect(preview).toContainText('"code": "909041000000101"');
  await expect(preview).toContainText('"code": "SDV"');
  await expect(preview).toContainText('"reference": "Encounter/');
  // Beside the text, what the record files it as (a cold trial found the type only in the technical view).
  const filedAs = page.getByTestId('preview-filed-as');
  await expect(filedAs).toContainText('Child safeguarding report');
  await expect(filedAs).toContainText('Inpatient, Ward 7 (training), since');
  await expect(filedAs).toContainText('Restricted: Safeguarding: abuse, neglect or domestic violence');
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record', { timeout: 30_000 });

  await page.getByRole('button', { name: /^Open the filed note for / }).click();
  const note = page.getByTestId('filed-note');
  await expect(note).toContainText('Child safeguarding report');
  await expect(note).toContainText('Restricted: Safeguarding: abuse, neglect or domestic violence');
  await expect(page.getByTestId('filed-note-text')).toContainText('Skeletal survey in the morning');
});
