// The Electron-ABI copy of the SQLCipher addon, kept apart from node_modules.
//
// better-sqlite3-multiple-ciphers is a V8-ABI addon: the copy `npm ci` builds in node_modules is
// for this machine's Node (tests, CLI, Chromium shell) and cannot load in Electron. This script
// builds a second copy for the installed Electron into native/electron/<platform>-<arch>/ and
// records what it was built for, so `npm start` and `npm run dist` can tell a missing or stale
// copy from a good one. Building needs Electron's headers (or a prebuilt addon) from the network:
// run it on a connected machine.
//
//   node scripts/electron-native.mjs build    build the copy (what `npm run build:electron-native` runs)
//   node scripts/electron-native.mjs check    exit 0 if the copy is present and current, 1 if not (says why)
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ADDON_PACKAGE = 'better-sqlite3-multiple-ciphers';
export const ADDON_FILE = 'better_sqlite3.node';
export const BUILD_INFO_FILE = 'build-info.json';

const defaultRoot = fileURLToPath(new URL('..', import.meta.url));

/** Where the Electron-ABI copy for one platform and architecture lives (see main/config/electron-native.ts). */
export function electronNativeDir(root = defaultRoot, platform = process.platform, arch = process.arch) {
  return join(root, 'native', 'electron', `${platform}-${arch}`);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** What the copy must have been built for: the installed addon and the installed Electron. */
export function expectedBuild(root = defaultRoot) {
  const electronDir = join(root, 'node_modules', 'electron');
  return {
    module: ADDON_PACKAGE,
    moduleVersion: readJson(join(root, 'node_modules', ADDON_PACKAGE, 'package.json')).version,
    electronVersion: readJson(join(electronDir, 'package.json')).version,
    abi: readFileSync(join(electronDir, 'abi_version'), 'utf8').trim(),
    platform: process.platform,
    arch: process.arch,
  };
}

/** True if the addon file registers itself for this ABI (a Node build registers Node's own). */
export function addonTargetsAbi(addonPath, abi) {
  return readFileSync(addonPath).includes(`node_register_module_v${abi}`);
}

/** null when the copy is present and current; otherwise a short reason. */
export function staleReason(root = defaultRoot) {
  const dir = electronNativeDir(root);
  const addon = join(dir, ADDON_FILE);
  if (!existsSync(addon) || !existsSync(join(dir, BUILD_INFO_FILE))) return 'there is no Electron build of the SQLCipher module yet';
  const expected = expectedBuild(root);
  let recorded;
  try {
    recorded = readJson(join(dir, BUILD_INFO_FILE));
  } catch {
    return `${BUILD_INFO_FILE} is unreadable`;
  }
  for (const key of Object.keys(expected)) {
    if (recorded[key] !== expected[key]) return `it was built for ${key} ${recorded[key]}, and ${expected[key]} is installed`;
  }
  if (!addonTargetsAbi(addon, expected.abi)) return `the module does not register for Electron's ABI ${expected.abi}`;
  return null;
}

/** Builds the copy with @electron/rebuild in a staging folder, so node_modules is never touched. */
export async function buildElectronNative(root = defaultRoot, log = console.log) {
  const expected = expectedBuild(root);
  const dir = electronNativeDir(root);
  const stage = join(root, 'native', 'electron', `.stage-${expected.platform}-${expected.arch}`);
  rmSync(stage, { recursive: true, force: true });
  const stagedModule = join(stage, 'node_modules', ADDON_PACKAGE);
  // The addon's own sources (it builds SQLite3 Multiple Ciphers from deps/), without its Node build.
  cpSync(join(root, 'node_modules', ADDON_PACKAGE), stagedModule, {
    recursive: true,
    filter: (source) => !source.includes(`${ADDON_PACKAGE}/build`),
  });
  writeFileSync(join(stage, 'package.json'), JSON.stringify({ name: 'wardscribe-native-stage', private: true, dependencies: { [ADDON_PACKAGE]: expected.moduleVersion } }));
  // npm passes its config to scripts as npm_config_*; a nodedir there (set on machines that build
  // against Node's own headers offline) would make node-gyp build for Node and report success.
  for (const name of Object.keys(process.env)) {
    if (/^npm_config_(nodedir|target|runtime|disturl|dist_url)$/i.test(name)) delete process.env[name];
  }
  log(`Building ${ADDON_PACKAGE} ${expected.moduleVersion} for Electron ${expected.electronVersion} (ABI ${expected.abi}, ${expected.platform}-${expected.arch})…`);
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath: stage, electronVersion: expected.electronVersion, arch: expected.arch, onlyModules: [ADDON_PACKAGE], force: true, mode: 'sequential' });
  const built = join(stagedModule, 'build', 'Release', ADDON_FILE);
  if (!existsSync(built)) throw new Error(`the rebuild finished but ${built} is missing`);
  if (!addonTargetsAbi(built, expected.abi)) {
    throw new Error(`the rebuilt module does not register for Electron's ABI ${expected.abi} (it was built for another runtime; is a nodedir set in the npm config?)`);
  }
  mkdirSync(dir, { recursive: true });
  cpSync(built, join(dir, ADDON_FILE));
  writeFileSync(join(dir, BUILD_INFO_FILE), JSON.stringify({ ...expected, builtAt: new Date().toISOString() }, null, 2) + '\n');
  rmSync(stage, { recursive: true, force: true });
  log(`Electron build of the SQLCipher module written to ${join(dir, ADDON_FILE)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const command = process.argv[2] ?? 'build';
  if (command === 'check') {
    const reason = staleReason();
    if (reason) {
      console.log(`electron-native: ${reason}`);
      process.exit(1);
    }
    console.log(`electron-native: ${join(electronNativeDir(), ADDON_FILE)} is current`);
  } else if (command === 'build') {
    try {
      await buildElectronNative();
    } catch (error) {
      console.error(`electron-native: could not build the SQLCipher module for Electron: ${error.message}`);
      process.exit(1);
    }
  } else {
    console.error('usage: node scripts/electron-native.mjs build|check');
    process.exit(2);
  }
}
