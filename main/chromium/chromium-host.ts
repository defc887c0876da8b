import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { EVENT_PULL_CHANNEL, type HostEvent } from '../../shared/ipc/events';
import { isAllowedNavigation } from '../security/policy';
import type { Wardscribe } from '../wardscribe';
import { startStaticServer } from './static-server';

/** Where Debian installs Chromium; WARDSCRIBE_CHROMIUM overrides it. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Chromium-based browsers looked for when WARDSCRIBE_CHROMIUM is unset, first found wins. */
export function chromiumCandidates(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (platform === 'win32') {
    const programFiles = [env['ProgramFiles(x86)'], env['ProgramFiles'], env['LOCALAPPDATA']].filter((dir): dir is string => !!dir);
    return programFiles.flatMap((dir) => [join(dir, 'Microsoft', 'Edge', 'Application', 'msedge.exe'), join(dir, 'Google', 'Chrome', 'Application', 'chrome.exe')]);
  }
  if (platform === 'darwin') {
    return ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge'];
  }
  return [DEFAULT_CHROMIUM_PATH, '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/snap/bin/chromium'];
}

/**
 * Flags for system Chromium on a locked-down ward network: no GPU, and none of Chromium's own
 * calls home. The sandbox is decided by chromiumSandbox() (no flag here: `--no-sandbox` is added
 * only as root, where Chromium refuses to start with it on).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
];

export interface ChromiumHostOptions {
  /** Creates the application once the browser's engine version is known. */
  readonly createApp: (engine: string) => Wardscribe;
  /** Folder of the built renderer (out/renderer). */
  readonly rendererDir: string;
  /** The bundled bridge script (out/preload/chromium-bridge.js). */
  readonly bridgeScript: string;
  readonly headless: boolean;
  readonly executablePath?: string;
  /**
   * Show the window as an app window (`--app=<origin>`: no tabs, no address bar), as the fallback
   * shell does. Ignored when headless.
   */
  readonly appWindow?: boolean;
}

