import { addPersonAndSignIn, createFirstAdmin, expect, test, TEST_ADMIN } from './fixtures';

test('first run, sign-out, backoff, sign-in, idle lock and sign-in again', async ({ wardscribe: { page, logLines } }) => {
  await createFirstAdmin(page);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

  // A wrong passphrase: a clear message, and a wait before the next try.
  await page.getByLabel('Username').fill(TEST_ADMIN.username);
  await page.getByLabel('Passphrase').fill('this is not the passphrase');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('sign-in-error')).toContainText('Username or passphrase not recognised. Try again in 1 second.');
  await expect(page.getByTestId('backoff')).toContainText('admin can try again in');
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeDisabled();

  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled({ timeout: 5_000 });
  await page.getByLabel('Passphrase').fill(TEST_ADMIN.passphrase);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('signed-in-user')).toHaveText('Ada Admin (admin)', { timeout: 15_000 });

  // A short idle lock, configured by the administrator.
  await page.keyboard.press('Alt+8');
  await page.getByLabel('Lock after this many idle minutes').fill('0.1');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status')).toContainText('lock after 0.1 minutes');

  // Nobody touches it: after six seconds the workstation locks itself and data calls are refused.
  await expect(page.getByRole('heading', { level: 1, name: 'Wardscribe is locked' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('lock-reason')).toContainText('nobody used it');
  await expect(page.getByTestId('signed-in-user')).toHaveCount(0);
  expect(await page.evaluate(() => window.wardscribe.users.list({}))).toMatchObject({ ok: false, error: { code: 'locked' } });

  await expect(page.getByLabel('Username')).toHaveValue('admin');
  await page.getByLabel('Passphrase').fill(TEST_ADMIN.passphrase);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('signed-in-user')).toHaveText('Ada Admin (admin)', { timeout: 15_000 });

  // Nothing secret reached main's log.
  expect(logLines.join('\n')).not.toContain(TEST_ADMIN.passphrase);
  expect(logLines.join('\n')).not.toContain('this is not the passphrase');
});

test('an administrator adds a clerk, who must choose a passphrase and cannot see administration', async ({ wardscribe: { page } }) => {
  await createFirstAdmin(page);
  await addPersonAndSignIn(page, { username: 'carl', displayName: 'Carl Clerk', role: 'clerk' });
  await expect(page.getByRole('button', { name: 'Users' })).toHaveCount(0);
  expect(await page.evaluate(() => window.wardscribe.users.list({}))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
});
