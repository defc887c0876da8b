/**
 * `npm start`. Runs Wardscribe in Electron, resolving it through `require('electron')` (which
 * downloads Electron's binary on first use); only if that fails, in the Chromium fallback shell
 * (system Chromium in an app window, driven by Playwright), with the same main-process services
 * and the same window.wardscribe, saying why in one line.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { launchChromiumHost } from '../chromium/chromium-host';
import { machineSettingsPath, readMachineSettings, resolveVaultDir } from '../config/machine-settings';
import { acquireVaultFolderLock } from '../config/vault-folder-lock';
import { createConsoleLogger } from '../log';
import { createWardscribe } from '../wardscribe';

const root = join(__dirname, '..', '..');
const FALLBACK = 'so Wardscribe is running in the Chromium fallback shell (system Chromium, app window)';

interface ChildOutcome {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a Node script in a child process, collecting what it prints. */
function runNode(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ code: 1, output: error.message }));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const PATH_MARK = '\n[wardscribe-electron-path]';

/**
 * Electron's binary, through `require('electron')` exactly as Electron's own CLI gets it: it
 * downloads the binary if it is missing. Done in a child so the download's own output and stack
 * traces stay out of the console; only a one-line reason comes back.
 */
export async function resolveElectron(): Promise<{ readonly binary: string } | { readonly reason: string }> {
  if (process.env['WARDSCRIBE_SHELL'] === 'chromium') return { reason: 'WARDSCRIBE_SHELL=chromium asks for the fallback shell' };
  let electronDir: string;
  try {
    electronDir = dirname(require.resolve('electron/package.json', { paths: [root] }));
  } catch {
    return { reason: 'the electron package is not installed (run npm ci)' };
  }
  if (!existsSync(join(electronDir, 'path.txt'))) console.log("Wardscribe: fetching Electron's binary (once, on the first start that can download it)…");
  const outcome = await runNode(['-e', `process.stdout.write(${JSON.stringify(PATH_MARK)} + require('electron'))`]);
  const marked = outcome.output.lastIndexOf(PATH_MARK);
  if (outcome.code === 0 && marked >= 0) {
    const binary = outcome.output.slice(marked + PATH_MARK.length).trim();
    if (existsSync(binary)) return { binary };
    return { reason: `Electron's binary is missing at ${binary}` };
  }
  return { reason: `Electron's binary could not be downloaded (${firstErrorLine(outcome.output)})` };
}

/** "TypeError: fetch failed", "Error: getaddrinfo ENOTFOUND …": the line that says what went wrong. */
export function firstErrorLine(output: string): string {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
  const error = lines.find((line) => /^(\w*Error|RequestError|HTTPError)\b|E[A-Z]{3,}/.test(line) && !line.startsWith('at '));
  return (error ?? lines.at(-1) ?? 'no output').slice(0, 200);
}

/**
 * The Electron-ABI copy of the SQLCipher addon (scripts/electron-native.mjs): built now if it is
 * missing or was built for another Electron or addon version. null when ready, else why not.
 */
async function ensureElectronNative(): Promise<string | null> {
  const script = join(root, 'scripts', 'electron-native.mjs');
  const check = await runNode([script, 'check']);
  if (check.code === 0) return null;
  console.log(`Wardscribe: building the SQLCipher module for Electron (${check.output.replace(/^electron-native: /, '').trim()})…`);
  const build = await runNode([script, 'build']);
  if (build.code === 0) return null;
  return firstErrorLine(build.output.replace(/^electron-native: /gm, ''));
}

/** Same folder Electron's app.getPath('userData') uses, unless WARDSCRIBE_DATA_DIR overrides it. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env['WARDSCRIBE_DATA_DIR']) return env['WARDSCRIBE_DATA_DIR'];
  if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'Wardscribe');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Wardscribe');
  return join(env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'Wardscribe');
}

export const NO_DISPLAY_MESSAGE =
  'Wardscribe: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so no window can open. ' +
  'Run it from a desktop session, or see the whole job run without a window: npx wardscribe demo';

function hasDisplay(): boolean {
  return process.platform !== 'linux' || !!process.env['DISPLAY'] || !!process.env['WAYLAND_DISPLAY'];
}

async function startChromiumShell(): Promise<number> {
  const log = createConsoleLogger();
  const dataDir = defaultDataDir();
  let releaseVault = () => {};
  try {
    // The shell is always a development build, so the machine-config override is honoured here.
    const machineSettings = readMachineSettings(machineSettingsPath(process.env, { allowEnvironmentOverride: true }));
    const folderLock = acquireVaultFolderLock(resolveVaultDir(dataDir, machineSettings), {
      // The lock file was unlinked or replaced while held: another Wardscribe may now have the vault.
      onLost: () => {
        log.error('vault.folder-lock-lost');
        process.exit(1);
      },
    });
    releaseVault = folderLock.release;
    const host = await launchChromiumHost({
      // The lock is asked again at each vault opening, not only by its own 2-second watch.
      createApp: (engine) => createWardscribe({ host: 'chromium', engine, dataDir, machineSettings, log, folderLock }),
      rendererDir: join(root, 'out', 'renderer'),
      bridgeScript: join(root, 'out', 'preload', 'chromium-bridge.js'),
      headless: false,
      appWindow: true,
    });
    const stop = () => void host.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await host.closed;
    await host.close();
    return 0;
  } catch (error) {
    console.error(`Wardscribe: the Chromium fallback shell could not start: ${(error as Error).message}`);
    return 1;
  } finally {
    releaseVault();
  }
}

async function main(): Promise<number> {
  // Neither Electron nor the shell can open a window without a display: say so before fetching anything.
  if (!hasDisplay()) {
    console.error(NO_DISPLAY_MESSAGE);
    return 2;
  }
  const electron = await resolveElectron();
  if ('binary' in electron) {
    const nativeProblem = await ensureElectronNative();
    if (nativeProblem === null) {
      const child = spawn(electron.binary, [root], { stdio: 'inherit' });
      return new Promise((resolve) => {
        child.on('error', (error) => {
          console.error(`Wardscribe: Electron could not be started (${error.message}).`);
          resolve(1);
        });
        child.on('exit', (code) => resolve(code ?? 1));
      });
    }
    console.log(`Wardscribe: Electron is installed but its SQLCipher module could not be built (${nativeProblem}), ${FALLBACK}.`);
  } else {
    console.log(`Wardscribe: ${electron.reason}, ${FALLBACK}.`);
  }
  return startChromiumShell();
}

if (require.main === module) void main().then((code) => process.exit(code));
