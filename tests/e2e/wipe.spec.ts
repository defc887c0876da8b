import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { buildZip } from '../unit/importers/zip-writer';
import { addPersonAndSignIn, createFirstAdmin, expect, expectNoAxeViolations, importExport, choosePatient, printedBy, test } from './fixtures';

const CHAT = [
  '[13/04/2024, 21:14:02] Dr Amara Okafor: Can you review bed 12? Sodium 128 this evening.',
  '[13/04/2024, 21:20:45] Ben (reg): Restrict fluids to 1.5 L and recheck the sodium at 06:00.',
  '[13/04/2024, 21:22:10] Dr Amara Okafor: Will do. Anything else overnight?',
  '[13/04/2024, 21:23:00] Ben (reg): Hold the spironolactone until the morning review.',
].join('\n');

/** A word only this chat holds: after the wipe, search must not find it. */
const DISTINCTIVE = 'spironolactone';

function writeExport(dataDir: string): string {
  const zipPath = join(dataDir, 'WhatsApp Chat - Ward 7.zip');
  writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: CHAT }]));
  return zipPath;
}

/** From the open thread: transcribes the registrar's advice, attests it and waits until it is verified in the (training) record. */
async function fileTheRegistrarsAdvice(page: Page): Promise<void> {
  await page.getByTestId('message').nth(1).click();
  await expect(page.getByTestId('selection-count')).toHaveText('1 selected');
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await expect(page.getByTestId('excerpts').locator('li')).toHaveCount(1);
  await page.getByLabel('Full name').fill('Dr Benjamin Hale');
  await page.getByLabel('Role and grade').fill('Medical registrar ST5');
  await page.getByLabel('Your summary for the record').fill('Hyponatraemia plan agreed with the medical registrar overnight.');
  await choosePatient(page);
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('preview')).toBeVisible();
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
  await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record', { timeout: 30_000 });
}

async function searchThreads(page: Page, query: string): Promise<void> {
  await page.getByLabel('Search all threads').fill(query);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
}

