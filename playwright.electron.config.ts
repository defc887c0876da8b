import { defineConfig } from '@playwright/test';

/**
 * The real-Electron smoke test (tests/e2e/electron/), run by `npm run test:electron`
 * (scripts/test-electron.mjs), which finds Electron's binary and the packaged app and passes them
 * in the environment, or prints one "skipped" line where there is no Electron binary.
 */
export default defineConfig({
  testDir: 'tests/e2e/electron',
  workers: 1,
  retries: 0,
  timeout: 180_000,
  reporter: [['list']],
  use: { trace: 'off' },
});
