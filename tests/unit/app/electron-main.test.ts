/**
 * Electron's main process, run under Node against a stand-in for the `electron` module (there is
 * no Electron binary on our build machines): the order of start-up, every failure shown in a
 * dialog with a clean exit, WARDSCRIBE_DATA_DIR, the Linux lock poll and the dead-renderer lock.
 * What this cannot show is Electron itself behaving as its documentation says.
 */
import type { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../support/temp';

interface Stub {
  calls: string[];
  app: EventEmitter & Record<string, unknown>;
  dialog: { showErrorBox: ReturnType<typeof vi.fn> };
  powerMonitor: EventEmitter & { getSystemIdleState: ReturnType<typeof vi.fn> };
  windows: (EventEmitter & { webContents: EventEmitter & { send: () => void; id: number }; loadURL: ReturnType<typeof vi.fn> })[];
  ready: () => void;
}

const stub = vi.hoisted(() => ({ current: null as unknown as Stub }));
const fakeApp = vi.hoisted(() => ({ lock: vi.fn(), close: vi.fn(async () => {}) }));

vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  const { vi: v } = await import('vitest');
  let resolveReady: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
  const calls: string[] = [];
  const paths: Record<string, string> = { userData: '/nonexistent/default-user-data' };
  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    setPath: (name: string, value: string) => {
      calls.push(`setPath:${name}`);
      paths[name] = value;
    },
    getPath: (name: string) => paths[name]!,
    enableSandbox: () => calls.push('enableSandbox'),
    requestSingleInstanceLock: () => {
      calls.push('requestSingleInstanceLock');
      return true;
    },
    whenReady: () => readyPromise,
    quit: v.fn(),
    exit: v.fn(),
  });
  const originalOn = app.on.bind(app);
  app.on = ((event: string, listener: (...args: unknown[]) => void) => {
    calls.push(`on:${event}`);
    return originalOn(event, listener);
  }) as typeof app.on;
  const windows: unknown[] = [];
  class BrowserWindow extends Emitter {
    webContents = Object.assign(new Emitter(), { send: () => {}, id: 1 });
    loadURL = v.fn(async () => {});
    constructor() {
      super();
      calls.push('new BrowserWindow');
      windows.push(this);
    }
    isDestroyed = () => false;
    isMinimized = () => false;
    show = () => {};
    focus = () => {};
  }
  const powerMonitor = Object.assign(new Emitter(), { getSystemIdleState: v.fn(() => 'active') });
  const dialog = { showErrorBox: v.fn((title: string) => calls.push(`showErrorBox:${title}`)) };
  const current = { calls, app, dialog, powerMonitor, windows, ready: () => resolveReady() };
  stub.current = current as unknown as Stub;
  return {
    app,
    BrowserWindow,
    dialog,
    powerMonitor,
    net: { fetch: v.fn() },
    protocol: { registerSchemesAsPrivileged: () => calls.push('registerSchemesAsPrivileged'), handle: () => {} },
    session: { defaultSession: { setPermissionRequestHandler: () => {}, setPermissionCheckHandler: () => {}, setDevicePermissionHandler: () => {}, on: () => {} } },
    ipcMain: { handle: () => {}, removeHandler: () => {} },
    safeStorage: { isEncryptionAvailable: () => false, getSelectedStorageBackend: () => 'basic_text' },
    utilityProcess: { fork: v.fn() },
  };
});

vi.mock('../../../main/wardscribe', () => ({
  createWardscribe: () => ({ lock: fakeApp.lock, close: fakeApp.close, registryFor: () => ({ channels: [], dispatch: vi.fn() }), events: { subscribe: () => () => {} } }),
}));

const data = tempDir();
afterAll(data.remove);
const savedEnv = { ...process.env };

