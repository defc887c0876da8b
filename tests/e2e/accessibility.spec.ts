import type { Page } from '@playwright/test';
import { addPersonAndSignIn, createFirstAdmin, expect, expectNoAxeViolations, test, TEST_ADMIN } from './fixtures';

/** Opens a screen by its Alt shortcut and waits for its heading to take focus. */
async function open(page: Page, key: string, heading: string | RegExp): Promise<void> {
  await page.keyboard.press(`Alt+${key}`);
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeFocused();
}

/** The training banner is in a landmark of its own on every signed-in screen (axe's `region` rule checks the rest). */
async function expectBannerInLandmark(page: Page): Promise<void> {
  const banner = page.getByTestId('training-banner');
  await expect(banner).toBeVisible();
  expect(await banner.evaluate((node) => node.closest('aside[aria-label], header, main, nav, footer, [role="region"][aria-label], [role="complementary"]') !== null)).toBe(true);
}

test('first run, sign-in and every administrator, auditor and clerk screen: no axe violations of any impact', async ({ wardscribe: { page } }) => {
  // Three people sign in with Argon2id passphrases: slow on a loaded machine.
  test.setTimeout(180_000);
  await expect(page.getByRole('heading', { level: 1, name: 'Set up Wardscribe on this workstation' })).toBeVisible();
  await expectNoAxeViolations(page, 'first run');
  // A refused first run shows its error summary: that too must pass.
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect(page.getByTestId('error-summary')).toBeVisible();
  await expectNoAxeViolations(page, 'first run with errors');
  await page.reload();
  await createFirstAdmin(page);

  for (const [key, heading, what] of [
    ['1', /Status|Workstation/, 'Status'],
    ['6', 'Audit trail', 'Audit trail'],
    ['0', /certificates/i, 'Wipe certificates'],
    ['7', /Users|People/, 'Users'],
    ['8', 'Settings', 'Settings'],
    ['9', /passphrase/i, 'My passphrase'],
  ] as const) {
    await open(page, key, heading);
    await expectBannerInLandmark(page);
    await expectNoAxeViolations(page, what);
  }

  await addPersonAndSignIn(page, { username: 'olga', displayName: 'Olga Auditor', role: 'auditor' });
  await open(page, '6', 'Audit trail');
  await expectBannerInLandmark(page);
  await expectNoAxeViolations(page, 'Audit trail as an auditor');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await expectNoAxeViolations(page, 'sign-in');
  // A refused sign-in.
  await page.getByLabel('Username').fill(TEST_ADMIN.username);
  await page.getByLabel('Passphrase').fill('not the passphrase');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('error-summary').or(page.getByRole('alert')).first()).toBeVisible({ timeout: 15_000 });
  await expectNoAxeViolations(page, 'sign-in refused');
  await page.getByLabel('Passphrase').fill(TEST_ADMIN.passphrase);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('signed-in-user')).toBeVisible({ timeout: 15_000 });

  await addPersonAndSignIn(page, { username: 'carl', displayName: 'Carl Clerk', role: 'clerk' });
  for (const [key, heading, what] of [
    ['1', /Status|Workstation/, 'Status as a clerk'],
    ['2', /Import/, 'Import'],
    ['3', /Threads/, 'Threads'],
    ['5', 'Outbox', 'Outbox'],
    ['0', /certificates/i, 'Wipe certificates as a clerk'],
  ] as const) {
    await open(page, key, heading);
    await expectBannerInLandmark(page);
    await expectNoAxeViolations(page, what);
  }

  // The lock screen.
  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByLabel('Passphrase')).toBeVisible();
  await expectNoAxeViolations(page, 'lock screen');
});
