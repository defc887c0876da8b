/**
 * A wound photo from a zip export, filed with consent (#19): the clinician chooses the photo of a
 * selected message, records the patient's consent, attests; the note and the photo are verified
 * in the EPR (the training EPR's FHIR server, run as a loopback stand-in so the test can read what
 * it holds), the filed bytes carry no GPS position or device details (exiftool), and after the
 * wipe no file Wardscribe keeps holds any of the photo's bytes, raw or as base64 (H-025–H-027).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, DocumentReference } from '@medplum/fhirtypes';
import type { Page } from '@playwright/test';
import { startEprHarness } from '../unit/epr/support/epr-harness';
import { buildZip } from '../unit/importers/zip-writer';
import { bombPng } from '../support/bomb-png';
import { addPersonAndSignIn, choosePatient, createFirstAdmin, expect, importExport, test } from './fixtures';

const PHOTO_NAME = '00000007-PHOTO-2024-04-13-21-15-10.jpg';
const SERIAL = 'DX3ZK81QSERIAL';
const CHAT = [
  '[13/04/2024, 21:14:02] Dr Amara Okafor: Can you look at the wound on bed 12? Photo follows.',
  `[13/04/2024, 21:15:10] Dr Amara Okafor: \u200e<attached: ${PHOTO_NAME}>`,
  '[13/04/2024, 21:20:45] Ben (reg): Cellulitis spreading past the margin: start flucloxacillin and mark the edge.',
].join('\n');

/** The fixture photo as a phone sends it: where it was taken, and with what. */
function phonePhoto(dataDir: string): Buffer {
  const path = join(dataDir, 'photo-from-phone.jpg');
  writeFileSync(path, readFileSync(join(__dirname, '..', 'fixtures', 'images', 'photo.jpg')));
  execFileSync('/usr/bin/exiftool', ['-q', '-overwrite_original', '-GPSLatitude=51.4988', '-GPSLatitudeRef=N', '-GPSLongitude=0.1180', '-GPSLongitudeRef=W', '-Make=Quokkaphone', '-Model=QuokkaCam 15', `-SerialNumber=${SERIAL}`, path]);
  const bytes = readFileSync(path);
  writeFileSync(path, Buffer.alloc(0));
  return bytes;
}

function exifTags(bytes: Buffer): Record<string, unknown> {
  return (JSON.parse(execFileSync('/usr/bin/exiftool', ['-j', '-G1', '-a', '-'], { input: bytes, encoding: 'utf8' })) as Record<string, unknown>[])[0]!;
}

/** Files under `dir` whose raw bytes contain any needle. */
function rawHits(dir: string, needles: readonly Buffer[]): string[] {
  const hits: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (needles.some((needle) => readFileSync(path).includes(needle))) hits.push(path);
    }
  };
  walk(dir);
  return hits;
}

/** Samples of the picture data (the part stripping never changes), raw and as base64 at each alignment. */
function photoNeedles(photo: Buffer): Buffer[] {
  const scan = photo.lastIndexOf(Buffer.from([0xff, 0xda]));
  const needles: Buffer[] = [];
  for (const at of [scan + 40, scan + Math.floor((photo.length - scan) / 2), photo.length - 80]) {
    const slice = photo.subarray(at, at + 33);
    needles.push(slice);
    for (let shift = 0; shift < 3; shift++) needles.push(Buffer.from(slice.subarray(shift, shift + 30).toString('base64'), 'latin1'));
  }
  return needles;
}

async function fileInLiveEpr(page: Page, baseUrl: string): Promise<void> {
  await page.keyboard.press('Alt+8');
  await page.getByLabel('File transcriptions in').selectOption('live');
  await page.getByLabel('FHIR base URL').fill(baseUrl);
  await page.getByLabel('Organisation ODS code').fill('RX1');
  await page.getByRole('button', { name: 'Save EPR settings' }).click();
  await expect(page.getByTestId('epr-message')).toContainText('EPR settings saved');
}