export interface ChromiumHost {
  readonly app: Wardscribe;
  readonly page: Page;
  readonly origin: string;
  /** Resolves when the user closes the window. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export function chromiumExecutable(): string {
  return process.env['WARDSCRIBE_CHROMIUM'] ?? chromiumCandidates().find((path) => existsSync(path)) ?? DEFAULT_CHROMIUM_PATH;
}

let rootSandboxNoticeShown = false;

/**
 * Chromium's sandbox stays on, except as root, where Chromium will not start with it (CI runners
 * and containers): then one console line says so, once per process.
 */
export function chromiumSandbox(uid: number | undefined = process.getuid?.()): boolean {
  if (uid !== 0) return true;
  if (!rootSandboxNoticeShown) {
    rootSandboxNoticeShown = true;
    console.warn("Wardscribe: running as root, so Chromium's sandbox is off (Chromium does not allow it for root). Run as an ordinary user to keep it on.");
  }
  return false;
}

/** The keys that open DevTools in Chromium (F12, Ctrl/Cmd+Shift+I/J/C/K, Cmd+Alt+I/J/C). */
export const DEVTOOLS_SHORTCUT_SCRIPT = `(() => {
  const opensDevTools = (event) =>
    event.key === 'F12' ||
    ((event.ctrlKey || event.metaKey) && (event.shiftKey || event.altKey) && ['i', 'j', 'c', 'k'].includes(event.key.toLowerCase()));
  addEventListener('keydown', (event) => { if (opensDevTools(event)) { event.preventDefault(); event.stopImmediatePropagation(); } }, true);
  addEventListener('contextmenu', (event) => event.preventDefault(), true);
})();`;

/**
 * DevTools stay shut in the Chromium shell, so nobody at a ward PC can read the page's state or
 * call window.wardscribe by hand. Chromium's own switch for this (the DeveloperToolsAvailability
 * policy, or its profile preference) also shuts the DevTools protocol Playwright drives the shell
 * through, so instead: the page swallows the shortcuts and the context menu (Inspect), and any
 * DevTools window that opens all the same (a browser menu) is closed the moment it appears.
 */
async function keepDevToolsShut(context: BrowserContext, page: Page): Promise<void> {
  await page.addInitScript({ content: DEVTOOLS_SHORTCUT_SCRIPT });
  const targets = await context.newCDPSession(page);
  targets.on('Target.targetCreated', ({ targetInfo }) => {
    if (targetInfo.url.startsWith('devtools://')) void targets.send('Target.closeTarget', { targetId: targetInfo.targetId }).catch(() => {});
  });
  await targets.send('Target.setDiscoverTargets', { discover: true });
}

/**
 * Runs the renderer in system Chromium, driven by Playwright, with `window.wardscribe` bound
 * to the same registry Electron's ipcMain uses. Used by the end-to-end tests and as the
 * fallback shell when Electron's binary is not installed.
 */
export async function launchChromiumHost(options: ChromiumHostOptions): Promise<ChromiumHost> {
  const executablePath = options.executablePath ?? chromiumExecutable();
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium was not found at ${executablePath}. Install it (on Debian: apt-get install chromium) or set WARDSCRIBE_CHROMIUM to a Chromium, Chrome or Edge executable.`);
  }
  for (const file of [options.bridgeScript, join(options.rendererDir, 'index.html')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first.`);
  }

  // Until the bridge is in place the server answers "starting": an app window opens on the origin
  // at once, and nothing loads the renderer without its window.wardscribe.
  const server = await startStaticServer(options.rendererDir, { startClosed: true });
  const profile = await mkdtemp(join(tmpdir(), 'wardscribe-chromium-'));
  let context: BrowserContext | undefined;
  let app: Wardscribe | undefined;
  try {
    const appWindow = options.appWindow === true && !options.headless;
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: options.headless,
      chromiumSandbox: chromiumSandbox(),
      args: [...CHROMIUM_ARGS, ...(appWindow ? [`--app=${server.origin}/`, '--window-size=1280,860'] : [])],
      // Playwright opens a normal browser window on about:blank beside the app window; an app
      // window is the only one wanted.
      ...(appWindow ? { ignoreDefaultArgs: ['about:blank'] } : {}),
      viewport: options.headless ? { width: 1280, height: 860 } : null,
      acceptDownloads: false,
      serviceWorkers: 'block',
    });
    const page = context.pages()[0] ?? (await context.newPage());
    // The user agent string is reduced (156.0.0.0); the DevTools protocol knows the full version.
    const cdp = await context.newCDPSession(page);
    const { product } = await cdp.send('Browser.getVersion');
    await cdp.detach();
    app = options.createApp(`Chromium ${product.split('/')[1] ?? 'unknown'}`);
    const openApp = app;
    const registry = app.registryFor(server.origin);
    const invokeBinding = `__wardscribeInvoke_${randomBytes(8).toString('hex')}`;
    const events = new EventQueue();
    const unsubscribe = openApp.events.subscribe((event) => events.push(event));

    await page.exposeBinding(invokeBinding, ({ page: sourcePage, frame }, channel: unknown, payload: unknown) => {
      const sender = { isMainFrame: sourcePage === page && frame === page.mainFrame(), url: frame.url() };
      if (channel === EVENT_PULL_CHANNEL) return sender.isMainFrame ? events.next() : Promise.resolve(null);
      return registry.dispatchEncoded(sender, typeof channel === 'string' ? channel : '', payload);
    });
    await page.addInitScript((config) => {
      (globalThis as Record<string, unknown>)['__wardscribeBridgeConfig'] = config;
    }, { invokeBinding });
    await page.addInitScript({ path: options.bridgeScript });
    await keepDevToolsShut(context, page);

    // Navigation lock. A 204 answer cancels a navigation without leaving the current page
    // (an aborted one would show an error page instead); other foreign requests are aborted.
    await context.route('**/*', (route) => {
      const request = route.request();
      if (isAllowedNavigation(request.url(), server.origin)) return route.continue();
      return request.isNavigationRequest() ? route.fulfill({ status: 204 }) : route.abort('blockedbyclient');
    });
    // window.open gets nothing: any second page is closed at once.
    context.on('page', (other) => {
      if (other !== page) void other.close();
    });

    const openContext = context;
    const closed = new Promise<void>((resolve) => openContext.on('close', () => resolve()));
    server.open();
    await page.goto(`${server.origin}/`);

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        unsubscribe();
        events.close();
        await openContext.close().catch(() => {});
        await openApp.close();
        await server.close();
        await rm(profile, { recursive: true, force: true });
      })());
    void closed.then(close);
    return { app: openApp, page, origin: server.origin, closed, close };
  } catch (error) {
    await context?.close().catch(() => {});
    await app?.close();
    await server.close();
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Events waiting for the page's bridge to pull them. One pull is outstanding at a time; a new
 * pull (after a reload) releases the old one with an empty batch.
 */
class EventQueue {
  #queued: HostEvent[] = [];
  #waiting: ((batch: HostEvent[] | null) => void) | null = null;

  push(event: HostEvent): void {
    this.#queued.push(event);
    this.#flush();
  }

  next(): Promise<HostEvent[] | null> {
    this.#waiting?.([]);
    return new Promise((resolve) => {
      this.#waiting = resolve;
      if (this.#queued.length > 0) this.#flush();
    });
  }

  close(): void {
    this.#waiting?.(null);
    this.#waiting = null;
  }

  #flush(): void {
    if (!this.#waiting) return;
    const resolve = this.#waiting;
    this.#waiting = null;
    resolve(this.#queued.splice(0));
  }
}
