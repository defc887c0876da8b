/**
 * Electron entry point: lifecycle, the window, and the binding of the IPC registry. This folder
 * is the only main-process code that imports electron; everything it starts is plain Node.
 */
import { app, BrowserWindow, dialog, net, powerMonitor, session } from 'electron';
import { join, resolve } from 'node:path';
import { HOST_EVENT_CHANNEL } from '../../shared/ipc/events';
import { machineSettingsPath, readMachineSettings, resolveVaultDir } from '../config/machine-settings';
import { acquireVaultFolderLock, type VaultFolderLock } from '../config/vault-folder-lock';
import { createConsoleLogger, describeUnexpected } from '../log';
import { ELECTRON_APP_ORIGIN } from '../security/policy';
import { createWardscribe } from '../wardscribe';
import { registerAppScheme, serveRenderer } from './app-protocol';
import { bindRegistryToIpcMain } from './ipc-binding';
import { configureSqlcipherBinding } from './native-binding';
import type { SecretKeystore } from '../security/keystore';
import { createOsKeystore } from './os-keystore';
import { hardenSession, hardenWebContents } from './security';
import { utilityProcessImportWorkers } from './utility-import-worker';
import { createWindowOptions } from './window-options';

const log = createConsoleLogger();

/** How often the Linux screen lock is looked for (powerMonitor's 'lock-screen' fires on macOS and Windows only). */
export const LINUX_LOCK_POLL_MS = 2_000;

let mainWindow: BrowserWindow | null = null;

/** Opens the system file dialog for an export file; null when cancelled or with no window. */
async function chooseExportFile(): Promise<string | null> {
  if (!mainWindow || mainWindow.isDestroyed()) return null;
  const result = await dialog.showOpenDialog(mainWindow, {
    title: 'Choose the chat export',
    properties: ['openFile'],
    filters: [
      { name: 'Chat exports', extensions: ['zip', 'txt', 'json'] },
      { name: 'All files', extensions: ['*'] },
    ],
  });
  return result.canceled ? null : (result.filePaths[0] ?? null);
}
let vaultLock: VaultFolderLock | null = null;

/**
 * Any failure before the window is up: said in a dialog (there is no window to say it in, and a
 * ward PC has no console), logged, then a clean exit that releases the single-instance lock, so
 * the next start is not silently refused by a process that will never show a window.
 */
function failStart(error: unknown): void {
  log.error('app.start-failed', describeUnexpected(error));
  // Start-up reads only configuration and the addon, never patient data, so its messages can be shown.
  const message = error instanceof Error ? error.message : String(error);
  dialog.showErrorBox('Wardscribe could not start', `${message}\n\nNothing in the vault has been changed.`);
  vaultLock?.release();
  app.exit(1);
}

try {
  // WARDSCRIBE_DATA_DIR moves the whole data folder (and the single-instance lock with it), as it
  // does for the Chromium shell. Must be set before anything asks for userData.
  const dataDirOverride = process.env['WARDSCRIBE_DATA_DIR'];
  if (dataDirOverride) app.setPath('userData', resolve(dataDirOverride));

  registerAppScheme();
  app.enableSandbox();

  if (!app.requestSingleInstanceLock()) {
    // One Wardscribe per desktop session: a second start focuses the first window instead.
    app.quit();
  } else {
    // Registered at once, so a second start during a slow start-up is not lost.
    app.on('second-instance', () => {
      if (!mainWindow || mainWindow.isDestroyed()) return;
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    });
    app.whenReady().then(start).catch(failStart);
  }
} catch (error) {
  failStart(error);
}

