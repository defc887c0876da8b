/**
 * Electron entry point: lifecycle, the window, and the binding of the IPC registry. This folder
 * is the only main-process code that imports electron; everything it starts is plain Node.
 */
import { app, BrowserWindow, net, powerMonitor, session } from 'electron';
import { join } from 'node:path';
import { HOST_EVENT_CHANNEL } from '../../shared/ipc/events';
import { createConsoleLogger } from '../log';
import { ELECTRON_APP_ORIGIN } from '../security/policy';
import { createWardscribe } from '../wardscribe';
import { registerAppScheme, serveRenderer } from './app-protocol';
import { bindRegistryToIpcMain } from './ipc-binding';
import { hardenSession, hardenWebContents } from './security';
import { utilityProcessImportWorkers } from './utility-import-worker';
import { createWindowOptions } from './window-options';

const log = createConsoleLogger();

registerAppScheme();
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  // One Wardscribe per desktop session: a second start focuses the first window instead.
  app.quit();
} else {
  void app.whenReady().then(start);
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession);
  hardenWebContents(ELECTRON_APP_ORIGIN);
  serveRenderer(join(__dirname, '../renderer'));

  const wardscribe = createWardscribe({
    host: 'electron',
    engine: `Electron ${process.versions.electron} (Chromium ${process.versions.chrome})`,
    dataDir: app.getPath('userData'),
    log,
    // Exports are read in a utility process of their own, not a thread of the main process.
    importWorker: utilityProcessImportWorkers(),
    // EPR requests go through Chromium's network stack: the system proxy and the OS certificate store (a Trust's CA) apply.
    eprFetch: (input, init) => net.fetch(input, init),
  });

  // The checks below cannot see into the options factory; tests/unit/window-options.test.ts pins each setting.
  // [electronegativity] AUXCLICK_JS_CHECK: createWindowOptions() sets disableBlinkFeatures: 'Auxclick' and window.open is denied.
  // [electronegativity] CONTEXT_ISOLATION_JS_CHECK: createWindowOptions() sets contextIsolation: true.
  // [electronegativity] SANDBOX_JS_CHECK: createWindowOptions() sets sandbox: true, and app.enableSandbox() covers every renderer.
  const window = new BrowserWindow(
    createWindowOptions({ preloadPath: join(__dirname, '../preload/index.js'), allowDevTools: !app.isPackaged }),
  );
  // The page may not retitle the window: titles show in the task bar and in screen sharing.
  window.on('page-title-updated', (event) => event.preventDefault());
  window.once('ready-to-show', () => window.show());

  const unbind = bindRegistryToIpcMain(wardscribe.registryFor(ELECTRON_APP_ORIGIN), window);
  const unsubscribe = wardscribe.events.subscribe((event) => {
    if (!window.isDestroyed()) window.webContents.send(HOST_EVENT_CHANNEL, event);
  });

  // A shared PC: the vault closes the moment the desktop locks or the machine sleeps.
  powerMonitor.on('lock-screen', () => wardscribe.lock('os-lock'));
  powerMonitor.on('suspend', () => wardscribe.lock('suspend'));

  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  window.on('closed', () => {
    unsubscribe();
    unbind();
    void wardscribe.close().finally(() => app.quit());
  });

  log.info('app.started', { host: 'electron' });
  await window.loadURL(`${ELECTRON_APP_ORIGIN}/index.html`);
}
