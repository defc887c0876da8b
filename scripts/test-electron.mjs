// `npm run test:electron`: the smoke test in real Electron (tests/e2e/electron/, Playwright's _electron),
// against the development build and a `--dir` packaged app. Runs wherever Electron's binary is
// present or can be fetched (require('electron') fetches it on first use, as `npm start` does);
// elsewhere it prints one "skipped: no Electron binary" line and succeeds, so `npm test` can
// include it on machines that cannot download Electron.
//
// WARDSCRIBE_ELECTRON_DOWNLOAD=0 never tries the download (uses an existing binary only).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const electronDir = join(root, 'node_modules', 'electron');

/** The installed binary, without triggering a download. */
function installedBinary() {
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

/** require('electron') in a child: fetches the binary if it can. Returns [binary, null] or [null, reason]. */
function fetchedBinary() {
  const mark = '\n[electron-path]';
  const result = spawnSync(process.execPath, ['-e', `process.stdout.write(${JSON.stringify(mark)} + require('electron'))`], { cwd: root, encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const at = output.lastIndexOf(mark);
  if (result.status === 0 && at >= 0) {
    const binary = output.slice(at + mark.length).trim();
    if (existsSync(binary)) return [binary, null];
  }
  const reason = output.split('\n').map((line) => line.trim()).find((line) => /^\w*Error\b/.test(line)) ?? 'the download failed';
  return [null, reason];
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  return result.status ?? 1;
}

let binary = installedBinary();
if (!binary && process.env.WARDSCRIBE_ELECTRON_DOWNLOAD !== '0') {
  let reason;
  [binary, reason] = fetchedBinary();
  if (!binary) {
    console.log(`test:electron: skipped: no Electron binary (it could not be fetched here: ${reason}).`);
    process.exit(0);
  }
}
if (!binary) {
  console.log('test:electron: skipped: no Electron binary (WARDSCRIBE_ELECTRON_DOWNLOAD=0 and none is installed).');
  process.exit(0);
}

console.log(`test:electron: Electron at ${binary}`);
// The Electron-ABI SQLCipher copy: without it the app refuses to start (as it should).
if (run(process.execPath, ['scripts/electron-native.mjs', 'check']) !== 0 && run(process.execPath, ['scripts/electron-native.mjs', 'build']) !== 0) {
  console.error('test:electron: the SQLCipher module could not be built for Electron; see above.');
  process.exit(1);
}
if (run(process.execPath, ['scripts/build.mjs']) !== 0) process.exit(1);

// A --dir package from the Electron just fetched (no second download). Playwright drives Electron
// through Node's inspector, which the release fuse `enableNodeCliInspectArguments: false` closes,
// so this test package alone keeps that fuse open; every other fuse and all of the packaging are
// as released. Linux and Windows only (a macOS .app has another layout).
const env = { ...process.env, WARDSCRIBE_ELECTRON_BINARY: binary };
if (process.platform === 'linux' || process.platform === 'win32') {
  const output = join(root, 'release', 'electron-smoke');
  const builder = run('npx', [
    'electron-builder', '--config', 'electron-builder.yml', '--dir',
    `-c.electronDist=${join(electronDir, 'dist')}`,
    `-c.directories.output=${output}`,
    '-c.electronFuses.enableNodeCliInspectArguments=true',
  ], { shell: process.platform === 'win32' });
  if (builder !== 0) process.exit(builder);
  if (run(process.execPath, ['scripts/check-package.mjs', output]) !== 0) process.exit(1);
  const unpacked = join(output, process.platform === 'win32' ? 'win-unpacked' : 'linux-unpacked');
  env.WARDSCRIBE_PACKAGED_APP = join(unpacked, process.platform === 'win32' ? 'Wardscribe.exe' : 'wardscribe');
}

process.exit(run('npx', ['playwright', 'test', '--config', 'playwright.electron.config.ts'], { env, shell: process.platform === 'win32' }));
