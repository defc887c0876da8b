import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildZip } from '../unit/importers/zip-writer';
import { jpegImage, PDF } from '../unit/threads/support/images';
import { addPersonAndSignIn, createFirstAdmin, expect, expectNoAxeViolations, importExport, test } from './fixtures';

/**
 * Issue #19: a ward chat exported with its media. The photo is a real JPEG (encoded by jpeg-js
 * in the test); the ECG arrives as a PDF. Both reach the renderer only as bytes over the IPC
 * contract.
 */
const PHOTO = jpegImage(1200, 900);
const PHOTO_NAME = '00000003-PHOTO-2024-04-13-21-05-00.jpg';
const PDF_NAME = '00000004-ECG 13-04-2024.pdf';
const CHAT =
  [
    '[13/04/2024, 21:04:00] Ben (reg): Can you look at the wound on bed 4?',
    `[13/04/2024, 21:05:00] Dr Amara Okafor: \u200E<attached: ${PHOTO_NAME}>`,
    `[13/04/2024, 21:06:00] Dr Amara Okafor: \u200E<attached: ${PDF_NAME}>`,
    '[13/04/2024, 21:07:00] Ben (reg): Dress it and review in the morning.',
  ].join('\n') + '\n';

test('a photo in the chat is shown inline and full size (Escape closes it, focus returns); a PDF is listed with type and size', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(120_000);
  const zipPath = join(dataDir, 'WhatsApp Chat - Ward 4.zip');
  writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: CHAT }, { name: PHOTO_NAME, data: PHOTO, method: 0 }, { name: PDF_NAME, data: PDF }]));
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'carl', displayName: 'Carl Clerk', role: 'clerk' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.keyboard.press('Alt+3');
  await page.getByRole('navigation', { name: 'Threads in the vault' }).getByTestId('queue-row').getByRole('button').first().click();
  await expect(page.getByTestId('message')).toHaveCount(4);

  // The photo, inline at a readable size, decoded from the vault's bytes (a blob: URL, no path).
  const photoMessage = page.getByTestId('message').filter({ hasText: PHOTO_NAME });
  const thumbnail = photoMessage.getByTestId('media-thumbnail');
  await expect(thumbnail).toBeVisible({ timeout: 15_000 });
  await expect(thumbnail).toHaveAttribute('src', /^blob:/);
  await expect(thumbnail).toHaveAttribute('alt', `JPEG image: ${PHOTO_NAME}`);
  const shown = await thumbnail.evaluate((image: HTMLImageElement) => ({ natural: image.naturalWidth, width: image.getBoundingClientRect().width, complete: image.complete }));
  expect(shown.complete).toBe(true);
  expect(shown.natural).toBe(480);
  expect(shown.width).toBeGreaterThanOrEqual(300);
  await expect(photoMessage.getByTestId('media-description')).toContainText('JPEG image, ');
  await expect(photoMessage.getByTestId('media-description')).toContainText('1200 × 900 pixels');
  // Looking at the photo is not choosing the message.
  await expect(page.getByTestId('selection-count')).toHaveText('0 selected');

  // The ECG as a PDF: listed with what its bytes are and how large it is.
  const pdfMessage = page.getByTestId('message').filter({ hasText: PDF_NAME });
  await expect(pdfMessage.getByTestId('media-item')).toHaveAttribute('data-display', 'listed');
  await expect(pdfMessage.getByTestId('media-description')).toHaveText(`${PDF_NAME} (PDF document, ${PDF.length} bytes)`);
  await expectNoAxeViolations(page, 'a thread with a photo and a PDF');

  // Full size, in a dialog; Escape closes it and focus returns to the photo.
  const open = photoMessage.getByRole('button', { name: `Open ${PHOTO_NAME} full size` });
  await open.click();
  const viewer = page.getByRole('dialog', { name: PHOTO_NAME });
  await expect(viewer).toBeVisible();
  const full = viewer.getByTestId('media-full');
  await expect(full).toHaveAttribute('src', /^blob:/);
  await expect.poll(() => full.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(1200);
  await expect(page.getByTestId('selection-count')).toHaveText('0 selected');
  await expectNoAxeViolations(page, 'the full-size picture');
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
  await expect(open).toBeFocused();

  // The Close button does the same, and the keyboard opens it again.
  await page.keyboard.press('Enter');
  await expect(viewer).toBeVisible();
  await viewer.getByRole('button', { name: /^Close/ }).click();
  await expect(viewer).toBeHidden();
  await expect(open).toBeFocused();

  // The thumbnail was kept: opening the thread again shows it without drawing another.
  await page.keyboard.press('Alt+1');
  await page.keyboard.press('Alt+3');
  await page.getByRole('navigation', { name: 'Threads in the vault' }).getByTestId('queue-row').getByRole('button').first().click();
  await expect(page.getByTestId('message').filter({ hasText: PHOTO_NAME }).getByTestId('media-thumbnail')).toBeVisible({ timeout: 15_000 });
});