test('after filing, a clinician wipes the thread and its export file, gets a purge certificate, and nothing of the thread remains', async ({
  wardscribe: { page, dataDir, logLines },
}) => {
  test.setTimeout(120_000);
  const zipPath = writeExport(dataDir);
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  await fileTheRegistrarsAdvice(page);

  // Before: the thread is listed and search finds its distinctive word.
  await page.keyboard.press('Alt+3');
  const threadList = page.getByRole('navigation', { name: 'Threads in the vault' });
  await expect(threadList.getByTestId('queue-row').getByRole('button')).toHaveCount(1);
  await searchThreads(page, DISTINCTIVE);
  await expect(page.getByTestId('search-results')).toContainText('1 result');
  await threadList.getByTestId('queue-row').getByRole('button').first().click();
  await expect(page.getByTestId('message')).toHaveCount(4);

  // The confirmation: what will go, what was filed, and the gate's verdict.
  await page.getByRole('button', { name: 'Wipe originals…' }).click();
  await expect(page.getByRole('heading', { level: 2, name: /^Wipe the originals of/ })).toBeFocused();
  // One message filed: the other three, one of them advice never transcribed, are listed, and a
  // clinician must say why they may go (H-013: one filed note is not the whole chat).
  await expect(page.getByTestId('wipe-gate')).toContainText('3 messages in this chat are in no note filed in the record.');
  const untranscribed = page.getByTestId('wipe-untranscribed-row');
  await expect(untranscribed).toHaveCount(3);
  // The registrar's other advice is marked and comes first: he gave the advice in the filed note.
  await expect(page.getByTestId('wipe-untranscribed-marked')).toContainText('1 of them was sent by someone whose advice is in the filed note, or names its patient or another patient.');
  await expect(untranscribed.nth(0)).toContainText('Hold the spironolactone until the morning review.');
  await expect(untranscribed.nth(0)).toContainText('Ben (reg)');
  await expect(untranscribed.nth(0).getByTestId('wipe-look-again')).toHaveText('From an adviser in the note');
  await expect(untranscribed.nth(1)).toContainText('13 Apr 2024, 21:14');
  await expect(untranscribed.nth(1).getByTestId('wipe-look-again')).toHaveCount(0);
  const plan = page.getByTestId('wipe-plan');
  await expect(plan).toContainText('4 messages');
  await expect(plan).toContainText('0 attachments');
  await expect(plan).toContainText('1 draft made from it');
  await expect(plan).toContainText('13 Apr 2024, 20:14 UTC and 13 Apr 2024, 20:23 UTC');
  await expect(page.getByTestId('wipe-source-file')).toContainText('WhatsApp Chat - Ward 7.zip');
  await expect(page.getByTestId('wipe-source-file')).toContainText('Still where it was imported from, unchanged.');
  const filedRow = page.getByTestId('wipe-filed').locator('tbody tr');
  await expect(filedRow).toHaveCount(1);
  await expect(filedRow).toContainText('999 123 5671');
  await expect(filedRow).toContainText('Verified in the record');
  // The export file's overwrite is honest about SSDs.
  await expect(page.locator('#wipe-overwrite-hint')).toContainText('best effort');

  // Without a reason nothing is wiped; the problem is linked to the reason box.
  await page.getByLabel(/Also overwrite and delete the export file/).check();
  await page.getByRole('button', { name: 'Wipe originals', exact: true }).click();
  await expect(page.getByTestId('wipe-problems')).toContainText('Say why this chat can be wiped anyway.');
  const reason = 'The other advice was repeated on the ward round and is in that note.';
  await page.getByLabel('Why can this chat be wiped anyway?').fill(reason);
  await page.getByRole('button', { name: 'Wipe originals', exact: true }).click();

  // The certificate.
  await expect(page.getByRole('heading', { level: 2, name: 'Originals wiped' })).toBeVisible({ timeout: 60_000 });
  const certificate = page.getByTestId('wipe-certificate');
  await expect(certificate.getByTestId('certificate-level')).toContainText('Wiped and checked');
  await expect(certificate.getByTestId('certificate-verification')).toContainText(/^Passed: .* nothing found\.$/);
  await expect(certificate.getByTestId('certificate-counts')).toHaveText('4 messages, 0 attachments, 1 transcription made from it, whether still a draft or filed (what was filed stays in the record)');
  await expect(certificate.getByTestId('certificate-source-file')).toContainText('Overwritten');
  const filedText = (await certificate.getByTestId('certificate-filed').textContent())!;
  const documentReferenceId = /^NHS number 999 123 5671: record reference ([A-Za-z0-9.-]{1,64})$/.exec(filedText)?.[1];
  expect(documentReferenceId, filedText).toBeDefined();
  expect(existsSync(zipPath)).toBe(false);

  // The certificate as a PDF, read back with poppler.
  await certificate.getByRole('button', { name: 'Export certificate (PDF)' }).click();
  const exported = page.getByTestId('certificate-export');
  await expect(exported).toContainText(/Saved wardscribe-wipe-certificate-[0-9a-f-]{36}\.pdf/);
  const pdfPath = (await exported.locator('code').textContent())!;
  expect(existsSync(pdfPath)).toBe(true);
  const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
  expect(text).toContain('Wardscribe wipe certificate');
  expect(text).toContain('WhatsApp Chat - Ward 7.zip');
  expect(text).toMatch(/4 messages, 0 attachments, 1 transcription made from it/);
  expect(text).toContain('Dr Cleo Clinician (clinician)');
  expect(text).toContain(`NHS number 999 123 5671: record reference ${documentReferenceId}`);
  expect(text).toMatch(/Vault key changed\s+Yes/);
  expect(text).toMatch(/Export file\s+Overwritten/);
  expect(text).toMatch(/Check after the wipe\s+Passed:/);
  expect(text).toContain('nothing found');
  expect(text).toContain('Wiped and checked: deleted');
  // The screen's words: what the clinician saw is what the PDF keeps.
  expect(text.replace(/\s+/g, ' ')).toContain((await certificate.getByTestId('certificate-unfiled-messages').textContent())!.replace(/\s+/g, ' '));
  expect(text).not.toContain(DISTINCTIVE);

  // Back in the threads screen: the thread is gone from the list and from search.
  await page.getByRole('button', { name: 'Back to threads' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Threads' })).toBeFocused();
  await expect(threadList).toContainText('No threads yet');
  await expect(page.getByTestId('message')).toHaveCount(0);
  await searchThreads(page, DISTINCTIVE);
  await expect(page.getByTestId('search-results')).toContainText('0 results');

  // Every certificate is listed, reachable by keyboard.
  await page.keyboard.press('Alt+0');
  await expect(page.getByRole('heading', { level: 1, name: 'Wipe certificates' })).toBeFocused();
  await expect(page.getByTestId('certificate-row')).toHaveCount(1);
  await expect(page.getByTestId('certificate-row')).toContainText('Wiped and checked');
  await page.getByTestId('certificate-row').getByRole('button', { name: /^View the certificate/ }).click();
  await expect(page.getByTestId('wipe-certificate').getByTestId('certificate-level')).toContainText('Wiped and checked');
  // Exported again from here, the PDF is listed under Exported files at once.
  await expect(page.getByTestId('exported-file-row')).toHaveCount(1);
  await page.getByTestId('wipe-certificate').getByRole('button', { name: 'Export certificate (PDF)' }).click();
  await expect(page.getByTestId('wipe-certificate').getByTestId('certificate-export')).toBeVisible();
  await expect(page.getByTestId('exported-file-row')).toHaveCount(2);

  // The outbox still shows the filing: the record keeps what was transcribed.
  await page.keyboard.press('Alt+5');
  await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record');
  await expect(page.getByTestId('outbox-row').first()).toContainText(documentReferenceId!);

  // Nothing the chat said reached the log.
  expect(logLines.join('\n')).not.toContain(DISTINCTIVE);
  expect(logLines.join('\n')).not.toContain('9991235671');
});

test('a clerk sees the gate refuse an unfiled thread, and main refuses it too', async ({ wardscribe: { page, dataDir } }) => {
  const zipPath = writeExport(dataDir);
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'carl', displayName: 'Carl Clerk', role: 'clerk' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  await page.getByRole('button', { name: 'Wipe originals…' }).click();

  const gate = page.getByTestId('wipe-gate');
  await expect(gate).toContainText('Nothing from this chat has been filed in the record.');
  await expect(gate).toContainText('Only a clinician can wipe this thread anyway');
  await expect(page.getByTestId('wipe-filed')).toHaveText('Nothing has been transcribed from this chat.');
  // No reason box, no overwrite choice, no button to wipe: only the way back.
  await expect(page.getByLabel('Why can this chat be wiped anyway?')).toHaveCount(0);
  await expect(page.getByLabel(/Also overwrite and delete the export file/)).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Wipe originals', exact: true })).toHaveCount(0);

  // Main enforces the same gate whatever the page does.
  const refusal = await page.evaluate(async () => {
    const threads = await window.wardscribe.threads.list({});
    if (!threads.ok) return threads;
    return window.wardscribe.wipes.run({ jobId: crypto.randomUUID().replaceAll('-', ''), threadId: threads.value[0]!.id, overwriteSourceFile: true });
  });
  expect(refusal).toMatchObject({ ok: false, error: { code: 'rejected' } });
  expect(JSON.stringify(refusal)).toContain('Only a clinician');
  expect(existsSync(zipPath)).toBe(true);

  await page.getByRole('button', { name: 'Back to threads' }).click();
  await expect(page.getByRole('navigation', { name: 'Threads in the vault' }).getByTestId('queue-row').getByRole('button')).toHaveCount(1);
});

test('a clinician must give a reason to wipe a thread nothing was filed from', async ({ wardscribe: { page, dataDir } }) => {
  const zipPath = writeExport(dataDir);
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  await page.getByRole('button', { name: 'Wipe originals…' }).click();

  await expect(page.getByTestId('wipe-gate')).toContainText('Nothing from this chat has been filed in the record.');
  const reason = page.getByLabel('Why can this chat be wiped anyway?');
  await reason.fill('Social chat');
  await page.getByRole('button', { name: 'Wipe originals', exact: true }).click();
  await expect(page.locator('#wipe-reason-error')).toContainText('at least 20 characters');
  await reason.fill('Only rota swaps and greetings, no advice about any patient.');
  await page.getByRole('button', { name: 'Wipe originals', exact: true }).click();

  await expect(page.getByRole('heading', { level: 2, name: 'Originals wiped' })).toBeVisible({ timeout: 60_000 });
  const certificate = page.getByTestId('wipe-certificate');
  await expect(certificate.getByTestId('certificate-level')).toContainText('Wiped and checked');
  await expect(certificate).toContainText('Nothing was filed from this chat.');
  await expect(certificate).toContainText('Only rota swaps and greetings, no advice about any patient.');
  await expect(certificate.getByTestId('certificate-source-file')).toContainText('Not asked for');
  expect(existsSync(zipPath)).toBe(true);

  // Printed through the system dialog: the certificate alone, without its buttons, saying it is training.
  const printed = await printedBy(page, certificate.getByRole('button', { name: 'Print certificate' }));
  expect(printed).toMatchObject({ target: 'wipe-certificate', nav: false, header: false, buttons: false });
  expect(printed.text).toContain('Only rota swaps and greetings');
  expect(printed.note).toContain('TRAINING');
});

test('an ECG sent as a PDF with the filed advice is not in the record: the confirmation lists it and the wipe waits for the clinician to acknowledge it, by keyboard; main refuses without (H-028)', async ({
  wardscribe: { page, dataDir, logLines },
}) => {
  test.setTimeout(120_000);
  const ecgName = '00000003-ECG-bed12.pdf';
  const ecg = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3 * 1024, 0x20), Buffer.from('\n%%EOF\n')]);
  const zipPath = join(dataDir, 'WhatsApp Chat - Ward 7.zip');
  const chat = [
    '[13/04/2024, 21:14:02] Dr Amara Okafor: Can you review bed 12? Sodium 128 this evening.',
    '[13/04/2024, 21:20:45] Ben (reg): Restrict fluids to 1.5 L and recheck the sodium at 06:00. ECG attached.',
    `[13/04/2024, 21:21:30] Ben (reg): \u200e<attached: ${ecgName}>`,
    '[13/04/2024, 21:22:10] Dr Amara Okafor: Will do.',
  ].join('\n');
  writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: chat }, { name: ecgName, data: ecg }]));
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();

  // The registrar's advice and the ECG he sent with it, filed and verified (a PDF cannot be filed with the note).
  const messages = page.getByTestId('message');
  await messages.nth(1).click();
  await messages.nth(2).click({ modifiers: ['Shift'], position: { x: 4, y: 4 } });
  await expect(page.getByTestId('selection-count')).toHaveText('2 selected');
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await expect(page.getByTestId('excerpts').locator('li')).toHaveCount(2);
  await page.getByLabel('Full name').fill('Dr Benjamin Hale');
  await page.getByLabel('Role and grade').fill('Medical registrar ST5');
  await page.getByLabel('Your summary for the record').fill('Hyponatraemia plan agreed with the medical registrar overnight.');
  await choosePatient(page);
  await expect(page.getByTestId('image-choice')).toHaveCount(0);
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record', { timeout: 30_000 });

  await page.keyboard.press('Alt+3');
  await page.getByRole('navigation', { name: 'Threads in the vault' }).getByTestId('queue-row').getByRole('button').first().click();
  await page.getByRole('button', { name: 'Wipe originals…' }).click();
  // The note is verified; the two messages in no note need a reason, and the ECG is listed as not in the record.
  await expect(page.getByTestId('wipe-gate')).toContainText('2 messages in this chat are in no note filed in the record.');
  const reason = 'The rest is the question and a thank-you.';
  await page.getByLabel('Why can this chat be wiped anyway?').fill(reason);
  const unfiled = page.getByTestId('wipe-unfiled-media');
  await expect(unfiled).toContainText('1 attachment sent with the advice filed in the record is not in the record itself');
  await expect(unfiled.getByTestId('wipe-unfiled-row')).toHaveCount(1);
  await expect(unfiled.getByTestId('wipe-unfiled-row').locator('td')).toHaveText([ecgName, 'PDF document', '3 KB', 'Ben (reg)', '13 Apr 2024, 20:21 UTC']);
  await expectNoAxeViolations(page, 'the wipe confirmation listing an unfiled attachment');

  // Not acknowledged: the screen says so and links to the box; nothing is wiped.
  await page.getByRole('button', { name: 'Wipe originals', exact: true }).click();
  const problems = page.getByTestId('wipe-problems');
  await expect(problems).toHaveText('Confirm that the wipe destroys the attachment not in the record, or cancel and file what matters first.');
  await expect(page.locator('#wipe-unfiled-acknowledge-error')).toContainText('Confirm that the wipe destroys the attachment');
  await expect(page.getByRole('heading', { level: 2, name: 'Originals wiped' })).toHaveCount(0);
  await expectNoAxeViolations(page, 'the wipe confirmation with its acknowledgement missing');

  // Main refuses a request that skips the acknowledgement, whatever the page does.
  const refusal = await page.evaluate(async () => {
    const threads = await window.wardscribe.threads.list({});
    if (!threads.ok) return threads;
    return window.wardscribe.wipes.run({
      jobId: crypto.randomUUID().replaceAll('-', ''),
      threadId: threads.value[0]!.id,
      overwriteSourceFile: false,
      overrideReason: 'The rest is the question and a thank-you.',
      planned: { messageCount: 4, attachmentCount: 1 },
    });
  });
  expect(refusal).toMatchObject({ ok: false, error: { code: 'rejected' } });
  expect(JSON.stringify(refusal)).toContain('Confirm that it is to be destroyed without being filed');
  // The thread is still there, and no wipe was certified.
  expect(await page.evaluate(async () => window.wardscribe.threads.list({}))).toMatchObject({ ok: true, value: [{}] });
  expect(await page.evaluate(async () => window.wardscribe.wipes.certificates({}))).toEqual({ ok: true, value: [] });

  // By keyboard: the summary's link moves to the box, Space ticks it, then wipe.
  await problems.getByRole('link').click();
  const acknowledge = page.getByLabel('I understand that the wipe destroys this attachment and that it is not in the patient’s record');
  await expect(acknowledge).toBeFocused();
  await page.keyboard.press('Space');
  await expect(acknowledge).toBeChecked();
  await page.getByRole('button', { name: 'Wipe originals', exact: true }).focus();
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { level: 2, name: 'Originals wiped' })).toBeVisible({ timeout: 60_000 });
  const certificate = page.getByTestId('wipe-certificate');
  await expect(certificate.getByTestId('certificate-level')).toContainText('Wiped and checked');
  await expect(certificate.getByTestId('certificate-counts')).toHaveText('4 messages, 1 attachment, 1 transcription made from it, whether still a draft or filed (what was filed stays in the record)');
  await expect(certificate.getByTestId('certificate-unfiled-media')).toHaveText(
    '1 attachment of the filed messages destroyed without being filed in the record, as the clinician acknowledged before the wipe.',
  );
  await certificate.getByRole('button', { name: 'Export certificate (PDF)' }).click();
  const pdfPath = (await page.getByTestId('certificate-export').locator('code').textContent())!;
  const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
  expect(text.replace(/\s+/g, ' ')).toContain('Attachments not filed 1 attachment of the filed messages destroyed without being filed in the record');
  expect(text).not.toContain(ecgName);
  // The file's name reached no log line.
  expect(logLines.join('\n')).not.toContain('ECG-bed12');
});