test('a wound photo is filed with consent, verified in the EPR without its location, and wiped with nothing left behind', async ({ wardscribe: { page, dataDir, logLines } }) => {
  test.setTimeout(180_000);
  const epr = await startEprHarness();
  try {
    const photo = phonePhoto(dataDir);
    expect(exifTags(photo)['GPS:GPSLatitude']).toBeDefined();
    const zipPath = join(dataDir, 'WhatsApp Chat - Ward 7.zip');
    writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: CHAT }, { name: PHOTO_NAME, data: photo }]));
    await createFirstAdmin(page);
    await fileInLiveEpr(page, epr.baseUrl);
    await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
    await importExport(page, zipPath, { zone: 'Europe/London' });
    await page.getByRole('button', { name: 'Open thread' }).click();

    // The photo's message and the registrar's advice.
    const messages = page.getByTestId('message');
    // Clicked at its corner: the picture shown inside the photo's message opens a viewer of its own.
    await messages.nth(2).click();
    await messages.nth(1).click({ modifiers: ['Shift'], position: { x: 4, y: 4 } });
    await expect(page.getByTestId('selection-count')).toHaveText('2 selected');
    await page.getByRole('button', { name: 'Transcribe selected' }).click();
    await expect(page.getByTestId('excerpts').locator('li')).toHaveCount(2);
    await page.getByLabel('Full name').nth(0).fill('Dr Amara Okafor');
    await page.getByLabel('Role and grade').nth(0).fill('Foundation doctor FY2');
    await page.getByLabel('Full name').nth(1).fill('Dr Benjamin Hale');
    await page.getByLabel('Role and grade').nth(1).fill('Medical registrar ST5');
    await page.getByLabel('Your summary for the record').fill('Cellulitis of the left shin; flucloxacillin started on the registrar’s advice; photo filed.');
    await choosePatient(page);

    // The photo is offered, not chosen; chosen, it cannot be attested until consent is recorded.
    const choice = page.getByTestId('image-choice');
    await expect(choice).toHaveCount(1);
    await page.getByLabel('File this image with the note').check();
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.getByTestId('draft-problems')).toContainText("Record the patient's consent for image 1");
    await page.getByLabel(/^Consent given/).check();
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('preview');
    await expect(preview).toContainText('Images filed with this note: 1');
    await expect(preview).toContainText('Consent to the photograph: given by the patient');
    await expect(preview).toContainText('Location, device and other hidden details were removed before filing.');
    await page.getByRole('button', { name: 'Attest and file' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
    await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record', { timeout: 60_000 });

    // What the EPR holds: the note and the photo, its bytes without GPS or device details.
    const found = (await (await fetch(`${epr.upstreamUrl}/DocumentReference`)).json()) as Bundle<DocumentReference>;
    expect(found.entry).toHaveLength(1);
    const document = found.entry![0]!.resource!;
    expect(document.content).toHaveLength(2);
    const attachment = document.content[1]!.attachment;
    const filed = Buffer.from(attachment.data!, 'base64');
    expect(attachment).toMatchObject({ contentType: 'image/jpeg', size: filed.length, creation: '2024-04-13T20:15:10Z', title: 'Clinical image 1 of 1 (consent given)' });
    expect(attachment.hash).toBe(createHash('sha1').update(filed).digest('base64'));
    const tags = exifTags(filed);
    expect(Object.keys(tags).filter((key) => /GPS|Serial|Make|Model|Software/.test(key) && !key.startsWith('ICC-header:'))).toEqual([]);
    expect(tags['Composite:ImageSize']).toBe('64x48');
    expect(filed.toString('latin1')).not.toContain(SERIAL);
    // The needles the scan uses below are in what was filed (raw, and as the base64 an outbox item holds): a scan that finds none proves something.
    const needles = photoNeedles(photo);
    const filedBase64 = Buffer.from(filed.toString('base64'), 'latin1');
    for (let at = 0; at < needles.length; at += 4) {
      expect(filed.includes(needles[at]!)).toBe(true);
      expect(needles.slice(at + 1, at + 4).some((needle) => filedBase64.includes(needle))).toBe(true);
    }

    // Wiped: the certificate counts the photo, and no file Wardscribe keeps holds any of it.
    await page.keyboard.press('Alt+3');
    await page.getByRole('navigation', { name: 'Threads in the vault' }).getByTestId('queue-row').getByRole('button').first().click();
    await page.getByRole('button', { name: 'Wipe originals…' }).click();
    // The other messages of the chat are in no note: the clinician says why they may go.
    await expect(page.getByTestId('wipe-gate')).toContainText('in no note filed in the record');
    await page.getByLabel('Why can this chat be wiped anyway?').fill('The rest is the question asked and a thank-you.');
    await page.getByLabel(/Also overwrite and delete the export file/).check();
    await page.getByRole('button', { name: 'Wipe originals', exact: true }).click();
    await expect(page.getByRole('heading', { level: 2, name: 'Originals wiped' })).toBeVisible({ timeout: 60_000 });
    const certificate = page.getByTestId('wipe-certificate');
    await expect(certificate.getByTestId('certificate-verification')).toContainText(/^Passed: .* nothing found\.$/);
    await expect(certificate.getByTestId('certificate-images')).toContainText('1 image among the attachments; 1 image filed with the verified notes');
    expect(rawHits(dataDir, photoNeedles(photo))).toEqual([]);
    expect(logLines.join('\n')).not.toContain(SERIAL);
  } finally {
    await epr.close();
  }
});

test('a picture too large to open (a decompression bomb) is not offered for filing: the clinician is told why', async ({ wardscribe: { page, dataDir } }) => {
  test.setTimeout(90_000);
  const name = '00000008-PHOTO-2024-04-13-21-16-00.png';
  const chat = ['[13/04/2024, 21:16:00] Dr Amara Okafor: \u200e<attached: ' + name + '>', '[13/04/2024, 21:20:45] Ben (reg): Mark the edge and recheck in the morning.'].join('\n');
  const zipPath = join(dataDir, 'WhatsApp Chat - Ward 9.zip');
  writeFileSync(zipPath, buildZip([{ name: '_chat.txt', data: chat }, { name, data: bombPng() }]));
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, zipPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  const messages = page.getByTestId('message');
  await messages.nth(1).click();
  await messages.nth(0).click({ modifiers: ['Shift'], position: { x: 4, y: 4 } });
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  const choice = page.getByTestId('image-choice');
  await expect(choice).toHaveCount(1);
  await expect(choice.getByTestId('image-not-filable')).toHaveText('It cannot be shown here, so it cannot be filed: no one could check what it shows. It stays in the chat.');
  await expect(choice.getByLabel('File this image with the note')).toHaveCount(0);
  await expect(choice.getByTestId('image-choice-picture')).toContainText('No preview.');
});
