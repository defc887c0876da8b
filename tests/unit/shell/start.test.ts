import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultDataDir, firstErrorLine, NO_DISPLAY_MESSAGE, resolveElectron } from '../../../main/shell/start';

describe('npm start', () => {
  it("resolves Electron through require('electron'): a binary where it can be had, else one line saying why", { timeout: 600_000 }, async () => {
    const outcome = await resolveElectron();
    if ('binary' in outcome) expect(existsSync(outcome.binary)).toBe(true);
    else {
      expect(outcome.reason).not.toContain('\n');
      expect(outcome.reason.length).toBeLessThan(260);
    }
  });

  it('picks the line of a failed download that says what went wrong', () => {
    const output = ['Downloading Electron binary...', 'TypeError: fetch failed', '    at node:internal/deps/undici/undici:14976:13', '    at async downloadArtifact (index.js:154:12)'].join('\n');
    expect(firstErrorLine(output)).toBe('TypeError: fetch failed');
    expect(firstErrorLine('RequestError: getaddrinfo ENOTFOUND example.invalid\n    at x')).toBe('RequestError: getaddrinfo ENOTFOUND example.invalid');
    expect(firstErrorLine('')).toBe('no output');
  });

  it('honours WARDSCRIBE_DATA_DIR and otherwise uses the folder Electron would', () => {
    expect(defaultDataDir({ WARDSCRIBE_DATA_DIR: '/srv/ws' }, 'linux')).toBe('/srv/ws');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/home/a/.config' }, 'linux')).toBe('/home/a/.config/Wardscribe');
    expect(defaultDataDir({ APPDATA: 'C:/Users/a/AppData/Roaming' }, 'win32')).toMatch(/Roaming[\\/]Wardscribe$/);
  });

  it('without a display, points to the demo', () => {
    expect(NO_DISPLAY_MESSAGE).toContain('npx wardscribe demo');
  });
});
