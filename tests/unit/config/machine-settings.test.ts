import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { machineSettingsPath, readMachineSettings, resolveVaultDir } from '../../../main/config/machine-settings';
import { tempDir } from '../../support/temp';

const dir = tempDir();
afterAll(dir.remove);

describe('machine settings', () => {
  it('default to the vault folder inside the app data folder when there is no file', () => {
    expect(resolveVaultDir('/data', readMachineSettings(join(dir.path, 'absent.json')))).toBe(join('/data', 'vault'));
  });

  it('move the vault to the configured absolute folder', () => {
    const path = join(dir.path, 'machine.json');
    writeFileSync(path, JSON.stringify({ vaultDir: '/srv/wardscribe' }));
    expect(resolveVaultDir('/data', readMachineSettings(path))).toBe('/srv/wardscribe');
  });

  it.each([
    ['not JSON', '{ vaultDir: ', /not valid JSON/],
    ['a relative folder', JSON.stringify({ vaultDir: 'vault' }), /absolute path/],
    ['an unknown key', JSON.stringify({ vaultDirectory: '/srv' }), /invalid/],
  ])('stop start-up on %s rather than open a different vault', (_label, text, message) => {
    const path = join(dir.path, 'bad.json');
    writeFileSync(path, text);
    expect(() => readMachineSettings(path)).toThrow(message);
  });

  it('honour WARDSCRIBE_MACHINE_CONFIG in a development build only, never in a packaged one', () => {
    const env = { WARDSCRIBE_MACHINE_CONFIG: '/home/clerk/my-machine.json' };
    expect(machineSettingsPath(env, { allowEnvironmentOverride: true })).toBe('/home/clerk/my-machine.json');
    expect(machineSettingsPath(env, { allowEnvironmentOverride: false })).not.toBe('/home/clerk/my-machine.json');
    // The default is the packaged behaviour.
    expect(machineSettingsPath(env)).toBe(machineSettingsPath({}));
  });
});