test('an administrator sets the automatic wipe, with the hours checked', async ({ wardscribe: { page } }) => {
  await createFirstAdmin(page);
  await page.keyboard.press('Alt+8');
  await expect(page.getByLabel('Never: only when someone asks')).toBeChecked();
  await page.getByLabel('After a number of hours').check();
  const hours = page.getByLabel('Hours after the last verified filing');
  await hours.fill('0');
  await page.getByRole('button', { name: 'Save automatic wipe' }).click();
  await expect(page.getByTestId('retention-message')).toHaveText('Enter at least 1 hour.');
  await expect(page.locator('#retention-hours-error')).toContainText('Enter at least 1 hour.');
  await hours.fill('9000');
  await page.getByRole('button', { name: 'Save automatic wipe' }).click();
  await expect(page.getByTestId('retention-message')).toHaveText('Enter at most 8760 hours (a year).');
  await hours.fill('72');
  await page.getByRole('button', { name: 'Save automatic wipe' }).click();
  await expect(page.getByTestId('retention-message')).toHaveText('Each thread will be wiped 72 hours after the last transcription from it is verified in the record.');

  // Kept in the vault: the certificates screen (any role) says so, and Settings shows it again.
  await page.keyboard.press('Alt+0');
  await expect(page.getByTestId('retention-summary')).toContainText('72 hours after the last transcription');
  await page.keyboard.press('Alt+8');
  await expect(page.getByLabel('Hours after the last verified filing')).toHaveValue('72');
  await page.getByLabel('Never: only when someone asks').check();
  await page.getByRole('button', { name: 'Save automatic wipe' }).click();
  await expect(page.getByTestId('retention-message')).toHaveText('Automatic wipe is off. Threads are wiped only when someone asks.');
});

