/**
 * Chooses which build of the SQLCipher addon the main process loads. Under Node (tests, CLI,
 * Chromium shell) it is the one in node_modules; under Electron it is the Electron-ABI copy
 * (main/config/electron-native.ts), because a V8-ABI addon built for Node cannot load there.
 * No electron import: the caller passes in what it knows, so this is unit-tested under Node.
 */
import { developmentElectronAddon, packagedElectronAddon } from '../config/electron-native';
import { assertSqlcipherLoads, useSqlcipherNativeBinding } from '../vault/sqlcipher';

export interface RuntimeFacts {
  /** process.versions: `electron` is set only inside Electron. */
  readonly versions: Readonly<Record<string, string | undefined>>;
  /** app.isPackaged */
  readonly packaged: boolean;
  /** process.resourcesPath in a packaged app. */
  readonly resourcesPath: string;
  /** The project folder in a development tree (two levels above out/main). */
  readonly appRoot: string;
  readonly platform: NodeJS.Platform;
  readonly arch: string;
}

/** The addon to load, or undefined for the default (node_modules) build. */
export function chooseSqlcipherBinding(facts: RuntimeFacts): string | undefined {
  if (!facts.versions['electron']) return undefined;
  return facts.packaged ? packagedElectronAddon(facts.resourcesPath) : developmentElectronAddon(facts.appRoot, facts.platform, facts.arch);
}

/**
 * Points the vault at the right addon and loads it once, so a mismatch stops start-up with its
 * own message (SqlcipherModuleError) before any window opens, never later as "vault damaged".
 * Returns the chosen path (undefined: node_modules).
 */
export function configureSqlcipherBinding(facts: RuntimeFacts): string | undefined {
  const binding = chooseSqlcipherBinding(facts);
  useSqlcipherNativeBinding(binding);
  const electron = facts.versions['electron'];
  assertSqlcipherLoads(electron ? `Electron ${electron}` : `Node ${facts.versions['node'] ?? ''}`.trim());
  return binding;
}
