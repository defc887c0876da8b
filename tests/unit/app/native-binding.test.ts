import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseSqlcipherBinding, configureSqlcipherBinding, type RuntimeFacts } from '../../../main/app/native-binding';
import { developmentElectronAddon, packagedElectronAddon } from '../../../main/config/electron-native';
import { WardscribeError } from '../../../main/errors';
import { openEncryptedDatabase, sqlcipherNativeBinding, SqlcipherModuleError, useSqlcipherNativeBinding } from '../../../main/vault/sqlcipher';
import { tempDir } from '../../support/temp';

// The Node build `npm ci` made: under Node it stands in for an Electron build, so the choice and
// the plumbing can be proven here without an Electron binary.
const NODE_BUILD = join(dirname(require.resolve('better-sqlite3-multiple-ciphers/package.json')), 'build', 'Release', 'better_sqlite3.node');

const base: RuntimeFacts = { versions: { node: '20.20.0' }, packaged: false, resourcesPath: '/opt/Wardscribe/resources', appRoot: '/src/wardscribe', platform: 'linux', arch: 'x64' };
const underElectron = (facts: Partial<RuntimeFacts> = {}): RuntimeFacts => ({ ...base, versions: { node: '22.20.0', electron: '45.4.1' }, ...facts });

afterEach(() => useSqlcipherNativeBinding(undefined));

describe('the SQLCipher addon for each runtime', () => {
  it('under Node keeps the node_modules build (tests, CLI, Chromium shell)', () => {
    expect(chooseSqlcipherBinding(base)).toBeUndefined();
  });

  it('under Electron chooses the Electron-ABI copy: native/electron/<platform>-<arch> in development', () => {
    expect(chooseSqlcipherBinding(underElectron())).toBe(join('/src/wardscribe', 'native', 'electron', 'linux-x64', 'better_sqlite3.node'));
    expect(chooseSqlcipherBinding(underElectron({ platform: 'win32', arch: 'arm64' }))).toBe(join('/src/wardscribe', 'native', 'electron', 'win32-arm64', 'better_sqlite3.node'));
  });

  it('under packaged Electron chooses the copy shipped as a resource', () => {
    expect(chooseSqlcipherBinding(underElectron({ packaged: true }))).toBe(join('/opt/Wardscribe/resources', 'native', 'better_sqlite3.node'));
  });

  it('puts the copy where scripts/electron-native.mjs builds it', async () => {
    const script = await import('../../../scripts/electron-native.mjs');
    expect(join(script.electronNativeDir('/src/wardscribe', 'linux', 'x64'), script.ADDON_FILE)).toBe(developmentElectronAddon('/src/wardscribe', 'linux', 'x64'));
    expect(packagedElectronAddon('/r')).toBe(join('/r', 'native', script.ADDON_FILE));
  });

  it('under Electron, configures the vault with the chosen copy and loads it before any window', () => {
    const dir = tempDir();
    try {
      const addon = developmentElectronAddon(dir.path, 'linux', 'x64');
      mkdirSync(dirname(addon), { recursive: true });
      copyFileSync(NODE_BUILD, addon);
      expect(configureSqlcipherBinding(underElectron({ appRoot: dir.path }))).toBe(addon);
      expect(sqlcipherNativeBinding()).toBe(addon);
      // The vault opens through it.
      const db = openEncryptedDatabase(join(dir.path, 'v.db'), Buffer.alloc(32, 7), { create: true });
      expect(db.pragma('cipher', { simple: true })).toBe('sqlcipher');
      db.close();
    } finally {
      dir.remove();
    }
  });

  it('a copy that is missing or for another runtime stops start-up with its own error, never "vault damaged"', () => {
    const dir = tempDir();
    try {
      expect(() => configureSqlcipherBinding(underElectron({ appRoot: dir.path }))).toThrow(SqlcipherModuleError);
      expect(() => configureSqlcipherBinding(underElectron({ appRoot: dir.path }))).toThrow(/does not match Electron 45\.4\.1.*The vault has not been touched/);
      // A file that is not a loadable addon for this runtime (as a Node build is under Electron).
      const addon = developmentElectronAddon(dir.path, 'linux', 'x64');
      mkdirSync(dirname(addon), { recursive: true });
      writeFileSync(addon, 'not an addon for this runtime');
      useSqlcipherNativeBinding(addon);
      let error: unknown;
      try {
        openEncryptedDatabase(join(dir.path, 'v.db'), Buffer.alloc(32, 7), { create: true });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SqlcipherModuleError);
      expect(error).not.toBeInstanceOf(WardscribeError);
    } finally {
      dir.remove();
    }
  });
});
