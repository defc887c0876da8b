import { acquireVaultFolderLock } from '../../../../main/config/vault-folder-lock';

/** Takes the vault folder lock, says so, and holds it until killed (the test sends SIGKILL). */
export function main(argv: readonly string[]): void {
  // Says so at once when its lock is lost (the lock file unlinked or replaced), and looks often.
  const lock = acquireVaultFolderLock(argv[2]!, { checkEveryMs: 100, onLost: () => process.stdout.write('lost\n') });
  process.stdout.write(`holding ${lock.path}\n`);
  // Rooted so the process stays alive and the lock held.
  setInterval(() => lock.path, 1_000);
}
