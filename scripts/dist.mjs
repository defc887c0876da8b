// `npm run dist [-- electron-builder options]`: the installers, on a connected build machine.
//   1. the Electron-ABI SQLCipher copy (scripts/electron-native.mjs), built if missing or stale;
//   2. the app (scripts/build.mjs);
//   3. electron-builder with electron-builder.yml, signing settings taken from the environment;
//   4. scripts/check-package.mjs on what was built (asar contents and size, the shipped addon).
//
// Signing (docs/deployment.md): CSC_LINK + CSC_KEY_PASSWORD (or WIN_CSC_LINK + WIN_CSC_KEY_PASSWORD)
// are read by electron-builder itself. Azure Trusted Signing: AZURE_SIGNING_ENDPOINT,
// AZURE_SIGNING_ACCOUNT, AZURE_SIGNING_PROFILE and AZURE_SIGNING_PUBLISHER (plus the AZURE_*
// credentials its tooling reads). WARDSCRIBE_TIMESTAMP_URL: an RFC 3161 timestamp server.
// WARDSCRIBE_REQUIRE_SIGNING=1 makes an unsigned build fail instead of warn.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Signing options from the environment, as electron-builder -c overrides. */
export function signingOverrides(environment = env) {
  const overrides = [];
  if (environment.WARDSCRIBE_REQUIRE_SIGNING === '1') overrides.push('-c.forceCodeSigning=true');
  if (environment.WARDSCRIBE_TIMESTAMP_URL) overrides.push(`-c.win.signtoolOptions.rfc3161TimeStampServer=${environment.WARDSCRIBE_TIMESTAMP_URL}`);
  const azure = {
    endpoint: environment.AZURE_SIGNING_ENDPOINT,
    codeSigningAccountName: environment.AZURE_SIGNING_ACCOUNT,
    certificateProfileName: environment.AZURE_SIGNING_PROFILE,
    publisherName: environment.AZURE_SIGNING_PUBLISHER,
  };
  if (Object.values(azure).some(Boolean)) {
    for (const [key, value] of Object.entries(azure)) {
      if (!value) throw new Error(`Azure Trusted Signing needs every one of AZURE_SIGNING_ENDPOINT, _ACCOUNT, _PROFILE and _PUBLISHER (${key} is unset).`);
      overrides.push(`-c.win.azureSignOptions.${key}=${value}`);
    }
  }
  return overrides;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const builderArgs = process.argv.slice(2);
  const check = spawnSync(process.execPath, ['scripts/electron-native.mjs', 'check'], { cwd: root, stdio: 'inherit' });
  if (check.status !== 0) run(process.execPath, ['scripts/electron-native.mjs', 'build']);
  run(process.execPath, ['scripts/build.mjs']);
  let overrides;
  try {
    overrides = signingOverrides();
  } catch (error) {
    console.error(`dist: ${error.message}`);
    process.exit(1);
  }
  run('npx', ['electron-builder', '--config', 'electron-builder.yml', ...overrides, ...builderArgs]);
  run(process.execPath, ['scripts/check-package.mjs']);
}
