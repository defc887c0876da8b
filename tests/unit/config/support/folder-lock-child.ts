import { acquireVaultFolderLock } from '../../../../main/config/vault-folder-lock';

/** Takes the vault folder lock, says so, and holds it until killed (the test sends SIGKILL). */
export function main(argv: readonly string[]): void {
  const lock = acquireVaultFolderLock(argv[2]!);
  process.stdout.write(`holding ${lock.path}\n`);
  // Rooted so the process stays alive and the lock held.
  setInterval(() => lock.path, 1_000);
}
