/**
 * A Wardscribe main process cut down to one import, for the kill test: signs in to the vault in
 * `vaultDir`, imports `exportPath` in batches of 200 and prints `progress <n>` after each batch is
 * committed, so the parent knows when to kill it. Bundled with esbuild by the test.
 */
import { ImportService } from '../../../../main/imports/import-service';
import { threadWorkerLauncher } from '../../../../main/imports/import-worker-host';
import { silentLogger } from '../../../../main/log';
import { SessionService } from '../../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../../main/vault/key-slots';
import { vaultFiles } from '../../../../main/vault/vault-files';
import { ADMIN } from '../../../support/vault';

export async function main([vaultDir, exportPath, workerScript]: readonly string[]): Promise<void> {
  const session = new SessionService({ files: vaultFiles(vaultDir!), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.signIn(ADMIN.username, ADMIN.passphrase);
  const service = new ImportService({ session, batchSize: 200, worker: threadWorkerLauncher(workerScript!) });
  let batches = 0;
  await service.import(
    { path: exportPath!, zone: 'Europe/London' },
    { signal: new AbortController().signal, progress: (_done, _total, unit) => unit === 'bytes' && process.stdout.write(`progress ${++batches}\n`) },
  );
  process.stdout.write('finished\n');
}