async function start(): Promise<void> {
  const dataDir = app.getPath('userData');
  // The environment may point at another machine config only in a development build (issue #14).
  const machineSettings = readMachineSettings(machineSettingsPath(process.env, { allowEnvironmentOverride: !app.isPackaged }));
  // Checked before any window opens: a module built for another runtime is its own error.
  configureSqlcipherBinding({
    versions: process.versions,
    packaged: app.isPackaged,
    resourcesPath: process.resourcesPath,
    appRoot: join(__dirname, '..', '..'),
    platform: process.platform,
    arch: process.arch,
  });
  vaultLock = acquireVaultFolderLock(resolveVaultDir(dataDir, machineSettings), {
    // The lock file was unlinked or replaced while held: another Wardscribe may now have the vault.
    onLost: () => {
      log.error('vault.folder-lock-lost');
      app.quit();
    },
  });

  hardenSession(session.defaultSession);
  hardenWebContents(ELECTRON_APP_ORIGIN);
  serveRenderer(join(__dirname, '../renderer'));

  const running = createWardscribe({
    host: 'electron',
    engine: `Electron ${process.versions.electron} (Chromium ${process.versions.chrome})`,
    dataDir,
    machineSettings,
    log,
    // Asked again at each vault opening, not only by its own 2-second watch.
    folderLock: vaultLock,
    // Exports are read in a utility process of their own, not a thread of the main process.
    importWorker: utilityProcessImportWorkers(),
    // EPR requests go through Chromium's network stack: the system proxy and the OS certificate store (a Trust's CA) apply.
    eprFetch: (input, init) => net.fetch(input, init),
    // The OS keystore seals the audit signing key, EPR credentials and the erase secret; without
    // one (Linux with no secret service) the key file beside the data folder does, and the log says so.
    ...withOsKeystore(),
    // The system's own dialog, attached to the window; the path it gives is checked by the import like a typed one.
    chooseFile: () => chooseExportFile(),
  });

  // The checks below cannot see into the options factory; tests/unit/window-options.test.ts pins each setting.
  // [electronegativity] AUXCLICK_JS_CHECK: createWindowOptions() sets disableBlinkFeatures: 'Auxclick' and window.open is denied.
  // [electronegativity] CONTEXT_ISOLATION_JS_CHECK: createWindowOptions() sets contextIsolation: true.
  // [electronegativity] SANDBOX_JS_CHECK: createWindowOptions() sets sandbox: true, and app.enableSandbox() covers every renderer.
  const window = new BrowserWindow(
    createWindowOptions({ preloadPath: join(__dirname, '../preload/index.js'), allowDevTools: !app.isPackaged }),
  );
  mainWindow = window;
  // The page may not retitle the window: titles show in the task bar and in screen sharing.
  window.on('page-title-updated', (event) => event.preventDefault());
  window.once('ready-to-show', () => window.show());

  const unbind = bindRegistryToIpcMain(running.registryFor(ELECTRON_APP_ORIGIN), window);
  const unsubscribe = running.events.subscribe((event) => {
    if (!window.isDestroyed()) window.webContents.send(HOST_EVENT_CHANNEL, event);
  });

  // A dead renderer cannot show the lock screen or notice idleness: lock the vault at once, then
  // load a fresh page, which opens on the sign-in screen.
  window.webContents.on('render-process-gone', (_event, details) => {
    log.warn('app.renderer-gone', { reason: details.reason, exitCode: details.exitCode });
    running.lock('window-gone');
    if (details.reason !== 'clean-exit' && !window.isDestroyed()) void window.loadURL(`${ELECTRON_APP_ORIGIN}/index.html`);
  });

  // A shared PC: the vault closes the moment the desktop locks or the machine sleeps.
  powerMonitor.on('lock-screen', () => running.lock('os-lock'));
  powerMonitor.on('suspend', () => running.lock('suspend'));
  const stopLinuxLockWatch = process.platform === 'linux' ? watchLinuxScreenLock(() => running.lock('os-lock')) : () => {};

  window.on('closed', () => {
    mainWindow = null;
    stopLinuxLockWatch();
    unsubscribe();
    unbind();
    void running.close().finally(() => {
      vaultLock?.release();
      app.quit();
    });
  });

  log.info('app.started', { host: 'electron' });
  await window.loadURL(`${ELECTRON_APP_ORIGIN}/index.html`);
}

function withOsKeystore(): { keystore?: SecretKeystore } {
  const keystore = createOsKeystore();
  if (!keystore) log.warn('app.no-os-keystore');
  return keystore ? { keystore } : {};
}

/**
 * Linux has no 'lock-screen' event: poll the idle state, which reads 'locked' while the desktop's
 * screen saver or lock screen is active (GNOME, KDE, Cinnamon, XFCE with a freedesktop screen
 * saver service; see docs/deployment.md). Locks once per locking, on the change into 'locked'.
 */
function watchLinuxScreenLock(onLocked: () => void): () => void {
  let wasLocked = false;
  const timer = setInterval(() => {
    const locked = powerMonitor.getSystemIdleState(1) === 'locked';
    if (locked && !wasLocked) onLocked();
    wasLocked = locked;
  }, LINUX_LOCK_POLL_MS);
  return () => clearInterval(timer);
}

app.on('will-quit', () => vaultLock?.release());
