/**
 * Wardscribe in real Electron: the development build (electron .) and the `--dir` packaged app.
 * Each signs in, imports a fixture and files it to the training EPR, as a ward user would. Run
 * through `npm run test:electron`, which sets WARDSCRIBE_ELECTRON_BINARY and, when the packaged
 * app was built, WARDSCRIBE_PACKAGED_APP.
 */
import { _electron as electron, type ElectronApplication, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addPersonAndSignIn, createFirstAdmin, expect, fillDateOfBirth, importExport } from '../fixtures';
import { test } from '@playwright/test';
import { tempDir } from '../../support/temp';

const root = join(__dirname, '..', '..', '..');
const CHAT = [
  '13/04/2024, 21:14 - Dr Amara Okafor: Can you review bed 12? Sodium 128 this evening.',
  '13/04/2024, 21:20 - Ben (reg): Restrict fluids to 1.5 L and recheck the sodium at 06:00.',
].join('\n');

async function importAndFile(page: Page, exportPath: string): Promise<void> {
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'cleo', displayName: 'Dr Cleo Clinician', role: 'clinician' });
  await importExport(page, exportPath, { zone: 'Europe/London' });
  await page.getByRole('button', { name: 'Open thread' }).click();
  await page.getByTestId('message').nth(1).click();
  await page.getByRole('button', { name: 'Transcribe selected' }).click();
  await page.getByLabel('Full name').nth(0).fill('Dr Benjamin Hale');
  await page.getByLabel('Role and grade').nth(0).fill('Medical registrar ST5');
  await page.getByLabel('Your summary for the record').fill('Fluid restriction agreed with the medical registrar.');
  await page.getByLabel('NHS number').fill('943 476 5919');
  await page.getByLabel('Patient name').fill('Jane Testpatient');
  await fillDateOfBirth(page, '1950-01-31');
  await page.getByLabel(/I have checked the name and date of birth/).check();
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('preview')).toBeVisible();
  await page.getByRole('button', { name: 'Attest and file' }).click();
  await expect(page.getByTestId('outbox-state').first()).toHaveText('Verified in the record', { timeout: 60_000 });
}

async function runSmoke(launch: (dataDir: string) => Promise<ElectronApplication>): Promise<void> {
  const data = tempDir('wardscribe-electron-');
  const exportPath = join(data.path, 'WhatsApp Chat with Ward 7.txt');
  writeFileSync(exportPath, CHAT);
  const app = await launch(join(data.path, 'profile'));
  try {
    const page = await app.firstWindow();
    expect(await page.title()).toBe('Wardscribe');
    // The renderer runs in Electron, loaded from app://, with the real preload.
    expect(new URL(page.url()).protocol).toBe('app:');
    const status = await page.evaluate(() => window.wardscribe.app.status({}));
    expect(status).toMatchObject({ ok: true, value: { host: 'electron' } });
    await importAndFile(page, exportPath);
  } finally {
    await app.close();
    data.remove();
  }
}

const binary = process.env['WARDSCRIBE_ELECTRON_BINARY'];
const packaged = process.env['WARDSCRIBE_PACKAGED_APP'];

test('the development build runs in Electron: sign in, import, file to the training EPR', async () => {
  test.skip(!binary, 'no Electron binary (run through npm run test:electron)');
  await runSmoke((dataDir) => electron.launch({ executablePath: binary!, args: [root], env: { ...process.env, WARDSCRIBE_DATA_DIR: dataDir } }));
});

test('the --dir packaged app runs: its asar, its Electron-ABI SQLCipher addon, the same job', async () => {
  test.skip(!packaged, 'no packaged app (npm run test:electron builds one when Electron is present)');
  await runSmoke((dataDir) => electron.launch({ executablePath: packaged!, args: [], env: { ...process.env, WARDSCRIBE_DATA_DIR: dataDir } }));
});
