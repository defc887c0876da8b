import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { buildZip } from '../unit/importers/zip-writer';
import { startEprHarness } from '../unit/epr/support/epr-harness';
import { addPersonAndSignIn, choosePatient, createFirstAdmin, expect, expectNoAxeViolations, importExport, test } from './fixtures';

const CHAT = [
  '[13/04/2024, 21:14:02] Dr Amara Okafor: Can you review bed 12? Sodium 128 this evening.',
  '[13/04/2024, 21:20:45] Ben (reg): Restrict fluids to 1.5 L and recheck the sodium at 06:00.',
  '[13/04/2024, 21:22:10] Dr Amara Okafor: Will do. Anything else overnight?',
  '[13/04/2024, 21:23:00] Ben (reg): Hold the furosemide until the morning review.',
].join('\n');

/** Imports the chat, selects three messages from two senders, attributes them, chooses the patient and previews. */
async function transcribe(page: Page, zipPath: string): Promise<void> {
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();

  // Click the first, shift-click the third: three messages, from two senders.
  const messages = page.getByTestId('message');
  await messages.nth(0).click();
  await messages.nth(2).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('selection-count')).toHaveText('3 selected');
  await page.getByRole('button', { name: 'Transcribe selected' }).click();

  await expect(page.getByTestId('excerpts').locator('li')).toHaveCount(3);
  await page.getByLabel('Full name').nth(0).fill('Dr Amara Okafor');
  await page.getByLabel('Role and grade').nth(0).fill('Foundation doctor FY2');
  await page.getByLabel('Full name').nth(1).fill('Dr Benjamin Hale');
  await page.getByLabel('Role and grade').nth(1).fill('Medical registrar ST5');
  await page.getByLabel('Registration body (optional)').nth(1).selectOption('GMC');
  await page.getByLabel('Registration number (optional)').nth(1).fill('7654321');
  await page.getByLabel('Your summary for the record').fill('Hyponatraemia plan agreed with the medical registrar overnight.');

  // A wrong check digit is shown at once and can never be filed.
  await page.getByLabel('NHS number').fill('999 123 5670');
  await expect(page.locator('#nhs-number-error')).toBeVisible();
  await page.getByLabel('NHS number').fill('999 123 5671');
  await expect(page.getByText('Checked: 999 123 5671')).toBeVisible();
  // The patient is one of the training EPR's synthetic patients, found there and confirmed.
  await choosePatient(page);

  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('preview');
  await expect(preview).toContainText('Dr Benjamin Hale');
  await expect(preview).toContainText('21:20');
  await expect(preview).toContainText('Restrict fluids to 1.5 L');
  // Its identifier is not the one the note will get, and it says so.
  await expect(page.getByTestId('preview-provisional')).toContainText('provisional: the note gets its own when you attest');

}

test('select three messages from two senders, attribute, choose the patient, preview, attest, and see it verified', async ({ wardscribe: { page, dataDir } }) => {
  const zipPath = join(dataDir, 'WhatsApp Chat - Ward 7.zip');
  writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: CHAT }]));
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await expect(page.getByTestId('training-banner')).toBeVisible();
  await transcribe(page, zipPath);
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
  await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record', { timeout: 30_000 });
  await expect(page.getByTestId('outbox-row').first()).toContainText('999 123 5671');
  // Each item names the EPR it is bound to.
  await expect(page.getByTestId('outbox-epr').first()).toHaveText('Training EPR');
  await expect(page.getByTestId('outbox-detail').first()).toHaveText('Verified in the record.');
  await expect(page.getByRole('button', { name: 'Retry' })).toHaveCount(0);

  // The filed note opens as the EPR holds it, and prints alone through the system print dialog.
  await page.getByRole('button', { name: /^Open the filed note for / }).click();
  const note = page.getByTestId('filed-note');
  await expect(note.getByRole('heading', { name: 'Filed note, as Training EPR holds it' })).toBeFocused();
  await expect(page.getByTestId('filed-note-text')).toContainText('Restrict fluids to 1.5 L and recheck the sodium at 06:00.');
  await expect(page.getByTestId('filed-note-text')).toContainText('Dr Benjamin Hale');
  await expect(note).toContainText('Status');
  await expectNoAxeViolations(page, 'a filed note opened from the outbox');
  await page.emulateMedia({ media: 'print' });
  await page.evaluate(() => {
    const seen: Record<string, unknown>[] = [];
    (window as unknown as { printed: typeof seen }).printed = seen;
    window.print = () => {
      const visible = (selector: string) => [...document.querySelectorAll(selector)].some((node) => getComputedStyle(node).display !== 'none' && (node as HTMLElement).offsetParent !== null);
      seen.push({ text: visible('[data-print-target] [data-testid="filed-note-text"]'), table: visible('[data-testid="outbox-table"]'), nav: visible('nav'), buttons: visible('[data-print-target] button') });
    };
  });
  await note.getByRole('button', { name: 'Print note' }).click();
  await expect.poll(() => page.evaluate(() => (window as unknown as { printed: unknown[] }).printed.length)).toBe(1);
  const [printed] = await page.evaluate(() => (window as unknown as { printed: Record<string, unknown>[] }).printed);
  expect(printed).toEqual({ text: true, table: false, nav: false, buttons: false });
  await page.emulateMedia({ media: 'screen' });
  await note.getByRole('button', { name: 'Close' }).click();
  await expect(note).toHaveCount(0);
});