async function startMain(): Promise<Stub> {
  // The stand-in is made once per file: start each run from a clean record.
  if (stub.current) {
    stub.current.calls.length = 0;
    stub.current.windows.length = 0;
    stub.current.dialog.showErrorBox.mockClear();
    (stub.current.app['exit'] as ReturnType<typeof vi.fn>).mockClear();
    stub.current.powerMonitor.getSystemIdleState.mockReturnValue('active');
  }
  vi.resetModules();
  await import('../../../main/app/electron-main');
  const current = stub.current;
  current.ready();
  // Let start() run to its end (or to its failure).
  await vi.waitFor(() => expect(current.calls.some((call) => call === 'new BrowserWindow' || call.startsWith('showErrorBox'))).toBe(true));
  return current;
}

beforeEach(() => {
  fakeApp.lock.mockClear();
  process.env['WARDSCRIBE_DATA_DIR'] = join(data.path, `data-${Math.random().toString(16).slice(2)}`);
  delete process.env['WARDSCRIBE_MACHINE_CONFIG'];
});

afterEach(() => {
  process.env = { ...savedEnv };
  vi.useRealTimers();
});

describe("Electron's main process", () => {
  it('moves userData before the single-instance lock, and listens for a second instance before it is ready', async () => {
    const { calls } = await startMain();
    expect(calls.indexOf('setPath:userData')).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf('setPath:userData')).toBeLessThan(calls.indexOf('requestSingleInstanceLock'));
    expect(calls.indexOf('on:second-instance')).toBeLessThan(calls.indexOf('new BrowserWindow'));
    expect(calls.indexOf('on:second-instance')).toBe(calls.indexOf('requestSingleInstanceLock') + 1);
  });

  it('shows a start-up failure in a dialog and exits cleanly (a malformed machine config, development build)', async () => {
    const config = join(data.path, 'machine.json');
    writeFileSync(config, '{ "vaultDir": "relative" }');
    process.env['WARDSCRIBE_MACHINE_CONFIG'] = config;
    const { dialog, app, calls } = await startMain();
    expect(dialog.showErrorBox).toHaveBeenCalledWith('Wardscribe could not start', expect.stringMatching(/Machine settings .* invalid: vaultDir: vaultDir must be an absolute path/));
    expect(app['exit']).toHaveBeenCalledWith(1);
    expect(calls).not.toContain('new BrowserWindow');
  });

  it('under Electron without its SQLCipher copy, says the module does not match (never "vault damaged") before any window', async () => {
    Object.defineProperty(process.versions, 'electron', { value: '45.4.1', configurable: true, enumerable: true });
    try {
      const { dialog, app, calls } = await startMain();
      expect(dialog.showErrorBox).toHaveBeenCalledWith('Wardscribe could not start', expect.stringMatching(/SQLCipher module does not match Electron 45\.4\.1/));
      expect(dialog.showErrorBox.mock.calls[0]![1]).not.toMatch(/damaged/i);
      expect(app['exit']).toHaveBeenCalledWith(1);
      expect(calls).not.toContain('new BrowserWindow');
    } finally {
      delete (process.versions as Record<string, string | undefined>)['electron'];
    }
  });

  it('locks the vault when the renderer dies, and loads a fresh page', async () => {
    const { windows } = await startMain();
    const window = windows[0]!;
    window.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    expect(fakeApp.lock).toHaveBeenCalledWith('window-gone');
    expect(window.loadURL).toHaveBeenLastCalledWith('app://wardscribe/index.html');
  });

  it.runIf(process.platform === 'linux')('on Linux, locks once when the idle state turns to "locked"', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { powerMonitor } = await startMain();
    vi.advanceTimersByTime(2_000);
    expect(fakeApp.lock).not.toHaveBeenCalled();
    powerMonitor.getSystemIdleState.mockReturnValue('locked');
    vi.advanceTimersByTime(6_000);
    expect(fakeApp.lock).toHaveBeenCalledTimes(1);
    expect(fakeApp.lock).toHaveBeenCalledWith('os-lock');
  });
});
