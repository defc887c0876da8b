import { join } from 'node:path';

/**
 * Where the Electron-ABI copy of the SQLCipher addon lives. `npm ci` builds the addon in
 * node_modules for Node (tests, CLI, Chromium shell); scripts/electron-native.mjs builds a second
 * copy for Electron beside it, and electron-builder ships that copy as a resource (see
 * electron-builder.yml). The two paths here and that script's must agree
 * (tests/unit/app/native-binding.test.ts checks they do).
 */
export const SQLCIPHER_ADDON_FILE = 'better_sqlite3.node';

/** In a development tree: native/electron/<platform>-<arch>/better_sqlite3.node. */
export function developmentElectronAddon(appRoot: string, platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  return join(appRoot, 'native', 'electron', `${platform}-${arch}`, SQLCIPHER_ADDON_FILE);
}

/** In a packaged app: <resources>/native/better_sqlite3.node (outside the asar, so it can be loaded and signed). */
export function packagedElectronAddon(resourcesPath: string): string {
  return join(resourcesPath, 'native', SQLCIPHER_ADDON_FILE);
}
