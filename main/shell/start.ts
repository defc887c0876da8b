/**
 * `npm start`. Runs Wardscribe in Electron when its binary is installed; otherwise in the
 * Chromium fallback shell (system Chromium in an app window, driven by Playwright), with the
 * same main-process services and the same window.wardscribe.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { launchChromiumHost } from '../chromium/chromium-host';
import { createConsoleLogger } from '../log';
import { createWardscribe } from '../wardscribe';

const root = join(__dirname, '..', '..');

/** The Electron binary, if `npm ci` or `npx install-electron` put one in node_modules. */
function installedElectronBinary(): string | null {
  try {
    const electronDir = dirname(require.resolve('electron/package.json', { paths: [root] }));
    const pathFile = join(electronDir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** Same folder Electron's app.getPath('userData') uses on Linux, unless overridden. */
function defaultDataDir(): string {
  if (process.env['WARDSCRIBE_DATA_DIR']) return process.env['WARDSCRIBE_DATA_DIR'];
  if (process.platform === 'win32') return join(process.env['APPDATA'] ?? homedir(), 'Wardscribe');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Wardscribe');
  return join(process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'Wardscribe');
}

async function startChromiumShell(): Promise<number> {
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) {
    console.error('Wardscribe: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so no window can open. Run it from a desktop session.');
    return 2;
  }
  const log = createConsoleLogger();
  try {
    const host = await launchChromiumHost({
      createApp: (engine) => createWardscribe({ host: 'chromium', engine, dataDir: defaultDataDir(), log }),
      rendererDir: join(root, 'out', 'renderer'),
      bridgeScript: join(root, 'out', 'preload', 'chromium-bridge.js'),
      headless: false,
    });
    const stop = () => void host.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await host.closed;
    return 0;
  } catch (error) {
    console.error(`Wardscribe: the Chromium fallback shell could not start: ${(error as Error).message}`);
    return 1;
  }
}

async function main(): Promise<number> {
  const electron = installedElectronBinary();
  if (electron && process.env['WARDSCRIBE_SHELL'] !== 'chromium') {
    const child = spawn(electron, [root], { stdio: 'inherit' });
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  }
  console.log(
    "Wardscribe: Electron's binary is not installed, so Wardscribe is running in the Chromium fallback shell (system Chromium, app window).",
  );
  return startChromiumShell();
}

void main().then((code) => process.exit(code));
