import { test as base, expect, type Page } from '@playwright/test';
import { join } from 'node:path';
import { launchChromiumHost, type ChromiumHost } from '../../main/chromium/chromium-host';
import { createConsoleLogger, type Logger } from '../../main/log';
import { createWardscribe } from '../../main/wardscribe';
import { tempDir } from '../support/temp';

const root = join(__dirname, '..', '..');

export interface HostFixture {
  readonly host: ChromiumHost;
  readonly page: Page;
  /** The data folder of this test's Wardscribe (a fresh one per test). */
  readonly dataDir: string;
  /** Lines main logged during the test, to check nothing sensitive was written. */
  readonly logLines: readonly string[];
}

/**
 * Each test gets its own Wardscribe: a fresh data folder and a fresh Chromium profile, running
 * the renderer exactly as built (out/), with window.wardscribe bound through the Chromium host.
 */
export const test = base.extend<{ wardscribe: HostFixture }>({
  // eslint-disable-next-line no-empty-pattern -- [reason: Playwright requires a destructuring pattern for fixture dependencies; this fixture has none]
  wardscribe: async ({}, use) => {
    const data = tempDir('wardscribe-e2e-');
    const logLines: string[] = [];
    const log: Logger = createConsoleLogger((line) => logLines.push(line));
    const host = await launchChromiumHost({
      // File choosing browses the test's own folder, not the home folder of whoever runs the tests.
      createApp: (engine) => createWardscribe({ host: 'chromium', engine, dataDir: data.path, log, browseRoot: data.path }),
      rendererDir: join(root, 'out', 'renderer'),
      bridgeScript: join(root, 'out', 'preload', 'chromium-bridge.js'),
      headless: true,
    });
    // A renderer exception is printed, so a test that fails after one says why.
    host.page.on('pageerror', (error) => process.stderr.write(`Renderer error: ${error.stack ?? error.message}\n`));
    try {
      await use({ host, page: host.page, dataDir: data.path, logLines });
    } finally {
      await host.close();
      data.remove();
    }
  },
});

export const TEST_ADMIN = { username: 'admin', displayName: 'Ada Admin', passphrase: 'correct horse battery staple' };

/** Completes first run through the screens, leaving the new administrator signed in. */
export async function createFirstAdmin(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { level: 1, name: 'Set up Wardscribe on this workstation' })).toBeVisible();
  await page.getByLabel('Username').fill(TEST_ADMIN.username);
  await page.getByLabel('Full name').fill(TEST_ADMIN.displayName);
  await page.getByLabel('Passphrase', { exact: true }).fill(TEST_ADMIN.passphrase);
  await page.getByLabel('Passphrase again').fill(TEST_ADMIN.passphrase);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect(page.getByTestId('signed-in-user')).toHaveText('Ada Admin (admin)', { timeout: 15_000 });
}

/**
 * As the signed-in administrator, adds a person with a temporary passphrase; then signs out,
 * signs in as them and sets their own passphrase, leaving them signed in.
 */
export async function addPersonAndSignIn(page: Page, person: { username: string; displayName: string; role: 'clerk' | 'clinician' | 'auditor' }): Promise<void> {
  const temporary = `temporary for ${person.username}`;
  await page.keyboard.press('Alt+7');
  await page.getByLabel('Username').fill(person.username);
  await page.getByLabel('Full name').fill(person.displayName);
  await page.getByLabel('Role').selectOption(person.role);
  await page.getByLabel('Temporary passphrase').fill(temporary);
  await page.getByRole('button', { name: 'Add person' }).click();
  await expect(page.getByRole('row', { name: new RegExp(person.displayName) })).toContainText('Must change passphrase', { timeout: 20_000 });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signInFirstTime(page, person.username, temporary);
}

/** A person's first sign-in with the temporary passphrase an administrator gave: they choose their own. */
export async function signInFirstTime(page: Page, username: string, temporary: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Passphrase').fill(temporary);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Until they choose their own passphrase, nothing else is open to them.
  await expect(page.getByRole('heading', { level: 1, name: 'Change your passphrase' })).toBeVisible({ timeout: 15_000 });
  await page.getByLabel('Current passphrase').fill(temporary);
  await page.getByLabel('New passphrase', { exact: true }).fill(`${username} chose this phrase`);
  await page.getByLabel('New passphrase again').fill(`${username} chose this phrase`);
  await page.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(page.getByRole('status')).toContainText('Your passphrase has been changed.', { timeout: 20_000 });
}

