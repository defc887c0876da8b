import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests drive the renderer in Debian's Chromium through the Chromium host
 * (main/chromium/), which exposes the same window.wardscribe as Electron's preload. Each test
 * launches its own host with a fresh profile and data folder (tests/e2e/fixtures.ts).
 */
export default defineConfig({
  testDir: 'tests/e2e',
  // Real Electron has its own run (npm run test:electron, playwright.electron.config.ts).
  testIgnore: 'electron/**',
  workers: 2,
  fullyParallel: true,
  forbidOnly: !!process.env['CI'],
  retries: 0,
  timeout: 60_000,
  // Two apps share two cores: a preview (save, FHIR validation) or a filing can take longer than
  // Playwright's 5 s default while the other worker imports or wipes.
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: { trace: 'off' },
});
