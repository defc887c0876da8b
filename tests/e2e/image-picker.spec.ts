import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from '@playwright/test';
import { buildZip } from '../unit/importers/zip-writer';
import { jpegImage, pngImage } from '../unit/threads/support/images';
import { addPersonAndSignIn, choosePatient, createFirstAdmin, expect, expectNoAxeViolations, importExport, test } from './fixtures';

/**
 * Issue #19, found in a cold trial: the clinician chose and consented images blind ("IMG-0003.jpg").
 * Now each image of the selected messages is shown as its thumbnail (the one kept in the vault,
 * from a blob: URL), with who sent it and when, and the consent beside it, all by keyboard; the
 * full-size viewer fits a small photo to the window and shows it at 100% or 200%; and the filed
 * note opened from the outbox shows the images the EPR holds.
 */
const WOUND = jpegImage(80, 60);
const ECG = pngImage(1200, 900);
// File names a phone might give: the alternative text must not read them out.
const WOUND_NAME = 'IMG-20240413-WA0003 Jane Testpatient leg.jpg';
const ECG_NAME = 'IMG-20240413-WA0004.png';
const CHAT =
  [
    '[13/04/2024, 21:14:02] Dr Amara Okafor: Can you look at the wound on bed 12? Photo follows.',
    `[13/04/2024, 21:15:10] Dr Amara Okafor: \u200E<attached: ${WOUND_NAME}>`,
    `[13/04/2024, 21:16:30] Ben (reg): \u200E<attached: ${ECG_NAME}>`,
    '[13/04/2024, 21:20:45] Ben (reg): Cellulitis past the margin: start flucloxacillin and mark the edge. The ECG is normal.',
  ].join('\n') + '\n';

async function shownWidth(image: Locator): Promise<number> {
  return image.evaluate((element: HTMLImageElement) => Math.round(element.getBoundingClientRect().width));
}