test('an administrator sees the training EPR in the settings and its connection test answers', async ({ wardscribe: { page } }) => {
  await createFirstAdmin(page);
  await page.keyboard.press('Alt+8');
  await expect(page.getByLabel('File transcriptions in')).toHaveValue('training');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('epr-message')).toContainText('Connected');
  // A live EPR needs a real URL: a clear refusal, and the training EPR stays in use.
  await page.getByLabel('File transcriptions in').selectOption('live');
  await page.getByLabel('FHIR base URL').fill('not a url');
  await page.getByLabel('Organisation ODS code').fill('RX1');
  await page.getByRole('button', { name: 'Save EPR settings' }).click();
  await expect(page.getByTestId('epr-message')).toContainText('the FHIR base URL');
  // Shown beside the field it is about, and linked from the summary.
  await expect(page.locator('#epr-url-error')).toBeVisible();
  await expect(page.getByLabel('FHIR base URL')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('epr-message').getByRole('link')).toHaveAttribute('href', '#epr-url');
  await expect(page.getByTestId('training-banner')).toBeVisible();
  // A live EPR over plain http is refused, saying why.
  await page.getByLabel('FHIR base URL').fill('http://epr.example.nhs.uk/fhir');
  await page.getByRole('button', { name: 'Save EPR settings' }).click();
  await expect(page.getByTestId('epr-message')).toContainText('must use https://');
  await expect(page.getByTestId('training-banner')).toBeVisible();
  // The administrator can correct what the EPR says it supports.
  await expect(page.getByTestId('epr-profile')).toBeVisible();
  await expect(page.getByLabel('Provenance')).toHaveValue('');
});

test('a live EPR refuses the note: the outbox shows its EPR and the reason; Retry looks for it first and, on an EPR not yet seen to find a note by identifier, the clinician checks the record, then it is filed once', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(180_000);
  // A loopback FHIR server standing in for the live EPR (plain http is allowed only to this computer).
  const epr = await startEprHarness({ minimalCreate: true });
  try {
    epr.fault = (request) =>
      request.method === 'POST'
        ? { kind: 'respond', status: 422, body: JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'business-rule', details: { text: 'Custodian RX1 is not known to this EPR' } }] }) }
        : { kind: 'pass' };
    const zipPath = join(dataDir, 'WhatsApp Chat - Ward 7.zip');
    writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: CHAT }]));
    await createFirstAdmin(page);
    await fileInLiveEpr(page, epr.baseUrl);

    await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
    await expect(page.getByTestId('training-banner')).toHaveCount(0);
    await transcribe(page, zipPath);
    await page.getByRole('button', { name: 'Attest and file' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
    await expect(page.getByTestId('outbox-state').first()).toHaveText('Failed', { timeout: 30_000 });
    await expect(page.getByTestId('outbox-detail').first()).toContainText('Custodian RX1 is not known to this EPR');
    await expect(page.getByTestId('outbox-epr').first()).toHaveText(new URL(epr.baseUrl).host + '/fhir');

    epr.fault = () => ({ kind: 'pass' });
    await page.getByRole('button', { name: 'Retry' }).click();
    // A refused write may still have been applied: the Retry waits the settle window and searches.
    // Nothing found, on an EPR no search has yet found a note on, proves nothing: it stops for a check.
    await expect(page.getByTestId('outbox-state').first()).toHaveText('Needs attention', { timeout: 90_000 });
    await expect(page.getByTestId('outbox-detail').first()).toContainText('has not yet seen this EPR find a note by its identifier');
    expect(Object.values(epr.creationsByIdentifier())).toEqual([]);
    await page.getByRole('button', { name: 'Send after checking the record' }).click();
    await page.getByRole('button', { name: 'Confirm and send' }).click();
    await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record', { timeout: 30_000 });
    expect(Object.values(epr.creationsByIdentifier())).toEqual([1]);
  } finally {
    await epr.close();
  }
});