test('a thread wiped from elsewhere is dropped by the screen holding it: list, open view, selection, search results and the compose draft', async ({
  wardscribe: { page, dataDir },
}) => {
  const ward7 = writeExport(dataDir);
  const ward9 = join(dataDir, 'WhatsApp Chat - Ward 9.zip');
  // Another chat, the next evening: a chat that shares messages to the second with Ward 7 would be
  // offered as another export of it (tests/unit/imports/reimport.test.ts), which is not this test.
  writeFileSync(ward9, buildZip([{ name: '_chat.txt', data: CHAT.replaceAll('13/04/2024', '14/04/2024').replaceAll('bed 12', 'bed 3').replaceAll(DISTINCTIVE, 'bisoprolol') }]));
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, ward9, { zone: 'Europe/London' });
  await page.keyboard.press('Alt+1'); // the import screen starts afresh when opened again
  await importExport(page, ward7, { zone: 'Europe/London' });
  const wipeElsewhere = (fileName: string) =>
    page.evaluate(async (name) => {
      const threads = await window.wardscribe.threads.list({});
      if (!threads.ok) return threads;
      const plans = await Promise.all(threads.value.map((thread) => window.wardscribe.wipes.plan({ threadId: thread.id })));
      const plan = plans.find((candidate) => candidate.ok && candidate.value.sourceFile.name === name);
      if (!plan?.ok) return plan;
      return window.wardscribe.wipes.run({
        jobId: crypto.randomUUID().replaceAll('-', ''),
        threadId: plan.value.threadId,
        overwriteSourceFile: false,
        overrideReason: 'Test chat with no advice about any patient.',
        planned: { messageCount: plan.value.messageCount, attachmentCount: plan.value.attachmentCount },
      });
    }, fileName);

  // The threads screen holds Ward 7 open, with a selection and search results from it.
  await page.getByRole('button', { name: 'Open thread' }).click();
  await page.getByTestId('message').nth(1).click();
  await expect(page.getByTestId('selection-count')).toHaveText('1 selected');
  await searchThreads(page, 'sodium');
  await expect(page.getByTestId('search-results')).toContainText('4 results');
  expect(await wipeElsewhere('WhatsApp Chat - Ward 7.zip')).toMatchObject({ ok: true, value: { level: 'purge' } });
  await expect(page.getByTestId('search-results')).toContainText('2 results');
  await expect(page.getByTestId('search-hit')).toHaveCount(2);
  await expect(page.getByTestId('search-results')).not.toContainText('Ward 7');
  await expect(page.getByTestId('message')).toHaveCount(0);
  await expect(page.getByTestId('selection-count')).toHaveCount(0);
  const threadList = page.getByRole('navigation', { name: 'Threads in the vault' });
  await expect(threadList.getByTestId('queue-row').getByRole('button')).toHaveCount(1);

  // The composer holds a draft from Ward 9.
  await threadList.getByTestId('queue-row').getByRole('button').first().click();
  await page.getByTestId('message').nth(1).click();
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await expect(page.getByTestId('excerpts').locator('li')).toHaveCount(1);
  await page.getByLabel('Your summary for the record').fill('A summary that must go with the thread.');
  expect(await wipeElsewhere('WhatsApp Chat - Ward 9.zip')).toMatchObject({ ok: true, value: { level: 'purge' } });
  await expect(page.getByTestId('compose-wiped')).toBeVisible();
  await expect(page.getByTestId('excerpts')).toHaveCount(0);
  await expect(page.getByLabel('Your summary for the record')).toHaveCount(0);
});