/** Imports an export through the import screen, choosing the date order if asked; resolves when done. */
export async function importExport(page: Page, path: string, options: { zone: string; dateOrder?: RegExp }): Promise<void> {
  await page.keyboard.press('Alt+2');
  await page.getByLabel('Export file').fill(path);
  await page.getByLabel('Time zone of the phone that exported it').fill(options.zone);
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByTestId('import-confirm')).toBeVisible();
  if (options.dateOrder) await page.getByLabel(options.dateOrder).check();
  await page.getByRole('button', { name: 'Import this export' }).click();
  // Nothing is written before the person has seen what the export holds and confirmed.
  await expect(page.getByTestId('import-comparison')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('button', { name: /^(Import the new messages|Add the new messages)$/ }).click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 20_000 });
}

/** Fills the NHS.UK three-field date of birth from an ISO date. */
/** One of the training EPR's synthetic patients (main/epr/synthetic-patients.ts): filing finds them there. */
export const TRAINING_PATIENT = { nhsNumber: '999 123 5671', name: 'Jane Testpatient', birthDate: '1954-07-12' };

/** Types the patient, finds them in the (training) EPR and confirms the record found, as a clinician does. */
export async function choosePatient(page: Page, patient: { nhsNumber: string; name: string; birthDate: string } = TRAINING_PATIENT): Promise<void> {
  await page.getByLabel('NHS number').fill(patient.nhsNumber);
  await page.getByLabel('Patient name').fill(patient.name);
  await fillDateOfBirth(page, patient.birthDate);
  await page.getByRole('button', { name: 'Find the patient in the EPR' }).click();
  await expect(page.getByTestId('patient-lookup')).toHaveAttribute('data-status', 'found');
  await page.getByLabel('This is the patient the advice is about').check();
}

export async function fillDateOfBirth(page: Page, isoDate: string): Promise<void> {
  const [year, month, day] = isoDate.split('-');
  await page.getByRole('group', { name: 'Date of birth' }).getByLabel('Day').fill(String(Number(day)));
  await page.getByRole('group', { name: 'Date of birth' }).getByLabel('Month').fill(String(Number(month)));
  await page.getByRole('group', { name: 'Date of birth' }).getByLabel('Year').fill(year!);
}

/**
 * Runs axe-core on the page as it is and fails on any violation, of any impact. `exclude`
 * skips parts not under test (none by default).
 */
export async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  // Legacy mode runs in the page itself: the Chromium host refuses the extra page the default mode opens.
  const results = await new AxeBuilder({ page }).setLegacyMode(true).analyze();
  const found = results.violations.map((violation) => `${violation.impact ?? 'unknown'} ${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(found, `axe on ${what}`).toEqual([]);
}

/**
 * Clicks a print button and reports what the system print dialog would print: under print media,
 * at the moment window.print() is called, which element is the print target, and whether the
 * screen's navigation, header, buttons or forms would show.
 */
export async function printedBy(page: Page, button: ReturnType<Page['getByRole']>): Promise<{ target: string | null; text: string; nav: boolean; header: boolean; buttons: boolean; note: string }> {
  await page.emulateMedia({ media: 'print' });
  await page.evaluate(() => {
    const seen: unknown[] = [];
    (window as unknown as { printed: unknown[] }).printed = seen;
    window.print = () => {
      const visible = (selector: string) => [...document.querySelectorAll(selector)].some((node) => getComputedStyle(node).display !== 'none' && (node as HTMLElement).offsetParent !== null);
      const target = document.querySelector<HTMLElement>('[data-print-target]');
      seen.push({
        target: target?.dataset['testid'] ?? null,
        text: target?.innerText ?? '',
        nav: visible('nav'),
        header: visible('body > * header, #root > header'),
        buttons: visible('[data-print-target] button'),
        note: target ? getComputedStyle(target, '::before').content : '',
      });
    };
  });
  await button.click();
  await expect.poll(() => page.evaluate(() => (window as unknown as { printed: unknown[] }).printed.length)).toBe(1);
  const [printed] = await page.evaluate(() => (window as unknown as { printed: unknown[] }).printed);
  await page.emulateMedia({ media: 'screen' });
  return printed as { target: string | null; text: string; nav: boolean; header: boolean; buttons: boolean; note: string };
}

export { expect };
