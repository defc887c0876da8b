import type { FuseOptionsV1 } from 'app-builder-lib';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface BuilderConfig {
  electronFuses: FuseOptionsV1;
  win: { target: { target: string }[] };
  linux: { target: string[] };
  files: string[];
  asar: boolean;
}

const config = parse(readFileSync('electron-builder.yml', 'utf8')) as BuilderConfig;

describe('electron-builder.yml', () => {
  it('sets every Electron fuse explicitly, none left to a default', () => {
    // Required<…> makes the compiler list any fuse electron-builder adds in a later version.
    const expected: Required<FuseOptionsV1> = {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
      resetAdHocDarwinSignature: false,
    };
    expect(config.electronFuses).toEqual(expected);
    expect(config.asar).toBe(true);
  });

  it('builds NSIS and MSI for hospital Windows desktops, deb and AppImage for Linux', () => {
    expect(config.win.target.map((target) => target.target).sort()).toEqual(['msi', 'nsis']);
    expect(config.linux.target.sort()).toEqual(['AppImage', 'deb']);
  });

  it('packages the built output, not the sources', () => {
    expect(config.files).toEqual(expect.arrayContaining(['out/main/**', 'out/preload/**', 'out/renderer/**']));
    expect(config.files.some((pattern) => /^(main|renderer|preload|shared)\//.test(pattern))).toBe(false);
  });
});