test('images are chosen seeing each one (thumbnail, sender, time, consent beside it, by keyboard), enlarged in the viewer, and shown in the filed note', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(180_000);
  const zipPath = join(dataDir, 'WhatsApp Chat - Ward 12.zip');
  writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: CHAT }, { name: WOUND_NAME, data: WOUND, method: 0 }, { name: ECG_NAME, data: ECG, method: 0 }]));
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  const messages = page.getByTestId('message');
  await expect(messages).toHaveCount(4);
  // Clicked at their corners: a picture inside a message opens a viewer of its own.
  await messages.nth(1).click({ position: { x: 4, y: 4 } });
  await messages.nth(3).click({ modifiers: ['Shift'], position: { x: 4, y: 4 } });
  await expect(page.getByTestId('selection-count')).toHaveText('3 selected');
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await expect(page.getByTestId('excerpts').locator('li')).toHaveCount(3);

  // Each image: its thumbnail from the vault, who sent it and when, and the choice beside it.
  const choices = page.getByTestId('image-choice');
  await expect(choices).toHaveCount(2);
  const [wound, ecg] = [choices.nth(0), choices.nth(1)];
  await expect(wound.getByTestId('image-choice-sender')).toHaveText('Dr Amara Okafor');
  await expect(wound.getByTestId('image-choice-time')).toHaveText('13 Apr 2024, 21:15:10 Europe/London');
  await expect(ecg.getByTestId('image-choice-sender')).toHaveText('Ben (reg)');
  await expect(ecg.getByTestId('image-choice-time')).toHaveText('13 Apr 2024, 21:16:30 Europe/London');
  await expect(wound.getByTestId('image-choice-file')).toContainText(`${WOUND_NAME} (JPEG image, `);
  const woundThumbnail = wound.getByTestId('media-thumbnail');
  const ecgThumbnail = ecg.getByTestId('media-thumbnail');
  for (const [thumbnail, natural] of [
    [woundThumbnail, 80],
    [ecgThumbnail, 480],
  ] as const) {
    await expect(thumbnail).toBeVisible({ timeout: 15_000 });
    await expect(thumbnail).toHaveAttribute('src', /^blob:/);
    await expect.poll(() => thumbnail.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth)).toBe(natural);
  }
  // The alternative text names the image by its place and type, never by its file name (which here holds a patient's name).
  await expect(woundThumbnail).toHaveAttribute('alt', 'Image 1 of 2: JPEG image, 80 × 60 pixels');
  await expect(ecgThumbnail).toHaveAttribute('alt', 'Image 2 of 2: PNG image, 1200 × 900 pixels');
  // Beside it: the thumbnail to the left of the choice, on the same row.
  const picture = (await wound.getByTestId('image-choice-picture').boundingBox())!;
  const fileIt = (await wound.getByLabel('File this image with the note').boundingBox())!;
  expect(fileIt.x).toBeGreaterThan(picture.x + picture.width - 1);
  expect(fileIt.y).toBeLessThan(picture.y + picture.height);
  await expectNoAxeViolations(page, 'the image picker');

  // By keyboard: the thumbnail opens the full-size viewer, fitted to the window (a small photo enlarged, and said so).
  const open = page.getByRole('button', { name: 'See image 1 of 2 full size' });
  await open.focus();
  await page.keyboard.press('Enter');
  const viewer = page.getByRole('dialog', { name: 'Image 1 of 2, sent by Dr Amara Okafor, 13 Apr 2024, 21:15:10 Europe/London' });
  await expect(viewer).toBeVisible();
  const full = viewer.getByTestId('media-full');
  await expect(full).toHaveAttribute('alt', 'Image 1 of 2: JPEG image, full size');
  await expect.poll(() => full.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(80);
  await expect(viewer.getByRole('button', { name: 'Fit to window' })).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => shownWidth(full)).toBeGreaterThan(400);
  await expect(viewer.getByTestId('media-scale')).toContainText(/^80 × 60 pixels, shown at \d+% \(enlarged/);
  await expectNoAxeViolations(page, 'the full-size viewer, fitted');
  await viewer.getByRole('button', { name: '200%' }).click();
  await expect.poll(() => shownWidth(full)).toBe(160);
  await expect(viewer.getByTestId('media-scale')).toContainText('shown at 200%');
  await expect(viewer.getByRole('button', { name: '200%' })).toHaveAttribute('aria-pressed', 'true');
  await viewer.getByRole('button', { name: 'Actual size (100%)' }).click();
  await expect.poll(() => shownWidth(full)).toBe(80);
  await expect(viewer.getByTestId('media-scale')).toHaveText('80 × 60 pixels, shown at 100%');
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
  await expect(open).toBeFocused();

  // From the picture, Tab reaches its choice; Space chooses it and records the consent.
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('File this image with the note').nth(0)).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.getByLabel('File this image with the note').nth(0)).toBeChecked();
  // Filed images are numbered among those chosen (the record's titles and main's messages use it).
  await expect(wound.getByTestId('image-filed-as')).toHaveText('Filed as image 1 of 1 in the note: messages about image 1 mean this one.');
  await page.keyboard.press('Tab');
  await expect(page.locator('#image-0-consent-given')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.locator('#image-0-consent-given')).toBeChecked();

  // A large ECG fitted to the window is shrunk, not enlarged; 200% scrolls.
  await page.getByRole('button', { name: 'See image 2 of 2 full size' }).click();
  const ecgViewer = page.getByRole('dialog', { name: /^Image 2 of 2, sent by Ben \(reg\)/ });
  const ecgFull = ecgViewer.getByTestId('media-full');
  await expect.poll(() => ecgFull.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(1200);
  await expect.poll(() => shownWidth(ecgFull)).toBeLessThan(1200);
  await expect(ecgViewer.getByTestId('media-scale')).not.toContainText('enlarged');
  await ecgViewer.getByRole('button', { name: '200%' }).click();
  await expect.poll(() => shownWidth(ecgFull)).toBe(2400);
  const stage = ecgViewer.locator('.ws-media-viewer__stage');
  expect(await stage.evaluate((element) => element.scrollWidth > element.clientWidth)).toBe(true);
  await ecgViewer.getByRole('button', { name: /^Close/ }).click();
  await expect(ecgViewer).toBeHidden();
  await ecg.getByLabel('File this image with the note').check();
  await ecg.getByLabel(/^Not applicable/).check();
  await ecg.getByLabel('What the image shows').fill('ECG trace');
  await expect(ecg.getByTestId('image-filed-as')).toContainText('Filed as image 2 of 2');
  await expect(wound.getByTestId('image-filed-as')).toContainText('Filed as image 1 of 2');

  // Attested and filed to the training EPR.
  await page.getByLabel('Full name').nth(0).fill('Dr Amara Okafor');
  await page.getByLabel('Role and grade').nth(0).fill('Foundation doctor FY2');
  await page.getByLabel('Full name').nth(1).fill('Dr Benjamin Hale');
  await page.getByLabel('Role and grade').nth(1).fill('Medical registrar ST5');
  // The picker names the sender as the screen now does.
  await expect(wound.getByTestId('image-choice-sender')).toHaveText('Dr Amara Okafor (Foundation doctor FY2)');
  await page.getByLabel('Your summary for the record').fill('Cellulitis of the left shin; flucloxacillin started; photo and ECG filed.');
  await choosePatient(page);
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('preview')).toContainText('Images filed with this note: 2');
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
  await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record', { timeout: 60_000 });

  // The filed note shows the images the EPR holds, each opening full size.
  await page.getByRole('button', { name: /^Open the filed note for / }).click();
  const note = page.getByTestId('filed-note');
  await expect(note.getByTestId('filed-note-text')).toContainText('start flucloxacillin');
  const filed = note.getByTestId('filed-image');
  await expect(filed).toHaveCount(2, { timeout: 15_000 });
  await expect(filed.nth(0).getByTestId('filed-image-caption')).toContainText('Clinical image 1 of 2 (consent given)');
  await expect(filed.nth(0).getByTestId('filed-image-caption')).toContainText('Made 13 Apr 2024');
  await expect(filed.nth(1).getByTestId('filed-image-caption')).toContainText('Clinical image 2 of 2 (consent not applicable)');
  await expect(filed.nth(1).getByTestId('filed-image-caption')).toContainText('image/png');
  await expect(filed.getByTestId('filed-image-hash')).toHaveCount(0);
  const filedWound = filed.nth(0).getByTestId('filed-image-picture');
  await expect(filedWound).toHaveAttribute('src', /^blob:/);
  await expect(filedWound).toHaveAttribute('alt', 'Image 1 of 2 in the note: image/jpeg');
  await expect.poll(() => filedWound.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth)).toBe(80);
  await expect.poll(() => filed.nth(1).getByTestId('filed-image-picture').evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth)).toBe(1200);
  await expectNoAxeViolations(page, 'a filed note with its images');
  const openFiled = note.getByRole('button', { name: 'See image 1 of 2 in the note full size' });
  await openFiled.click();
  const filedViewer = page.getByRole('dialog', { name: 'Clinical image 1 of 2 (consent given)' });
  await expect.poll(() => shownWidth(filedViewer.getByTestId('media-full'))).toBeGreaterThan(400);
  await filedViewer.getByRole('button', { name: '200%' }).click();
  await expect.poll(() => shownWidth(filedViewer.getByTestId('media-full'))).toBe(160);
  await page.keyboard.press('Escape');
  await expect(filedViewer).toBeHidden();
  await expect(openFiled).toBeFocused();
});