test('an EPR that cannot be searched by identifier: the clinician checks the record, confirms, and the note is sent once and verified', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(240_000);
  // A live EPR that ignores the identifier search parameter, already holding another patient's document.
  const epr = await startEprHarness({ ignoresIdentifierSearch: true });
  try {
    const seeded = await fetch(`${epr.upstreamUrl}/DocumentReference`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('another note').toString('base64') } }] }),
    });
    expect(seeded.status).toBe(201);
    // The first push never reaches it (the connection drops), so whether it landed cannot be searched for.
    let dropped = false;
    epr.fault = (request) => (request.method === 'POST' && !dropped ? ((dropped = true), { kind: 'drop-before' }) : { kind: 'pass' });
    const zipPath = join(dataDir, 'WhatsApp Chat - Ward 7.zip');
    writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: CHAT }]));
    await createFirstAdmin(page);
    await fileInLiveEpr(page, epr.baseUrl);

    await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
    await transcribe(page, zipPath);
    await page.getByRole('button', { name: 'Attest and file' }).click();
    await expect(page.getByTestId('outbox-state').first()).toHaveText('Needs attention', { timeout: 120_000 });
    await expect(page.getByTestId('outbox-detail').first()).toContainText('cannot be searched by identifier');
    expect(Object.values(epr.creationsByIdentifier())).toEqual([]);

    // Nothing is sent until the clinician confirms; Cancel sends nothing.
    await page.getByRole('button', { name: 'Send after checking the record' }).click();
    await expect(page.getByTestId('record-check')).toContainText('I have checked this patient\u2019s record in');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('record-check')).toHaveCount(0);
    await page.getByRole('button', { name: 'Send after checking the record' }).click();
    await page.getByRole('button', { name: 'Confirm and send' }).click();
    await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record', { timeout: 30_000 });
    await expect(page.getByRole('button', { name: 'Send after checking the record' })).toHaveCount(0);
    expect(Object.values(epr.creationsByIdentifier())).toEqual([1]);
  } finally {
    await epr.close();
  }
});

/** The administrator points Wardscribe at a live EPR (here a loopback stand-in). */
async function fileInLiveEpr(page: Page, baseUrl: string): Promise<void> {
  await page.keyboard.press('Alt+8');
  await page.getByLabel('File transcriptions in').selectOption('live');
  await page.getByLabel('FHIR base URL').fill(baseUrl);
  await page.getByLabel('Organisation ODS code').fill('RX1');
  await page.getByRole('button', { name: 'Save EPR settings' }).click();
  await expect(page.getByTestId('epr-message')).toContainText('EPR settings saved');
  // The shortest settle window an administrator can choose: a send whose outcome is unknown is
  // looked for (and sent again) only after it, so these tests wait a minute, not two.
  await page.getByLabel('Wait before checking a send that may have arrived').selectOption('60000');
  await page.getByRole('button', { name: 'Save EPR settings' }).click();
  await expect(page.getByTestId('epr-message')).toContainText('EPR settings saved');
}
